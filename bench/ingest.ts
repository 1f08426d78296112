/**
 * Ingestion, end to end, against its limit in the same run.
 *
 *   npm run bench:ingest -- [--events 200000] [--senders 4] [--batch 1000] [--seed 7] [--workers 0] [--api 1] [--skip-writers] [--cpu-prof]
 *     [--durability-events 20000] [--durability-singles 2000] [--durability-concurrency 16] [--durability-rounds 2] [--skip-durability | --durability-only]
 *
 * 1. Baseline: raw COPY of the events over 2 connections into ../shared/bench/reference-schema.sql
 *    (scratch database).
 * 2. Pipeline: the service started as a user would (`node dist/src/main.js`, full mode, role all,
 *    scratch database + Redis prefix); a few senders POST batches of 1,000 to /events/batch; the
 *    clock stops when the last row is committed (the service's written counter reaches the
 *    total, then checked with count(*)).
 * 3. Burst accept: an API-only process (no workers), HTTP → durable in the ingest journal on Redis;
 *    with --api N, N such processes, the senders spread over them.
 * 4. Warm writer strategies: COPY (with its idempotent fallback) vs INSERT … SELECT FROM unnest
 *    … ON CONFLICT DO NOTHING, same events, 2 concurrent writers each.
 * 5. DEBUG_DURABILITY default vs fsync (bench/ingest-durability.ts): API-only services on
 *    redis-servers of the bench's own (primary + replica; AOF everysec vs always), the same batch
 *    and single-event requests each, printed as ratios.
 * Scratch databases and Redis keys are removed at the end.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { AppConfig } from '../src/config/app-config.service.js';
import { validateEnvironment } from '../src/config/environment.js';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import { createDataSource, runMigrations } from '../src/database/data-source.js';
import { PartitionService } from '../src/database/partition.service.js';
import { EventWriter, type EventWriteStrategy } from '../src/storage/warm/event-writer.js';
import {
  REDIS_URL,
  backendCpuSince,
  backendPids,
  cpuSince,
  cpuSnapshot,
  postgresCpuByPid,
  createDatabase,
  describeCpu,
  deleteRedisPrefix,
  dropDatabase,
  fmt,
  get,
  log,
  percentile,
  post,
  sample,
  startService,
  suffix,
  type ServiceProcess,
} from './bench-support.js';
import { takeEvents, type CorpusEvent } from './event-corpus.js';
import {
  compareDurability,
  describeComparison,
  durabilityLoad,
  type DurabilityComparison,
} from './ingest-durability.js';

const here = dirname(fileURLToPath(import.meta.url));

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const TOTAL = argument('events', 200_000);
const SENDERS = argument('senders', 4);
const BATCH = argument('batch', 1000);
const SEED = argument('seed', 7);
/** 0: one process with DEBUG_ROLE=all (the default deployment); N: an api process plus N worker processes. */
const WORKERS = argument('workers', 0);
/** API processes of the burst run, behind one address each (a load balancer's view). */
const API_PROCESSES = argument('api', 1);

