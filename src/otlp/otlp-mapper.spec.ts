import { levelOf, mapLogs, mapMetrics, mapSpans } from './otlp-mapper.js';
import { decodeRequest, requestType, type OtlpSignal } from './otlp-schema.js';
import { spanEventId } from './otlp-ids.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const PARENT = 'eee19b7ec3c1b173';
const NOW_NS = BigInt(Date.parse('2026-12-03T05:00:00.000Z')) * 1_000_000n;
const ns = (offsetMs: number) => String(NOW_NS + BigInt(offsetMs) * 1_000_000n);

const resource = {
  attributes: [
    { key: 'service.name', value: { stringValue: 'checkout' } },
    { key: 'service.instance.id', value: { stringValue: 'checkout-1' } },
    { key: 'deployment.environment', value: { stringValue: 'test' } },
  ],
};

/** The same request through protobuf: JSON form → message (ids as bytes) → bytes → decoded. */
function viaProtobuf(signal: OtlpSignal, json: unknown): Record<string, unknown> {
  const withBytes = JSON.parse(JSON.stringify(json), (key, value: unknown) =>
    ['traceId', 'spanId', 'parentSpanId'].includes(key) && typeof value === 'string'
      ? Buffer.from(value, 'hex')
      : value,
  ) as Record<string, unknown>;
  const type = requestType(signal);
  return decodeRequest(signal, type.encode(type.fromObject(withBytes)).finish());
}

