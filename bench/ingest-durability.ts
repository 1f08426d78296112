import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cpuSnapshot,
  createDatabase,
  dropDatabase,
  fmt,
  freePort,
  log,
  percentile,
  post,
  startService,
  suffix,
} from './bench-support.js';
import type { CorpusEvent } from './event-corpus.js';
import { killRedisServer, startRedisReplica, startRedisServer } from './redis-server.js';

export interface DurabilityLoad {
  /** Bodies of /events/batch requests. */
  batches: Buffer[];
  /** Bodies of single-event /events requests. */
  singles: Buffer[];
  /** Requests in flight at once. */
  concurrency: number;
  /** Measurements of each setting, in alternating order; the best of them is kept. */
  rounds: number;
}

interface LoadResult {
  batchEventsPerSecond: number;
  /** CPU of the service and of its own redis-servers (replica included), per event of the batches. */
  batchCpuUs: number;
  singlesPerSecond: number;
  /** The same per single-event request: less swayed by the neighbours' load than the rates. */
  singleCpuUs: number;
  singleP50: number;
  singleP99: number;
  refused: number;
}

export interface DurabilityComparison {
  setup: string;
  baseline: { label: string; result: LoadResult };
  fsync: { label: string; result: LoadResult };
}

/** Builds the load from events the main run does not send to these servers (own prefixes). */
export function durabilityLoad(
  events: readonly CorpusEvent[],
  batchSize: number,
  singles: number,
  concurrency: number,
  rounds: number,
): DurabilityLoad {
  const batches: Buffer[] = [];
  for (let start = 0; start < events.length; start += batchSize)
    batches.push(Buffer.from(JSON.stringify({ events: events.slice(start, start + batchSize) })));
  return {
    batches,
    singles: events.slice(0, singles).map((event) => Buffer.from(JSON.stringify(event))),
    concurrency,
    rounds,
  };
}

async function drive(
  url: string,
  path: string,
  bodies: readonly Buffer[],
  concurrency: number,
): Promise<{ seconds: number; latencies: number[]; refused: number }> {
  const latencies: number[] = [];
  let refused = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const sent = performance.now();
        const answer = await post(`${url}${path}`, body);
        latencies.push(performance.now() - sent);
        if (answer.status !== 202) refused++;
      }
    }),
  );
  return {
    seconds: (performance.now() - started) / 1000,
    latencies: latencies.sort((a, b) => a - b),
    refused,
  };
}

/** Per figure, the best of the rounds (highest rate, lowest CPU and latency). */
function bestOf(results: readonly LoadResult[]): LoadResult {
  const pick = (key: keyof LoadResult, best: (...values: number[]) => number) =>
    best(...results.map((result) => result[key]));
  return {
    batchEventsPerSecond: pick('batchEventsPerSecond', Math.max),
    batchCpuUs: pick('batchCpuUs', Math.min),
    singlesPerSecond: pick('singlesPerSecond', Math.max),
    singleCpuUs: pick('singleCpuUs', Math.min),
    singleP50: pick('singleP50', Math.min),
    singleP99: pick('singleP99', Math.min),
    refused: pick('refused', Math.max),
  };
}

/** CPU seconds of these processes so far. */
function cpuOf(pids: readonly number[]): number {
  return cpuSnapshot(pids).service;
}

/** One API-only service on `redisPort` at one DEBUG_DURABILITY, under the load. */
async function measure(
  databaseUrl: string,
  redis: { port: number; pids: number[] },
  durability: 'default' | 'fsync',
  load: DurabilityLoad,
): Promise<LoadResult> {
  const redisPort = redis.port;
  const service = await startService({
    DATABASE_URL: databaseUrl,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    DEBUG_REDIS_PREFIX: `adsbench-${suffix()}`,
    DEBUG_ROLE: 'api',
    DEBUG_DURABILITY: durability,
    DEBUG_INGEST_BACKLOG_LIMIT: String(10_000_000),
  });
  try {
    const events = (JSON.parse(load.batches[0].toString()) as { events: unknown[] }).events.length;
    const pids = [service.child.pid!, ...redis.pids];
    const beforeBatches = cpuOf(pids);
    const batches = await drive(
      service.url,
      '/api/debug/events/batch',
      load.batches,
      load.concurrency,
    );
    const beforeSingles = cpuOf(pids);
    const singles = await drive(service.url, '/api/debug/events', load.singles, load.concurrency);
    const afterSingles = cpuOf(pids);
    return {
      batchEventsPerSecond: (load.batches.length * events) / batches.seconds,
      batchCpuUs: ((beforeSingles - beforeBatches) / (load.batches.length * events)) * 1e6,
      singlesPerSecond: load.singles.length / singles.seconds,
      singleCpuUs: ((afterSingles - beforeSingles) / load.singles.length) * 1e6,
      singleP50: percentile(singles.latencies, 50),
      singleP99: percentile(singles.latencies, 99),
      refused: batches.refused + singles.refused,
    };
  } finally {
    await service.stop();
  }
}

