import { metricDifferencesOf, stateDifferences } from './compare.service.js';
import { assess, baselineSlices, metricReasons } from './component-health.service.js';
import type { ComponentMetric } from '../metrics/component-metrics.js';
import { rootCauseOf } from './explain-error.service.js';
import { buildProgress, stopHistoryOf } from './operation-progress.service.js';
import { medianOfSlices } from './query.repository.js';
import type { ComponentSelector, EventRow, WindowStats } from './query.types.js';

/** An event row: defaults plus what the test sets. */
function eventRow(overrides: Partial<EventRow> & { id: string; timestamp: string }): EventRow {
  return {
    event_type: 'log',
    level: 'info',
    component_type: 'svc',
    component_id: 'svc-1',
    correlation_id: 'op-1',
    parent_event_id: null,
    operation: null,
    duration_ms: null,
    message: 'something happened',
    data: null,
    metadata: null,
    session_id: null,
    pattern_id: null,
    ingested_at: overrides.timestamp,
    ...overrides,
  };
}

const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

describe('component health: assess', () => {
  const selector: ComponentSelector = {
    selector: 'pay',
    component_type: 'payment-service',
    component_id: null,
  };
  const stats = (overrides: Partial<WindowStats>): WindowStats => ({
    events: 100,
    errors: 0,
    p50_ms: 20,
    p95_ms: 50,
    p99_ms: 80,
    latency_samples: 100,
    last_seen: at(0),
    component_ids: ['pay-1'],
    ...overrides,
  });
  const evidence = (
    current: Partial<WindowStats>,
    baseline: Partial<WindowStats>,
    extra: Partial<Parameters<typeof assess>[1]> = {},
  ) => ({
    current: stats(current),
    baseline: stats({ events: 800, ...baseline }),
    lastSeen: at(0),
    states: [],
    insights: [],
    instances: 1,
    window: { from: new Date(T0 - 15 * 60_000), to: new Date(T0) },
    windowMinutes: 15,
    sampledMinutes: 120,
    ...extra,
  });

  it('is healthy when errors and latency stay at their baseline', () => {
    const health = assess(selector, evidence({ errors: 1 }, { errors: 8 }));
    expect(health).toMatchObject({ status: 'healthy', score: 100 });
    expect(health.reasons[0].code).toBe('ok');
  });

  it('is unhealthy with 40% errors against 1%, and says so with the numbers', () => {
    const health = assess(selector, evidence({ errors: 40 }, { errors: 8 }));
    expect(health.status).toBe('unhealthy');
    expect(health.reasons[0]).toMatchObject({
      code: 'error_rate',
      value: 0.4,
      baseline: 0.01,
      impact: 59,
    });
    expect(health.score).toBe(41);
  });

  it('takes points for a p95 three times its baseline; ten times makes it degraded', () => {
    const health = assess(selector, evidence({ p95_ms: 300 }, { p95_ms: 100 }));
    expect(health.reasons[0]).toMatchObject({
      code: 'latency',
      value: 300,
      baseline: 100,
      impact: 20,
    });
    expect(health.status).toBe('healthy');
    expect(assess(selector, evidence({ p95_ms: 900 }, { p95_ms: 100 })).status).toBe('degraded');
    // over 11 calls the p95 is the slowest one: a single retried timeout is not a slower component
    const one = assess(
      selector,
      evidence({ p95_ms: 30_000, latency_samples: 11 }, { p95_ms: 1075 }),
    );
    expect(one.reasons.map((reason) => reason.code)).not.toContain('latency');
    // unless the typical call got slower too
    const typical = assess(
      selector,
      evidence({ p95_ms: 30_000, p50_ms: 900, latency_samples: 11 }, { p95_ms: 1075, p50_ms: 300 }),
    );
    expect(typical.reasons[0].code).toBe('latency');
  });

  it('calls a component silent only when the baseline predicts events', () => {
    const silent = assess(
      selector,
      evidence({ events: 0, last_seen: null }, { events: 800 }, { lastSeen: at(-40 * 60_000) }),
    );
    expect(silent.reasons[0]).toMatchObject({ code: 'silent', baseline: 100, impact: 30 });
    expect(silent.status).toBe('degraded');
    expect(silent.metrics.staleness_seconds).toBe(40 * 60);
    const quiet = assess(selector, evidence({ events: 0 }, { events: 1 }));
    expect(quiet.reasons[0].code).toBe('no_recent_data');
    expect(quiet.status).toBe('healthy');
  });

  it('takes points for open insights by severity', () => {
    const insight = (severity: string) => ({ severity, title: `${severity} thing` }) as never;
    const health = assess(
      selector,
      evidence({}, {}, { insights: [insight('critical'), insight('high')] }),
    );
    expect(health.reasons[0]).toMatchObject({ code: 'open_insights', impact: 60 });
    expect(health.reasons[0].message).toContain('worst critical');
    expect(health.status).toBe('unhealthy');
    // one high insight (a stuck flow, a regression): not healthy, whatever the numbers say
    const high = assess(selector, evidence({}, {}, { insights: [insight('high')] }));
    expect(high).toMatchObject({ status: 'degraded', score: 75 });
    // lows are notes
    const lows = assess(
      selector,
      evidence({}, {}, { insights: [1, 2, 3, 4, 5].map(() => insight('low')) }),
    );
    expect(lows).toMatchObject({ status: 'healthy', score: 90 });
  });
});

