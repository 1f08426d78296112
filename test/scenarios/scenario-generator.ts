import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { DebugEventRecord } from '../../src/common/debug-event.js';
import { newId } from '../../src/common/ids.js';
import type { InsightType } from '../../src/common/debug-event.js';
import type { ComponentRef } from '../../src/database/entities/debug-insight.entity.js';
import { EVENT_COLUMNS } from '../../src/database/sql/event-row.js';
import { TemplateMiner } from '../../src/patterns/template-miner.js';
import { LEARNED_INCIDENTS, learnedFlows } from './learned-flows.js';

/**
 * Normal traffic of a small shop (gateway → orders → inventory → db, payments; report
 * workers; cache nodes reporting state) with known incidents injected into its last hour.
 * Deterministic for a seed. `writeScenario` stores it through a DataSource (PostgreSQL or
 * SQLite) and answers what it injected, so that tests can check that each incident is found.
 */
export const INCIDENTS = [
  'error_burst',
  'new_error_pattern',
  'latency_regression',
  'stuck_flow',
  'error_propagation',
  'diverging_replicas',
  'silent_component',
  'sudden_slowdown',
  'stuck_named_flow',
  'stuck_camel_flow',
  'stuck_lifecycle_flow',
  'stuck_message_flow',
  ...LEARNED_INCIDENTS,
] as const;
export type IncidentName = (typeof INCIDENTS)[number];

export interface ScenarioOptions {
  /** End of the scenario (and of the scope to analyse); default: now, to the minute. */
  now?: Date;
  /** History before `now`, in hours (the analysers need 4: 3 of baseline + the scope). */
  hours?: number;
  seed?: number;
  /** Incidents to inject; default all, [] for normal traffic alone. */
  incidents?: readonly IncidentName[];
  /** Session id stamped on every event (to test session scoping). */
  sessionId?: string | null;
  /** Whether to build state snapshots (default true; false when a second scenario shares a database). */
  snapshots?: boolean;
}

export interface SnapshotRecord {
  id: string;
  component_type: string;
  component_id: string;
  captured_at: string;
  state: Record<string, unknown>;
  version: number;
  hash: string;
}

export interface InjectedIncident {
  name: IncidentName;
  /** What an analyser should report. */
  expected: { type: InsightType; kind: string };
  /** The components the incident is about (the insight's affected components must include them). */
  components: ComponentRef[];
  /** For propagated errors: the component where it started and its first error event. */
  rootCause?: { component: ComponentRef; eventId: string; message: string };
  operation?: string;
  /** A message of the injected error (for error incidents). */
  message?: string;
  correlationIds?: string[];
  eventIds: string[];
  from: string;
  to: string;
}

export interface Scenario {
  now: Date;
  /** The scope to analyse: the last hour. */
  from: Date;
  to: Date;
  events: DebugEventRecord[];
  snapshots: SnapshotRecord[];
  incidents: InjectedIncident[];
}

export type WrittenScenario = Omit<Scenario, 'events' | 'snapshots'> & {
  eventCount: number;
  snapshotCount: number;
};

/**
 * A component reference, for the scenarios' tables of components (a function declaration: the
 * scenario modules that import it are imported here too, and it must exist before either runs).
 */
