/**
 * Single-event latency at a fixed arrival rate.
 *
 *   npm run bench:latency -- [--rate 1000] [--seconds 20] [--split] [--cpu-prof]
 *
 * --split runs the production topology of docker-compose.yml: one DEBUG_ROLE=api process and
 * one DEBUG_ROLE=worker process, instead of one process doing both.
 *
 * The service is started as a user would (`node dist/src/main.js`, full mode, role all, scratch
 * database + Redis prefix). Requests are sent on a fixed schedule (open loop: a slow answer does
 * not delay the next send) to POST /api/debug/events, and each latency is counted from the
 * moment the request was due, so queueing on the client side is not hidden. Same-run baseline:
 * GET /api/debug/health/live at the same rate (the HTTP stack with no work behind it).
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import {
  REDIS_URL,
  cpuSince,
  cpuSnapshot,
  createDatabase,
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
import { takeEvents } from './event-corpus.js';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

const RATE = argument('rate', 1000);
const SECONDS = argument('seconds', 20);
const WARMUP_SECONDS = 3;

interface Run {
  latencies: number[];
  non2xx: number;
  errors: number;
  /** Failed requests (no answer) by error code. */
  errorCodes: Map<string, number>;
}

async function fixedRate(
  label: string,
  seconds: number,
  send: (index: number) => Promise<number>,
): Promise<Run> {
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  const errorCodes = new Map<string, number>();
  const total = Math.round(RATE * seconds);
  const intervalMs = 1000 / RATE;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  let lastReport = started;
  for (let index = 0; index < total; index++) {
    const due = started + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    // Timers fire at about 1 ms granularity, so a request can leave up to 1 ms before it is due:
    // its latency counts from when it left then (from `due` only when it left late).
    const countedFrom = Math.min(due, performance.now());
    inFlight.push(
      send(index).then(
        (status) => {
          latencies.push(performance.now() - countedFrom);
          if (status < 200 || status >= 300) non2xx++;
        },
        (error: unknown) => {
          errors++;
          const code = (error as { code?: string }).code ?? (error as Error).message ?? 'unknown';
          errorCodes.set(code, (errorCodes.get(code) ?? 0) + 1);
        },
      ),
    );
    if (performance.now() - lastReport > 2000) {
      lastReport = performance.now();
      log(`  ${label}: ${index + 1} / ${total} sent`);
    }
  }
  await Promise.all(inFlight);
  return { latencies: latencies.sort((a, b) => a - b), non2xx, errors, errorCodes };
}

function line(label: string, run: Run): string {
  const l = run.latencies;
  return `${label.padEnd(34)} p50 ${fmt(percentile(l, 50), 2)} ms   p95 ${fmt(percentile(l, 95), 2)} ms   p99 ${fmt(percentile(l, 99), 2)} ms   max ${fmt(l.at(-1) ?? NaN, 1)} ms   non-2xx ${run.non2xx}   errors ${run.errors}${run.errors > 0 ? ` (${[...run.errorCodes].map(([code, count]) => `${code}×${count}`).join(' ')})` : ''}`;
}

async function main(): Promise<void> {
  log(
    `bench:latency — ${cpus().length} cores, ${RATE} req/s for ${SECONDS} s (after ${WARMUP_SECONDS} s warm-up), single events`,
  );
  const name = `ads_bench_lat_${suffix()}`;
  const prefix = `adsbench-${suffix()}`;
  const url = await createDatabase(name);
  const nodeArgs = process.argv.includes('--cpu-prof')
    ? ['--cpu-prof', '--cpu-prof-dir', join(process.cwd(), 'data', 'profiles')]
    : [];
  const split = process.argv.includes('--split');
  const env = { DATABASE_URL: url, REDIS_URL, DEBUG_REDIS_PREFIX: prefix };
  let service: ServiceProcess | undefined;
  let worker: ServiceProcess | undefined;
  try {
    service = await startService(split ? { ...env, DEBUG_ROLE: 'api' } : env, nodeArgs);
    if (split) worker = await startService({ ...env, DEBUG_ROLE: 'worker' });
    const target = service.url;
    log(
      `service up at ${target} (${split ? 'one api + one worker process' : 'role all'}, PostgreSQL ${name}, Redis prefix ${prefix})`,
    );
    const events = takeEvents(RATE * (SECONDS + WARMUP_SECONDS) + 10, {
      seed: 11,
      days: 1,
      components: 300,
    });
    const bodies = events.map((event) =>
      JSON.stringify({ ...event, id: uuidv7({ msecs: Date.parse(event.timestamp) }) }),
    );
    let cursor = 0;
    const sendEvent = () =>
      post(`${target}/api/debug/events`, bodies[cursor++]).then((answer) => answer.status);
    await fixedRate('warm-up', WARMUP_SECONDS, sendEvent);
    const baseline = await fixedRate('baseline GET /health/live', SECONDS, () =>
      get(`${target}/api/debug/health/live`).then((answer) => answer.status),
    );
    const pids = [service.child.pid!, ...(worker ? [worker.child.pid!] : [])];
    const before = cpuSnapshot(pids);
    const events1k = await fixedRate('POST /events', SECONDS, sendEvent);
    const cpu = cpuSince(before, cpuSnapshot(pids));
    // The worker's counters live in the worker process; with --split read the API's accept side.
    const metrics = (await get(`${target}/api/debug/metrics`)).text;
    const batches = sample(metrics, 'ads_ingest_batch_write_seconds_count');
    const written = sample(metrics, 'ads_ingest_events_written_total');

    console.log('');
    console.log(`cores                              ${cpus().length}`);
    console.log(`rate                               ${RATE} req/s for ${SECONDS} s each`);
    console.log(line('baseline GET /health/live', baseline));
    console.log(line('POST /events (single event)', events1k));
    const requests = events1k.latencies.length;
    console.log(
      `service CPU per single event       ${fmt((cpu.service / requests) * 1e6, 0)} µs (${fmt((100 * cpu.service) / SECONDS, 0)}% of one core at ${RATE} req/s); Redis ${fmt((cpu.redis / requests) * 1e6, 0)} µs; machine busy ${cpu.machineTotal > 0 ? Math.round((100 * cpu.machineBusy) / cpu.machineTotal) : '?'}%`,
    );
    console.log(
      `warm writes                        ${fmt(written, 0)} events written in ${fmt(batches, 0)} batches (${fmt(written / batches, 1)} per batch)`,
    );
    console.log(
      `ratio p99 events / baseline        ${fmt(percentile(events1k.latencies, 99) / percentile(baseline.latencies, 99), 2)}`,
    );
    console.log(
      `bar                                p99 < 10 ms: ${percentile(events1k.latencies, 99) < 10 ? 'met' : 'NOT met'}`,
    );
  } finally {
    await service?.stop();
    await worker?.stop();
    await dropDatabase(name);
    await deleteRedisPrefix(prefix);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