function referenceSchemaPath(): string {
  const candidates = [
    join(here, '..', '..', '..', 'shared', 'bench', 'reference-schema.sql'),
    '/work/shared/bench/reference-schema.sql',
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error('reference-schema.sql not found');
  return found;
}

const copyEscape = (value: string | null) =>
  value === null
    ? '\\N'
    : value.replace(
        /[\\\t\n\r]/g,
        (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!,
      );

async function baselineCopy(events: CorpusEvent[]) {
  const name = `ads_bench_ref_${suffix()}`;
  const url = await createDatabase(name);
  try {
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    await setup.query(readFileSync(referenceSchemaPath(), 'utf8'));
    await setup.end();
    const halves = [events.slice(0, events.length / 2), events.slice(events.length / 2)];
    const clients = await Promise.all(
      halves.map(async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        return client;
      }),
    );
    const cpuBefore = cpuSnapshot([]);
    const backendsBefore = postgresCpuByPid();
    const started = performance.now();
    await Promise.all(
      halves.map(async (half, index) => {
        // Text is produced as the rows stream, as a client generating its rows would.
        async function* lines() {
          for (let start = 0; start < half.length; start += 1000) {
            let chunk = '';
            for (const event of half.slice(start, start + 1000)) {
              chunk +=
                [
                  event.id,
                  event.timestamp,
                  copyEscape(event.event_type),
                  copyEscape(event.component_type),
                  copyEscape(event.component_id),
                  copyEscape(event.correlation_id),
                  copyEscape(event.level),
                  copyEscape(event.message),
                  copyEscape(JSON.stringify(event.data)),
                  copyEscape(JSON.stringify(event.metadata)),
                ].join('\t') + '\n';
            }
            yield chunk;
          }
        }
        const stream = clients[index].query(
          copyStreams.from(
            'COPY bench_reference_events (id, "timestamp", event_type, component_type, component_id, correlation_id, level, message, data, metadata) FROM STDIN',
          ),
        );
        await pipeline(Readable.from(lines()), stream);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = {
      ...cpuSince(cpuBefore, cpuSnapshot([])),
      postgresOwn: backendCpuSince(backendsBefore, await backendPids(name)),
    };
    await Promise.all(clients.map((client) => client.end()));
    return { rate: events.length / seconds, cpu };
  } finally {
    await dropDatabase(name);
  }
}

interface SendResult {
  seconds: number;
  latencies: number[];
  statuses: Map<number, number>;
  accepted: number;
}

/** Senders spread over the services' addresses (sender k posts to services[k mod n]), as a load balancer would. */
async function send(
  services: ServiceProcess | ServiceProcess[],
  bodies: Buffer[],
): Promise<SendResult> {
  const targets = Array.isArray(services) ? services : [services];
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let accepted = 0;
  let next = 0;
  let lastReport = performance.now();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async (_, sender) => {
      const service = targets[sender % targets.length];
      while (next < bodies.length) {
        const body = bodies[next++];
        const sent = performance.now();
        let answer = await post(`${service.url}/api/debug/events/batch`, body);
        while (answer.status === 429) {
          await new Promise((resolve) => setTimeout(resolve, 200));
          answer = await post(`${service.url}/api/debug/events/batch`, body);
        }
        latencies.push(performance.now() - sent);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 202)
          accepted += (JSON.parse(answer.text) as { accepted: number }).accepted;
        if (performance.now() - lastReport > 1000) {
          lastReport = performance.now();
          log(
            `  sent ${accepted.toLocaleString()} / ${(bodies.length * BATCH).toLocaleString()} events`,
          );
        }
      }
    }),
  );
  return {
    seconds: (performance.now() - started) / 1000,
    latencies: latencies.sort((a, b) => a - b),
    statuses,
    accepted,
  };
}

async function pipelineRun(events: CorpusEvent[], bodies: Buffer[]) {
  const name = `ads_bench_${suffix()}`;
  const prefix = `adsbench-${suffix()}`;
  const url = await createDatabase(name);
  const nodeArgs = flag('cpu-prof')
    ? ['--cpu-prof', '--cpu-prof-dir', join(process.cwd(), 'data', 'profiles')]
    : [];
  const env = {
    DATABASE_URL: url,
    REDIS_URL,
    DEBUG_REDIS_PREFIX: prefix,
    DEBUG_INGEST_BACKLOG_LIMIT: String(TOTAL * 2),
  };
  const service = await startService({ ...env, DEBUG_ROLE: WORKERS > 0 ? 'api' : 'all' }, nodeArgs);
  const workers: ServiceProcess[] = [];
  for (let index = 0; index < WORKERS; index++)
    workers.push(await startService({ ...env, DEBUG_ROLE: 'worker' }, nodeArgs));
  const pids = [service.child.pid!, ...workers.map((worker) => worker.child.pid!)];
  try {
    const topology = WORKERS > 0 ? `role api + ${WORKERS} worker process(es)` : 'role all';
    log(
      `pipeline: service up at ${service.url} (${topology}, PostgreSQL ${name}, Redis prefix ${prefix}); sending`,
    );
    const cpuBefore = cpuSnapshot(pids);
    const backendsBefore = postgresCpuByPid();
    const started = performance.now();
    let lastWrittenAt = started;
    let written = 0;
    let polling = true;
    const poller = (async () => {
      let lastReport = 0;
      while (polling) {
        const now =
          WORKERS > 0
            ? await rowCount(url)
            : sample(
                (await get(`${service.url}/api/debug/metrics`)).text,
                'ads_ingest_events_written_total',
              );
        if (now > written) lastWrittenAt = performance.now();
        written = now;
        if (performance.now() - lastReport > 1000) {
          lastReport = performance.now();
          log(`  written ${written.toLocaleString()} rows`);
        }
        if (written >= events.length) break;
        // Rendering the whole registry costs the service CPU: not too often.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const sent = await send(service, bodies);
    const acceptedAt = performance.now();
    const deadline = Date.now() + 300_000;
    while (written < events.length && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 25));
    polling = false;
    await poller;
    const cpu = {
      ...cpuSince(cpuBefore, cpuSnapshot(pids)),
      postgresOwn: backendCpuSince(backendsBefore, await backendPids(name)),
    };
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const [{ rows, distinct }] = (
      await client.query(
        'SELECT count(*)::int AS rows, count(DISTINCT id)::int AS distinct FROM debug_events',
      )
    ).rows;
    await client.end();
    return {
      sent,
      endToEndSeconds: (lastWrittenAt - started) / 1000,
      warmLagSeconds: Math.max(0, (lastWrittenAt - acceptedAt) / 1000),
      rows: rows as number,
      distinct: distinct as number,
      cpu,
    };
  } finally {
    await Promise.all([service, ...workers].map((process) => process.stop()));
    await dropDatabase(name);
    await deleteRedisPrefix(prefix);
  }
}

/** Rows committed so far (separate worker processes: the api process does not count writes). */
async function rowCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT count(*)::int AS n FROM debug_events')).rows[0].n as number;
  } finally {
    await client.end();
  }
}

async function burstRun(bodies: Buffer[]) {
  const name = `ads_bench_burst_${suffix()}`;
  const prefix = `adsbench-${suffix()}`;
  const url = await createDatabase(name);
  const nodeArgs = flag('cpu-prof')
    ? ['--cpu-prof', '--cpu-prof-dir', join(process.cwd(), 'data', 'profiles', 'burst')]
    : [];
  const env = {
    DATABASE_URL: url,
    REDIS_URL,
    DEBUG_REDIS_PREFIX: prefix,
    DEBUG_ROLE: 'api',
    DEBUG_INGEST_BACKLOG_LIMIT: String(TOTAL * 2),
  };
  const services: ServiceProcess[] = [];
  try {
    for (let index = 0; index < API_PROCESSES; index++)
      services.push(await startService(env, nodeArgs));
    log(
      `burst: ${API_PROCESSES} API-only process(es) (no workers) at ${services.map((service) => service.url).join(', ')}; sending`,
    );
    const pids = services.map((service) => service.child.pid!);
    const cpuBefore = cpuSnapshot(pids);
    const backendsBefore = postgresCpuByPid();
    const sent = await send(services, bodies);
    const cpu = {
      ...cpuSince(cpuBefore, cpuSnapshot(pids)),
      postgresOwn: backendCpuSince(backendsBefore, await backendPids(name)),
    };
    return { ...sent, cpu };
  } finally {
    await Promise.all(services.map((service) => service.stop()));
    await dropDatabase(name);
    await deleteRedisPrefix(prefix);
  }
}

async function writerRun(
  strategy: EventWriteStrategy,
  records: DebugEventRecord[],
): Promise<number> {
  const name = `ads_bench_writer_${suffix()}`;
  const url = await createDatabase(name);
  const dataSource = createDataSource({ databaseUrl: url, sqlitePath: ':memory:' });
  try {
    await dataSource.initialize();
    await runMigrations(dataSource);
    const config = new AppConfig(validateEnvironment({ DATABASE_URL: url }));
    const writer = new EventWriter(dataSource, new PartitionService(dataSource, config));
    writer.strategy = strategy;
    await writer.write(records.slice(0, 1)); // partitions and connections warm
    let next = 1;
    const started = performance.now();
    await Promise.all(
      [0, 1].map(async () => {
        while (next < records.length) {
          const start = next;
          next += BATCH;
          await writer.write(records.slice(start, start + BATCH));
        }
      }),
    );
    return (records.length - 1) / ((performance.now() - started) / 1000);
  } finally {
    await dataSource.destroy();
    await dropDatabase(name);
  }
}

/**
 * The machine's speed in this run: JSON.parse of the benchmark's own bodies, best of 3 passes.
 * The bars are absolute rates; this is what they can be read against on a slower or shared
 * machine (LIMITS.md took 715k events/s on the one its figures come from).
 */
function jsonParseRate(bodies: Buffer[]): number {
  const texts = bodies.map((body) => body.toString());
  let best = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const started = performance.now();
    let events = 0;
    for (const text of texts) events += (JSON.parse(text) as { events: unknown[] }).events.length;
    best = Math.min(best, (performance.now() - started) / 1000 / events);
  }
  return 1 / best;
}

