/**
 * Single-event latency at a fixed arrival rate.
 *
 *   npm run bench:latency -- [--rate 1000] [--seconds 20] [--split] [--cpu-prof] [--rate-limit [--rounds 4]]
 *
 * --split runs the production topology of docker-compose.yml: one DEBUG_ROLE=api process and
 * one DEBUG_ROLE=worker process, instead of one process doing both.
 *
 * --rate-limit measures what the rate limit guard costs instead: two API-only services side by
 * side, each with a redis-server of its own (so Redis CPU is counted per setting), one with
 * DEBUG_RATE_LIMIT_PER_KEY/PER_IP=0 (no limit, nothing counted) and one with limits too high to
 * ever refuse (every request counted in Redis, per key and per address), each request with an
 * API key; the same fixed-rate GET /health/live and POST /events to each, then a closed-loop
 * GET /health/live for throughput, in rounds of alternating order; prints on / off ratios of the
 * best of each (the machine is shared: neighbours only ever add).
 *
 * The service is started as a user would (`node dist/src/main.js`, full mode, role all, scratch
 * database + Redis prefix). Requests are sent on a fixed schedule (open loop: a slow answer does
 * not delay the next send) to POST /api/debug/events, and each latency is counted from the
 * moment the request was due, so queueing on the client side is not hidden. Same-run baseline:
 * GET /api/debug/health/live at the same rate (the HTTP stack with no work behind it).
 */
import type { ChildProcess } from 'node:child_process';
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
  freePort,
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
import { killRedisServer, startRedisServer } from './redis-server.js';

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

const BENCH_KEY = 'bench-rate-limit-key';
const ROUNDS = argument('rounds', 4);
const CLOSED_LOOP_IN_FLIGHT = 32;

