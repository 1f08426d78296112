import { v7 as uuidv7 } from 'uuid';

/** Small fast PRNG (mulberry32): a fixed seed gives the same corpus on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMPONENT_TYPES = ['agent', 'worker', 'api', 'scheduler', 'gateway', 'indexer'];
const EVENT_TYPES = ['log', 'log', 'log', 'error', 'trace', 'lifecycle', 'metric', 'span'];
const LEVELS = ['debug', 'info', 'info', 'info', 'warning', 'error', 'critical'];
const OPERATIONS = [
  'plan.generate',
  'tool.call',
  'http.request',
  'db.query',
  'queue.consume',
  'cache.lookup',
];
const MESSAGES = [
  (r: () => number) =>
    `request ${Math.floor(r() * 1e6)} handled in ${Math.floor(r() * 900)} ms with status 200`,
  (r: () => number) =>
    `tool call ${Math.floor(r() * 1e4)} failed: timeout after ${Math.floor(r() * 30000)} ms`,
  (r: () => number) =>
    `job ${Math.floor(r() * 1e5)} completed for tenant t-${Math.floor(r() * 90)}`,
  (r: () => number) =>
    `cache miss for key user:${Math.floor(r() * 1e6)}:profile, loading from database`,
  (r: () => number) => `retrying upstream call attempt ${1 + Math.floor(r() * 5)} of 5`,
];

/** One event of the wire shape with every field, ~450 bytes of JSON. */
export interface CorpusEvent {
  id: string;
  timestamp: string;
  event_type: string;
  level: string;
  component_type: string;
  component_id: string;
  correlation_id: string;
  parent_event_id: string | null;
  operation: string;
  duration_ms: number;
  message: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  session_id: string | null;
}

export interface CorpusOptions {
  seed: number;
  /** Distinct components (type/id pairs). */
  components?: number;
  /** Event times spread over the last `days` days, ending `endMs`. */
  days?: number;
  endMs?: number;
}

/**
 * Deterministic events for benchmarks and tests: fixed seed, spread over a few hundred
 * components and a few days, client UUIDv7 ids carrying the event time.
 */
export function* eventCorpus(options: CorpusOptions): Generator<CorpusEvent> {
  const random = seededRandom(options.seed);
  const components = options.components ?? 300;
  const spanMs = (options.days ?? 3) * 86_400_000;
  const endMs = options.endMs ?? Date.now() - 60_000;
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  let previousId: string | null = null;
  for (let sequence = 0; ; sequence++) {
    const timeMs = endMs - Math.floor(random() * spanMs);
    const component = Math.floor(random() * components);
    const id = uuidv7({ msecs: timeMs, random: randomBytes(random) });
    const event: CorpusEvent = {
      id,
      timestamp: new Date(timeMs).toISOString(),
      event_type: pick(EVENT_TYPES),
      level: pick(LEVELS),
      component_type: COMPONENT_TYPES[component % COMPONENT_TYPES.length],
      component_id: `c-${component}`,
      correlation_id: `op-${Math.floor(random() * 50_000)}`,
      parent_event_id: random() < 0.5 ? previousId : null,
      operation: pick(OPERATIONS),
      duration_ms: Math.round(random() * 500_000) / 100,
      message: pick(MESSAGES)(random),
      data: {
        attempt: Math.floor(random() * 5),
        status: random() < 0.9 ? 'ok' : 'failed',
        bytes: Math.floor(random() * 1e6),
      },
      metadata: {
        host: `node-${Math.floor(random() * 20)}`,
        version: '2.4.1',
        region: 'eu-west-1',
      },
      session_id: random() < 0.1 ? `s-${Math.floor(random() * 10)}` : null,
    };
    previousId = id;
    yield event;
  }
}

function randomBytes(random: () => number): Uint8Array {
  const bytes = new Uint8Array(16);
  for (let index = 0; index < 16; index++) bytes[index] = Math.floor(random() * 256);
  return bytes;
}

export function takeEvents(count: number, options: CorpusOptions): CorpusEvent[] {
  const events: CorpusEvent[] = [];
  for (const event of eventCorpus(options)) {
    if (events.length >= count) break;
    events.push(event);
  }
  return events;
}