describe('component health: baselineSlices', () => {
  it('reads 8 window-long slices spread over a long baseline, the first just before the window', () => {
    const baseline = { from: new Date(T0 - 24 * 3_600_000), to: new Date(T0) };
    const slices = baselineSlices(baseline, 15);
    expect(slices).toHaveLength(8);
    expect(slices[0]).toEqual({ from: new Date(T0 - 15 * 60_000), to: new Date(T0) });
    expect(slices[7].to).toEqual(new Date(T0 - 7 * 3 * 3_600_000));
    for (const slice of slices) expect(slice.to.getTime() - slice.from.getTime()).toBe(15 * 60_000);
  });

  it('reads the whole baseline when 8 windows cover it', () => {
    const baseline = { from: new Date(T0 - 3_600_000), to: new Date(T0) };
    expect(baselineSlices(baseline, 15)).toEqual([baseline]);
  });
});

describe('component health: medianOfSlices', () => {
  it("takes the median of the slices' p95s, so that two slices that caught a slowdown do not carry it", () => {
    const usual = [150, 148, 155, 160, 152, 149].map((p95) => ({ n: 40, p95 }));
    expect(medianOfSlices([...usual, { n: 40, p95: 2400 }, { n: 40, p95: 1800 }])).toBe(153.5);
    // slices with too few calls do not count; fewer than three that do: the pooled p95 stands
    expect(medianOfSlices([{ n: 4, p95: 9000 }, ...usual.slice(0, 3)])).toBe(150);
    expect(medianOfSlices(usual.slice(0, 2))).toBeNull();
  });
});

