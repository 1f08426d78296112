import type { DataSource } from 'typeorm';
import type { DebugEventRecord, InsightType } from '../../src/common/debug-event.js';
import { newId } from '../../src/common/ids.js';
import type { ComponentRef } from '../../src/database/entities/debug-insight.entity.js';
import {
  assignPatterns,
  componentRef as c,
  insertScenario,
  Random,
  scenarioEvent,
} from './scenario-generator.js';

/**
 * Traffic unlike the shop of scenario-generator.ts, one shape at a time, each with normal traffic
 * and (optionally) one incident in its last hour:
 *  - `diurnal`: two days whose volume varies ×10 between night and afternoon, with short bursts;
 *  - `many_components`: 200 agents with a handful of events an hour each;
 *  - `error_only`: a bridge that logs only its errors, steadily (its normal error rate is 100%);
 *  - `uncorrelated`: most events without a correlation id, some of them "started"/"finished" messages;
 *  - `clock_skew`: a call chain whose components' clocks are off by up to a few seconds;
 *  - `daily_peak`: five days of steady traffic with a sign-in rush at the same time every day (8×).
 * Deterministic for a seed. The scopes to analyse are hour-long: `normalScopeEnds` (ascending)
 * hold only normal traffic, the last hour before `now` holds the incidents.
 */
export const SHAPES = [
  'diurnal',
  'many_components',
  'error_only',
  'uncorrelated',
  'clock_skew',
  'daily_peak',
] as const;
export type ShapeName = (typeof SHAPES)[number];

export interface ShapeOptions {
  /** End of the data; the last hour before it is the incident's scope. Default: now, to the minute. */
  now?: Date;
  seed?: number;
  /** Whether to inject the shape's incidents into the last hour (default true). */
  incidents?: boolean;
  /** Diurnal bursts: how many times the rate of the moment (default 4, up to 2 more) and how often. */
  bursts?: { factor: number; perHour: number };
}

export interface ShapeIncident {
  name: string;
  expected: { type: InsightType; kind: string };
  /** The component the finding must name first: the one with the most errors, the silent one, the root cause. */
  component: ComponentRef;
  /** For propagated errors: the components in the order the error reached them. */
  path?: string[];
  eventIds: string[];
}

export interface ShapeScenario {
  shape: ShapeName;
  now: Date;
  /** Ends of hour-long scopes with normal traffic only, oldest first. */
  normalScopeEnds: Date[];
  events: DebugEventRecord[];
  incidents: ShapeIncident[];
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

interface Spec {
  at: number;
  component: ComponentRef;
  message: string;
  level?: string;
  eventType?: string;
  correlationId?: string | null;
  parentEventId?: string | null;
  operation?: string | null;
  durationMs?: number | null;
  data?: Record<string, unknown> | null;
  /** The component's clock error: added to the timestamp it writes. */
  skewMs?: number;
}

class Recorder {
  readonly events: DebugEventRecord[] = [];
  constructor(private readonly end: number) {}

