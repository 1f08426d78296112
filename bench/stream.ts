/**
 * Stream latency: 100 real socket.io clients with mixed filters on /debug, events
 * ingested over HTTP (POST /api/debug/events/batch) at a fixed rate; latency from the
 * moment a POST is sent to the moment each subscriber receives each event.
 *
 *   npm run bench:stream -- [--seconds 30] [--rate 5000] [--batch 100] [--clients 100] [--cpu-prof]
 *
 * Same-run baseline: the latency of the POST itself (sent → 2xx answer), which every
 * streamed event has to pay before it can be streamed.
 */
import { cpus } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import {
  createDatabase,
  deleteRedisPrefix,
  dropDatabase,
  fmt,
  get,
  log,
  percentile,
  post,
  REDIS_URL,
  sample,
  startService,
  suffix,
} from './bench-support.js';
import { eventCorpus, type CorpusEvent } from './event-corpus.js';

const option = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const SECONDS = option('seconds', 30);
const RATE = option('rate', 5000);
const BATCH = option('batch', 100);
const CLIENTS = option('clients', 100);
const BAR_P99_MS = 50;

type Event = CorpusEvent & { data: Record<string, unknown> & { sent_ms?: number } };

interface Profile {
  name: string;
  filters: Record<string, unknown>;
  wants(event: Event): boolean;
}

const COMPONENT_TYPES = ['agent', 'worker', 'api', 'scheduler', 'gateway', 'indexer'];

/** The mix of subscriptions: dashboards, component and operation followers, alert watchers. */
function profileFor(index: number): Profile {
  const slot = index % 20;
  if (slot === 0) return { name: 'everything', filters: {}, wants: () => true };
  if (slot <= 3) {
    return { name: 'critical', filters: { levels: ['critical'] }, wants: (event) => event.level === 'critical' };
  }
  if (slot <= 7) {
    const type = COMPONENT_TYPES[index % COMPONENT_TYPES.length];
    return { name: 'component type', filters: { component_types: [type] }, wants: (event) => event.component_type === type };
  }
  if (slot <= 13) {
    const ids = Array.from({ length: 10 }, (_, offset) => `c-${(index * 7 + offset * 31) % 300}`);
    const set = new Set(ids);
    return { name: '10 components', filters: { component_ids: ids }, wants: (event) => set.has(event.component_id) };
  }
  if (slot <= 17) {
    const ops = Array.from({ length: 200 }, (_, offset) => `op-${(index * 997 + offset * 211) % 50_000}`);
    const set = new Set(ops);
    return { name: '200 operations', filters: { correlation_ids: ops }, wants: (event) => set.has(event.correlation_id) };
  }
  const type = COMPONENT_TYPES[index % COMPONENT_TYPES.length];
  return {
    name: 'errors of a type',
    filters: { event_types: ['error'], component_types: [type], levels: ['error', 'critical'] },
    wants: (event) => event.event_type === 'error' && event.component_type === type && (event.level === 'error' || event.level === 'critical'),
  };
}

interface Subscriber {
  profile: Profile;
  socket: Socket;
  expected: number;
  received: number;
  dropped: number;
  latencies: number[];
}

const now = () => performance.timeOrigin + performance.now();

async function connect(url: string, profile: Profile): Promise<Subscriber> {
  const socket = io(`${url}/debug`, { transports: ['websocket'], reconnection: false, forceNew: true });
  const subscriber: Subscriber = { profile, socket, expected: 0, received: 0, dropped: 0, latencies: [] };
  socket.on('debug:event', (events: Event[]) => {
    const at = now();
    for (const event of events) {
      subscriber.received++;
      if (typeof event.data?.sent_ms === 'number') subscriber.latencies.push(at - event.data.sent_ms);
    }
  });
  socket.on('debug:dropped', (notice: { count: number }) => (subscriber.dropped += notice.count));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const ack = (await socket.timeout(10_000).emitWithAck('subscribe', { ...profile.filters, channels: ['event'] })) as { ok: boolean };
  if (!ack.ok) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
  return subscriber;
}

