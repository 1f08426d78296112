/**
 * OTLP/HTTP log export against the REST batch path, same events, same run.
 *
 *   npm run bench:otlp -- [--events 100000] [--batch 512] [--senders 4] [--seed 11] [--rounds 2] [--cpu-prof]
 *
 * The corpus is turned into OTLP ExportLogsServiceRequests of --batch log records (several
 * resources per request, as a Collector sends them), encoded with protobuf. The REST bodies
 * are the same requests mapped onto events (the receiver's own mapping), so both paths store
 * the same rows with the same ids. For each path the service is started as a user would
 * (`node dist/src/main.js`, full mode, role all, scratch database + Redis prefix) and the clock
 * stops when the last row is committed. Decoding is measured in this process with the
 * receiver's own decoder: CPU µs per log record, beside JSON.parse of the REST bodies.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { mapLogs } from '../src/otlp/otlp-mapper.js';
import { decodeRequest, requestType } from '../src/otlp/otlp-schema.js';
import {
  REDIS_URL,
  createDatabase,
  deleteRedisPrefix,
  dropDatabase,
  fmt,
  get,
  log,
  numberOption,
  post,
  sample,
  startService,
  suffix,
} from './bench-support.js';
import { takeEvents, type CorpusEvent } from './event-corpus.js';

const TOTAL = numberOption('events', 100_000);
const BATCH = numberOption('batch', 512);
const SENDERS = numberOption('senders', 4);
const SEED = numberOption('seed', 11);
/** Runs of each path, in the order REST, OTLP, OTLP, REST, … */
const ROUNDS = numberOption('rounds', 2);

const SEVERITY: Record<string, number> = {
  debug: 5,
  info: 9,
  warning: 13,
  error: 17,
  critical: 21,
};
const hex = (text: string, bytes: number) =>
  createHash('sha256').update(text).digest().subarray(0, bytes);

function attributeOf(key: string, value: unknown) {
  if (typeof value === 'string') return { key, value: { stringValue: value } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  if (typeof value === 'number')
    return { key, value: Number.isInteger(value) ? { intValue: value } : { doubleValue: value } };
  return { key, value: { stringValue: JSON.stringify(value) } };
}

/** One export request: the events grouped by component into ResourceLogs, ids as bytes. */
function exportRequestOf(events: CorpusEvent[]) {
  const byComponent = new Map<string, CorpusEvent[]>();
  for (const event of events) {
    const key = `${event.component_type}\u0000${event.component_id}`;
    byComponent.set(key, [...(byComponent.get(key) ?? []), event]);
  }
  return {
    resourceLogs: [...byComponent.values()].map((group) => ({
      resource: {
        attributes: [
          attributeOf('service.name', group[0].component_type),
          attributeOf('service.instance.id', group[0].component_id),
          ...Object.entries(group[0].metadata).map(([key, value]) => attributeOf(key, value)),
        ],
      },
      scopeLogs: [
        {
          scope: { name: 'bench', version: '1.0.0' },
          logRecords: group.map((event) => ({
            timeUnixNano: String(BigInt(Date.parse(event.timestamp)) * 1_000_000n),
            observedTimeUnixNano: String(BigInt(Date.parse(event.timestamp)) * 1_000_000n),
            severityNumber: SEVERITY[event.level] ?? 9,
            severityText: event.level.toUpperCase(),
            body: { stringValue: event.message },
            attributes: Object.entries(event.data).map(([key, value]) => attributeOf(key, value)),
            traceId: hex(event.correlation_id, 16),
            spanId: hex(`${event.correlation_id}/${event.operation}`, 8),
          })),
        },
      ],
    })),
  };
}

function cpuMicros(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

async function run(
  label: string,
  path: string,
  contentType: string,
  bodies: Buffer[],
  expected: number,
) {
  const name = `ads_bench_otlp_${suffix()}`;
  const prefix = `adsbench-${suffix()}`;
  const url = await createDatabase(name);
  const profile = process.argv.includes('--cpu-prof')
    ? [
        '--cpu-prof',
        '--cpu-prof-dir',
        join(process.cwd(), 'data', 'profiles', 'otlp', label.split(' ')[0]),
      ]
    : [];
  const service = await startService(
    {
      DATABASE_URL: url,
      REDIS_URL,
      DEBUG_REDIS_PREFIX: prefix,
      DEBUG_INGEST_BACKLOG_LIMIT: String(expected * 2),
      OTLP_HTTP_PORT: '0',
    },
    profile,
  );
  try {
    log(
      `${label}: service up at ${service.url}; sending ${bodies.length} requests of ≤${BATCH} records to ${path}`,
    );
    const started = performance.now();
    const statuses = new Map<number, number>();
    const retried = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++];
          let answer = await post(`${service.url}${path}`, body, { 'content-type': contentType });
          while (answer.status === 429 || answer.status === 503) {
            retried.set(answer.status, (retried.get(answer.status) ?? 0) + 1);
            if (retried.get(answer.status) === 1)
              log(`  ${label}: ${answer.status} ${answer.text.slice(0, 200)} (retrying)`);
            await new Promise((resolve) => setTimeout(resolve, 200));
            answer = await post(`${service.url}${path}`, body, { 'content-type': contentType });
          }
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        }
      }),
    );
    const acceptedSeconds = (performance.now() - started) / 1000;
    let written = 0;
    const deadline = Date.now() + 300_000;
    while (written < expected && Date.now() < deadline) {
      written = sample(
        (await get(`${service.url}/api/debug/metrics`)).text,
        'ads_ingest_events_written_total',
      );
      if (written < expected) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const [{ rows }] = (await client.query('SELECT count(*)::int AS rows FROM debug_events'))
      .rows as { rows: number }[];
    await client.end();
    return {
      seconds,
      acceptedSeconds,
      rows,
      rate: rows / seconds,
      statuses: [
        ...[...statuses].map(([status, count]) => `${status}×${count}`),
        ...[...retried].map(([status, count]) => `${status} retried×${count}`),
      ].join(' '),
    };
  } finally {
    await service.stop();
    await dropDatabase(name);
    await deleteRedisPrefix(prefix);
  }
}

