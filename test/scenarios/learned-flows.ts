import type { DebugEventRecord } from '../../src/common/debug-event.js';
import { newId } from '../../src/common/ids.js';
import type { ComponentRef } from '../../src/database/entities/debug-insight.entity.js';
import { mapSpans } from '../../src/otlp/otlp-mapper.js';
import type { IncidentName, InjectedIncident } from './scenario-generator.js';
import { componentRef as c, Random } from './scenario-generator.js';

/**
 * Flows with no start or end marker at all (no phase field, no lifecycle word in operation,
 * message or event type), for the flow shapes the flow analyzer learns (flow-shapes.ts), and
 * OpenTelemetry traces, whose spans the OTLP mapping marks (a root span ends its trace):
 * - fulfilment: pick → pack → label (skipped by ~3% of orders) → courier, across three services,
 *   one every two minutes, with log-normal gaps (seconds to a minute);
 * - signup: register → verify email → (30%: apply referral) → create profile → welcome mail,
 *   one a minute;
 * - cart traces sent as OpenTelemetry spans through the OTLP mapper: a server span GET /cart with
 *   a database call and a call to a pricing service, one a minute.
 * Incidents: `stuck_learned_flow` (4 orders stop after packing), `broken_learned_flow` (8
 * signups skip the email check) and `open_trace_flow` (3 traces whose root span never arrives).
 */
export const LEARNED_COMPONENTS = {
  warehouse: c('warehouse-service', 'wh-1'),
  labels: c('label-service', 'labels-1'),
  courier: c('courier-gateway', 'courier-1'),
  accounts: c('account-service', 'acc-1'),
  profiles: c('profile-service', 'prof-1'),
  mail: c('mail-relay', 'mail-1'),
  cart: c('cart-api', 'cart-api-1'),
  pricing: c('pricing-service', 'pricing-1'),
};
export const LEARNED_INCIDENTS = [
  'stuck_learned_flow',
  'broken_learned_flow',
  'open_trace_flow',
] as const;

const MINUTE = 60_000;

export interface LearnedFlowOptions {
  start: number;
  now: number;
  seed: number;
  incidents: ReadonlySet<IncidentName>;
  sessionId: string | null;
}