describe('OTLP mapping', () => {
  const logsRequest = {
    resourceLogs: [
      {
        resource,
        scopeLogs: [
          {
            scope: { name: 'orders', version: '1.2.0' },
            logRecords: [
              {
                timeUnixNano: ns(0),
                severityNumber: 17,
                severityText: 'ERROR',
                body: { stringValue: 'payment declined for order 42' },
                traceId: TRACE,
                spanId: SPAN,
                attributes: [{ key: 'order.id', value: { intValue: '42' } }],
              },
              {
                timeUnixNano: ns(1),
                severityNumber: 9,
                body: {
                  kvlistValue: { values: [{ key: 'step', value: { stringValue: 'ship' } }] },
                },
              },
              {
                timeUnixNano: ns(2),
                attributes: [
                  { key: 'exception.type', value: { stringValue: 'TypeError' } },
                  { key: 'exception.message', value: { stringValue: 'x is undefined' } },
                ],
              },
              { timeUnixNano: ns(3), traceId: 'not-hex' },
            ],
          },
        ],
      },
    ],
  };

  it('maps log records onto events: level, message, data, correlation and span linkage, component and metadata', () => {
    const { items, refused } = mapLogs(logsRequest);
    expect(items.map((item) => item.value)).toEqual([
      expect.objectContaining({
        event_type: 'log',
        level: 'error',
        message: 'payment declined for order 42',
        component_type: 'checkout',
        component_id: 'checkout-1',
        correlation_id: TRACE,
        parent_event_id: spanEventId(TRACE, SPAN),
        timestamp: '2026-12-03T05:00:00.000Z',
        data: { 'order.id': 42, 'otel.severity_text': 'ERROR', 'otel.span_id': SPAN },
        metadata: {
          resource: { 'deployment.environment': 'test' },
          scope: { name: 'orders', version: '1.2.0' },
        },
      }),
      expect.objectContaining({
        event_type: 'log',
        level: 'info',
        message: '{"step":"ship"}',
        data: { body: { step: 'ship' } },
      }),
      expect.objectContaining({
        event_type: 'error',
        level: 'error',
        message: 'TypeError: x is undefined',
      }),
    ]);
    expect(refused).toEqual([
      {
        unit: 'resourceLogs[0].scopeLogs[0].logRecords[3]',
        path: 'resourceLogs[0].scopeLogs[0].logRecords[3]',
        reason: 'traceId must be 32 hex digits',
      },
    ]);
  });

  it('gives the same ids to the same records, whether they came as JSON or protobuf', () => {
    const fromJson = mapLogs(logsRequest).items.map((item) => item.value);
    const fromProtobuf = mapLogs(
      viaProtobuf('logs', {
        resourceLogs: [
          {
            ...logsRequest.resourceLogs[0],
            scopeLogs: [
              {
                ...logsRequest.resourceLogs[0].scopeLogs[0],
                logRecords: logsRequest.resourceLogs[0].scopeLogs[0].logRecords.slice(0, 3),
              },
            ],
          },
        ],
      }),
    ).items.map((item) => item.value);
    expect(fromProtobuf).toEqual(fromJson);
    expect(new Set(fromJson.map((event) => event.id)).size).toBe(3);
    expect(fromJson[0].id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('maps a failed span to an error-level trace event at its end, its exception to an error event under it', () => {
    const request = {
      resourceSpans: [
        {
          resource,
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE,
                  spanId: SPAN,
                  parentSpanId: PARENT,
                  name: 'charge card',
                  kind: 3,
                  startTimeUnixNano: ns(0),
                  endTimeUnixNano: ns(250),
                  status: { code: 2, message: 'card declined' },
                  events: [
                    {
                      timeUnixNano: ns(200),
                      name: 'exception',
                      attributes: [
                        { key: 'exception.type', value: { stringValue: 'DeclinedError' } },
                        { key: 'exception.message', value: { stringValue: 'card declined' } },
                      ],
                    },
                    { timeUnixNano: ns(100), name: 'retry' },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    for (const decoded of [request, viaProtobuf('traces', request)]) {
      const [trace, error] = mapSpans(decoded).items.map((item) => item.value);
      expect(trace).toMatchObject({
        id: spanEventId(TRACE, SPAN),
        event_type: 'trace',
        level: 'error',
        operation: 'charge card',
        duration_ms: 250,
        timestamp: '2026-12-03T05:00:00.250Z',
        correlation_id: TRACE,
        parent_event_id: spanEventId(TRACE, PARENT),
        message: 'charge card: card declined',
        data: expect.objectContaining({
          'otel.span_kind': 'client',
          'otel.status_code': 'error',
          'otel.start_time': '2026-12-03T05:00:00.000Z',
          'otel.events': [{ name: 'retry', time: '2026-12-03T05:00:00.100Z' }],
        }),
      });
      expect(error).toMatchObject({
        event_type: 'error',
        level: 'error',
        parent_event_id: trace.id,
        correlation_id: TRACE,
        message: 'DeclinedError: card declined',
        timestamp: '2026-12-03T05:00:00.200Z',
      });
    }
  });

  it('names a span called only by its HTTP method after its route: its operation and message', () => {
    const request = {
      resourceSpans: [
        {
          resource,
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE,
                  spanId: SPAN,
                  name: 'GET',
                  kind: 2,
                  startTimeUnixNano: ns(0),
                  endTimeUnixNano: ns(40),
                  attributes: [
                    { key: 'http.method', value: { stringValue: 'GET' } },
                    { key: 'http.target', value: { stringValue: '/exports/8812?format=csv' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const [trace] = mapSpans(request).items.map((item) => item.value);
    expect(trace).toMatchObject({
      operation: 'GET /exports/{id}',
      message: 'GET /exports/{id}',
      data: expect.objectContaining({ 'http.target': '/exports/8812?format=csv' }),
    });
  });

  it("marks a span's phase in its trace: the root ends it, a span under a local parent awaits one, a remote parent marks nothing", () => {
    const span = (spanId: string, fields: Record<string, unknown>) => ({
      traceId: TRACE,
      spanId,
      name: `span ${spanId}`,
      startTimeUnixNano: ns(0),
      endTimeUnixNano: ns(10),
      ...fields,
    });
    const LOCAL = 0x100;
    const REMOTE = 0x300;
    const spans = [
      span('0000000000000001', { kind: 2 }),
      span('0000000000000002', { parentSpanId: PARENT, kind: 3 }),
      span('0000000000000003', { parentSpanId: PARENT, kind: 1, flags: LOCAL }),
      // the flags decide where they say something: a server span called in-process, a client span of a remote parent
      span('0000000000000004', { parentSpanId: PARENT, kind: 2, flags: LOCAL | 0x01 }),
      span('0000000000000005', { parentSpanId: PARENT, kind: 3, flags: REMOTE }),
      // without them, a server or consumer span was called from elsewhere
      span('0000000000000006', { parentSpanId: PARENT, kind: 2 }),
      span('0000000000000007', { parentSpanId: PARENT, kind: 5 }),
    ];
    const request = { resourceSpans: [{ resource, scopeSpans: [{ spans }] }] };
    for (const decoded of [request, viaProtobuf('traces', request)]) {
      const phases = mapSpans(decoded).items.map(
        (item) => (item.value.metadata as Record<string, unknown> | null)?.phase ?? null,
      );
      expect(phases).toEqual(['end', 'start', 'start', 'start', null, null, null]);
    }
    // the resource's metadata is kept beside the phase
    expect(mapSpans(request).items[0].value.metadata).toMatchObject({
      resource: expect.any(Object),
      phase: 'end',
    });
  });

  it('maps gauges, sums and histograms to metric rows and refuses exponential histograms by name', () => {
    const request = {
      resourceMetrics: [
        {
          resource,
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'queue.depth',
                  unit: '{jobs}',
                  gauge: {
                    dataPoints: [
                      {
                        timeUnixNano: ns(0),
                        asInt: '7',
                        attributes: [{ key: 'queue', value: { stringValue: 'mail' } }],
                      },
                    ],
                  },
                },
                {
                  name: 'http.server.duration',
                  unit: 'ms',
                  histogram: {
                    dataPoints: [
                      {
                        timeUnixNano: ns(0),
                        count: '3',
                        sum: 60,
                        bucketCounts: ['1', '2', '0'],
                        explicitBounds: [10, 50],
                      },
                    ],
                  },
                },
                {
                  name: 'latency',
                  exponentialHistogram: { dataPoints: [{ timeUnixNano: ns(0), count: '1' }] },
                },
              ],
            },
          ],
        },
      ],
    };
    for (const decoded of [request, viaProtobuf('metrics', request)]) {
      const { items, refused } = mapMetrics(decoded);
      expect(items.map(({ value }) => [value.name, value.value, value.unit, value.tags])).toEqual([
        ['queue.depth', 7, '{jobs}', { queue: 'mail' }],
        ['http.server.duration.count', 3, null, null],
        ['http.server.duration.sum', 60, 'ms', null],
        ['http.server.duration.bucket', 1, null, { le: '10' }],
        ['http.server.duration.bucket', 3, null, { le: '50' }],
        ['http.server.duration.bucket', 3, null, { le: '+Inf' }],
      ]);
      expect(refused).toHaveLength(1);
      expect(refused[0].reason).toMatch(/exponential histogram/);
    }
  });

  it('reads severity numbers by the ranges of the logs data model, else the severity text', () => {
    expect([1, 5, 9, 13, 17, 21].map((number) => levelOf(number, ''))).toEqual([
      'debug',
      'debug',
      'info',
      'warning',
      'error',
      'critical',
    ]);
    expect(levelOf(0, 'WARN')).toBe('warning');
    expect(levelOf(0, 'whatever')).toBe('info');
  });
});