export function componentRef(component_type: string, component_id: string): ComponentRef {
  return { component_type, component_id };
}
const c = componentRef;
export const COMPONENTS = {
  gateways: [c('api-gateway', 'gw-1'), c('api-gateway', 'gw-2')],
  orders: [c('order-service', 'orders-1'), c('order-service', 'orders-2')],
  inventory: [
    c('inventory-service', 'inv-1'),
    c('inventory-service', 'inv-2'),
    c('inventory-service', 'inv-3'),
  ],
  payments: [c('payment-service', 'pay-1'), c('payment-service', 'pay-2')],
  db: c('db-proxy', 'db-1'),
  workers: [
    c('report-worker', 'worker-1'),
    c('report-worker', 'worker-2'),
    c('report-worker', 'worker-3'),
  ],
  caches: [c('cache-node', 'cache-1'), c('cache-node', 'cache-2'), c('cache-node', 'cache-3')],
  /** Flows marked by conventions only, no phase field (one flow kind each). */
  checkout: c('checkout-service', 'checkout-1'),
  shipping: c('shipping-service', 'ship-1'),
  importer: c('import-agent', 'import-1'),
  mailer: c('mailer', 'mail-1'),
  /** Bursty volume (a bulk loader) and a component that logs only errors. */
  loader: c('bulk-loader', 'loader-1'),
  bridge: c('erp-bridge', 'bridge-1'),
};
const ALL_COMPONENTS = [
  ...COMPONENTS.gateways,
  ...COMPONENTS.orders,
  ...COMPONENTS.inventory,
  ...COMPONENTS.payments,
  COMPONENTS.db,
  ...COMPONENTS.workers,
  ...COMPONENTS.caches,
];

const MINUTE = 60_000;
const BURST_MESSAGE = (attempt: number) =>
  `payment gateway connection reset (code=ECONNRESET, attempt=${attempt})`;

/** Deterministic pseudo-random numbers for a seed (traffic-shapes.ts and learned-flows.ts share it). */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  poisson(lambda: number): number {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > limit);
    return k - 1;
  }
  /** Log-normal around `median` with spread sigma. */
  duration(median: number, sigma = 0.25): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    return Math.round(median * Math.exp(sigma * normal) * 100) / 100;
  }
}

/** One event of a scenario, before it gets its id and times. */
export interface EventSpec {
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
}

/** The stored shape of a scenario event written at `timestamp` (traffic-shapes.ts shares it). */
export function scenarioEvent(
  spec: Omit<EventSpec, 'at'>,
  timestamp: Date,
  sessionId: string | null = null,
): DebugEventRecord {
  return {
    id: newId(timestamp),
    timestamp: timestamp.toISOString(),
    event_type: spec.eventType ?? 'log',
    level: spec.level ?? 'info',
    component_type: spec.component.component_type,
    component_id: spec.component.component_id,
    correlation_id: spec.correlationId ?? null,
    parent_event_id: spec.parentEventId ?? null,
    operation: spec.operation ?? null,
    duration_ms: spec.durationMs ?? null,
    message: spec.message,
    data: spec.data ?? null,
    metadata: { scenario: true },
    session_id: sessionId,
    pattern_id: null,
    ingested_at: timestamp.toISOString(),
  };
}

