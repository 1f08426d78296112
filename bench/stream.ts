/**
 * Stream latency: 100 real socket.io clients with mixed filters on /debug, events
 * ingested over HTTP (POST /api/debug/events/batch) at a fixed rate; latency from the
 * moment a POST is sent to the moment each subscriber receives each event.
 *
 *   npm run bench:stream -- [--seconds 30] [--rate 5000] [--batch 100] [--clients 100] [--baseline-seconds 10] [--split] [--cpu-prof]
 *
 * Same-run baselines: (1) a bare HTTP + socket.io server (bench/stream-raw-server.ts)
 * taking the same POSTs and emitting the same filtered batches to the same clients, with
 * no service behind it: the floor of this machine; (2) the latency of the service's POST
 * itself (sent → 2xx), which every streamed event pays before it can be streamed.
 */
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import {
  createDatabase,
  deleteRedisPrefix,
  dropDatabase,
  fmt,
  freePort,
  get,
  log,
  percentile,
  post,
  REDIS_URL,
  sample,
  startService,
  suffix,
} from './bench-support.js';
import { eventCorpus } from './event-corpus.js';
import { type Event, type Profile, profileFor } from './stream-profiles.js';

const option = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const SECONDS = option('seconds', 30);
const RATE = option('rate', 5000);
const BATCH = option('batch', 100);
const CLIENTS = option('clients', 100);
const BAR_P99_MS = 50;

interface Subscriber {
  profile: Profile;
  socket: Socket;
  expected: number;
  received: number;
  dropped: number;
  latencies: number[];
}

const now = () => performance.timeOrigin + performance.now();