describe('operation progress: buildProgress', () => {
  const now = new Date(T0 + 10 * 60_000);

  it('completes an operation whose steps report their ends', () => {
    const progress = buildProgress(
      'op-1',
      [
        eventRow({
          id: 'a',
          timestamp: at(0),
          operation: 'receive',
          event_type: 'trace',
          data: { phase: 'start' },
        }),
        eventRow({ id: 'b', timestamp: at(10), operation: 'charge', duration_ms: 9 }),
        eventRow({
          id: 'c',
          timestamp: at(20),
          operation: 'receive',
          event_type: 'trace',
          data: { phase: 'end' },
        }),
      ],
      false,
      now,
    );
    expect(progress.status).toBe('completed');
    expect(progress.steps.map((step) => [step.name, step.status])).toEqual([
      ['receive', 'completed'],
      ['charge', 'completed'],
    ]);
    expect(progress.current_step).toBeNull();
    expect(progress.elapsed_ms).toBe(20);
  });

  it('is stuck inside a step that began and never ended, after the last finished step', () => {
    const progress = buildProgress(
      'op-1',
      [
        eventRow({
          id: 'a',
          timestamp: at(0),
          operation: 'export',
          event_type: 'lifecycle',
          message: 'export started',
          data: { phase: 'start' },
        }),
        eventRow({ id: 'b', timestamp: at(100), operation: 'render-page', duration_ms: 90 }),
      ],
      false,
      now,
    );
    expect(progress.status).toBe('stuck');
    expect(progress.current_step).toMatchObject({ name: 'export', status: 'stuck' });
    expect(progress.stuck.reason).toContain('last finished step: "render-page"');
    expect(progress.stuck.threshold_ms).toBe(60_000);
  });

  describe('a trace (OpenTelemetry spans, docs/otlp.md)', () => {
    const span = (id: string, ms: number, operation: string, duration: number, phase?: string) =>
      eventRow({
        id,
        timestamp: at(ms),
        operation,
        event_type: 'trace',
        duration_ms: duration,
        component_type: operation.startsWith('SELECT') ? 'db-svc' : 'api',
        metadata: phase ? { phase } : null,
      });
    // a log record with the trace's context, written inside the query's span
    const note = eventRow({
      id: 'log',
      timestamp: at(300),
      component_type: 'db-svc',
      message: 'cache miss for key user:42',
    });

    it('takes a log record without an operation as a note inside a span, not a step', () => {
      const progress = buildProgress(
        'op-1',
        [
          span('root', 0, 'POST /bookings', 900, 'end'),
          span('q', 100, 'SELECT slots', 400, 'start'),
          note,
        ],
        false,
        now,
      );
      expect(progress.status).toBe('completed');
      expect(progress.steps.map((step) => step.name)).toEqual(['POST /bookings', 'SELECT slots']);
      expect(progress.components).toEqual(
        expect.arrayContaining([expect.objectContaining({ component_type: 'db-svc', events: 2 })]),
      );
    });

    it('is open while its root span has not arrived, and stuck past the threshold', () => {
      const children = [span('q', 100, 'SELECT slots', 400, 'start'), note];
      const stuck = buildProgress('op-1', children, false, now);
      expect(stuck.status).toBe('stuck');
      expect(stuck.stuck.reason).toContain("the trace's root span");
      const running = buildProgress('op-1', children, false, new Date(T0 + 2_000));
      expect(running.status).toBe('in_progress');
      // a span whose parent runs elsewhere (no phase) promises no root here
      const called = buildProgress('op-1', [span('q', 100, 'SELECT slots', 400)], false, now);
      expect(called.status).toBe('completed');
    });
  });

  describe('an event-driven trace (the root span ends when the work is queued)', () => {
    const span = (
      id: string,
      ms: number,
      operation: string,
      parent: string | null,
      level = 'info',
    ) =>
      eventRow({
        id,
        timestamp: at(ms),
        operation,
        level,
        event_type: 'trace',
        duration_ms: 20,
        parent_event_id: parent,
        component_type: operation.split(' ')[0],
        component_id: `${operation.split(' ')[0]}-1`,
        metadata: parent === null ? { phase: 'end' } : null,
      });
    const log = (id: string, ms: number, parent: string, message: string, level = 'info') =>
      eventRow({
        id,
        timestamp: at(ms),
        level,
        parent_event_id: parent,
        component_type: 'payout',
        component_id: 'payout-2',
        message,
        data: { 'otel.span_id': parent.slice(0, 16) },
      });
    const queued = [
      span('root', 0, 'gateway POST /claims', null),
      span('publish', 10, 'gateway publish claims', 'root'),
      span('consume', 1_000, 'review process claims', 'publish'),
    ];

    it('is open while a log sits inside a span that has not arrived (a consumer hung on a call)', () => {
      const hung = [
        ...queued,
        log('sepa', 2_000, 'payout-consumer', 'initiating SEPA credit transfer for claim 4823'),
      ];
      const progress = buildProgress('op-1', hung, false, new Date(T0 + 30 * 60_000));
      expect(progress.status).toBe('stuck');
      expect(progress.stuck.reason).toContain('a span that has not ended');
      // the same with the consumer's span arrived: done
      const done = buildProgress(
        'op-1',
        [...hung, span('payout-consumer', 1_900, 'payout process approved', 'publish')],
        false,
        new Date(T0 + 30 * 60_000),
      );
      expect(done.status).toBe('completed');
    });

    it('waits where earlier operations went on after its last message, for as long as they waited', () => {
      const minute = 60_000;
      const waiting = [
        ...queued,
        log('note', 1_500, 'consume', 'claim 4823 queued for adjuster review'),
      ];
      const history = {
        pattern_id: 'queued-for-review',
        operations: 40,
        ended_there: 4,
        longest_wait_ms: 45 * minute,
      };
      const now = new Date(T0 + 35 * minute);
      expect(buildProgress('op-1', waiting, false, now).status).toBe('completed');
      const progress = buildProgress('op-1', waiting, false, now, undefined, history);
      expect(progress.status).toBe('in_progress');
      expect(progress.stuck.threshold_ms).toBe(90 * minute);
      expect(progress.stuck.reason).toContain(
        '36 of the 40 earlier operations that logged it went on, after up to 45 min',
      );
    });

    it('recovers an error logged inside a span when a later run of that span went well elsewhere', () => {
      const lookup = (id: string, ms: number, level: string, instance: string) => ({
        ...span(id, ms, 'policy GET /beneficiary', 'consume', level),
        component_id: instance,
      });
      const events = [
        ...queued,
        lookup('try-1', 2_000, 'error', 'policy-1'),
        eventRow({
          id: 'pool',
          timestamp: at(2_001),
          level: 'error',
          parent_event_id: 'try-1',
          component_type: 'policy',
          component_id: 'policy-1',
          message: 'could not acquire DB connection within 5000 ms',
          data: { 'otel.span_id': 'try-1' },
        }),
        lookup('try-2', 20_000, 'info', 'policy-2'),
      ];
      const progress = buildProgress('op-1', events, false, new Date(T0 + 60 * 60_000));
      expect(progress.status).toBe('completed');
      expect(progress.failures).toHaveLength(2);
      expect(progress.steps.map((step) => step.name)).not.toContain('policy');
    });
  });

  it('is in progress while the idle time is under the threshold', () => {
    const progress = buildProgress(
      'op-1',
      [eventRow({ id: 'a', timestamp: at(0), operation: 'export', data: { phase: 'start' } })],
      false,
      new Date(T0 + 5_000),
    );
    expect(progress.status).toBe('in_progress');
    expect(progress.stuck.is_stuck).toBe(false);
  });

  it('infers the end of a step without markers when a later step began', () => {
    const progress = buildProgress(
      'op-1',
      [
        eventRow({ id: 'a', timestamp: at(0), component_type: 'gateway', message: 'got it' }),
        eventRow({
          id: 'b',
          timestamp: at(5),
          component_type: 'orders',
          operation: 'create',
          duration_ms: 3,
        }),
      ],
      false,
      now,
    );
    expect(progress.steps[0]).toMatchObject({
      name: 'gateway',
      status: 'completed',
      completion_inferred: true,
    });
    expect(progress.status).toBe('completed');
  });

  it('fails when a step errs and nothing ends it after, but not when a retry succeeds', () => {
    const failed = buildProgress(
      'op-1',
      [
        eventRow({ id: 'a', timestamp: at(0), operation: 'charge', data: { phase: 'start' } }),
        eventRow({
          id: 'b',
          timestamp: at(5),
          operation: 'charge',
          level: 'error',
          message: 'card declined',
        }),
      ],
      false,
      now,
    );
    expect(failed.status).toBe('failed');
    expect(failed.failures).toEqual([
      expect.objectContaining({ event_id: 'b', step: 'charge', message: 'card declined' }),
    ]);
    const retried = buildProgress(
      'op-1',
      [
        eventRow({
          id: 'a',
          timestamp: at(0),
          operation: 'charge',
          level: 'error',
          message: 'timeout',
        }),
        eventRow({
          id: 'b',
          timestamp: at(5),
          operation: 'charge',
          duration_ms: 4,
          message: 'charged',
        }),
      ],
      false,
      now,
    );
    expect(retried.steps[0].status).toBe('completed');
    expect(retried.failures).toHaveLength(1);
    // the retry recovered: the operation completed, and says so
    expect(retried.status).toBe('completed');
    expect(retried.stuck.reason).toMatch(/recovered/);
  });

  describe('what earlier operations did after the message it stopped at', () => {
    const minute = 60_000;
    const start = (ms: number) =>
      eventRow({
        id: 'a',
        timestamp: at(ms),
        operation: 'catalog-sync',
        message: 'catalog sync started for feed 42',
        data: { phase: 'start' },
        pattern_id: 'sync-started',
      });

    it('reads the wait and the ends from the earlier occurrences', () => {
      const now = new Date(T0 + 120 * minute);
      const history = stopHistoryOf(
        'p',
        [
          // went on after 20 and 30 minutes
          ...[20, 30, 25, 22, 28].map((wait, index) => ({
            at: new Date(T0 + index * minute),
            nextAt: new Date(T0 + index * minute + wait * minute),
          })),
          // nothing after it for long enough (over 2 × 30 min): ended there
          { at: new Date(T0), nextAt: null },
          // nothing after it yet, but recent: not known
          { at: new Date(T0 + 100 * minute), nextAt: null },
        ],
        now,
      );
      expect(history).toEqual({
        pattern_id: 'p',
        operations: 6,
        ended_there: 1,
        longest_wait_ms: 30 * minute,
      });
    });

    it('does not take a recent run of occurrences with nothing after them for an ending', () => {
      // the message went on in older operations; the latest six hang on the same call
      const now = new Date(T0 + 120 * minute);
      const rows = [
        ...Array.from({ length: 6 }, (_, i) => ({
          at: new Date(T0 + (90 - i) * minute),
          nextAt: null,
        })),
        ...Array.from({ length: 6 }, (_, i) => ({
          at: new Date(T0 + (60 - i) * minute),
          nextAt: new Date(T0 + (60 - i) * minute + 2_000),
        })),
      ];
      expect(stopHistoryOf('p', rows, now)).toMatchObject({ operations: 6, ended_there: 0 });
      // interleaved, as for a message that ends some operations: those older than the latest
      // that went on count
      const mixed = Array.from({ length: 12 }, (_, i) => {
        const at = new Date(T0 + (90 - i) * minute);
        return { at, nextAt: i % 2 === 1 ? new Date(at.getTime() + 2_000) : null };
      });
      expect(stopHistoryOf('p', mixed, now).ended_there).toBe(5);
    });

    it('waits as long as earlier operations waited after the same message', () => {
      const history = {
        pattern_id: 'sync-started',
        operations: 12,
        ended_there: 0,
        longest_wait_ms: 30 * minute,
      };
      const now = new Date(T0 + 5 * minute);
      expect(buildProgress('op-1', [start(0)], false, now).status).toBe('stuck');
      const waiting = buildProgress('op-1', [start(0)], false, now, undefined, history);
      expect(waiting.status).toBe('in_progress');
      expect(waiting.stuck.threshold_ms).toBe(60 * minute);
      expect(waiting.history).toEqual(history);
      // past twice the longest wait, it is stuck
      const late = new Date(T0 + 61 * minute);
      expect(buildProgress('op-1', [start(0)], false, late, undefined, history).status).toBe(
        'stuck',
      );
    });

    it('completes an operation at a message that ended most earlier ones', () => {
      const rejected = [
        eventRow({ id: 'a', timestamp: at(0), operation: 'submit-claim', duration_ms: 40 }),
        eventRow({
          id: 'b',
          timestamp: at(2_000),
          operation: 'review-claim',
          message: 'claim 881 rejected: policy lapsed',
          pattern_id: 'rejected',
        }),
      ];
      const now = new Date(T0 + 10 * minute);
      expect(buildProgress('op-1', rejected, false, now).status).toBe('stuck');
      const history = {
        pattern_id: 'rejected',
        operations: 9,
        ended_there: 8,
        longest_wait_ms: null,
      };
      const ended = buildProgress('op-1', rejected, false, now, undefined, history);
      expect(ended.status).toBe('completed');
      expect(ended.steps[1]).toMatchObject({ status: 'completed', completion_inferred: true });
      expect(ended.stuck.reason).toMatch(/ended 8 of the 9 earlier operations/);
      // fewer than half: still stuck
      expect(
        buildProgress('op-1', rejected, false, now, undefined, { ...history, ended_there: 4 })
          .status,
      ).toBe('stuck');
    });
  });
});