/** Builds the scenario in memory (no I/O). */
export function buildScenario(options: ScenarioOptions = {}): Scenario {
  const now = new Date(Math.floor((options.now ?? new Date()).getTime() / MINUTE) * MINUTE);
  const hours = options.hours ?? 4;
  const random = new Random(options.seed ?? 42);
  const incidents = new Set<IncidentName>(options.incidents ?? INCIDENTS);
  const start = now.getTime() - hours * 3_600_000;
  const scopeFrom = now.getTime() - 3_600_000;
  const events: DebugEventRecord[] = [];
  const injected: InjectedIncident[] = [];

  const emit = (spec: EventSpec): DebugEventRecord => {
    const timestamp = new Date(Math.min(spec.at, now.getTime() - 1));
    const event = scenarioEvent(spec, timestamp, options.sessionId ?? null);
    events.push(event);
    return event;
  };

  const silentFrom = incidents.has('silent_component') ? now.getTime() - 25 * MINUTE : Infinity;
  const silent = COMPONENTS.workers[2];
  const isSilent = (component: ComponentRef, at: number) =>
    component.component_id === silent.component_id &&
    component.component_type === silent.component_type &&
    at >= silentFrom;
  const regressionFrom = incidents.has('latency_regression') ? scopeFrom : Infinity;
  const slowOrders = COMPONENTS.orders[0];

  /** One request through gateway → orders → inventory → db → payments → gateway. */
  const request = (at: number, failure?: { ids: string[]; handledEarlier?: boolean }) => {
    const gateway = failure ? COMPONENTS.gateways[1] : random.pick(COMPONENTS.gateways);
    const orders = failure ? COMPONENTS.orders[1] : random.pick(COMPONENTS.orders);
    const inventory = failure ? COMPONENTS.inventory[0] : random.pick(COMPONENTS.inventory);
    const payments = random.pick(COMPONENTS.payments);
    const orderId = random.int(10_000, 99_999);
    const correlationId = `req-${newId(new Date(at)).slice(-12)}`;
    const received = emit({
      at,
      component: gateway,
      message: `POST /api/orders received from client ${random.int(1, 500)}`,
      eventType: 'trace',
      correlationId,
      operation: 'http-request',
      data: { phase: 'start' },
    });
    let t = at + 2;
    const ordersMs = random.duration(orders === slowOrders && at >= regressionFrom ? 160 : 40);
    const created = emit({
      at: t,
      component: orders,
      message: `order ${orderId} created for customer ${random.int(1, 5000)}`,
      eventType: 'trace',
      correlationId,
      parentEventId: received.id,
      operation: 'create-order',
      durationMs: ordersMs,
    });
    t += 1;
    if (failure) {
      if (failure.handledEarlier) {
        // the same session had a declined card 4 minutes before, handled: another incident
        const declined = emit({
          at: at - 4 * MINUTE,
          component: payments,
          message: `card declined for order ${orderId}: asking the customer for another card`,
          level: 'error',
          eventType: 'error',
          correlationId,
          operation: 'charge',
        });
        emit({
          at: at - 4 * MINUTE + 900,
          component: payments,
          message: `charge accepted for order ${orderId} with the second card`,
          correlationId,
          parentEventId: declined.id,
          operation: 'charge',
          durationMs: 850,
        });
      }
      // the database fails first; the error travels up through inventory and orders
      const root = emit({
        at: t,
        component: COMPONENTS.db,
        message: `connection pool exhausted (size=20, waiting=${random.int(30, 90)})`,
        level: 'error',
        eventType: 'error',
        correlationId,
        parentEventId: created.id,
        operation: 'query',
      });
      const inv = emit({
        at: t + 3,
        component: inventory,
        message: `failed to reserve stock for order ${orderId}: database unavailable`,
        level: 'error',
        eventType: 'error',
        correlationId,
        parentEventId: root.id,
        operation: 'reserve-stock',
      });
      const ord = emit({
        at: t + 6,
        component: orders,
        message: `order ${orderId} failed: inventory service error`,
        level: 'error',
        eventType: 'error',
        correlationId,
        parentEventId: created.id,
        operation: 'create-order',
      });
      emit({
        at: t + 8,
        component: gateway,
        message: `request ${orderId} completed status=503`,
        level: 'warning',
        eventType: 'trace',
        correlationId,
        parentEventId: received.id,
        operation: 'http-request',
        durationMs: t + 8 - at,
        data: { phase: 'end' },
      });
      failure.ids.push(root.id, inv.id, ord.id);
      return { correlationId, rootId: root.id, rootMessage: root.message };
    }
    const inventoryMs = random.duration(15);
    const reserved = emit({
      at: t,
      component: inventory,
      message: `reserved ${random.int(1, 9)} items for order ${orderId}`,
      eventType: 'trace',
      correlationId,
      parentEventId: created.id,
      operation: 'reserve-stock',
      durationMs: inventoryMs,
    });
    emit({
      at: t + 1,
      component: COMPONENTS.db,
      message: `query reserve_stock returned ${random.int(1, 9)} rows`,
      eventType: 'trace',
      correlationId,
      parentEventId: reserved.id,
      operation: 'query',
      durationMs: random.duration(5),
    });
    t += inventoryMs;
    const payMs = random.duration(120);
    const declined = random.next() < 0.004;
    emit({
      at: t,
      component: payments,
      message: declined
        ? `card declined for order ${orderId}: insufficient funds`
        : `charged order ${orderId} amount ${random.int(5, 400)} EUR`,
      level: declined ? 'error' : 'info',
      eventType: 'trace',
      correlationId,
      parentEventId: created.id,
      operation: 'charge-card',
      durationMs: payMs,
    });
    t += payMs;
    emit({
      at: t,
      component: gateway,
      message: `request ${orderId} completed status=${declined ? 402 : 200}`,
      eventType: 'trace',
      correlationId,
      parentEventId: received.id,
      operation: 'http-request',
      durationMs: Math.round((t - at) * 100) / 100,
      data: { phase: 'end' },
    });
    return null;
  };

  /** A report export on a worker: start, a few pages, finish (or not, when stuck). */
  const report = (at: number, worker: ComponentRef, stuck: boolean) => {
    const reportId = random.int(100, 999);
    const correlationId = `report-${newId(new Date(at)).slice(-12)}`;
    const started = emit({
      at,
      component: worker,
      message: `report ${reportId} export started`,
      eventType: 'lifecycle',
      correlationId,
      operation: 'export-report',
      data: { phase: 'start' },
    });
    const pages = stuck ? 1 : random.int(2, 4);
    let t = at;
    for (let page = 1; page <= pages; page++) {
      t += random.int(50, 400);
      emit({
        at: t,
        component: worker,
        message: `rendering page ${page} of report ${reportId}`,
        correlationId,
        parentEventId: started.id,
        operation: 'render-page',
        durationMs: random.duration(150),
      });
    }
    if (!stuck) {
      emit({
        at: t + 20,
        component: worker,
        message: `report ${reportId} export finished`,
        eventType: 'lifecycle',
        correlationId,
        operation: 'export-report',
        durationMs: t + 20 - at,
        data: { phase: 'end' },
      });
    }
    return { correlationId, id: started.id };
  };

  for (let minute = start; minute < now.getTime(); minute += MINUTE) {
    for (const component of ALL_COMPONENTS) {
      if (isSilent(component, minute)) continue;
      for (let beat = 0; beat < 2; beat++) {
        emit({
          at: minute + beat * 30_000 + random.int(0, 999),
          component,
          message: `heartbeat ok uptime=${Math.floor((minute - start) / 1000) + 3600}s queue_depth=${random.int(0, 12)}`,
          level: 'debug',
          eventType: 'lifecycle',
        });
      }
    }
    const requests = random.poisson(8);
    for (let index = 0; index < requests; index++) request(minute + random.int(0, 58_000));
    for (const worker of COMPONENTS.workers) {
      if (isSilent(worker, minute)) continue;
      const jobs = random.poisson(3);
      for (let index = 0; index < jobs; index++) {
        emit({
          at: minute + random.int(0, 59_000),
          component: worker,
          message: `job ${random.int(1000, 9999)} processed in ${random.int(5, 90)} ms`,
          operation: 'process-job',
          durationMs: random.duration(30),
        });
      }
    }
    if (((minute - start) / MINUTE) % 5 === 0) {
      const worker = random.pick(
        COMPONENTS.workers.filter((candidate) => !isSilent(candidate, minute)),
      );
      report(minute + random.int(0, 30_000), worker, false);
    }
    for (const payment of COMPONENTS.payments) {
      // a known, rare error: the burst incident multiplies it
      if (random.next() < 0.06) {
        emit({
          at: minute + random.int(0, 59_000),
          component: payment,
          message: BURST_MESSAGE(random.int(1, 3)),
          level: 'error',
          eventType: 'error',
        });
      }
    }
    if (random.next() < 0.1) {
      emit({
        at: minute + random.int(0, 59_000),
        component: random.pick(COMPONENTS.inventory),
        message: `stock level below threshold for sku SKU-${random.int(100, 999)}`,
        level: 'warning',
      });
    }
  }

  // Low-volume operations without correlation ids (a separate stream keeps the traffic above as it was):
  // a catalog sync every 6 minutes (~50 ms; 4–8 s in the last 20 minutes when slowed down) and a
  // refund every 10 minutes with a heavy jitter (never a finding).
  const sparse = new Random((options.seed ?? 42) + 1000);
  const slowdownFrom = incidents.has('sudden_slowdown') ? now.getTime() - 20 * MINUTE : Infinity;
  const slowCalls: string[] = [];
  for (let minute = start; minute < now.getTime(); minute += MINUTE) {
    const index = (minute - start) / MINUTE;
    if (index % 6 === 3) {
      const slow = minute >= slowdownFrom;
      const sync = emit({
        at: minute + sparse.int(0, 50_000),
        component: COMPONENTS.inventory[1],
        message: `catalog sync done for ${sparse.int(200, 900)} skus`,
        operation: 'sync-catalog',
        durationMs: slow ? 4000 + sparse.int(0, 4000) : sparse.duration(50),
      });
      if (slow) slowCalls.push(sync.id);
    }
    // a bulk loader: bursts of ~150 events in one minute every 30 minutes, quiet in between
    if (index % 30 === 11) {
      const rows = 140 + sparse.int(0, 20);
      for (let row = 0; row < rows; row++) {
        emit({
          at: minute + sparse.int(0, 59_000),
          component: COMPONENTS.loader,
          message: `loaded row ${sparse.int(1, 99_999)} of batch ${index}`,
        });
      }
    }
    // a bridge that logs only its errors, a few an hour
    if (sparse.next() < 0.25) {
      emit({
        at: minute + sparse.int(0, 59_000),
        component: COMPONENTS.bridge,
        message: `ERP call timed out after 30000 ms (request ${sparse.int(1000, 9999)})`,
        level: 'error',
        eventType: 'error',
      });
    }
    if (index % 10 === 7) {
      emit({
        at: minute + sparse.int(0, 50_000),
        component: COMPONENTS.payments[1],
        message: `refund issued for order ${sparse.int(10_000, 99_999)}`,
        operation: 'refund',
        durationMs: sparse.duration(80, 0.6),
      });
    }
  }

  /**
   * Flows marked only by conventions (no phase field), each kind on its own component: start/end
   * words in operation names (`checkout.begin` … `checkout.completed`), camel-case event names
   * (`ShipmentStarted` … `ShipmentFinished`), `lifecycle` events with such a word, and messages
   * ending with "started"/"finished". A stuck one stops after its middle step.
   */
  const conventionFlow = (
    kind: 'named' | 'camel' | 'lifecycle' | 'message',
    at: number,
    stuck: boolean,
  ) => {
    const id = sparse.int(1000, 9999);
    const correlationId = `${kind}-${newId(new Date(at)).slice(-12)}`;
    const steps: EventSpec[] = {
      named: [
        {
          at,
          component: COMPONENTS.checkout,
          message: `checkout ${id} opened`,
          operation: 'checkout.begin',
        },
        {
          at: at + 300,
          component: COMPONENTS.checkout,
          message: `checkout ${id} priced`,
          operation: 'checkout.price',
          durationMs: sparse.duration(40),
        },
        {
          at: at + 900,
          component: COMPONENTS.checkout,
          message: `checkout ${id} closed`,
          operation: 'checkout.completed',
        },
      ],
      camel: [
        {
          at,
          component: COMPONENTS.shipping,
          message: `shipment ${id} accepted`,
          operation: 'ShipmentStarted',
          eventType: 'trace',
        },
        {
          at: at + 500,
          component: COMPONENTS.shipping,
          message: `label printed for shipment ${id}`,
          operation: 'LabelPrinted',
          eventType: 'trace',
        },
        {
          at: at + 1200,
          component: COMPONENTS.shipping,
          message: `shipment ${id} handed over`,
          operation: 'ShipmentFinished',
          eventType: 'trace',
        },
      ],
      lifecycle: [
        {
          at,
          component: COMPONENTS.importer,
          message: `catalog import ${id} started from feed`,
          eventType: 'lifecycle',
        },
        {
          at: at + 2000,
          component: COMPONENTS.importer,
          message: `imported ${sparse.int(100, 900)} rows of feed ${id}`,
        },
        {
          at: at + 4000,
          component: COMPONENTS.importer,
          message: `catalog import ${id} finished cleanly`,
          eventType: 'lifecycle',
        },
      ],
      message: [
        { at, component: COMPONENTS.mailer, message: `newsletter ${id} send started` },
        {
          at: at + 700,
          component: COMPONENTS.mailer,
          message: `newsletter ${id} batch ${sparse.int(1, 9)} queued`,
        },
        { at: at + 1500, component: COMPONENTS.mailer, message: `newsletter ${id} send completed` },
      ],
    }[kind];
    const written = (stuck ? steps.slice(0, 2) : steps).map((step) =>
      emit({ ...step, correlationId }),
    );
    return { correlationId, id: written[0].id };
  };
  const conventionKinds = ['named', 'camel', 'lifecycle', 'message'] as const;
  for (let minute = start; minute < now.getTime(); minute += MINUTE) {
    const index = (minute - start) / MINUTE;
    conventionKinds.forEach((kind, offset) => {
      if (index % 4 === offset) conventionFlow(kind, minute + sparse.int(0, 50_000), false);
    });
  }

  const at = (minutesBeforeNow: number) => now.getTime() - minutesBeforeNow * MINUTE;
  const window = (fromMinutes: number, toMinutes: number) => ({
    from: new Date(at(fromMinutes)).toISOString(),
    to: new Date(at(toMinutes)).toISOString(),
  });

  if (incidents.has('error_burst')) {
    const pay = COMPONENTS.payments[0];
    const ids: string[] = [];
    for (let minute = 20; minute > 15; minute--) {
      for (let index = 0; index < 50; index++) {
        ids.push(
          emit({
            at: at(minute) + random.int(0, 59_000),
            component: pay,
            message: BURST_MESSAGE(random.int(1, 3)),
            level: 'error',
            eventType: 'error',
          }).id,
        );
      }
    }
    injected.push({
      name: 'error_burst',
      expected: { type: 'error', kind: 'burst' },
      components: [pay],
      message: BURST_MESSAGE(1),
      eventIds: ids,
      ...window(20, 15),
    });
  }

  if (incidents.has('new_error_pattern')) {
    const inv = COMPONENTS.inventory[1];
    const ids: string[] = [];
    for (let index = 0; index < 8; index++) {
      ids.push(
        emit({
          at: at(12) + index * 30_000,
          component: inv,
          message: `schema validation failed: field warehouse_zone missing in payload of sku SKU-${random.int(100, 999)}`,
          level: 'error',
          eventType: 'error',
        }).id,
      );
    }
    injected.push({
      name: 'new_error_pattern',
      expected: { type: 'error', kind: 'new_pattern' },
      components: [inv],
      message: 'schema validation failed: field warehouse_zone missing in payload of sku SKU-123',
      eventIds: ids,
      ...window(12, 8),
    });
  }

  if (incidents.has('latency_regression')) {
    injected.push({
      name: 'latency_regression',
      expected: { type: 'performance', kind: 'regression' },
      components: [slowOrders],
      operation: 'create-order',
      eventIds: [],
      ...window(60, 0),
    });
  }

  if (incidents.has('stuck_flow')) {
    const worker = COMPONENTS.workers[1];
    const stuck = [0, 1, 2, 3, 4, 5].map((index) => report(at(30) + index * 20_000, worker, true));
    injected.push({
      name: 'stuck_flow',
      expected: { type: 'flow', kind: 'stuck_flow' },
      components: [worker],
      operation: 'render-page',
      correlationIds: stuck.map((flow) => flow.correlationId),
      eventIds: stuck.map((flow) => flow.id),
      ...window(30, 28),
    });
  }

  if (incidents.has('error_propagation')) {
    const ids: string[] = [];
    // the last three sessions had a declined card minutes before, handled: not the cause
    const chains = [0, 1, 2, 3, 4].map((index) =>
      request(at(10) + index * 15_000, { ids, handledEarlier: index >= 2 })!,
    );
    injected.push({
      name: 'error_propagation',
      expected: { type: 'flow', kind: 'error_propagation' },
      components: [COMPONENTS.db, COMPONENTS.inventory[0], COMPONENTS.orders[1]],
      rootCause: {
        component: COMPONENTS.db,
        eventId: chains[0].rootId,
        message: chains[0].rootMessage,
      },
      correlationIds: chains.map((chain) => chain.correlationId),
      eventIds: ids,
      ...window(10, 9),
    });
  }

  const snapshots =
    options.snapshots === false
      ? []
      : buildSnapshots(now, start, incidents.has('diverging_replicas'), random);
  if (incidents.has('diverging_replicas')) {
    injected.push({
      name: 'diverging_replicas',
      expected: { type: 'consistency', kind: 'diverging_state' },
      components: [COMPONENTS.caches[2]],
      eventIds: [],
      ...window(20, 0),
    });
  }
  if (incidents.has('silent_component')) {
    injected.push({
      name: 'silent_component',
      expected: { type: 'anomaly', kind: 'silence' },
      components: [silent],
      eventIds: [],
      ...window(25, 0),
    });
  }

  if (incidents.has('sudden_slowdown')) {
    injected.push({
      name: 'sudden_slowdown',
      expected: { type: 'performance', kind: 'regression' },
      components: [COMPONENTS.inventory[1]],
      operation: 'sync-catalog',
      eventIds: slowCalls,
      ...window(20, 0),
    });
  }

  const stuckConventions = [
    ['stuck_named_flow', 'named', COMPONENTS.checkout],
    ['stuck_camel_flow', 'camel', COMPONENTS.shipping],
    ['stuck_lifecycle_flow', 'lifecycle', COMPONENTS.importer],
    ['stuck_message_flow', 'message', COMPONENTS.mailer],
  ] as const;
  for (const [name, kind, component] of stuckConventions) {
    if (!incidents.has(name)) continue;
    const stuck = [0, 1, 2].map((index) => conventionFlow(kind, at(40) + index * 60_000, true));
    injected.push({
      name,
      expected: { type: 'flow', kind: 'stuck_flow' },
      components: [component],
      correlationIds: stuck.map((flow) => flow.correlationId),
      eventIds: stuck.map((flow) => flow.id),
      ...window(40, 37),
    });
  }

  // flows with no markers at all, and OpenTelemetry traces (learned-flows.ts)
  const learned = learnedFlows({
    start,
    now: now.getTime(),
    seed: options.seed ?? 42,
    incidents,
    sessionId: options.sessionId ?? null,
  });
  events.push(...learned.events);
  injected.push(...learned.incidents);
  assignPatterns(events);
  events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  return { now, from: new Date(scopeFrom), to: now, events, snapshots, incidents: injected };
}