/**
 * DEBUG_DURABILITY=default against fsync, API-only services on redis-servers of the bench's own,
 * the same requests each: (1) a primary with a replica, default vs fsync (WAIT 1 per group of
 * concurrent requests); (2) AOF as compose runs it (appendfsync everysec, default) vs AOF with
 * appendfsync always (fsync: Redis fsyncs before answering).
 */
export async function compareDurability(load: DurabilityLoad): Promise<DurabilityComparison[]> {
  const name = `ads_bench_durability_${suffix()}`;
  const databaseUrl = await createDatabase(name);
  const servers: ChildProcess[] = [];
  const dirs: string[] = [];
  try {
    const primaryPort = await freePort();
    servers.push(await startRedisServer(primaryPort));
    servers.push(await startRedisReplica(await freePort(), primaryPort));
    const replicated = { port: primaryPort, pids: servers.map((server) => server.pid!) };
    const aof = async (fsync: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'ads-bench-aof-'));
      dirs.push(dir);
      const port = await freePort();
      const server = await startRedisServer(port, [
        '--appendonly',
        'yes',
        '--appendfsync',
        fsync,
        '--dir',
        dir,
      ]);
      servers.push(server);
      return { port, pids: [server.pid!] };
    };
    const everysecServer = await aof('everysec');
    const alwaysServer = await aof('always');
    const runs = {
      replicaDefault: [] as LoadResult[],
      replicaFsync: [] as LoadResult[],
      everysec: [] as LoadResult[],
      always: [] as LoadResult[],
    };
    // Rounds in alternating order, best of each kept: the neighbours' load drifts during a run.
    for (let round = 0; round < load.rounds; round++) {
      const pair = async (
        label: string,
        first: () => Promise<void>,
        second: () => Promise<void>,
      ) => {
        log(`durability: ${label}, round ${round + 1} of ${load.rounds}`);
        if (round % 2 === 0) await first().then(second);
        else await second().then(first);
      };
      await pair(
        'primary + replica, default vs fsync (WAIT 1)',
        async () =>
          void runs.replicaDefault.push(await measure(databaseUrl, replicated, 'default', load)),
        async () =>
          void runs.replicaFsync.push(await measure(databaseUrl, replicated, 'fsync', load)),
      );
      await pair(
        'AOF everysec + default vs AOF always + fsync',
        async () =>
          void runs.everysec.push(await measure(databaseUrl, everysecServer, 'default', load)),
        async () => void runs.always.push(await measure(databaseUrl, alwaysServer, 'fsync', load)),
      );
    }
    const replicaDefault = bestOf(runs.replicaDefault);
    const replicaFsync = bestOf(runs.replicaFsync);
    const everysec = bestOf(runs.everysec);
    const always = bestOf(runs.always);
    return [
      {
        setup: 'primary + replica',
        baseline: { label: 'default', result: replicaDefault },
        fsync: { label: 'fsync (WAIT 1)', result: replicaFsync },
      },
      {
        setup: 'AOF on disk',
        baseline: { label: 'everysec, default', result: everysec },
        fsync: { label: 'always, fsync', result: always },
      },
    ];
  } finally {
    await Promise.all(servers.map(killRedisServer));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await dropDatabase(name);
  }
}

const ratio = (value: number, base: number) => fmt(value / base, 2);

export function describeComparison(comparisons: readonly DurabilityComparison[]): string[] {
  const line = (label: string, result: LoadResult) =>
    `  ${label.padEnd(28)} batches ${fmt(result.batchEventsPerSecond, 0).padStart(7)} events/s, ${fmt(result.batchCpuUs, 1)} µs CPU/event   singles ${fmt(result.singlesPerSecond, 0).padStart(5)} req/s, ${fmt(result.singleCpuUs, 0)} µs CPU/req, p50 ${fmt(result.singleP50, 2)} / p99 ${fmt(result.singleP99, 2)} ms${result.refused > 0 ? `   (${result.refused} refused)` : ''}`;
  return comparisons.flatMap(({ setup, baseline, fsync }) => [
    `durability: ${setup}`,
    line(baseline.label, baseline.result),
    line(fsync.label, fsync.result),
    `  ratio fsync / default       rate: batches ${ratio(fsync.result.batchEventsPerSecond, baseline.result.batchEventsPerSecond)}, singles ${ratio(fsync.result.singlesPerSecond, baseline.result.singlesPerSecond)}; CPU: batches ×${ratio(fsync.result.batchCpuUs, baseline.result.batchCpuUs)}, singles ×${ratio(fsync.result.singleCpuUs, baseline.result.singleCpuUs)}; single p50 ×${ratio(fsync.result.singleP50, baseline.result.singleP50)}, p99 ×${ratio(fsync.result.singleP99, baseline.result.singleP99)}`,
  ]);
}
