// `npm run bench:query`: seeds a scratch PostgreSQL database with N events (COPY), warms it,
// then measures the agent queries in-process (the services behind the REST routes and the
// MCP tools): component health, operation progress, explain error, ask — each uncached (cache
// cleared before every call) and cached (the same query repeated) — against a same-run
// baseline: one event read by its primary key through the same connection pool.
//   --events N (1000000)  --days D (3: events spread over the last D days)
//   --runs R (200 uncached calls per query)  --keep (keep the database)
import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { QueryCacheService } from '../src/cache/query-cache.service.js';
import { createApp } from '../src/bootstrap.js';
import { newId } from '../src/common/ids.js';
import { PartitionService } from '../src/database/partition.service.js';
import { AskService } from '../src/query/ask/ask.service.js';
import { ComponentHealthService } from '../src/query/component-health.service.js';
import { ExplainErrorService } from '../src/query/explain-error.service.js';
import { OperationProgressService } from '../src/query/operation-progress.service.js';
import { QueryRepository } from '../src/query/query.repository.js';
import { ADMIN_URL, adminQuery, log, numberOption, quantile } from './bench-support.js';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const DAY_MS = 86_400_000;
const TYPES = 40;
const IDS_PER_TYPE = 8;
const STEPS = ['receive', 'validate', 'reserve', 'charge', 'notify', 'complete'];
const TEMPLATES = [
  'request <n> handled in <n> ms',
  'cache miss for key user:<n>',
  'job <n> processed in <n> ms',
  'queue depth <n>',
  'heartbeat ok uptime=<n>s',
  'retrying call to upstream attempt=<n>',
];
const ERROR_TEMPLATES = [
  'connection pool exhausted (size=<n>, waiting=<n>)',
  'timeout after <n> ms calling upstream',
  'payment declined for order <n>',
  'schema validation failed for record <n>',
];

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const patternOf = (template: string) =>
  createHash('sha1').update(template).digest('hex').slice(0, 16);
const fill = (template: string, next: () => number) =>
  template.replace(/<n>/g, () => String(Math.floor(next() * 100_000)));
const csv = (value: string | number | null) =>
  value === null
    ? ''
    : typeof value === 'number'
      ? String(value)
      : `"${value.replaceAll('"', '""')}"`;

export interface Sample {
  correlationIds: string[];
  errorEvents: { id: string }[];
  keys: { id: string; timestamp: Date }[];
}

/**
 * CSV rows of `total` events over `days` days up to `now`: 70% in operations of six steps over
 * two or three components (1% of operations never finish), 30% standalone; 3% errors.
 */
function* rows(total: number, days: number, now: number, sample: Sample): Generator<string> {
  const next = random(42);
  const span = days * DAY_MS;
  let produced = 0;
  let operation = 0;
  while (produced < total) {
    const at = now - span + (produced / total) * span;
    const chained = next() < 0.7;
    const steps = chained ? (next() < 0.01 ? 3 : STEPS.length) : 1;
    const correlationId = chained
      ? `op-${operation++}-${Math.floor(next() * 1e9).toString(36)}`
      : null;
    const components = Array.from({ length: 3 }, () => {
      const type = Math.floor(Math.pow(next(), 1.3) * TYPES);
      return {
        type: `service-${type}`,
        id: `service-${type}-${Math.floor(next() * IDS_PER_TYPE)}`,
      };
    });
    let parent: string | null = null;
    for (let step = 0; step < steps && produced < total; step++) {
      const component = components[Math.min(2, Math.floor(step / 2))];
      const isError = next() < 0.03;
      const template = isError
        ? ERROR_TEMPLATES[Math.floor(next() * ERROR_TEMPLATES.length)]
        : TEMPLATES[Math.floor(next() * TEMPLATES.length)];
      const timestamp = new Date(Math.min(now - 1, at + step * 40 + Math.floor(next() * 30)));
      const id = newId(timestamp);
      const level = isError
        ? next() < 0.2
          ? 'critical'
          : 'error'
        : next() < 0.15
          ? 'debug'
          : next() < 0.1
            ? 'warning'
            : 'info';
      const duration =
        next() < 0.7
          ? Math.round((20 + next() * 80 * (1 + (component.type.length % 3))) * 100) / 100
          : null;
      const data = chained
        ? JSON.stringify({
            phase: step === 0 ? 'start' : step === steps - 1 ? 'end' : 'step',
            attempt: 1,
          })
        : null;
      produced++;
      if (chained && produced % 997 === 0 && correlationId)
        sample.correlationIds.push(correlationId);
      if (isError && chained && sample.errorEvents.length < 2000 && produced % 7 === 0)
        sample.errorEvents.push({ id });
      if (produced % 4999 === 0) sample.keys.push({ id, timestamp });
      yield (
        [
          csv(id),
          csv(timestamp.toISOString()),
          csv(isError ? 'error' : chained ? 'trace' : 'log'),
          csv(level),
          csv(component.type),
          csv(component.id),
          csv(correlationId),
          csv(parent),
          csv(chained ? STEPS[step] : null),
          csv(duration),
          csv(fill(template, next)),
          csv(data),
          csv('{"bench":true,"region":"eu-west-1","build":"2026.11.3"}'),
          csv(null),
          csv(patternOf(template)),
          csv(timestamp.toISOString()),
        ].join(',') + '\n'
      );
      parent = id;
    }
  }
}