async function connect(
  url: string,
  profile: Profile,
  subscribe: Record<string, unknown>,
): Promise<Subscriber> {
  const socket = io(`${url}/debug`, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  const subscriber: Subscriber = {
    profile,
    socket,
    expected: 0,
    received: 0,
    dropped: 0,
    latencies: [],
  };
  socket.on('debug:event', (events: Event[]) => {
    const at = now();
    for (const event of events) {
      subscriber.received++;
      if (typeof event.data?.sent_ms === 'number')
        subscriber.latencies.push(at - event.data.sent_ms);
    }
  });
  socket.on('debug:dropped', (notice: { count: number }) => (subscriber.dropped += notice.count));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const ack = (await socket.timeout(10_000).emitWithAck('subscribe', subscribe)) as { ok: boolean };
  if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
  return subscriber;
}

interface PhaseResult {
  seconds: number;
  accepted: number;
  statuses: Map<number, number>;
  maxInFlight: number;
  expected: number;
  delivered: number;
  dropped: number;
  keptUp: number;
  lostByKeepers: number;
  latencies: number[];
  postLatencies: number[];
}

/** Connects the clients, sends `seconds` of events at the fixed rate to `postUrl`, waits for stragglers. */
async function runPhase(
  label: string,
  socketUrl: string,
  postUrl: string,
  subscribePayload: (index: number, profile: Profile) => Record<string, unknown>,
  seconds: number,
): Promise<PhaseResult> {
  const subscribers: Subscriber[] = [];
  try {
    for (let index = 0; index < CLIENTS; index++) {
      const profile = profileFor(index);
      subscribers.push(await connect(socketUrl, profile, subscribePayload(index, profile)));
    }
    const mix = new Map<string, number>();
    for (const subscriber of subscribers)
      mix.set(subscriber.profile.name, (mix.get(subscriber.profile.name) ?? 0) + 1);
    log(
      `${label}: ${CLIENTS} clients subscribed (${[...mix].map(([name, count]) => `${count} × ${name}`).join(', ')}); sending for ${seconds} s`,
    );

    // Fixed arrival rate: batch k is sent at k × interval whatever the answers do.
    const corpus = eventCorpus({ seed: 11 });
    const intervalMs = (BATCH / RATE) * 1000;
    const batches = Math.round((seconds * RATE) / BATCH);
    const postLatencies: number[] = [];
    const statuses = new Map<number, number>();
    let accepted = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const pending: Promise<void>[] = [];
    const started = performance.now();
    let lastProgress = started;
    for (let k = 0; k < batches; k++) {
      const due = started + k * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const events: Event[] = [];
      for (let index = 0; index < BATCH; index++) {
        const event = corpus.next().value as Event;
        events.push({
          ...event,
          id: uuidv7(),
          timestamp: new Date().toISOString(),
          data: { ...event.data },
        });
      }
      const sentAt = now();
      for (const event of events) event.data.sent_ms = sentAt;
      const body = JSON.stringify({ events });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      pending.push(
        post(postUrl, body).then(
          (answer) => {
            inFlight--;
            postLatencies.push(now() - sentAt);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (answer.status !== 202) return;
            accepted += events.length;
            for (const subscriber of subscribers)
              for (const event of events)
                if (subscriber.profile.wants(event)) subscriber.expected++;
          },
          () => {
            inFlight--;
            statuses.set(0, (statuses.get(0) ?? 0) + 1);
          },
        ),
      );
      if (performance.now() - lastProgress >= 5000) {
        lastProgress = performance.now();
        const delivered = subscribers.reduce((sum, one) => sum + one.received, 0);
        log(
          `  ${Math.round((performance.now() - started) / 1000)} s: ${accepted.toLocaleString()} events accepted, ${delivered.toLocaleString()} deliveries so far`,
        );
      }
    }
    await Promise.all(pending);
    const sendSeconds = (performance.now() - started) / 1000;
    // Stragglers: wait until every client has what it expects, or 10 s without progress.
    let lastTotal = -1;
    let quietSince = performance.now();
    for (;;) {
      const total = subscribers.reduce((sum, one) => sum + one.received, 0);
      if (subscribers.every((one) => one.received >= one.expected)) break;
      if (total !== lastTotal) {
        lastTotal = total;
        quietSince = performance.now();
      } else if (performance.now() - quietSince > 10_000) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const keptUp = subscribers.filter((one) => one.dropped === 0);
    return {
      seconds: sendSeconds,
      accepted,
      statuses,
      maxInFlight,
      expected: subscribers.reduce((sum, one) => sum + one.expected, 0),
      delivered: subscribers.reduce((sum, one) => sum + one.received, 0),
      dropped: subscribers.reduce((sum, one) => sum + one.dropped, 0),
      keptUp: keptUp.length,
      lostByKeepers: keptUp.reduce((sum, one) => sum + Math.max(0, one.expected - one.received), 0),
      latencies: subscribers.flatMap((one) => one.latencies).sort((a, b) => a - b),
      postLatencies: postLatencies.sort((a, b) => a - b),
    };
  } finally {
    for (const subscriber of subscribers) subscriber.socket.disconnect();
  }
}

function report(label: string, result: PhaseResult): void {
  log(
    `${label}: ${fmt(result.accepted / result.seconds, 0)} events/s accepted over ${fmt(result.seconds)} s; answers ` +
      `${[...result.statuses].map(([status, count]) => `${status}×${count}`).join(', ')}; most POSTs in flight ${result.maxInFlight}`,
  );
  log(
    `  delivered / expected ${result.delivered.toLocaleString()} / ${result.expected.toLocaleString()} ` +
      `(${fmt((100 * result.delivered) / Math.max(1, result.expected), 3)} %), ${fmt(result.delivered / result.seconds, 0)} deliveries/s; ` +
      `clients that kept up ${result.keptUp} / ${CLIENTS}, events they lost ${result.lostByKeepers}; dropped and announced ${result.dropped}`,
  );
  const l = result.latencies;
  const p = result.postLatencies;
  log(
    `  POST sent → received   p50 ${fmt(percentile(l, 50))} ms   p95 ${fmt(percentile(l, 95))} ms   p99 ${fmt(percentile(l, 99))} ms   max ${fmt(l.at(-1) ?? NaN)} ms`,
  );
  log(
    `  POST sent → answered   p50 ${fmt(percentile(p, 50))} ms   p95 ${fmt(percentile(p, 95))} ms   p99 ${fmt(percentile(p, 99))} ms`,
  );
}

async function rawBaseline(seconds: number): Promise<PhaseResult> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(dirname(fileURLToPath(import.meta.url)), 'stream-raw-server.js'), String(port)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`raw baseline server exited with ${code}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    return await runPhase(
      'baseline (bare HTTP + socket.io, no service)',
      url,
      `${url}/batch`,
      (index) => ({ profile: index }),
      seconds,
    );
  } finally {
    child.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  log(
    `bench:stream on ${cpus().length} cores: ${CLIENTS} clients, ${RATE} events/s for ${SECONDS} s in batches of ${BATCH}`,
  );
  const baselineSeconds = option('baseline-seconds', Math.min(SECONDS, 10));
  const baseline = await rawBaseline(baselineSeconds);
  report('baseline', baseline);

  const database = `ads_bench_${suffix()}`;
  const prefix = `adsbench-${suffix()}`;
  const url = await createDatabase(database);
  const profiling = process.argv.includes('--cpu-prof');
  // --split: an API process and a worker process (the production layout) instead of one `all` process.
  const split = process.argv.includes('--split');
  const common = {
    DATABASE_URL: url,
    REDIS_URL,
    DEBUG_REDIS_PREFIX: prefix,
    DEBUG_STREAMING_ENABLED: 'true',
  };
  const service = await startService(
    { ...common, DEBUG_ROLE: split ? 'api' : 'all' },
    profiling ? ['--cpu-prof', '--cpu-prof-dir', join(process.cwd(), 'data', 'profiles')] : [],
  );
  const worker = split ? await startService({ ...common, DEBUG_ROLE: 'worker' }) : null;
  try {
    log(
      `service up at ${service.url} (${split ? 'one api and one worker process' : 'role all'}, PostgreSQL + Redis)`,
    );
    const result = await runPhase(
      'service',
      service.url,
      `${service.url}/api/debug/events/batch`,
      (_, profile) => ({ ...profile.filters, channels: ['event'] }),
      SECONDS,
    );
    const metrics = await get(`${service.url}/api/debug/metrics`);
    report('service', result);
    log(
      `  server: ${sample(metrics.text, 'ads_stream_batches_total').toLocaleString()} socket emits for ${sample(metrics.text, 'ads_stream_delivered_total').toLocaleString()} deliveries (micro-batching)`,
    );

    const p99 = percentile(result.latencies, 99);
    const baselineP99 = percentile(baseline.latencies, 99);
    log('');
    log(`cores                                         ${cpus().length}`);
    log(
      `delivered / expected                          ${result.delivered.toLocaleString()} / ${result.expected.toLocaleString()}; lost by clients that kept up: ${result.lostByKeepers}`,
    );
    log(
      `stream p50 / p99 (POST sent → received)       ${fmt(percentile(result.latencies, 50))} / ${fmt(p99)} ms`,
    );
    log(
      `baseline p50 / p99, bare HTTP + socket.io     ${fmt(percentile(baseline.latencies, 50))} / ${fmt(baselineP99)} ms`,
    );
    log(
      `baseline p50 / p99, the service's own POST    ${fmt(percentile(result.postLatencies, 50))} / ${fmt(percentile(result.postLatencies, 99))} ms`,
    );
    log(`ratio stream p99 / bare p99                   ${fmt(p99 / baselineP99, 2)}`);
    log(
      `ratio stream p99 / POST p99                   ${fmt(p99 / percentile(result.postLatencies, 99), 2)}`,
    );
    log(
      `bar: p99 < ${BAR_P99_MS} ms and nothing lost by clients that keep up: ${p99 < BAR_P99_MS && result.lostByKeepers === 0 ? 'MET' : 'NOT MET'}`,
    );
  } finally {
    await service.stop();
    await worker?.stop();
    await dropDatabase(database);
    await deleteRedisPrefix(prefix);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