/** Pattern ids from the production template miner, as the ingest worker would set them. */
export function assignPatterns(events: DebugEventRecord[]): void {
  const miner = new TemplateMiner();
  const matched = events.map((event) => miner.match(event.message).id);
  events.forEach((event, index) => (event.pattern_id = miner.resolve(matched[index])));
}

function buildSnapshots(
  now: Date,
  start: number,
  diverging: boolean,
  random: Random,
): SnapshotRecord[] {
  const snapshots: SnapshotRecord[] = [];
  const shared = {
    cache: {
      max_memory_mb: 1024,
      eviction_policy: 'allkeys-lru',
      ttl_seconds: 300,
      cluster: { shards: 4, replicas: 3 },
    },
    config_version: 18,
    feature_flags: { fast_path: true, compression: 'zstd' },
  };
  const inventoryShared = {
    config_version: 7,
    warehouses: ['north', 'south'],
    reservation_timeout_s: 30,
    features: { backorders: false },
  };
  const versions = new Map<string, number>();
  const snapshot = (component: ComponentRef, at: number, state: Record<string, unknown>) => {
    const key = `${component.component_type}/${component.component_id}`;
    const version = (versions.get(key) ?? 0) + 1;
    versions.set(key, version);
    snapshots.push({
      id: newId(new Date(at)),
      component_type: component.component_type,
      component_id: component.component_id,
      captured_at: new Date(at).toISOString(),
      state,
      version,
      hash: createHash('sha256').update(JSON.stringify(state)).digest('hex'),
    });
  };
  for (let at = start; at < now.getTime(); at += 10 * MINUTE) {
    const late = at >= now.getTime() - 20 * MINUTE;
    COMPONENTS.caches.forEach((component, index) => {
      const divergent = diverging && late && index === 2;
      snapshot(component, at + index * 1000, {
        ...structuredClone(shared),
        ...(divergent
          ? {
              cache: { ...shared.cache, max_memory_mb: 512, eviction_policy: 'allkeys-lfu' },
              config_version: 17,
            }
          : {}),
        hostname: `cache-node-${index + 1}.internal`,
        uptime_s: Math.floor((at - start) / 1000) + index * 777,
        used_memory_mb: 300 + random.int(0, 400),
      });
    });
    COMPONENTS.inventory.forEach((component, index) => {
      snapshot(component, at + 5000 + index * 1000, {
        ...structuredClone(inventoryShared),
        hostname: `inv-${index + 1}`,
        uptime_s: Math.floor((at - start) / 1000) + index * 55,
        requests: random.int(1000, 9000),
      });
    });
  }
  return snapshots;
}

