import { validate, version } from 'uuid';
import { derivedId, spanEventId, uuidOfEventId } from './sentry-ids.js';
import {
  mapCheckIn,
  mapErrorEvent,
  mapLogs,
  mapSession,
  mapSessionAggregates,
  mapSpan,
  mapTransaction,
  type SentrySource,
} from './sentry-mapper.js';

const source: SentrySource = {
  projectId: '42',
  componentType: 'checkout',
  sentAt: new Date('2026-12-03T06:00:00.000Z'),
  userFields: ['id', 'username'],
  sdk: 'sentry.python/2.1.0',
};
const EVENT_ID = '9ec79c33ec9942ab8353589fcb2e04dc';
const TRACE = '771a43a4192642f0b136d5159a501700';
const at = (iso: string) => Date.parse(iso) / 1000;

describe('Sentry ids', () => {
  it('takes a 32-hex event_id (or a dashed one) as our UUID, and nothing else', () => {
    expect(uuidOfEventId(EVENT_ID)).toBe('9ec79c33-ec99-42ab-8353-589fcb2e04dc');
    expect(uuidOfEventId('9EC79C33-EC99-42AB-8353-589FCB2E04DC')).toBe(
      '9ec79c33-ec99-42ab-8353-589fcb2e04dc',
    );
    expect(uuidOfEventId('xyz')).toBeNull();
    expect(uuidOfEventId(12)).toBeNull();
  });

  it('derives stable, valid version-8 UUIDs (a span id names the same event for its parent link)', () => {
    const id = derivedId('log', TRACE, 1);
    expect(validate(id) && version(id)).toBe(8);
    expect(derivedId('log', TRACE, 1)).toBe(id);
    expect(derivedId('log', TRACE, 2)).not.toBe(id);
    expect(spanEventId(TRACE.toUpperCase(), 'AB')).toBe(spanEventId(TRACE, 'ab'));
  });
});