async function main(): Promise<void> {
  log(`bench:stream on ${cpus().length} cores: ${CLIENTS} clients, ${RATE} events/s for ${SECONDS} s in batches of ${BATCH}`);
  const database = `ads_bench_${suffix()}`;
  const prefix = `adsbench-${suffix()}`;
  const url = await createDatabase(database);
  const profile = process.argv.includes('--cpu-prof');
  const service = await startService(
    { DATABASE_URL: url, REDIS_URL, DEBUG_REDIS_PREFIX: prefix, DEBUG_STREAMING_ENABLED: 'true' },
    profile ? ['--cpu-prof', '--cpu-prof-dir', join(process.cwd(), 'data', 'profiles')] : [],
  );
  const subscribers: Subscriber[] = [];
  try {
    log(`service up at ${service.url} (role all, PostgreSQL + Redis); connecting ${CLIENTS} socket.io clients`);
    for (let index = 0; index < CLIENTS; index++) subscribers.push(await connect(service.url, profileFor(index)));
    const mix = new Map<string, number>();
    for (const subscriber of subscribers) mix.set(subscriber.profile.name, (mix.get(subscriber.profile.name) ?? 0) + 1);
    log(`subscribed: ${[...mix].map(([name, count]) => `${count} × ${name}`).join(', ')}`);

    // Fixed arrival rate: batch k is sent at k × interval whatever the answers do.
    const corpus = eventCorpus({ seed: 11 });
    const intervalMs = (BATCH / RATE) * 1000;
    const batches = Math.round((SECONDS * RATE) / BATCH);
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
        const stamped = { ...event, id: uuidv7(), timestamp: new Date().toISOString(), data: { ...event.data } };
        events.push(stamped);
      }
      const sentAt = now();
      for (const event of events) event.data.sent_ms = sentAt;
      const body = JSON.stringify({ events });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      pending.push(
        post(`${service.url}/api/debug/events/batch`, body).then(
          (answer) => {
            inFlight--;
            postLatencies.push(now() - sentAt);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (answer.status !== 202) return;
            accepted += events.length;
            for (const subscriber of subscribers) for (const event of events) if (subscriber.profile.wants(event)) subscriber.expected++;
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
        log(`  ${Math.round((performance.now() - started) / 1000)} s: ${accepted.toLocaleString()} events accepted, ${delivered.toLocaleString()} deliveries so far`);
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

    const metrics = await get(`${service.url}/api/debug/metrics`);
    const expected = subscribers.reduce((sum, one) => sum + one.expected, 0);
    const delivered = subscribers.reduce((sum, one) => sum + one.received, 0);
    const dropped = subscribers.reduce((sum, one) => sum + one.dropped, 0);
    const keptUp = subscribers.filter((one) => one.dropped === 0);
    const lostByKeepers = keptUp.reduce((sum, one) => sum + Math.max(0, one.expected - one.received), 0);
    const latencies = subscribers.flatMap((one) => one.latencies).sort((a, b) => a - b);
    postLatencies.sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    const postP99 = percentile(postLatencies, 99);

    log(`sent ${batches.toLocaleString()} batches in ${fmt(sendSeconds)} s (${fmt((accepted / sendSeconds), 0)} events/s accepted); answers ${[...statuses].map(([status, count]) => `${status}×${count}`).join(', ')}; most POSTs in flight ${maxInFlight}`);
    log(`server: ${sample(metrics.text, 'ads_stream_batches_total').toLocaleString()} socket emits for ${sample(metrics.text, 'ads_stream_delivered_total').toLocaleString()} deliveries (micro-batching)`);
    log('');
    log(`cores                         ${cpus().length}`);
    log(`delivered / expected          ${delivered.toLocaleString()} / ${expected.toLocaleString()} (${fmt((100 * delivered) / Math.max(1, expected), 3)} %), ${fmt(delivered / sendSeconds, 0)} deliveries/s`);
    log(`clients that kept up          ${keptUp.length} / ${subscribers.length}; events they lost: ${lostByKeepers}; dropped and announced to the others: ${dropped}`);
    log(`stream latency (POST sent → received)   p50 ${fmt(percentile(latencies, 50))} ms   p95 ${fmt(percentile(latencies, 95))} ms   p99 ${fmt(p99)} ms   max ${fmt(latencies.at(-1) ?? NaN)} ms`);
    log(`baseline: POST latency (sent → 2xx)     p50 ${fmt(percentile(postLatencies, 50))} ms   p95 ${fmt(percentile(postLatencies, 95))} ms   p99 ${fmt(postP99)} ms`);
    log(`ratio stream p99 / POST p99   ${fmt(p99 / postP99, 2)}`);
    log(`bar: p99 < ${BAR_P99_MS} ms and nothing lost by clients that keep up: ${p99 < BAR_P99_MS && lostByKeepers === 0 ? 'MET' : 'NOT MET'}`);
  } finally {
    for (const subscriber of subscribers) subscriber.socket.disconnect();
    await service.stop();
    await dropDatabase(database);
    await deleteRedisPrefix(prefix);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