describe('explain: rootCauseOf', () => {
  const error = (id: string, ms: number, component_type: string, parent: string | null = null) =>
    eventRow({
      id,
      timestamp: at(ms),
      level: 'error',
      event_type: 'error',
      component_type,
      component_id: `${component_type}-1`,
      parent_event_id: parent,
    });

  it('follows parent links to the earliest failing ancestor', () => {
    const db = error('db', 0, 'db');
    const inventory = error('inv', 5, 'inventory', 'db');
    const event = error('orders', 9, 'orders', 'inv');
    const root = rootCauseOf(event, [db, inventory]);
    expect(root).toMatchObject({ event: { id: 'db' }, is_the_event_itself: false });
    expect(root.reason).toMatch(/parent_event_id/);
  });

  it('takes the earliest upstream error on the correlation chain without parent links', () => {
    const event = error('orders', 9, 'orders');
    const root = rootCauseOf(event, [
      error('orders-earlier', 1, 'orders'),
      error('db', 2, 'db'),
      error('inv', 5, 'inventory'),
    ]);
    expect(root.event.id).toBe('db');
    expect(root.reason).toContain('upstream');
  });

  it('looks only within the error episode: an error handled minutes earlier on the chain is not the cause', () => {
    // a session: a declined card at 0 s, handled; 8 minutes later the db fails, then the api
    const event = error('api', 480_400, 'api');
    const root = rootCauseOf(event, [error('card', 0, 'payments'), error('db', 480_000, 'db')]);
    expect(root.event.id).toBe('db');
    // with nothing else in its episode, the event is its own cause
    const alone = rootCauseOf(error('api-late', 600_000, 'api'), [error('card', 0, 'payments')]);
    expect(alone.is_the_event_itself).toBe(true);
  });

  it('skips what failed under a tracing span that then ended well (handled)', () => {
    const span = (
      id: string,
      end: number,
      component_type: string,
      parent: string | null,
      failed: boolean,
    ) =>
      eventRow({
        id,
        timestamp: at(end),
        level: failed ? 'error' : 'info',
        event_type: 'trace',
        duration_ms: 10,
        component_type,
        component_id: `${component_type}-1`,
        parent_event_id: parent,
        data: { 'otel.span_id': id },
      });
    const gateway = span('gw', 3000, 'gateway', null, true);
    const chain = [
      span('pay', 500, 'payments', 'gw', false),
      span('detokenize', 100, 'card-vault', 'pay', true),
      span('notify', 2900, 'notifications', 'gw', true),
    ];
    expect(rootCauseOf(gateway, chain).event.id).toBe('notify');
    // a producer's span ends when the message is sent: the deliveries under it ran after it, and
    // the first one's failure is the cause of the last one's
    const published = {
      ...span('publish', 10, 'intake', null, false),
      data: { 'otel.span_id': 'publish', 'otel.span_kind': 'producer' },
    };
    const lookup = (id: string, end: number, delivery: string) => [
      span(`${id}-db`, end - 3, 'policy', `${id}-call`, true),
      span(`${id}-call`, end - 1, 'fraud', delivery, true),
      span(delivery, end, 'fraud', 'publish', true),
    ];
    const retried = [published, ...lookup('first', 5_000, 'delivery-1')];
    const [, last] = lookup('last', 20_000, 'delivery-2');
    expect(rootCauseOf(last, [...retried, ...lookup('last', 20_000, 'delivery-2')]).event.id).toBe(
      'first-db',
    );
  });

  it('skips a failed call its caller went on after (retried), and what failed under it', () => {
    const span = (id: string, end: number, component_type: string, parent: string | null) =>
      eventRow({
        id,
        timestamp: at(end),
        level: 'error',
        event_type: 'trace',
        duration_ms: 10,
        component_type,
        component_id: `${component_type}-1`,
        parent_event_id: parent,
      });
    const gateway = span('gw', 2300, 'gateway', null);
    const chain = [
      span('pay', 2250, 'payments', 'gw'),
      span('vault-call', 100, 'payments', 'pay'),
      span('vault', 90, 'card-vault', 'vault-call'),
      span('fraud-call', 2150, 'payments', 'pay'),
      span('redis', 2100, 'fraud', 'fraud-call'),
    ];
    expect(rootCauseOf(gateway, chain).event.id).toBe('redis');
    // asked about the retried call itself, its own callee is its cause
    const vaultCall = chain[1];
    expect(rootCauseOf(vaultCall, [gateway, ...chain]).event.id).toBe('vault');
  });

  // OTel traces: a span's timestamp is its start and it fails at its end, after its callees.
  const span = (
    id: string,
    start: number,
    ms: number,
    component_type: string,
    parent: string | null,
  ) =>
    eventRow({
      id,
      timestamp: at(start),
      duration_ms: ms,
      level: 'error',
      event_type: 'trace',
      component_type,
      component_id: `${component_type}-1`,
      parent_event_id: parent,
    });
  const trace = [
    span('checkout', 0, 100, 'frontend', null),
    span('pay', 10, 50, 'payment', 'checkout'),
    span('db', 20, 10, 'postgres', 'pay'),
    error('db-exception', 29, 'postgres', 'db'),
  ];

  it('blames the innermost span that failed first, not the caller spans that started earlier', () => {
    const payException = error('pay-exception', 55, 'payment', 'pay');
    const root = rootCauseOf(payException, [...trace, payException]);
    expect(root).toMatchObject({ event: { id: 'db-exception' }, is_the_event_itself: false });
    expect(root.reason).toContain('postgres/postgres-1, 26 ms before');
    expect(rootCauseOf(trace[0], trace.slice(1)).event.id).toBe('db-exception');
  });

  it('does not blame a caller span that fails after the event', () => {
    const payException = error('pay-exception', 55, 'payment', 'pay');
    const root = rootCauseOf(payException, [trace[0], trace[1], payException]);
    expect(root).toMatchObject({ event: { id: 'pay-exception' }, is_the_event_itself: true });
  });

  it('is the event itself when nothing failed before it', () => {
    const event = error('db', 0, 'db');
    expect(rootCauseOf(event, [eventRow({ id: 'ok', timestamp: at(-5) })])).toMatchObject({
      event: { id: 'db' },
      is_the_event_itself: true,
    });
  });
});