  emit(spec: Spec): DebugEventRecord {
    const at = Math.min(spec.at + (spec.skewMs ?? 0), this.end - 1);
    const event = scenarioEvent(spec, new Date(at));
    this.events.push(event);
    return event;
  }
}

export function buildShape(shape: ShapeName, options: ShapeOptions = {}): ShapeScenario {
  const now = Math.floor((options.now ?? new Date()).getTime() / MINUTE) * MINUTE;
  const random = new Random(options.seed ?? 5);
  const recorder = new Recorder(now);
  const withIncidents = options.incidents !== false;
  const bursts = options.bursts ?? { factor: 4, perHour: 1 };
  const built = BUILDERS[shape]({ now, random, recorder, withIncidents, bursts });
  assignPatterns(recorder.events);
  recorder.events.sort((a, b) =>
    a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0,
  );
  return {
    shape,
    now: new Date(now),
    normalScopeEnds: built.normalScopeEnds.map((at) => new Date(at)),
    events: recorder.events,
    incidents: withIncidents ? built.incidents : [],
  };
}

/** Writes a shape into a migrated database (PostgreSQL or SQLite). */
export async function writeShape(
  dataSource: DataSource,
  shape: ShapeName,
  options: ShapeOptions = {},
): Promise<Omit<ShapeScenario, 'events'> & { eventCount: number }> {
  const { events, ...rest } = buildShape(shape, options);
  await insertScenario(dataSource, { events, snapshots: [] });
  return { ...rest, eventCount: events.length };
}

interface BuildContext {
  now: number;
  random: Random;
  recorder: Recorder;
  withIncidents: boolean;
  bursts: { factor: number; perHour: number };
}

interface Built {
  normalScopeEnds: number[];
  incidents: ShapeIncident[];
}

const BUILDERS: Record<ShapeName, (context: BuildContext) => Built> = {
  diurnal,
  many_components: manyComponents,
  error_only: errorOnly,
  uncorrelated,
  clock_skew: clockSkew,
  daily_peak: dailyPeak,
};

/** Requests per minute at a time of day: 1× at 03:00 UTC, 10× at 15:00, a cosine in between. */
export function diurnalRate(at: number, base: number): number {
  const hour = (at % (24 * HOUR)) / HOUR;
  return base * (1 + (9 * (1 - Math.cos((2 * Math.PI * (hour - 3)) / 24))) / 2);
}

/**
 * Two days of web traffic (edge → api → db) following the time of day, with bursts: about one an
 * hour, 2–4 minutes at 4–6× the rate of the moment, and a rolling deploy of an edge proxy 30
 * minutes before the end of a normal hour (edge-1 replaced by edge-3). Incidents: api-3 logs 150 retries in 5
 * minutes (a retry storm), 40 minutes before the end; api-2 stops sending 25 minutes before it.
 */
function diurnal({ now, random, recorder, withIncidents, bursts }: BuildContext): Built {
  const edges = [c('edge-proxy', 'edge-1'), c('edge-proxy', 'edge-2')];
  // a rolling deploy in a normal hour: edge-3 comes up a minute before edge-1 is stopped for good
  const replacement = c('edge-proxy', 'edge-3');
  const deployedAt = now - 7 * HOUR - 30 * MINUTE;
  const edgesAt = (at: number) =>
    at < deployedAt - MINUTE
      ? edges
      : at < deployedAt
        ? [...edges, replacement]
        : [replacement, edges[1]];
  const apis = [c('api', 'api-1'), c('api', 'api-2'), c('api', 'api-3')];
  const db = c('db-proxy', 'db-1');
  const start = now - 48 * HOUR;
  const silentFrom = withIncidents ? now - 25 * MINUTE : Infinity;
  const crashed = apis[1];
  let burstUntil = 0;
  let burstFactor = 1;
  for (let minute = start; minute < now; minute += MINUTE) {
    if (minute >= burstUntil && random.next() < bursts.perHour / 60) {
      burstUntil = minute + random.int(2, 4) * MINUTE;
      burstFactor = bursts.factor + 2 * random.next();
    }
    const rate = diurnalRate(minute, 1.5) * (minute < burstUntil ? burstFactor : 1);
    const requests = random.poisson(rate);
    for (let index = 0; index < requests; index++) {
      const at = minute + random.int(0, 58_000);
      const alive = apis.filter((api) => api !== crashed || at < silentFrom);
      const api = random.pick(alive);
      const edge = random.pick(edgesAt(at));
      const correlationId = `web-${newId(new Date(at)).slice(-12)}`;
      const path = random.pick(['/products', '/cart', '/search', '/account']);
      const received = recorder.emit({
        at,
        component: edge,
        message: `GET ${path} from ${random.int(1, 250)}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`,
        eventType: 'trace',
        correlationId,
        operation: 'http-request',
        data: { phase: 'start' },
      });
      const apiMs = random.duration(35, 0.35);
      const failed = random.next() < 0.004;
      recorder.emit({
        at: at + 2,
        component: api,
        message: failed
          ? `upstream search index timed out after ${random.int(900, 1100)} ms`
          : `handled ${path} in ${Math.round(apiMs)} ms`,
        level: failed ? 'error' : 'info',
        eventType: failed ? 'error' : 'log',
        correlationId,
        parentEventId: received.id,
        operation: 'handle',
        durationMs: apiMs,
      });
      if (path !== '/products')
        recorder.emit({
          at: at + 4,
          component: db,
          message: `query ${path.slice(1)} returned ${random.int(0, 40)} rows`,
          correlationId,
          parentEventId: received.id,
          operation: 'query',
          durationMs: random.duration(4, 0.4),
        });
      recorder.emit({
        at: at + 6 + apiMs,
        component: edge,
        message: `GET ${path} status=${failed ? 504 : 200}`,
        eventType: 'trace',
        correlationId,
        parentEventId: received.id,
        operation: 'http-request',
        durationMs: Math.round(apiMs + 6),
        data: { phase: 'end' },
      });
    }
  }
  const retrying = apis[2];
  const stormIds: string[] = [];
  const retry = (at: number) =>
    recorder.emit({
      at,
      component: retrying,
      message: `retrying call to search index (attempt ${random.int(2, 5)})`,
      level: 'warning',
      operation: 'handle',
    });
  // a retry now and then is normal; the storm is 150 in 5 minutes
  for (let minute = start; minute < now; minute += 17 * MINUTE)
    retry(minute + random.int(0, 59_000));
  if (withIncidents)
    for (let index = 0; index < 150; index++)
      stormIds.push(retry(now - 40 * MINUTE + random.int(0, 5 * MINUTE - 1)).id);
  return {
    // the morning ramp, the afternoon peak, the evening fall and the night, on the last day
    normalScopeEnds: [now - 19 * HOUR, now - 13 * HOUR, now - 7 * HOUR, now - 2 * HOUR],
    incidents: [
      {
        name: 'diurnal_silence',
        expected: { type: 'anomaly', kind: 'silence' },
        component: crashed,
        eventIds: [],
      },
      {
        name: 'diurnal_retry_storm',
        expected: { type: 'anomaly', kind: 'spike' },
        component: retrying,
        eventIds: stormIds,
      },
    ],
  };
}

/**
 * 200 agents of one type (plus a collector) with about six events an hour each: a sync with its
 * duration, now and then a slow-disk warning or an upload error (a known pattern shared by all,
 * a few an hour in total). Incident: agent-137's uploads fail 40 times in 5 minutes.
 */
function manyComponents({ now, random, recorder, withIncidents }: BuildContext): Built {
  const agents = Array.from({ length: 200 }, (_, index) =>
    c('edge-agent', `agent-${String(index + 1).padStart(3, '0')}`),
  );
  const collector = c('collector', 'collector-1');
  const start = now - 8 * HOUR;
  const uploadError = () =>
    `upload failed: connection refused by collector (errno=111, retry=${random.int(1, 5)})`;
  for (let minute = start; minute < now; minute += MINUTE) {
    for (const agent of agents) {
      if (random.next() < 0.1)
        recorder.emit({
          at: minute + random.int(0, 59_000),
          component: agent,
          message: `synced ${random.int(1, 400)} readings`,
          operation: 'sync',
          durationMs: random.duration(120, 0.5),
        });
      if (random.next() < 0.004)
        recorder.emit({
          at: minute + random.int(0, 59_000),
          component: agent,
          message: `disk write slow: ${random.int(200, 900)} ms for ${random.int(1, 64)} kB`,
          level: 'warning',
        });
      if (random.next() < 0.0008)
        recorder.emit({
          at: minute + random.int(0, 59_000),
          component: agent,
          message: uploadError(),
          level: 'error',
          eventType: 'error',
        });
    }
    const batches = random.poisson(20);
    for (let index = 0; index < batches; index++)
      recorder.emit({
        at: minute + random.int(0, 59_000),
        component: collector,
        message: `stored batch of ${random.int(10, 500)} readings`,
        operation: 'store-batch',
        durationMs: random.duration(15, 0.3),
      });
  }
  const failing = agents[136];
  const eventIds: string[] = [];
  if (withIncidents) {
    for (let index = 0; index < 40; index++)
      eventIds.push(
        recorder.emit({
          at: now - 20 * MINUTE + random.int(0, 5 * MINUTE - 1),
          component: failing,
          message: uploadError(),
          level: 'error',
          eventType: 'error',
        }).id,
      );
  }
  return {
    normalScopeEnds: [now - 2 * HOUR, now - HOUR],
    incidents: [
      {
        name: 'one_agent_failing',
        expected: { type: 'error', kind: 'burst' },
        component: failing,
        eventIds,
      },
    ],
  };
}

/**
 * A bridge to a legacy system that logs only its errors, about 3 a minute of three kinds, day and
 * night (its error rate is always 100%), next to an ordinary service. Incident: the bridge's
 * timeouts grow fivefold for 10 minutes.
 */
function errorOnly({ now, random, recorder, withIncidents }: BuildContext): Built {
  const bridge = c('legacy-bridge', 'bridge-1');
  const service = c('billing-service', 'billing-1');
  const start = now - 8 * HOUR;
  const timeout = () =>
    `mainframe call timed out after 30000 ms (txn ${random.int(100_000, 999_999)})`;
  const kinds = [
    { rate: 2, message: timeout },
    {
      rate: 0.7,
      message: () => `record ${random.int(1000, 9999)} rejected by mainframe: code 0C7`,
    },
    {
      rate: 0.3,
      message: () => `session to mainframe lost, reconnecting (attempt ${random.int(1, 3)})`,
    },
  ];
  for (let minute = start; minute < now; minute += MINUTE) {
    for (const kind of kinds) {
      const count = random.poisson(kind.rate);
      for (let index = 0; index < count; index++)
        recorder.emit({
          at: minute + random.int(0, 59_000),
          component: bridge,
          message: kind.message(),
          level: 'error',
          eventType: 'error',
        });
    }
    const invoices = random.poisson(6);
    for (let index = 0; index < invoices; index++)
      recorder.emit({
        at: minute + random.int(0, 59_000),
        component: service,
        message: `invoice ${random.int(10_000, 99_999)} issued`,
        operation: 'issue-invoice',
        durationMs: random.duration(60, 0.3),
      });
  }
  const eventIds: string[] = [];
  if (withIncidents) {
    for (let minute = 15; minute > 5; minute--) {
      for (let index = 0; index < 8; index++)
        eventIds.push(
          recorder.emit({
            at: now - minute * MINUTE + random.int(0, 59_000),
            component: bridge,
            message: timeout(),
            level: 'error',
            eventType: 'error',
          }).id,
        );
    }
  }
  return {
    normalScopeEnds: [now - 2 * HOUR, now - HOUR],
    incidents: [
      {
        name: 'bridge_timeouts_grow',
        expected: { type: 'error', kind: 'burst' },
        component: bridge,
        eventIds,
      },
    ],
  };
}

/**
 * A worker pool whose events mostly carry no correlation id (plain logs, including messages ending
 * in "started" and "finished" and a rare known error), and an order flow that does carry them.
 * Incidents: a burst of a known uncorrelated error on worker-2, and a new uncorrelated error.
 */
function uncorrelated({ now, random, recorder, withIncidents }: BuildContext): Built {
  const workers = [c('task-worker', 'worker-1'), c('task-worker', 'worker-2')];
  const shop = c('shop-service', 'shop-1');
  const start = now - 6 * HOUR;
  const lockError = () =>
    `could not obtain lock on table jobs (waited ${random.int(1000, 5000)} ms)`;
  for (let minute = start; minute < now; minute += MINUTE) {
    for (const worker of workers) {
      const tasks = random.poisson(4);
      for (let index = 0; index < tasks; index++) {
        const at = minute + random.int(0, 55_000);
        const task = random.int(1000, 9999);
        recorder.emit({ at, component: worker, message: `task ${task} started` });
        recorder.emit({
          at: at + random.int(100, 3000),
          component: worker,
          message: `task ${task} finished`,
          operation: 'run-task',
          durationMs: random.duration(800, 0.4),
        });
      }
      if (random.next() < 0.05)
        recorder.emit({
          at: minute + random.int(0, 59_000),
          component: worker,
          message: lockError(),
          level: 'error',
          eventType: 'error',
        });
    }
    const orders = random.poisson(3);
    for (let index = 0; index < orders; index++) {
      const at = minute + random.int(0, 50_000);
      const correlationId = `order-${newId(new Date(at)).slice(-12)}`;
      const begun = recorder.emit({
        at,
        component: shop,
        message: `checkout for cart ${random.int(1, 9999)}`,
        correlationId,
        operation: 'checkout',
        data: { phase: 'start' },
      });
      recorder.emit({
        at: at + random.int(50, 900),
        component: shop,
        message: `checkout done`,
        correlationId,
        parentEventId: begun.id,
        operation: 'checkout',
        durationMs: random.duration(300, 0.3),
        data: { phase: 'end' },
      });
    }
  }
  const burstIds: string[] = [];
  const newIds: string[] = [];
  if (withIncidents) {
    for (let index = 0; index < 45; index++)
      burstIds.push(
        recorder.emit({
          at: now - 18 * MINUTE + random.int(0, 5 * MINUTE - 1),
          component: workers[1],
          message: lockError(),
          level: 'error',
          eventType: 'error',
        }).id,
      );
    for (let index = 0; index < 6; index++)
      newIds.push(
        recorder.emit({
          at: now - 9 * MINUTE + index * 20_000,
          component: workers[0],
          message: `task payload could not be decoded: unexpected token < at position ${random.int(0, 90)}`,
          level: 'error',
          eventType: 'error',
        }).id,
      );
  }
  return {
    normalScopeEnds: [now - 2 * HOUR, now - HOUR],
    incidents: [
      {
        name: 'uncorrelated_burst',
        expected: { type: 'error', kind: 'burst' },
        component: workers[1],
        eventIds: burstIds,
      },
      {
        name: 'uncorrelated_new_pattern',
        expected: { type: 'error', kind: 'new_pattern' },
        component: workers[0],
        eventIds: newIds,
      },
    ],
  };
}

/**
 * gateway → orders → stock → db, each component writing timestamps off by its own clock error
 * (gateway 0, orders +2.5 s, stock −3 s, db +1.5 s). Incidents:
 *  - `skew_below_gap`: the db fails and stock notices after its 8-second timeout: the real gaps
 *    between the errors exceed the clock errors;
 *  - `skew_above_gap`: the payments db fails and the errors travel up within milliseconds, so the
 *    clocks invert their order; each error names the error that caused it as its parent.
 */
function clockSkew({ now, random, recorder, withIncidents }: BuildContext): Built {
  const gateway = { ref: c('gateway', 'gw-1'), skewMs: 0 };
  const orders = { ref: c('orders', 'orders-1'), skewMs: 2500 };
  const stock = { ref: c('stock', 'stock-1'), skewMs: -3000 };
  const db = { ref: c('db', 'db-1'), skewMs: 1500 };
  const payments = { ref: c('payments', 'pay-1'), skewMs: -2000 };
  const paydb = { ref: c('pay-db', 'paydb-1'), skewMs: 2000 };
  const start = now - 6 * HOUR;
  type Node = typeof gateway;
  const on = (node: Node, spec: Omit<Spec, 'component' | 'skewMs'>) =>
    recorder.emit({ ...spec, component: node.ref, skewMs: node.skewMs });

  const request = (at: number, failure?: 'db' | 'paydb') => {
    const correlationId = `req-${newId(new Date(at)).slice(-12)}`;
    const received = on(gateway, {
      at,
      message: `POST /orders from client ${random.int(1, 900)}`,
      eventType: 'trace',
      correlationId,
      operation: 'http-request',
      data: { phase: 'start' },
    });
    const created = on(orders, {
      at: at + 3,
      message: `order ${random.int(10_000, 99_999)} accepted`,
      correlationId,
      parentEventId: received.id,
      operation: 'create-order',
      durationMs: random.duration(30, 0.3),
    });
    if (failure === 'db') {
      const root = on(db, {
        at: at + 5,
        message: `replica lag too high, refusing reads (lag=${random.int(30, 90)} s)`,
        level: 'error',
        eventType: 'error',
        correlationId,
        parentEventId: created.id,
        operation: 'query',
      });
      const timedOut = on(stock, {
        at: at + 8005,
        message: `stock lookup timed out after 8000 ms`,
        level: 'error',
        eventType: 'error',
        correlationId,
        parentEventId: created.id,
        operation: 'reserve',
      });
      const gave = on(orders, {
        at: at + 8010,
        message: `order rejected: stock unavailable`,
        level: 'error',
        eventType: 'error',
        correlationId,
        parentEventId: created.id,
        operation: 'create-order',
      });
      return [root, timedOut, gave];
    }
    if (failure === 'paydb') {
      const root = on(paydb, {
        at: at + 5,
        message: `deadlock detected while updating ledger row ${random.int(1, 9999)}`,
        level: 'error',
        eventType: 'error',
        correlationId,
        parentEventId: created.id,
        operation: 'update-ledger',
      });
      const charge = on(payments, {
        at: at + 7,
        message: `charge failed: ledger unavailable`,
        level: 'error',
        eventType: 'error',
        correlationId,
        parentEventId: root.id,
        operation: 'charge',
      });
      const gave = on(orders, {
        at: at + 9,
        message: `order rejected: payment failed`,
        level: 'error',
        eventType: 'error',
        correlationId,
        parentEventId: charge.id,
        operation: 'create-order',
      });
      return [root, charge, gave];
    }
    const reserved = on(stock, {
      at: at + 6,
      message: `reserved ${random.int(1, 9)} items`,
      correlationId,
      parentEventId: created.id,
      operation: 'reserve',
      durationMs: random.duration(12, 0.3),
    });
    on(db, {
      at: at + 8,
      message: `query stock returned ${random.int(1, 9)} rows`,
      correlationId,
      parentEventId: reserved.id,
      operation: 'query',
      durationMs: random.duration(4, 0.3),
    });
    on(payments, {
      at: at + 25,
      message: `charged ${random.int(5, 400)} EUR`,
      correlationId,
      parentEventId: created.id,
      operation: 'charge',
      durationMs: random.duration(90, 0.3),
    });
    on(gateway, {
      at: at + 130,
      message: `POST /orders status=201`,
      eventType: 'trace',
      correlationId,
      parentEventId: received.id,
      operation: 'http-request',
      durationMs: 130,
      data: { phase: 'end' },
    });
    return [];
  };

  for (let minute = start; minute < now; minute += MINUTE) {
    const requests = random.poisson(6);
    for (let index = 0; index < requests; index++) request(minute + random.int(0, 50_000));
  }
  const below: string[] = [];
  const above: string[] = [];
  if (withIncidents) {
    for (let index = 0; index < 5; index++) {
      below.push(...request(now - 30 * MINUTE + index * 20_000, 'db').map((event) => event.id));
      above.push(...request(now - 15 * MINUTE + index * 20_000, 'paydb').map((event) => event.id));
    }
  }
  return {
    normalScopeEnds: [now - 2 * HOUR, now - HOUR],
    incidents: [
      {
        name: 'skew_below_gap',
        expected: { type: 'flow', kind: 'error_propagation' },
        component: db.ref,
        path: ['db-1', 'stock-1', 'orders-1'],
        eventIds: below,
      },
      {
        name: 'skew_above_gap',
        expected: { type: 'flow', kind: 'error_propagation' },
        component: paydb.ref,
        path: ['paydb-1', 'pay-1', 'orders-1'],
        eventIds: above,
      },
    ],
  };
}

/** Start of the daily rush of `dailyPeak`: its time of day is 20 minutes before `now`'s. */
export const DAILY_PEAK_LEAD_MS = 20 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A shift-planning service (api → db) over five days: about 3 requests a minute day and night,
 * and every day a sign-in rush when the shift starts, 25 minutes at about 8× that (0.8–1.2× from
 * day to day, starting up to 2 minutes early or late). The rush starts 20 minutes before `now`'s
 * time of day, so the last hour holds today's. Incident: today's rush is 6× its usual height (a
 * client retrying its sign-in in a loop).
 */
function dailyPeak({ now, random, recorder, withIncidents }: BuildContext): Built {
  const api = c('shift-api', 'api-1');
  const db = c('roster-db', 'db-1');
  const baseRate = 3;
  const rushes = [4, 3, 2, 1, 0].map((daysBack) => {
    const start = now - daysBack * DAY - DAILY_PEAK_LEAD_MS + random.int(-2, 2) * MINUTE;
    const storm = withIncidents && daysBack === 0 ? 6 : 1;
    return { start, end: start + 25 * MINUTE, factor: 8 * (0.8 + 0.4 * random.next()) * storm };
  });
  const stormIds: string[] = [];
  for (let minute = now - 4 * DAY - 6 * HOUR; minute < now; minute += MINUTE) {
    const rush = rushes.find((one) => minute >= one.start && minute < one.end);
    const requests = random.poisson(baseRate * (rush?.factor ?? 1));
    const stormy = rush !== undefined && rush === rushes[4] && withIncidents;
    for (let index = 0; index < requests; index++) {
      const at = minute + random.int(0, 58_000);
      const user = random.int(1, 400);
      const handled = recorder.emit({
        at,
        component: api,
        message: rush ? `user ${user} signed in` : `roster of team ${random.int(1, 30)} served`,
        operation: 'handle',
        durationMs: random.duration(40, 0.3),
      });
      if (stormy) stormIds.push(handled.id);
      recorder.emit({
        at: at + 3,
        component: db,
        message: `query shifts returned ${random.int(1, 40)} rows`,
        operation: 'query',
        durationMs: random.duration(5, 0.3),
      });
    }
  }
  const yesterday = rushes[3].start;
  return {
    // scopes that end inside or just after yesterday's rush (3 earlier days) and the day before's (2)
    normalScopeEnds: [
      rushes[2].start + 15 * MINUTE,
      yesterday + 10 * MINUTE,
      yesterday + 20 * MINUTE,
      yesterday + 35 * MINUTE,
    ].map((at) => Math.floor(at / MINUTE) * MINUTE),
    incidents: [
      {
        name: 'daily_peak_storm',
        expected: { type: 'anomaly', kind: 'spike' },
        component: api,
        eventIds: stormIds,
      },
    ],
  };
}