describe('mapErrorEvent', () => {
  const error = {
    event_id: EVENT_ID,
    timestamp: '2026-12-03T05:59:59.500000Z',
    level: 'error',
    platform: 'python',
    server_name: 'web-3',
    release: 'shop@2',
    environment: 'prod',
    sdk: { name: 'sentry.python', version: '2.1.0' },
    tags: { region: 'eu' },
    user: { id: 'u-1', email: 'a@b.c', ip_address: '10.0.0.1' },
    contexts: { trace: { trace_id: TRACE, span_id: 'aaaaaaaaaaaaaaaa' } },
    exception: {
      values: [
        {
          type: 'KeyError',
          value: "'sku'",
          stacktrace: {
            frames: [
              {
                function: 'lookup',
                filename: 'cart.py',
                lineno: 9,
                in_app: true,
                vars: { secret: 'x' },
              },
            ],
          },
        },
        {
          type: 'CheckoutFailed',
          value: 'order 17 failed',
          stacktrace: {
            frames: [
              { function: 'django', in_app: false },
              { function: 'checkout', filename: 'views.py', lineno: 40, in_app: true },
            ],
          },
        },
      ],
    },
    breadcrumbs: {
      values: [
        {
          timestamp: at('2026-12-03T05:59:58Z'),
          category: 'http',
          data: { method: 'GET', url: '/cart', status_code: 200 },
        },
        {
          timestamp: at('2026-12-03T05:59:59Z'),
          category: 'query',
          message: 'SELECT 1',
          level: 'warning',
        },
        {
          timestamp: at('2026-12-03T06:00:30Z'),
          message: 'after the error: not a preceding event',
        },
      ],
    },
  };

  it('names the error by its outermost exception, keeps every frame in data and platform details in metadata', () => {
    const { events, extras } = mapErrorEvent(error, source, 'item 0 (event)');
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      id: '9ec79c33-ec99-42ab-8353-589fcb2e04dc',
      timestamp: '2026-12-03T05:59:59.500Z',
      event_type: 'error',
      level: 'error',
      component_type: 'checkout',
      component_id: 'web-3',
      correlation_id: TRACE,
      message: 'CheckoutFailed: order 17 failed',
      metadata: {
        source: 'sentry',
        sentry_project: '42',
        sdk: 'sentry.python/2.1.0',
        release: 'shop@2',
        environment: 'prod',
        exception_type: 'CheckoutFailed',
        in_app_frames: ['0.0', '1.1'],
      },
    });
    const data = event.data as {
      exception: { type: string; frames: object[] }[];
      user: object;
      tags: object;
    };
    expect(data.exception.map((exception) => exception.type)).toEqual([
      'KeyError',
      'CheckoutFailed',
    ]);
    expect(data.exception[0].frames).toEqual([
      { function: 'lookup', filename: 'cart.py', lineno: 9, in_app: true },
    ]);
    expect(data.user).toEqual({ id: 'u-1' });
    expect(data.tags).toEqual({ region: 'eu' });
    expect(
      extras.map((extra) => [extra.message, extra.level, extra.correlation_id, extra.operation]),
    ).toEqual([
      ['GET /cart 200', 'info', TRACE, 'http'],
      ['SELECT 1', 'warning', TRACE, 'query'],
    ]);
  });

  it('gives a breadcrumb the same id when the next error of the chain carries it again', () => {
    const again = mapErrorEvent(
      { ...error, event_id: 'aec79c33ec9942ab8353589fcb2e04dc' },
      source,
      'item 0 (event)',
    );
    expect(again.extras.map((extra) => extra.id)).toEqual(
      mapErrorEvent(error, source, 'item 0 (event)').extras.map((extra) => extra.id),
    );
  });

  it("takes captureMessage's synthetic exception as a message, at its level", () => {
    const message = {
      event_id: EVENT_ID,
      level: 'warning',
      message: 'payment provider slow',
      exception: {
        values: [
          {
            value: 'payment provider slow',
            mechanism: { type: 'generic', synthetic: true },
            stacktrace: { frames: [{ function: 'pay' }] },
          },
        ],
      },
    };
    const [event] = mapErrorEvent(message, source, 'item 0 (event)').events;
    expect(event).toMatchObject({
      event_type: 'log',
      level: 'warning',
      message: 'payment provider slow',
      component_id: 'unknown',
      correlation_id: `sentry-event-${EVENT_ID}`,
    });
    expect(event.timestamp).toBe(source.sentAt.toISOString());
  });

  it('lets component_type / component_id tags choose the component', () => {
    const [event] = mapErrorEvent(
      { ...error, tags: { component_type: 'payments', component_id: 'pay-2' } },
      source,
      'x',
    ).events;
    expect(event).toMatchObject({ component_type: 'payments', component_id: 'pay-2' });
  });

  it('shrinks data that is over its limit instead of refusing the error: extra, contexts, then frames', () => {
    const frames = Array.from({ length: 400 }, (_, index) => ({
      function: `f${index}`,
      filename: 'deep.js',
      lineno: index,
      context_line: 'x'.repeat(250),
    }));
    const [event] = mapErrorEvent(
      {
        ...error,
        extra: { blob: 'y'.repeat(50_000) },
        exception: { values: [{ type: 'RangeError', value: 'too deep', stacktrace: { frames } }] },
      },
      source,
      'x',
    ).events;
    const data = event.data as {
      truncated: boolean;
      extra?: unknown;
      exception: { frames: { function: string }[] }[];
    };
    expect(Buffer.byteLength(JSON.stringify(data))).toBeLessThanOrEqual(65_536);
    expect(data.truncated).toBe(true);
    expect(data.extra).toBeUndefined();
    expect(data.exception[0].frames.at(-1)!.function).toBe('f399');
  });

  it('refuses an event_id that is not a UUID, naming the item', () => {
    expect(() => mapErrorEvent({ event_id: 'nope' }, source, 'item 3 (event)')).toThrow(
      'item 3 (event): event_id must be 32 hexadecimal digits (a UUID)',
    );
  });
});