async function main(): Promise<void> {
  log(
    `corpus: ${TOTAL.toLocaleString()} events (seed ${SEED}), batches of ${BATCH}, ${SENDERS} senders`,
  );
  const corpus = takeEvents(TOTAL, { seed: SEED, days: 1, endMs: Date.now() - 60_000 });
  const type = requestType('logs');
  const protobufBodies: Buffer[] = [];
  const restBodies: Buffer[] = [];
  let mapped = 0;
  for (let start = 0; start < corpus.length; start += BATCH) {
    const request = exportRequestOf(corpus.slice(start, start + BATCH));
    const bytes = Buffer.from(type.encode(type.fromObject(request)).finish());
    protobufBodies.push(bytes);
    const events = mapLogs(decodeRequest('logs', bytes)).items.map((item) => item.value);
    mapped += events.length;
    restBodies.push(Buffer.from(JSON.stringify({ events })));
  }
  if (mapped !== corpus.length)
    throw new Error(`mapping refused ${corpus.length - mapped} records`);
  const protobufBytes = protobufBodies.reduce((sum, body) => sum + body.length, 0);
  const restBytes = restBodies.reduce((sum, body) => sum + body.length, 0);
  log(`bodies: protobuf ${fmt(protobufBytes / 1e6)} MB, REST JSON ${fmt(restBytes / 1e6)} MB`);

  // Decode CPU, in this process, the receiver's own functions; a warm-up pass first.
  for (const body of protobufBodies.slice(0, 20)) decodeRequest('logs', body);
  const decodeUs =
    cpuMicros(() => protobufBodies.forEach((body) => decodeRequest('logs', body))) / corpus.length;
  const mapUs =
    cpuMicros(() => protobufBodies.forEach((body) => mapLogs(decodeRequest('logs', body)))) /
      corpus.length -
    decodeUs;
  const jsonUs =
    cpuMicros(() => restBodies.forEach((body) => JSON.parse(body.toString('utf8')))) /
    corpus.length;

  // Runs alternate REST, OTLP, OTLP, REST, …: the load of a shared machine drifts, and each
  // path gets the early and the late slots alike. Each path's median run is reported.
  type Result = Awaited<ReturnType<typeof run>>;
  const results: { rest: Result[]; otlp: Result[] } = { rest: [], otlp: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? (['rest', 'otlp'] as const) : (['otlp', 'rest'] as const);
    for (const path of order) {
      results[path].push(
        path === 'rest'
          ? await run(
              'REST batch',
              '/api/debug/events/batch',
              'application/json',
              restBodies,
              corpus.length,
            )
          : await run(
              'OTLP protobuf',
              '/v1/logs',
              'application/x-protobuf',
              protobufBodies,
              corpus.length,
            ),
      );
    }
  }
  const mean = (runs: Result[]) => runs.reduce((sum, result) => sum + result.rate, 0) / runs.length;
  const [rest, otlp] = [results.rest[0], results.otlp[0]];
  const [restRate, otlpRate] = [mean(results.rest), mean(results.otlp)];

  console.log('');
  console.log(
    `OTLP/HTTP protobuf logs vs REST batch, ${corpus.length.toLocaleString()} events, batches of ${BATCH}, ${SENDERS} senders`,
  );
  const rates = (runs: Result[]) => runs.map((result) => fmt(result.rate, 0)).join(', ');
  console.log(
    `  runs (rows/s)  : REST ${rates(results.rest)}; OTLP ${rates(results.otlp)} (mean: REST ${fmt(restRate, 0)}, OTLP ${fmt(otlpRate, 0)})`,
  );
  console.log(
    `  REST batch     : first run ${fmt(rest.rate, 0)} rows/s committed (${rest.rows} rows in ${fmt(rest.seconds, 2)} s; accepted in ${fmt(rest.acceptedSeconds, 2)} s; ${rest.statuses})`,
  );
  console.log(
    `  OTLP protobuf  : first run ${fmt(otlp.rate, 0)} rows/s committed (${otlp.rows} rows in ${fmt(otlp.seconds, 2)} s; accepted in ${fmt(otlp.acceptedSeconds, 2)} s; ${otlp.statuses})`,
  );
  console.log(
    `  ratio OTLP/REST: ${fmt(otlpRate / restRate, 2)} of the mean rates (bar ≥ 0.80) ${otlpRate / restRate >= 0.8 ? 'PASS' : 'FAIL'}`,
  );
  console.log(
    `  decode CPU     : protobuf ${fmt(decodeUs, 2)} µs/record (+ mapping ${fmt(mapUs, 2)} µs/record); REST JSON.parse ${fmt(jsonUs, 2)} µs/event`,
  );
  if ([...results.rest, ...results.otlp].some((result) => result.rows !== corpus.length)) {
    console.log(`  ROWS MISSING: expected ${corpus.length} on each path`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