describe('compare: stateDifferences', () => {
  const state = (config: Record<string, unknown>) => [
    {
      component_type: 'w',
      component_id: 'x',
      version: 1,
      captured_at: at(0),
      hash: 'h',
      state: config,
    },
  ];

  it('lists the paths whose values differ, with every component value', () => {
    const differences = stateDifferences([
      { label: 'w/1', states: state({ pool: { size: 10, mode: 'lru' }, region: 'eu' }) },
      { label: 'w/2', states: state({ pool: { size: 20, mode: 'lru' }, region: 'eu' }) },
      { label: 'w/3', states: state({ pool: { mode: 'lru' }, region: 'eu' }) },
      { label: 'w/4', states: [] },
    ]);
    expect(differences).toEqual([
      { path: '/pool/size', values: { 'w/1': 10, 'w/2': 20, 'w/3': null } },
    ]);
  });

  it('has nothing to compare with fewer than two states', () => {
    expect(
      stateDifferences([
        { label: 'a', states: state({ x: 1 }) },
        { label: 'b', states: [] },
      ]),
    ).toEqual([]);
  });
});

describe('component health and compare: reported metrics', () => {
  const metric = (overrides: Partial<ComponentMetric>): ComponentMetric => ({
    name: 'http.server.duration',
    unit: 'ms',
    meaning: 'duration',
    samples: 20,
    last: 400,
    min: 300,
    max: 500,
    avg: 400,
    p95: 480,
    increase: null,
    p95_ms: 480,
    ...overrides,
    baseline: {
      samples: 40,
      last: 100,
      min: 80,
      max: 120,
      avg: 100,
      p95: 118,
      increase: null,
      p95_ms: 118,
      increase_per_minute: null,
      ...overrides.baseline,
    },
  });

  it('judges a duration metric by its p95 as event latency is judged', () => {
    expect(metricReasons([metric({})], [], 15)).toEqual([
      expect.objectContaining({
        code: 'metric_latency',
        metric: 'http.server.duration',
        value: 480,
        baseline: 118,
        impact: Math.round(15 + 5 * (480 / 118 - 2)),
      }),
    ]);
    // under 2× or under +50 ms, too few observations, or already seen in the events: no reason
    expect(metricReasons([metric({ p95_ms: 200 })], [], 15)).toEqual([]);
    expect(
      metricReasons(
        [metric({ p95_ms: 40, baseline: { p95_ms: 10 } as ComponentMetric['baseline'] })],
        [],
        15,
      ),
    ).toEqual([]);
    expect(metricReasons([metric({ samples: 4 })], [], 15)).toEqual([]);
    expect(metricReasons([metric({})], [{ code: 'latency', message: '', impact: 20 }], 15)).toEqual(
      [],
    );
  });

  it('judges an error counter by its increase against what its baseline rate predicts', () => {
    const counter = (increase: number, perMinute: number | null) =>
      metric({
        name: 'payment_failures_total',
        unit: null,
        meaning: 'error_count',
        p95_ms: null,
        increase,
        baseline: { increase_per_minute: perMinute } as ComponentMetric['baseline'],
      });
    expect(metricReasons([counter(12, 0.2)], [], 15)).toEqual([
      expect.objectContaining({ code: 'metric_errors', value: 12, baseline: 3, impact: 20 }),
    ]);
    expect(metricReasons([counter(5, 0.2)], [], 15)).toEqual([]); // ≤ 2 × 3 predicted
    expect(metricReasons([counter(2, 0)], [], 15)).toEqual([]); // fewer than 3
    expect(metricReasons([counter(12, null)], [], 15)).toEqual([]); // no baseline to predict from
  });

  it('never judges a metric whose meaning its name does not say', () => {
    expect(
      metricReasons(
        [metric({ name: 'queue.depth', meaning: 'other', p95_ms: null, p95: 5000 })],
        [],
        15,
      ),
    ).toEqual([]);
  });

  it('a component with a slow duration metric is degraded, its metrics listed', () => {
    const health = assess(
      { selector: 'pay', component_type: 'payment-service', component_id: null },
      {
        current: {
          events: 100,
          errors: 0,
          p50_ms: null,
          p95_ms: null,
          p99_ms: null,
          latency_samples: 0,
          last_seen: at(0),
          component_ids: ['pay-1'],
        },
        baseline: {
          events: 800,
          errors: 0,
          p50_ms: null,
          p95_ms: null,
          p99_ms: null,
          latency_samples: 0,
          last_seen: at(0),
          component_ids: ['pay-1'],
        },
        lastSeen: at(0),
        states: [],
        insights: [],
        instances: 1,
        window: { from: new Date(T0 - 15 * 60_000), to: new Date(T0) },
        windowMinutes: 15,
        sampledMinutes: 120,
        metrics: [metric({ p95_ms: 2000 })],
      },
    );
    expect(health.status).toBe('degraded');
    expect(health.reasons.map((reason) => reason.code)).toEqual(['metric_latency']);
    expect(health.reported_metrics.map((item) => item.name)).toEqual(['http.server.duration']);
  });

  it('compare lists the metrics two components report with the statistic their meaning compares', () => {
    const differences = metricDifferencesOf([
      {
        component: 'pay-1',
        reported_metrics: [
          metric({ p95_ms: 480 }),
          metric({ name: 'queue.depth', meaning: 'other', unit: 'jobs', avg: 3, p95_ms: null }),
        ],
      },
      {
        component: 'pay-2',
        reported_metrics: [
          metric({ p95_ms: 120 }),
          metric({ name: 'only.here', meaning: 'other', avg: 1, p95_ms: null }),
        ],
      },
    ]);
    expect(differences).toEqual([
      {
        name: 'http.server.duration',
        unit: 'ms',
        statistic: 'p95_ms',
        values: { 'pay-1': 480, 'pay-2': 120 },
        spread: 360,
        ratio: 4,
      },
    ]);
  });
});