describe('transactions and spans', () => {
  it('maps the root and child spans onto linked trace events with durations and levels by status', () => {
    const { events } = mapTransaction(
      {
        transaction: 'GET /orders',
        start_timestamp: at('2026-12-03T05:00:00Z'),
        timestamp: at('2026-12-03T05:00:00.250Z'),
        contexts: {
          trace: { trace_id: TRACE, span_id: 'aaaaaaaaaaaaaaaa', op: 'http.server', status: 'ok' },
        },
        spans: [
          {
            span_id: 'bbbbbbbbbbbbbbbb',
            parent_span_id: 'aaaaaaaaaaaaaaaa',
            op: 'db',
            description: 'SELECT',
            start_timestamp: at('2026-12-03T05:00:00.010Z'),
            timestamp: at('2026-12-03T05:00:00.200Z'),
            status: 'cancelled',
          },
        ],
      },
      source,
      'item 0 (transaction)',
    );
    expect(
      events.map((event) => [
        event.event_type,
        event.operation,
        event.duration_ms,
        event.level,
        event.message,
        event.correlation_id,
      ]),
    ).toEqual([
      ['trace', 'GET /orders', 250, 'info', 'http.server GET /orders completed', TRACE],
      ['trace', 'SELECT', 190, 'warning', 'db SELECT failed: cancelled', TRACE],
    ]);
    expect(events[1].parent_event_id).toBe(events[0].id);
    expect(events[0].id).toBe(spanEventId(TRACE, 'aaaaaaaaaaaaaaaa'));
  });

  it('refuses a transaction without a trace context', () => {
    expect(() => mapTransaction({ spans: [] }, source, 'item 1 (transaction)')).toThrow(
      'item 1 (transaction): a transaction needs contexts.trace',
    );
  });

  it('maps span v2 containers (span streaming) with typed attributes', () => {
    const { events } = mapSpan(
      {
        version: 2,
        items: [
          {
            name: 'load cart',
            span_id: 'cccccccccccccccc',
            trace_id: TRACE,
            parent_span_id: 'aaaaaaaaaaaaaaaa',
            start_timestamp: at('2026-12-03T05:00:00Z'),
            end_timestamp: at('2026-12-03T05:00:00.015Z'),
            is_segment: false,
            status: 'error',
            attributes: {
              'sentry.op': { value: 'db.query', type: 'string' },
              'sentry.release': { value: 'r1', type: 'string' },
              'db.system': { value: 'postgresql', type: 'string' },
            },
          },
        ],
      },
      source,
      'item 2 (span)',
    );
    expect(events[0]).toMatchObject({
      operation: 'load cart',
      duration_ms: 15,
      level: 'error',
      message: 'db.query load cart failed: error',
      parent_event_id: spanEventId(TRACE, 'aaaaaaaaaaaaaaaa'),
      data: { op: 'db.query', attributes: { 'db.system': 'postgresql' } },
      metadata: { release: 'r1' },
    });
  });

  it("names a streamed span's component by its attributes, never by the peer it called", () => {
    const span = (attributes: Record<string, string>) =>
      mapSpan(
        {
          version: 2,
          items: [
            {
              name: 'smtp send',
              span_id: 'dddddddddddddddd',
              trace_id: TRACE,
              start_timestamp: at('2026-12-03T05:00:00Z'),
              end_timestamp: at('2026-12-03T05:00:00.200Z'),
              attributes: Object.fromEntries(
                Object.entries(attributes).map(([key, value]) => [key, { value, type: 'string' }]),
              ),
            },
          ],
        },
        source,
        'item 0 (span)',
      ).events[0];
    // `server.address` of a client span is the server it called
    expect(span({ 'server.address': 'smtp.mailrelay.example' })).toMatchObject({
      component_type: 'checkout',
      component_id: 'unknown',
    });
    // scope attributes reach every streamed span (tags and server_name do not)
    expect(
      span({
        component_type: 'notification-worker',
        component_id: 'worker-2',
        'server.address': 'smtp.mailrelay.example',
      }),
    ).toMatchObject({ component_type: 'notification-worker', component_id: 'worker-2' });
  });
});

