/**
 * The Sentry envelope path against the REST path it is built on, same run.
 *
 *   npm run bench:sentry -- [--requests 4000] [--concurrency 32]
 *
 * Starts the service as a user would (`node dist/src/main.js`, full mode, scratch database and
 * Redis prefix). Each request carries what one `captureException` of an SDK carries: an error
 * with 12 stack frames and 5 breadcrumbs, i.e. 6 events. Sentry: that as an envelope to
 * POST /api/1/envelope/. Baseline: the same 6 events, already in our shape, to
 * POST /api/debug/events/batch. Rounds alternate (REST, Sentry, REST, Sentry) so that drift in
 * the machine's load falls on both; the ratio of events accepted per second is the figure.
 */
import { randomUUID } from 'node:crypto';
import {
  createDatabase,
  deleteRedisPrefix,
  dropDatabase,
  fmt,
  log,
  numberOption,
  post,
  REDIS_URL,
  startService,
  suffix,
} from './bench-support.js';

const REQUESTS = numberOption('requests', 4000);
const CONCURRENCY = numberOption('concurrency', 32);
const EVENTS_PER_REQUEST = 6;

function sentryEnvelope(): string {
  const eventId = randomUUID().replace(/-/g, '');
  const traceId = randomUUID().replace(/-/g, '');
  const now = Date.now() / 1000;
  const event = {
    event_id: eventId,
    timestamp: now,
    level: 'error',
    platform: 'node',
    server_name: `api-${eventId.slice(0, 1)}`,
    release: 'shop@1.4.2',
    sdk: { name: 'sentry.javascript.node', version: '11.12.0' },
    contexts: {
      trace: { trace_id: traceId, span_id: traceId.slice(0, 16) },
      runtime: { name: 'node', version: 'v20.20.2' },
    },
    exception: {
      values: [
        {
          type: 'TypeError',
          value: `Cannot read properties of undefined (reading 'items') for order ${eventId.slice(0, 6)}`,
          stacktrace: {
            frames: Array.from({ length: 12 }, (_, index) => ({
              function: `step${index}`,
              filename: `/app/src/module-${index}.js`,
              lineno: 10 + index,
              colno: 5,
              in_app: index > 6,
              context_line: '    return cart.items[order];',
            })),
          },
        },
      ],
    },
    breadcrumbs: {
      values: Array.from({ length: 5 }, (_, index) => ({
        timestamp: now - 5 + index,
        category: 'http',
        message: `GET /api/cart/${index} 200`,
      })),
    },
  };
  return `${JSON.stringify({ event_id: eventId, sent_at: new Date().toISOString() })}\n{"type":"event"}\n${JSON.stringify(event)}\n`;
}

function restBatch(): string {
  const correlation = randomUUID().replace(/-/g, '');
  const now = Date.now();
  const base = {
    component_type: 'sentry-1',
    component_id: `api-${correlation.slice(0, 1)}`,
    correlation_id: correlation,
  };
  const crumbs = Array.from({ length: 5 }, (_, index) => ({
    ...base,
    id: randomUUID(),
    timestamp: new Date(now - 5000 + index * 1000).toISOString(),
    event_type: 'log',
    operation: 'http',
    message: `GET /api/cart/${index} 200`,
    metadata: { source: 'sentry', breadcrumb: true },
  }));
  const error = {
    ...base,
    id: randomUUID(),
    timestamp: new Date(now).toISOString(),
    event_type: 'error',
    level: 'error',
    message: `TypeError: Cannot read properties of undefined (reading 'items') for order ${correlation.slice(0, 6)}`,
    data: {
      exception: [
        {
          type: 'TypeError',
          frames: Array.from({ length: 12 }, (_, index) => ({
            function: `step${index}`,
            filename: `/app/src/module-${index}.js`,
            lineno: 10 + index,
            colno: 5,
            in_app: index > 6,
            context_line: 'return cart.items[order];',
          })),
        },
      ],
      contexts: { runtime: { name: 'node', version: 'v20.20.2' } },
    },
    metadata: { source: 'sentry', sdk: 'sentry.javascript.node/11.12.0', release: 'shop@1.4.2' },
  };
  return JSON.stringify({ events: [...crumbs, error] });
}

async function round(
  label: string,
  url: string,
  body: () => string,
  headers: Record<string, string>,
): Promise<number> {
  const bodies = Array.from({ length: REQUESTS }, body);
  let next = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const answer = await post(url, bodies[next++], headers);
        if (answer.status >= 300) failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const rate = (REQUESTS * EVENTS_PER_REQUEST) / seconds;
  log(
    `${label.padEnd(28)} ${fmt(rate, 0)} events/s  (${REQUESTS} requests in ${fmt(seconds, 2)} s, ${failed} not 2xx)`,
  );
  if (failed > 0) throw new Error(`${label}: ${failed} requests failed`);
  return rate;
}

async function main(): Promise<void> {
  const name = `ads_bench_sentry_${suffix()}`;
  const prefix = `bench-sentry-${suffix()}`;
  const databaseUrl = await createDatabase(name);
  const service = await startService({
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    DEBUG_REDIS_PREFIX: prefix,
    DEBUG_INSIGHT_INTERVAL_SECONDS: '0',
  });
  try {
    const rest = `${service.url}/api/debug/events/batch`;
    const sentry = `${service.url}/api/1/envelope/`;
    const envelopeHeaders = {
      'content-type': 'application/x-sentry-envelope',
      'x-sentry-auth': 'Sentry sentry_key=bench',
    };
    log(
      `warm-up, then ${REQUESTS} requests of ${EVENTS_PER_REQUEST} events per round, ${CONCURRENCY} in flight`,
    );
    await round('warm-up REST', rest, restBatch, {});
    await round('warm-up Sentry', sentry, sentryEnvelope, envelopeHeaders);
    const rates = { rest: [] as number[], sentry: [] as number[] };
    for (let repeat = 0; repeat < 2; repeat++) {
      rates.rest.push(await round('REST /events/batch', rest, restBatch, {}));
      rates.sentry.push(await round('Sentry /envelope/', sentry, sentryEnvelope, envelopeHeaders));
    }
    const mean = (values: number[]) =>
      values.reduce((sum, value) => sum + value, 0) / values.length;
    log(
      `ratio Sentry / REST (events accepted per second, same run): ${fmt(mean(rates.sentry) / mean(rates.rest), 2)}`,
    );
  } finally {
    await service.stop();
    await dropDatabase(name);
    await deleteRedisPrefix(prefix);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