export function learnedFlows(options: LearnedFlowOptions): {
  events: DebugEventRecord[];
  incidents: InjectedIncident[];
} {
  const { start, now } = options;
  const random = new Random(options.seed + 2000);
  const events: DebugEventRecord[] = [];
  const incidents: InjectedIncident[] = [];
  const record = (event: Omit<DebugEventRecord, 'session_id' | 'pattern_id' | 'ingested_at'>) => {
    const stored = {
      ...event,
      session_id: options.sessionId,
      pattern_id: null,
      ingested_at: event.timestamp,
    };
    events.push(stored);
    return stored;
  };
  const emit = (
    at: number,
    component: ComponentRef,
    correlationId: string,
    operation: string,
    message: string,
    durationMs: number,
  ) =>
    record({
      id: newId(new Date(at)),
      timestamp: new Date(Math.min(at, now - 1)).toISOString(),
      event_type: 'log',
      level: 'info',
      component_type: component.component_type,
      component_id: component.component_id,
      correlation_id: correlationId,
      parent_event_id: null,
      operation,
      duration_ms: durationMs,
      message,
      data: null,
      metadata: { scenario: true },
    });

  const fulfilment = (at: number, stopAfterPacking: boolean) => {
    const order = random.int(10_000, 99_999);
    const id = `ful-${newId(new Date(at)).slice(-12)}`;
    const W = LEARNED_COMPONENTS;
    let t = at;
    const first = emit(
      t,
      W.warehouse,
      id,
      'pick-order',
      `picking order ${order} (${random.int(1, 9)} lines)`,
      random.duration(300),
    );
    t += random.duration(40_000, 0.5);
    emit(
      t,
      W.warehouse,
      id,
      'pack-order',
      `packed order ${order} into box B${random.int(1, 40)}`,
      random.duration(200),
    );
    if (stopAfterPacking) return { id, firstId: first.id };
    if (random.next() >= 0.03) {
      t += random.duration(5_000, 0.6);
      emit(
        t,
        W.labels,
        id,
        'print-label',
        `label L${random.int(1000, 9999)} printed for order ${order}`,
        random.duration(120),
      );
    }
    t += random.duration(20_000, 0.8);
    emit(
      t,
      W.courier,
      id,
      'book-courier',
      `courier booked for order ${order}, pickup slot ${random.int(1, 12)}`,
      random.duration(400),
    );
    return { id, firstId: first.id };
  };

  const signup = (at: number, skipVerification: boolean) => {
    const account = random.int(100_000, 999_999);
    const id = `sign-${newId(new Date(at)).slice(-12)}`;
    const W = LEARNED_COMPONENTS;
    let t = at;
    emit(
      t,
      W.accounts,
      id,
      'register-account',
      `account ${account} registered via ${random.pick(['web', 'ios', 'android'])}`,
      random.duration(60),
    );
    if (!skipVerification) {
      t += random.duration(2_000, 0.5);
      emit(
        t,
        W.accounts,
        id,
        'verify-email',
        `email of account ${account} verified`,
        random.duration(30),
      );
    }
    if (random.next() < 0.3) {
      t += random.duration(1_000, 0.5);
      emit(
        t,
        W.accounts,
        id,
        'apply-referral',
        `referral code R${random.int(100, 999)} applied to account ${account}`,
        random.duration(20),
      );
    }
    t += random.duration(3_000, 0.5);
    emit(
      t,
      W.profiles,
      id,
      'create-profile',
      `profile for account ${account} created with ${random.int(3, 9)} defaults`,
      random.duration(80),
    );
    t += random.duration(4_000, 0.5);
    const last = emit(
      t,
      W.mail,
      id,
      'send-welcome',
      `welcome mail queued for account ${account}`,
      random.duration(15),
    );
    return { id, lastId: last.id };
  };

  /** A cart request as OpenTelemetry exports it: each span when it ends; `open` loses the root span. */
  let traceCounter = 0;
  const cartTrace = (at: number, open: boolean) => {
    traceCounter++;
    const traceId = hex(options.seed * 1_000_003 + traceCounter, 32);
    const span = (n: number) => hex(traceCounter * 16 + n, 16);
    const nanos = (ms: number) => `${Math.round(ms * 1000)}000`;
    const dbMs = random.duration(12, 0.4);
    const quoteMs = random.duration(35, 0.4);
    const total = 4 + dbMs + 2 + quoteMs + random.duration(6, 0.4);
    const spanOf = (
      id: number,
      parent: number | null,
      name: string,
      kind: number,
      from: number,
      ms: number,
    ) => ({
      traceId,
      spanId: span(id),
      ...(parent ? { parentSpanId: span(parent) } : {}),
      name,
      kind,
      startTimeUnixNano: nanos(from),
      endTimeUnixNano: nanos(from + ms),
      status: { code: 1 },
    });
    const quoteAt = at + 4 + dbMs + 2;
    const cartSpans = [
      ...(open ? [] : [spanOf(1, null, 'GET /cart', 2, at, total)]),
      spanOf(2, 1, 'SELECT cart_items', 3, at + 4, dbMs),
      spanOf(3, 1, 'POST /quote', 3, quoteAt, quoteMs),
    ];
    const pricingSpans = [spanOf(4, 3, 'quote-prices', 2, quoteAt + 1, quoteMs - 2)];
    const resource = (component: ComponentRef) => ({
      attributes: [
        { key: 'service.name', value: { stringValue: component.component_type } },
        { key: 'service.instance.id', value: { stringValue: component.component_id } },
      ],
    });
    const mapped = mapSpans({
      resourceSpans: [
        { resource: resource(LEARNED_COMPONENTS.cart), scopeSpans: [{ spans: cartSpans }] },
        { resource: resource(LEARNED_COMPONENTS.pricing), scopeSpans: [{ spans: pricingSpans }] },
      ],
    });
    if (mapped.refused.length > 0)
      throw new Error(`OTLP mapping refused ${JSON.stringify(mapped.refused)}`);
    const written = mapped.items.map(({ value }) =>
      record({
        ...value,
        timestamp: value.timestamp ?? new Date(at).toISOString(),
        metadata: { ...value.metadata, scenario: true },
      }),
    );
    return { traceId, ids: written.map((event) => event.id) };
  };

  for (let minute = start; minute < now; minute += MINUTE) {
    const index = (minute - start) / MINUTE;
    if (index % 2 === 0) fulfilment(minute + random.int(0, 50_000), false);
    signup(minute + random.int(0, 50_000), false);
    cartTrace(minute + random.int(0, 55_000), false);
  }

  const at = (minutesBeforeNow: number) => now - minutesBeforeNow * MINUTE;
  const window = (fromMinutes: number, toMinutes: number) => ({
    from: new Date(at(fromMinutes)).toISOString(),
    to: new Date(at(toMinutes)).toISOString(),
  });
  if (options.incidents.has('stuck_learned_flow')) {
    const stuck = [0, 1, 2, 3].map((index) => fulfilment(at(28) + index * 45_000, true));
    incidents.push({
      name: 'stuck_learned_flow',
      expected: { type: 'flow', kind: 'stuck_flow' },
      components: [LEARNED_COMPONENTS.warehouse],
      operation: 'pack-order',
      correlationIds: stuck.map((flow) => flow.id),
      eventIds: stuck.map((flow) => flow.firstId),
      ...window(28, 24),
    });
  }
  if (options.incidents.has('broken_learned_flow')) {
    const broken = [0, 1, 2, 3, 4, 5, 6, 7].map((index) =>
      signup(at(50) + index * 4 * MINUTE, true),
    );
    incidents.push({
      name: 'broken_learned_flow',
      expected: { type: 'flow', kind: 'broken_flow' },
      components: [LEARNED_COMPONENTS.accounts],
      operation: 'verify-email',
      correlationIds: broken.map((flow) => flow.id),
      eventIds: broken.map((flow) => flow.lastId),
      ...window(50, 20),
    });
  }
  if (options.incidents.has('open_trace_flow')) {
    const open = [0, 1, 2].map((index) => cartTrace(at(20) + index * MINUTE, true));
    incidents.push({
      name: 'open_trace_flow',
      expected: { type: 'flow', kind: 'stuck_flow' },
      components: [LEARNED_COMPONENTS.cart],
      operation: 'POST /quote',
      correlationIds: open.map((trace) => trace.traceId),
      eventIds: open.flatMap((trace) => trace.ids),
      ...window(20, 17),
    });
  }
  return { events, incidents };
}

function hex(value: number, digits: number): string {
  return value.toString(16).padStart(digits, '0').slice(-digits);
}