async function seed(
  databaseUrl: string,
  total: number,
  days: number,
  now: number,
): Promise<Sample> {
  const sample: Sample = { correlationIds: [], errorEvents: [], keys: [] };
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const copy = client.query(
      copyStreams.from(
        `COPY debug_events (id, "timestamp", event_type, level, component_type, component_id, correlation_id, parent_event_id,
          operation, duration_ms, message, data, metadata, session_id, pattern_id, ingested_at) FROM STDIN WITH (FORMAT csv)`,
      ),
    );
    let lines = 0;
    const batched = async function* () {
      let buffer = '';
      for (const line of rows(total, days, now, sample)) {
        buffer += line;
        if (++lines % 5000 === 0) {
          yield buffer;
          buffer = '';
          if (lines % 200_000 === 0) log(`  copied ${lines} events`);
        }
      }
      if (buffer) yield buffer;
    };
    await pipeline(Readable.from(batched()), copy);
    // State snapshots (a few versions per component) and insights (open and resolved) for health and explain.
    await client.query(
      `INSERT INTO debug_state_snapshots (id, component_type, component_id, captured_at, state, version, hash)
       SELECT gen_random_uuid(), 'service-' || t, 'service-' || t || '-' || i, to_timestamp($1::double precision / 1000) - (v || ' hours')::interval,
              jsonb_build_object('config', jsonb_build_object('pool', 10 + (i % 2) * 10, 'version', v)), 10 - v, md5(t || '-' || i || '-' || v)
         FROM generate_series(0, ${TYPES - 1}) t, generate_series(0, ${IDS_PER_TYPE - 1}) i, generate_series(1, 5) v`,
      [now],
    );
    await client.query(
      `INSERT INTO debug_insights (id, insight_type, severity, title, summary, fingerprint, affected_components, evidence, confidence,
                                   suggestions, occurrences, first_seen, last_seen, status, resolved_at, resolution)
       SELECT gen_random_uuid(), 'error', (ARRAY['low','medium','high','critical'])[1 + n % 4], 'Burst of errors in service-' || (n % ${TYPES}),
              'errors above baseline', md5('bench-' || n),
              jsonb_build_array(jsonb_build_object('component_type', 'service-' || (n % ${TYPES}), 'component_id', 'service-' || (n % ${TYPES}) || '-1')),
              jsonb_build_object('pattern_id', $2::text), 0.8, '["check the upstream pool"]'::jsonb, 10,
              to_timestamp($1::double precision / 1000) - interval '2 hours', to_timestamp($1::double precision / 1000) - interval '5 minutes',
              CASE WHEN n % 3 = 0 THEN 'resolved' ELSE 'open' END,
              CASE WHEN n % 3 = 0 THEN to_timestamp($1::double precision / 1000) END,
              CASE WHEN n % 3 = 0 THEN 'raised the pool size' END
         FROM generate_series(1, 300) n`,
      [now, patternOf(ERROR_TEMPLATES[0])],
    );
    // What autovacuum does to an append-only table: statistics and the visibility map.
    log('VACUUM ANALYZE');
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
  return sample;
}

async function measure(
  label: string,
  runs: number,
  call: (index: number) => Promise<unknown>,
  before?: () => void,
): Promise<number[]> {
  for (let index = 0; index < Math.min(10, runs); index++) {
    before?.();
    await call(index);
  }
  const times: number[] = [];
  for (let index = 0; index < runs; index++) {
    before?.();
    const started = performance.now();
    await call(index);
    times.push(performance.now() - started);
  }
  log(`  ${label}: ${runs} calls`);
  return times;
}