function toRecord(event: CorpusEvent, ingestedAt: string): DebugEventRecord {
  return { ...event, pattern_id: null, ingested_at: ingestedAt };
}

async function main(): Promise<void> {
  log(
    `bench:ingest — ${cpus().length} cores, ${TOTAL.toLocaleString()} events, batches of ${BATCH}, ${SENDERS} senders, seed ${SEED}`,
  );
  const events = takeEvents(TOTAL, { seed: SEED, days: 3, components: 300 });
  // Encoded once, as a client's bytes: the senders share the machine with the service.
  const bodies: Buffer[] = [];
  for (let start = 0; start < events.length; start += BATCH)
    bodies.push(Buffer.from(JSON.stringify({ events: events.slice(start, start + BATCH) })));
  const bytes = bodies.reduce((sum, body) => sum + body.length, 0) / events.length;
  log(`events: ~${Math.round(bytes)} bytes of JSON each, every field, 300 components over 3 days`);
  const parseRate = jsonParseRate(bodies);
  log(`machine: JSON.parse of the same bodies ${fmt(parseRate, 0)} events/s`);

  let durability: DurabilityComparison[] | undefined;
  if (!flag('skip-durability')) {
    const load = durabilityLoad(
      events.slice(0, argument('durability-events', Math.min(TOTAL, 20_000))),
      BATCH,
      argument('durability-singles', 2_000),
      argument('durability-concurrency', 16),
      argument('durability-rounds', 2),
    );
    log(
      `durability: ${load.batches.length} batches and ${load.singles.length} single events, ${load.concurrency} requests in flight, per setting and round (best of ${load.rounds})`,
    );
    durability = await compareDurability(load);
  }
  if (flag('durability-only')) {
    console.log('');
    for (const line of describeComparison(durability ?? [])) console.log(line);
    return;
  }

  log('baseline: raw COPY over 2 connections into reference-schema.sql');
  const { rate: baseline, cpu: baselineCpu } = await baselineCopy(events);
  log(`baseline: ${fmt(baseline, 0)} events/s`);

  const result = await pipelineRun(events, bodies);
  const pipelineRate = events.length / result.endToEndSeconds;
  const acceptRate = result.sent.accepted / result.sent.seconds;

  const burst = await burstRun(bodies);
  const burstRate = burst.accepted / burst.seconds;

  let writers: { copy: number; unnest: number } | undefined;
  if (!flag('skip-writers')) {
    const ingestedAt = new Date().toISOString();
    const records = events.map((event) => toRecord(event, ingestedAt));
    log('warm writer strategies, 2 concurrent writers, batches of 1,000');
    writers = {
      copy: await writerRun('copy', records),
      unnest: await writerRun('unnest', records),
    };
  }

  const statuses = (map: Map<number, number>) =>
    [...map].map(([status, count]) => `${status}×${count}`).join(' ');
  console.log('');
  console.log(`cores                          ${cpus().length}`);
  console.log(
    `events                         ${events.length.toLocaleString()} (~${Math.round(bytes)} B each)`,
  );
  console.log(`baseline raw COPY (2 conns)    ${fmt(baseline, 0)} events/s`);
  console.log(
    `pipeline end to end            ${fmt(pipelineRate, 0)} events/s   (HTTP in → rows committed; ${WORKERS > 0 ? `api + ${WORKERS} worker processes` : 'one process, role all'})`,
  );
  console.log(`ratio pipeline / COPY          ${fmt(pipelineRate / baseline, 2)}   (bar ≥ 0.80)`);
  console.log(
    `accept rate under load         ${fmt(acceptRate, 0)} events/s   (HTTP 2xx, workers running)`,
  );
  console.log(
    `burst accept (API only)        ${fmt(burstRate, 0)} events/s   (bar ≥ 100,000; ${API_PROCESSES} API process${API_PROCESSES === 1 ? '' : 'es'})`,
  );
  console.log(
    `machine speed                  JSON.parse of the same bodies ${fmt(parseRate, 0)} events/s (../shared/bench/LIMITS.md: 715k); burst / JSON.parse ${fmt(burstRate / parseRate, 3)}`,
  );
  console.log(
    `batch request p50/p95/p99      ${fmt(percentile(result.sent.latencies, 50))} / ${fmt(percentile(result.sent.latencies, 95))} / ${fmt(percentile(result.sent.latencies, 99))} ms (pipeline)`,
  );
  console.log(
    `burst request p50/p95/p99      ${fmt(percentile(burst.latencies, 50))} / ${fmt(percentile(burst.latencies, 95))} / ${fmt(percentile(burst.latencies, 99))} ms`,
  );
  console.log(
    `warm-store lag                 ${fmt(result.warmLagSeconds, 2)} s after the last accept`,
  );
  console.log(
    `statuses                       pipeline ${statuses(result.sent.statuses)}; burst ${statuses(burst.statuses)}`,
  );
  console.log(`CPU, baseline COPY             ${describeCpu(baselineCpu, events.length)}`);
  console.log(`CPU, pipeline                  ${describeCpu(result.cpu, events.length)}`);
  console.log(`CPU, burst (API only)          ${describeCpu(burst.cpu, events.length)}`);
  console.log(
    `rows in warm                   ${result.rows.toLocaleString()} (distinct ids ${result.distinct.toLocaleString()}) of ${events.length.toLocaleString()}`,
  );
  if (writers) {
    console.log(
      `writer COPY (+fallback)        ${fmt(writers.copy, 0)} rows/s  (${fmt(writers.copy / baseline, 2)} × baseline)`,
    );
    console.log(
      `writer INSERT … unnest         ${fmt(writers.unnest, 0)} rows/s  (${fmt(writers.unnest / baseline, 2)} × baseline)`,
    );
  }
  if (durability) for (const line of describeComparison(durability)) console.log(line);
  if (result.rows !== events.length || result.distinct !== events.length) {
    console.log('FAILED: the warm store does not hold every event exactly once');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