/** Requests answered per second with `inFlight` requests always outstanding. */
async function closedLoop(
  seconds: number,
  inFlight: number,
  send: () => Promise<number>,
): Promise<{ perSecond: number; answered: number; non2xx: number }> {
  const until = performance.now() + seconds * 1000;
  let answered = 0;
  let non2xx = 0;
  const lane = async () => {
    while (performance.now() < until) {
      const status = await send();
      answered++;
      if (status < 200 || status >= 300) non2xx++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { perSecond: answered / ((performance.now() - started) / 1000), answered, non2xx };
}

interface LimiterRound {
  live: Run;
  events: Run;
  /** Service and Redis CPU (µs) per request over both fixed-rate runs. */
  serviceCpuUs: number;
  redisCpuUs: number;
  throughput: { perSecond: number; answered: number; non2xx: number };
  /** Service and Redis CPU (µs) per request in the closed loop: at saturation, the background work of an idle process weighs least. */
  loopServiceCpuUs: number;
  loopRedisCpuUs: number;
}

async function rateLimitComparison(): Promise<void> {
  log(
    `bench:latency --rate-limit — ${cpus().length} cores, ${RATE} req/s for ${SECONDS} s per run, ${ROUNDS} rounds, closed loop ${CLOSED_LOOP_IN_FLIGHT} in flight`,
  );
  const name = `ads_bench_rl_${suffix()}`;
  const url = await createDatabase(name);
  const limits = { off: '0', on: '100000000' };
  const services: Partial<Record<'off' | 'on', ServiceProcess>> = {};
  const redisServers: Partial<Record<'off' | 'on', ChildProcess>> = {};
  try {
    for (const setting of ['off', 'on'] as const) {
      const port = await freePort();
      redisServers[setting] = await startRedisServer(port);
      services[setting] = await startService({
        DATABASE_URL: url,
        REDIS_URL: `redis://127.0.0.1:${port}`,
        DEBUG_ROLE: 'api',
        OTLP_HTTP_PORT: '0',
        DEBUG_API_KEYS: `${BENCH_KEY}:ingest+read+admin`,
        DEBUG_RATE_LIMIT_PER_KEY: limits[setting],
        DEBUG_RATE_LIMIT_PER_IP: limits[setting],
      });
    }
    const headers = { 'x-api-key': BENCH_KEY };
    const perService = ROUNDS * SECONDS + WARMUP_SECONDS;
    const events = takeEvents(2 * RATE * perService + 10, { seed: 11, days: 1, components: 300 });
    const bodies = events.map((event) =>
      JSON.stringify({ ...event, id: uuidv7({ msecs: Date.parse(event.timestamp) }) }),
    );
    let cursor = 0;
    const sendEvent = (target: string) => () =>
      post(`${target}/api/debug/events`, bodies[cursor++], headers).then((a) => a.status);
    const sendLive = (target: string) => () =>
      get(`${target}/api/debug/health/live`, headers).then((a) => a.status);
    for (const setting of ['off', 'on'] as const)
      await fixedRate(`warm-up ${setting}`, WARMUP_SECONDS, sendEvent(services[setting]!.url));

    const rounds: Record<'off' | 'on', LimiterRound[]> = { off: [], on: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
      for (const setting of order) {
        const service = services[setting]!;
        const pids = [service.child.pid!, redisServers[setting]!.pid!] as const;
        const cpuOf = () => pids.map((pid) => cpuSnapshot([pid]).service);
        const before = cpuOf();
        const live = await fixedRate(`${setting} GET /health/live`, SECONDS, sendLive(service.url));
        const posted = await fixedRate(`${setting} POST /events`, SECONDS, sendEvent(service.url));
        const [serviceCpu, redisCpu] = cpuOf().map((seconds, index) => seconds - before[index]);
        const requests = live.latencies.length + posted.latencies.length;
        const beforeLoop = cpuOf();
        const throughput = await closedLoop(SECONDS, CLOSED_LOOP_IN_FLIGHT, sendLive(service.url));
        const [loopService, loopRedis] = cpuOf().map(
          (seconds, index) => seconds - beforeLoop[index],
        );
        rounds[setting].push({
          live,
          events: posted,
          serviceCpuUs: (serviceCpu / requests) * 1e6,
          redisCpuUs: (redisCpu / requests) * 1e6,
          throughput,
          loopServiceCpuUs: (loopService / throughput.answered) * 1e6,
          loopRedisCpuUs: (loopRedis / throughput.answered) * 1e6,
        });
        log(
          `  round ${round + 1} ${setting}: live p50 ${fmt(percentile(live.latencies, 50), 2)} ms, events p50 ${fmt(percentile(posted.latencies, 50), 2)} ms, ${fmt(throughput.perSecond, 0)} GET/s`,
        );
      }
    }

    // Best of the rounds per figure: the machine is shared, and neighbours only ever add.
    const best = (setting: 'off' | 'on', figure: (round: LimiterRound) => number, most = false) =>
      (most ? Math.max : Math.min)(...rounds[setting].map(figure));
    const p = (run: (round: LimiterRound) => Run, q: number) => (round: LimiterRound) =>
      percentile(run(round).latencies, q);
    const figures: [string, (round: LimiterRound) => number, boolean, number][] = [
      ['GET /health/live p50 (ms)', p((r) => r.live, 50), false, 2],
      ['GET /health/live p99 (ms)', p((r) => r.live, 99), false, 2],
      ['POST /events p50 (ms)', p((r) => r.events, 50), false, 2],
      ['POST /events p99 (ms)', p((r) => r.events, 99), false, 2],
      ['fixed rate: service CPU per request (µs)', (r) => r.serviceCpuUs, false, 0],
      ['fixed rate: Redis CPU per request (µs)', (r) => r.redisCpuUs, false, 0],
      [`GET /health/live closed loop (req/s)`, (r) => r.throughput.perSecond, true, 0],
      ['  service CPU per request (µs)', (r) => r.loopServiceCpuUs, false, 0],
      ['  Redis CPU per request (µs)', (r) => r.loopRedisCpuUs, false, 0],
    ];
    console.log('');
    console.log(`cores                                   ${cpus().length}`);
    console.log(
      `rate                                    ${RATE} req/s for ${SECONDS} s per run, ${ROUNDS} rounds, best of each; API key on every request`,
    );
    console.log(`${''.padEnd(40)}${'limiter off'.padStart(12)}${'on'.padStart(12)}   on / off`);
    for (const [label, figure, most, digits] of figures) {
      const off = best('off', figure, most);
      const on = best('on', figure, most);
      console.log(
        `${label.padEnd(40)}${fmt(off, digits).padStart(12)}${fmt(on, digits).padStart(12)}   ${fmt(on / off, 2)}`,
      );
    }
    const refusals = Object.values(rounds)
      .flat()
      .reduce((sum, r) => sum + r.live.non2xx + r.events.non2xx + r.throughput.non2xx, 0);
    console.log(`non-2xx answers (either setting)        ${refusals}`);
  } finally {
    await services.off?.stop();
    await services.on?.stop();
    await Promise.all(Object.values(redisServers).map(killRedisServer));
    await dropDatabase(name);
  }
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

(process.argv.includes('--rate-limit') ? rateLimitComparison() : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