async function main(): Promise<void> {
  const total = numberOption('events', 1_000_000);
  const days = numberOption('days', 3);
  const runs = numberOption('runs', 200);
  const keep = process.argv.includes('--keep');
  const name = `ads_bench_query_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  log(
    `bench:query — ${cpus().length} cores, ${total} events over ${days} day(s), ${runs} uncached calls per query, database ${name}`,
  );
  await adminQuery(`CREATE DATABASE ${name}`);
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    app = await createApp({
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      DEBUG_REDIS_PREFIX: `bench-query-${randomBytes(3).toString('hex')}`,
      DEBUG_ROLE: 'api',
      DEBUG_API_KEYS: '',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    await app.init();
    const now = Date.now();
    const partitions = app.get(PartitionService);
    await partitions.ensureFor(
      'debug_events',
      Array.from({ length: days + 1 }, (_, index) => now - index * DAY_MS),
    );
    log(`seeding ${total} events with COPY`);
    const seedStarted = performance.now();
    const sample = await seed(databaseUrl, total, days, now);
    log(
      `seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s; ${sample.correlationIds.length} operations, ${sample.errorEvents.length} errors sampled`,
    );

    const cache = app.get(QueryCacheService);
    const health = app.get(ComponentHealthService);
    const progress = app.get(OperationProgressService);
    const explain = app.get(ExplainErrorService);
    const ask = app.get(AskService);
    const repository = app.get(QueryRepository);
    const pick = <T>(items: T[], index: number) => items[(index * 7919) % items.length];
    const type = (index: number) => `service-${(index * 13) % TYPES}`;
    const questions = (index: number) =>
      [
        `is ${type(index)} healthy?`,
        `why is ${type(index)} failing in the last hour?`,
        `what is slow in ${type(index)} in the last 15 minutes?`,
        `where is operation ${pick(sample.correlationIds, index)} stuck?`,
      ][index % 4];

    const idQuestions = (index: number) => {
      const id = pick(sample.correlationIds, index);
      return index % 2 === 0 ? `what happened to ${id}` : `trace ${id.slice(0, 10)}…`;
    };
    const results: { name: string; uncached: number[]; cached: number[] }[] = [];
    const clear = () => cache.clear();
    log('baseline: one event by primary key');
    const baseline = await measure('primary-key lookup', runs, (index) => {
      const key = pick(sample.keys, index);
      return repository.eventByKey(key.id, key.timestamp);
    });
    const suites: [
      string,
      (index: number) => Promise<unknown>,
      (index: number) => Promise<unknown>,
    ][] = [
      [
        'component health (one type, 15 min vs 24 h)',
        (index) => health.health({ components: [type(index)] }),
        () => health.health({ components: [type(0)] }),
      ],
      [
        'operation progress',
        (index) => progress.progress(pick(sample.correlationIds, index)),
        () => progress.progress(sample.correlationIds[0]),
      ],
      [
        'explain error',
        (index) => explain.explainEvent(pick(sample.errorEvents, index).id),
        () => explain.explainEvent(sample.errorEvents[0].id),
      ],
      [
        'ask (4 kinds of question)',
        (index) => ask.ask(questions(index)),
        () => ask.ask(questions(0)),
      ],
      // ids without a trigger word, looked up in the store first (exact, then a cut prefix)
      [
        'ask: ids as people write them',
        (index) => ask.ask(idQuestions(index)),
        () => ask.ask(idQuestions(0)),
      ],
    ];
    for (const [label, uncachedCall, cachedCall] of suites) {
      log(label);
      const uncached = await measure('uncached', runs, uncachedCall, clear);
      clear();
      await cachedCall(0);
      const cached = await measure('cached', runs * 5, cachedCall);
      results.push({ name: label, uncached, cached });
    }

    const base95 = quantile(baseline, 0.95);
    const format = (value: number) => value.toFixed(3).padStart(9);
    process.stdout.write(
      `\nbench:query on ${cpus().length} cores, ${total} events, PostgreSQL + Redis (in-process service calls)\n`,
    );
    process.stdout.write(
      `baseline (primary-key lookup): p50 ${format(quantile(baseline, 0.5))} ms  p95 ${format(base95)} ms\n`,
    );
    process.stdout.write(
      `${'query'.padEnd(46)} ${'p50 ms'.padStart(9)} ${'p95 ms'.padStart(9)} ${'p95/base'.padStart(9)}  |  cached p50 ${''.padStart(0)}   p95 ms   bar\n`,
    );
    for (const result of results) {
      const p95 = quantile(result.uncached, 0.95);
      const cachedP95 = quantile(result.cached, 0.95);
      const barred =
        result.name.startsWith('component health') || result.name.startsWith('operation progress');
      const verdict = barred
        ? p95 < 50 && cachedP95 < 1
          ? 'PASS (p95 < 50 ms, cached < 1 ms)'
          : 'FAIL (p95 < 50 ms, cached < 1 ms)'
        : cachedP95 < 1
          ? 'cached < 1 ms'
          : '';
      process.stdout.write(
        `${result.name.padEnd(46)} ${format(quantile(result.uncached, 0.5))} ${format(p95)} ${(p95 / base95).toFixed(1).padStart(8)}×  |  ${format(quantile(result.cached, 0.5))} ${format(cachedP95)}   ${verdict}\n`,
      );
    }
    process.stdout.write(`cache: ${JSON.stringify(cache.stats())}\n`);
  } finally {
    await app?.close();
    if (keep) log(`kept database ${name}`);
    else await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:query failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
