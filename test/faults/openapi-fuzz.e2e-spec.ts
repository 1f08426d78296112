import request from 'supertest';
import { startApp, type RunningApp } from '../support/app.js';
import {
  HOSTILE_RAW_BODIES,
  HOSTILE_STRINGS,
  hostileValues,
  pick,
  seededRandom,
  toJsonText,
} from '../support/hostile-input.js';
import { describeWithPostgresAndRedis, fullModeEnv } from '../support/services.js';
import { RssSampler, uncaughtErrors } from './fault-checks.js';

/**
 * A seeded, bounded hostile-input fuzzer over the OpenAPI document (full mode, real PostgreSQL
 * and Redis): every operation gets malformed path and query parameters and malformed bodies
 * (a valid-looking body with one field made hostile, and raw bodies that are barely JSON).
 * Nothing a client sends may earn a 5xx, and the process must not die. FUZZ_SEED repeats a run;
 * FUZZ_CASES sets the cases per operation.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_2026);
const CASES_PER_OPERATION = Number(process.env.FUZZ_CASES ?? 12);
const ADMIN_KEY = 'fuzz-admin-key-0001';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  schema?: Schema;
}
interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  example?: unknown;
  format?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: {
    content?: Record<string, { schema?: Schema; examples?: Record<string, { value: unknown }> }>;
  };
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

describeWithPostgresAndRedis(
  'fault: hostile input over every route of the OpenAPI document',
  () => {
    let running: RunningApp | undefined;
    const errors = uncaughtErrors();

    beforeAll(async () => {
      running = await startApp({ ...(await fullModeEnv()), DEBUG_API_KEYS: `${ADMIN_KEY}:admin` });
    });

    afterAll(async () => {
      await running?.close();
      errors.dispose();
    });

    it(`answers no 5xx to malformed parameters and bodies (seed ${SEED}, ${CASES_PER_OPERATION} cases per operation)`, async () => {
      const app = running!;
      const document = (await request(app.url).get('/api/docs-json').expect(200)).body as OpenApi;
      const random = seededRandom(SEED);
      const failures: string[] = [];
      let sent = 0;
      const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
      );
      expect(operations.length).toBeGreaterThan(30);
      const rss = RssSampler.ofThisProcess('openapi-fuzz');
      rss.warm();

      for (const { path, method, operation } of operations) {
        for (let index = 0; index < CASES_PER_OPERATION; index++) {
          const parameters = operation.parameters ?? [];
          const hostileParameter =
            parameters.length > 0 && random() < 0.6 ? pick(random, parameters) : undefined;
          const url = path.replace(/\{([^}]+)\}/g, (_, name: string) =>
            encodeHostile(
              hostileParameter?.name === name ? pick(random, HOSTILE_STRINGS) : sampleText(name),
            ),
          );
          const query: Record<string, string> = {};
          for (const parameter of parameters.filter((one) => one.in === 'query')) {
            if (parameter === hostileParameter)
              query[parameter.name] = pick(random, HOSTILE_STRINGS);
            else if (random() < 0.3)
              query[parameter.name] = String(sample(parameter.schema, document, random, 0) ?? '');
          }
          const search = Object.entries(query)
            .map(([name, value]) => `${encodeHostile(name)}=${encodeHostile(value)}`)
            .join('&');
          let call = (request(app.url) as unknown as Record<string, (url: string) => request.Test>)
            [method](search ? `${url}?${search}` : url)
            .set('X-API-Key', ADMIN_KEY);
          let bodyNote = '';
          if (operation.requestBody && method !== 'get') {
            if (random() < 0.2) {
              const raw = pick(random, HOSTILE_RAW_BODIES);
              bodyNote = `raw ${raw.slice(0, 40)}`;
              call = call.set('Content-Type', 'application/json').send(raw);
            } else {
              const schema = operation.requestBody.content?.['application/json']?.schema;
              const body = sample(schema, document, random, 0);
              const hostile = pick(random, hostileValues(random));
              const mutated = mutate(body, hostile, random);
              bodyNote = `body ${JSON.stringify(mutated)?.slice(0, 120)}`;
              call = call.set('Content-Type', 'application/json').send(toJsonText(mutated));
            }
          }
          const response = await call.ok(() => true);
          sent++;
          if (response.status >= 500) {
            failures.push(
              `${method.toUpperCase()} ${url}?${search.slice(0, 200)} ${bodyNote} → ${response.status} ${JSON.stringify(response.body).slice(0, 200)}`,
            );
          }
        }
      }
      expect(sent).toBeGreaterThan(operations.length * CASES_PER_OPERATION * 0.99);
      expect(failures).toEqual([]);
      expect(errors.seen).toEqual([]);
      // Still serving after all of it.
      await request(app.url).get('/api/debug/health/live').expect(200);
      rss.expectBoundedGrowth();
    });
  },
);

/** Percent-encoding that also carries a lone surrogate (as the bytes of its would-be UTF-8, which no decoder accepts). */
function encodeHostile(text: string): string {
  return text
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\u0001')
    .split('\u0001')
    .map(encodeURIComponent)
    .join('%ED%A0%80');
}

function sampleText(name: string): string {
  if (/id$/i.test(name)) return '0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a11';
  return 'sample';
}

function resolve(schema: Schema | undefined, document: OpenApi): Schema | undefined {
  if (!schema?.$ref) return schema;
  return document.components.schemas[schema.$ref.split('/').pop()!];
}

/** A plausible value of `schema` (examples first), so that a hostile field reaches past the first check. */
function sample(
  raw: Schema | undefined,
  document: OpenApi,
  random: () => number,
  depth: number,
): unknown {
  const schema = resolve(raw, document);
  if (!schema || depth > 6) return undefined;
  if (schema.example !== undefined) return structuredClone(schema.example);
  if (schema.enum) return pick(random, schema.enum);
  const composite = schema.allOf?.[0] ?? schema.oneOf?.[0] ?? schema.anyOf?.[0];
  if (composite) return sample(composite, document, random, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(schema.properties ?? {}))
        value[name] = sample(property, document, random, depth + 1);
      return value;
    }
    case 'array':
      return [sample(schema.items, document, random, depth + 1)];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'string':
      return schema.format === 'date-time' ? new Date().toISOString() : 'sample';
    default:
      return undefined;
  }
}

/** `body` with one field (at any depth) replaced by `hostile`, or `hostile` itself. */
function mutate(body: unknown, hostile: unknown, random: () => number): unknown {
  if (typeof body !== 'object' || body === null || random() < 0.1) return hostile;
  const copy = structuredClone(body) as Record<string, unknown>;
  const keys = Object.keys(copy);
  if (keys.length === 0) return { [pick(random, ['__proto__', 'x', 'events', 'state'])]: hostile };
  const key = pick(random, keys);
  copy[key] =
    typeof copy[key] === 'object' && copy[key] !== null && random() < 0.5
      ? mutate(copy[key], hostile, random)
      : hostile;
  return copy;
}