describe('logs, check-ins and sessions', () => {
  it('maps structured log records with their attributes and template', () => {
    const { events } = mapLogs(
      {
        items: [
          {
            timestamp: at('2026-12-03T05:00:00Z'),
            level: 'warn',
            body: 'disk 91% full',
            trace_id: TRACE,
            attributes: {
              disk: { value: 'sda', type: 'string' },
              'sentry.message.template': { value: 'disk %s full', type: 'string' },
              'server.address': { value: 'db-1', type: 'string' },
            },
          },
          { timestamp: at('2026-12-03T05:00:01Z'), level: 'fatal', body: 'gone' },
        ],
      },
      source,
      'item 0 (log)',
    );
    expect(events.map((event) => [event.level, event.message, event.component_id])).toEqual([
      ['warning', 'disk 91% full', 'db-1'],
      ['critical', 'gone', 'unknown'],
    ]);
    expect(events[0].data).toEqual({
      disk: 'sda',
      'server.address': 'db-1',
      message_template: 'disk %s full',
    });
    expect(() => mapLogs({ items: [{ body: 'no time' }] }, source, 'item 0 (log)')).toThrow(
      'item 0 (log) items[0]: a log record needs a timestamp',
    );
  });

  it('maps check-ins onto a start → completed/failed chain per check-in id', () => {
    const started = mapCheckIn(
      { check_in_id: 'c1', monitor_slug: 'nightly', status: 'in_progress' },
      source,
      'x',
    ).events[0];
    const failed = mapCheckIn(
      { check_in_id: 'c1', monitor_slug: 'nightly', status: 'error', duration: 2.25 },
      source,
      'x',
    ).events[0];
    expect(
      [started, failed].map((event) => [
        event.event_type,
        event.level,
        event.correlation_id,
        (event.data as { phase: string }).phase,
        event.duration_ms,
      ]),
    ).toEqual([
      ['lifecycle', 'info', 'cron:nightly:c1', 'start', null],
      ['lifecycle', 'error', 'cron:nightly:c1', 'failed', 2250],
    ]);
    expect(started.timestamp).toBe(source.sentAt.toISOString());
    expect(() =>
      mapCheckIn(
        { check_in_id: 'c1', monitor_slug: 'n', status: 'missed' },
        source,
        'item 0 (check_in)',
      ),
    ).toThrow('status must be in_progress, ok or error');
  });

  it('maps a session update and session aggregates onto metric points with stable ids', () => {
    const session = mapSession(
      {
        sid: 's1',
        did: 'u1',
        seq: 3,
        status: 'crashed',
        errors: 1,
        duration: 12,
        timestamp: '2026-12-03T05:00:00Z',
        attrs: { release: 'r1', environment: 'prod' },
      },
      source,
      'x',
    );
    expect(session.metrics.every((metric) => metric.component_id === 'r1')).toBe(true);
    expect(session.metrics.map((metric) => [metric.name, metric.value, metric.tags])).toEqual([
      ['sentry.session.crashed', 1, { release: 'r1', environment: 'prod', status: 'crashed' }],
      ['sentry.session.errors', 1, { release: 'r1', environment: 'prod', status: 'crashed' }],
      ['sentry.session.duration', 12, { release: 'r1', environment: 'prod', status: 'crashed' }],
    ]);
    const aggregates = mapSessionAggregates(
      {
        aggregates: [{ started: '2026-12-03T05:00:00Z', exited: 10, errored: 2 }],
        attrs: { release: 'r1' },
      },
      source,
      'x',
    );
    expect(
      aggregates.metrics.map((metric) => [metric.name, metric.value, metric.timestamp]),
    ).toEqual([
      ['sentry.sessions.exited', 10, '2026-12-03T05:00:00.000Z'],
      ['sentry.sessions.errored', 2, '2026-12-03T05:00:00.000Z'],
    ]);
    expect(
      mapSessionAggregates(
        { aggregates: [{ started: '2026-12-03T05:00:00Z', exited: 10 }], attrs: { release: 'r1' } },
        source,
        'x',
      ).metrics[0].id,
    ).toBe(aggregates.metrics[0].id);
  });
});