/** Writes a scenario into a migrated database (PostgreSQL or SQLite) and answers what it injected. */
export async function writeScenario(
  dataSource: DataSource,
  options: ScenarioOptions = {},
): Promise<WrittenScenario> {
  const scenario = buildScenario(options);
  await insertScenario(dataSource, scenario);
  const { events, snapshots, ...rest } = scenario;
  return { ...rest, eventCount: events.length, snapshotCount: snapshots.length };
}

export async function insertScenario(
  dataSource: DataSource,
  scenario: Pick<Scenario, 'events' | 'snapshots'>,
): Promise<void> {
  const postgres = dataSource.options.type === 'postgres';
  const time = (iso: string) => (postgres ? iso : iso.replace('T', ' ').replace('Z', ''));
  const json = (value: unknown) => (value == null ? null : JSON.stringify(value));
  await insertRows(
    dataSource,
    'debug_events',
    [...EVENT_COLUMNS],
    scenario.events.map((event) => [
      event.id,
      time(event.timestamp),
      event.event_type,
      event.level,
      event.component_type,
      event.component_id,
      event.correlation_id,
      event.parent_event_id,
      event.operation,
      event.duration_ms,
      event.message,
      json(event.data),
      json(event.metadata),
      event.session_id,
      event.pattern_id,
      time(event.ingested_at),
    ]),
  );
  await insertRows(
    dataSource,
    'debug_state_snapshots',
    [
      'id',
      'component_type',
      'component_id',
      'captured_at',
      'correlation_id',
      'state',
      'diff_from_previous',
      'version',
      'hash',
    ],
    scenario.snapshots.map((snapshot) => [
      snapshot.id,
      snapshot.component_type,
      snapshot.component_id,
      time(snapshot.captured_at),
      null,
      JSON.stringify(snapshot.state),
      null,
      snapshot.version,
      snapshot.hash,
    ]),
  );
}

async function insertRows(
  dataSource: DataSource,
  table: string,
  columns: string[],
  rows: unknown[][],
): Promise<void> {
  const postgres = dataSource.options.type === 'postgres';
  const batch = 500;
  const names = columns.map((name) => `"${name}"`).join(', ');
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    for (let offset = 0; offset < rows.length; offset += batch) {
      const chunk = rows.slice(offset, offset + batch);
      const params: unknown[] = [];
      const values = chunk.map((row) => {
        const placeholders = row.map((value) => {
          params.push(value);
          return postgres ? `$${params.length}` : '?';
        });
        return `(${placeholders.join(', ')})`;
      });
      await runner.query(`INSERT INTO ${table} (${names}) VALUES ${values.join(', ')}`, params);
    }
    await runner.commitTransaction();
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}
