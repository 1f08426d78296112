import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import type { InsightView } from '../src/insights/insight.types.js';
import { spanEventId } from '../src/otlp/otlp-ids.js';
import { decodeResponse, decodeStatus, requestType } from '../src/otlp/otlp-schema.js';
import { Client as GrpcClient, credentials, Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { OtlpModule } from '../src/otlp/otlp.module.js';
import { ingestSettled, startApp, type RunningApp } from './support/app.js';
import { freePort } from './support/ports.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

const KEYS = 'otlp-ingest-1:ingest,otlp-reader-1:read,otlp-admin-01:admin';
const INGEST_KEY = 'otlp-ingest-1';
const DEMO = join(process.cwd(), 'examples/otel/checkout-demo.mjs');
const run = promisify(execFile);

interface DemoTraces {
  completed: string[];
  failed: string[];
}

/** Runs the example program, configured only by the standard OTEL_* variables, as a user would. */
async function runDemo(
  endpoint: string,
  protocol: 'http/protobuf' | 'http/json',
  instance: string,
): Promise<DemoTraces> {
  const { stdout } = await run(process.execPath, [DEMO], {
    env: {
      PATH: process.env.PATH,
      OTEL_SERVICE_NAME: 'checkout',
      OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${instance},deployment.environment=test`,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${INGEST_KEY}`,
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
    },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as DemoTraces;
}

const NOW_NS = () => String(BigInt(Date.now()) * 1_000_000n);

function logsRequest(records: Record<string, unknown>[], service = 'raw-client') {
  return {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeLogs: [{ scope: { name: 'test' }, logRecords: records }],
      },
    ],
  };
}

function protobufOf(signal: 'logs' | 'traces' | 'metrics', json: unknown): Buffer {
  const withBytes = JSON.parse(JSON.stringify(json), (key, value: unknown) =>
    ['traceId', 'spanId', 'parentSpanId'].includes(key) && typeof value === 'string'
      ? Buffer.from(value, 'hex')
      : value,
  ) as Record<string, unknown>;
  const type = requestType(signal);
  return Buffer.from(type.encode(type.fromObject(withBytes)).finish());
}

/** supertest's parser for a binary answer: the body as a Buffer. */
function binary(
  response: request.Response,
  callback: (error: Error | null, body: Buffer) => void,
): void {
  const stream = response as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
}

describeWithPostgresAndRedis('OTLP/HTTP ingest (full mode: PostgreSQL + Redis)', () => {
  let running: RunningApp;
  let otlpUrl: string;
  let grpcPort: number;
  let dataSource: DataSource;

  beforeAll(async () => {
    const otlpPort = await freePort();
    grpcPort = await freePort();
    running = await startApp({
      ...(await fullModeEnv()),
      DEBUG_API_KEYS: KEYS,
      OTLP_HTTP_PORT: String(otlpPort),
      OTLP_GRPC_PORT: String(grpcPort),
      DEBUG_BODY_LIMIT: '256kb',
    });
    otlpUrl = `http://127.0.0.1:${otlpPort}`;
    dataSource = running.app.get(DataSource);
  }, 120_000);
  afterAll(async () => running?.close());

  const settled = async () => expect(await ingestSettled(running.app, 30_000)).toBe(true);
  /** One insight run over the last hour: what it created or updated. */
  async function generateInsights(): Promise<InsightView[]> {
    const generated = await request(running.url)
      .post('/api/debug/insights/generate')
      .set('X-API-Key', 'otlp-admin-01')
      .send({})
      .expect(200);
    return [...generated.body.created, ...generated.body.updated] as InsightView[];
  }
  const read = (path: string) =>
    request(running.url).get(`/api/debug${path}`).set('X-API-Key', 'otlp-reader-1');
  async function eventsOf(correlationId: string): Promise<DebugEventRecord[]> {
    const response = await read(
      `/events?correlation_id=${correlationId}&limit=200&order=asc`,
    ).expect(200);
    return response.body.items as DebugEventRecord[];
  }

  it('is described in the OpenAPI document, so clients and the fuzzer see the three routes', async () => {
    const document = (await request(running.url).get('/api/docs-json').expect(200)).body as {
      paths: Record<string, { post?: { requestBody: { content: Record<string, unknown> } } }>;
    };
    for (const path of ['/v1/logs', '/v1/traces', '/v1/metrics']) {
      expect(Object.keys(document.paths[path]?.post?.requestBody.content ?? {})).toEqual([
        'application/x-protobuf',
        'application/json',
      ]);
    }
  });

  it('listens on OTLP_GRPC_PORT', () => {
    expect(running.app.get(OtlpModule).otlpGrpcPort).toBe(grpcPort);
  });

  it('listens on OTLP_HTTP_PORT besides the main port', () => {
    expect(running.app.get(OtlpModule).otlpPort).toBe(Number(new URL(otlpUrl).port));
  });

  it('takes logs, traces and metrics from an unchanged OTel SDK program (protobuf, main port): events, operations, patterns, metric rows', async () => {
    const traces = await runDemo(running.url, 'http/protobuf', 'checkout-proto');
    expect(traces.completed).toHaveLength(2);
    expect(traces.failed).toHaveLength(1);
    await settled();

    const [failedTrace] = traces.failed;
    const events = await eventsOf(failedTrace);
    const spans = events.filter((event) => event.event_type === 'trace');
    expect(spans.map((event) => event.operation).sort()).toEqual([
      'POST /checkout',
      'charge card',
      'order',
      'reserve stock',
    ]);
    for (const event of events)
      expect(event).toMatchObject({
        component_type: 'checkout',
        component_id: 'checkout-proto',
        correlation_id: failedTrace,
      });
    const byOperation = new Map(spans.map((event) => [event.operation, event]));
    const charge = byOperation.get('charge card')!;
    expect(charge).toMatchObject({
      level: 'error',
      parent_event_id: byOperation.get('POST /checkout')!.id,
    });
    expect(charge.message).toMatch(/card declined by issuer/);
    expect(byOperation.get('order')!.parent_event_id).toBeNull();
    expect(byOperation.get('reserve stock')).toMatchObject({
      level: 'info',
      parent_event_id: byOperation.get('POST /checkout')!.id,
    });
    expect(byOperation.get('reserve stock')!.duration_ms).toBeGreaterThanOrEqual(4);
    expect(charge.metadata).toMatchObject({
      resource: { 'deployment.environment': 'test' },
      scope: { name: 'checkout-demo', version: '1.0.0' },
    });

    // The exception the span recorded: an error event under the span.
    const exceptions = events.filter(
      (event) => event.event_type === 'error' && event.parent_event_id === charge.id,
    );
    expect(exceptions.map((event) => event.message)).toContainEqual(
      expect.stringMatching(/^Error: card declined by issuer/),
    );
    // Log records: linked to their span, the payment failure (exception.* attributes) an error event.
    const logs = events.filter(
      (event) =>
        event.event_type === 'log' ||
        (event.event_type === 'error' && event.data?.['otel.severity_text']),
    );
    expect(logs.map((event) => [event.event_type, event.level, event.message])).toEqual(
      expect.arrayContaining([
        ['log', 'info', 'checkout started for order A-102 with 1 items'],
        ['error', 'error', 'payment failed for order A-102'],
      ]),
    );
    const started = logs.find((event) => event.message.startsWith('checkout started'))!;
    expect(started.parent_event_id).toBe(byOperation.get('POST /checkout')!.id);

    // The trace as an operation.
    const failed = await read(`/operations/${failedTrace}`).expect(200);
    expect(failed.body.status).toBe('failed');
    expect(failed.body.failures.map((failure: { step: string }) => failure.step)).toEqual(
      expect.arrayContaining(['charge card']),
    );
    const completed = await read(`/operations/${traces.completed[0]}`).expect(200);
    expect(completed.body.status).toBe('completed');
    expect(completed.body.steps.map((step: { name: string }) => step.name)).toEqual(
      expect.arrayContaining(['order', 'POST /checkout', 'reserve stock', 'charge card']),
    );

    // Log bodies got pattern ids on the way to the warm store, like REST events.
    const rows = (await dataSource.query(
      `SELECT message, pattern_id FROM debug_events WHERE component_id = 'checkout-proto' AND message LIKE 'checkout started for order %'`,
    )) as { message: string; pattern_id: string | null }[];
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((row) => row.pattern_id)).size).toBe(1);
    expect(rows[0].pattern_id).not.toBeNull();

    // Metrics: a counter (sum), a histogram (count, sum, buckets) and an observable gauge.
    const metrics = (await dataSource.query(
      `SELECT name, value, unit, tags FROM debug_metrics WHERE component_type = 'checkout' AND component_id = 'checkout-proto'`,
    )) as {
      name: string;
      value: number;
      unit: string | null;
      tags: Record<string, string> | null;
    }[];
    const value = (name: string) => metrics.filter((row) => row.name === name);
    expect(value('orders.placed')).toEqual([
      { name: 'orders.placed', value: 3, unit: null, tags: { 'payment.method': 'card' } },
    ]);
    expect(value('checkout.duration.count')[0].value).toBe(3);
    expect(value('checkout.duration.sum')[0]).toMatchObject({ unit: 'ms' });
    const buckets = value('checkout.duration.bucket');
    expect(buckets.find((row) => row.tags?.le === '+Inf')?.value).toBe(3);
    expect(value('cart.size')).toEqual([expect.objectContaining({ value: 1, unit: '{items}' })]);
  });

  it('takes the JSON exporters on the OTLP listener', async () => {
    const traces = await runDemo(otlpUrl, 'http/json', 'checkout-json');
    await settled();
    const events = await eventsOf(traces.failed[0]);
    expect(
      events
        .filter((event) => event.event_type === 'trace')
        .map((event) => event.operation)
        .sort(),
    ).toEqual(['POST /checkout', 'charge card', 'order', 'reserve stock']);
    expect(events.every((event) => event.component_id === 'checkout-json')).toBe(true);
    const [{ count }] = (await dataSource.query(
      `SELECT count(*)::int AS count FROM debug_metrics WHERE component_id = 'checkout-json'`,
    )) as { count: number }[];
    expect(count).toBeGreaterThan(5);
  });

  it('turns a failing span chain across two services into an error-propagation insight naming the root cause', async () => {
    const providers = ['gateway', 'payments'].map(
      (service) =>
        new BasicTracerProvider({
          resource: resourceFromAttributes({
            'service.name': service,
            'service.instance.id': `${service}-1`,
          }),
          spanProcessors: [
            new SimpleSpanProcessor(
              service === 'gateway'
                ? new JsonTraceExporter({
                    url: `${running.url}/v1/traces`,
                    headers: { Authorization: `Bearer ${INGEST_KEY}` },
                  })
                : new ProtoTraceExporter({
                    url: `${otlpUrl}/v1/traces`,
                    headers: { 'X-API-Key': INGEST_KEY },
                    compression: 'gzip' as never,
                  }),
            ),
          ],
        }),
    );
    const [gateway, payments] = providers.map((provider, index) =>
      provider.getTracer(index === 0 ? 'gateway' : 'payments'),
    );
    const root = gateway.startSpan('POST /orders', { kind: SpanKind.SERVER });
    const traceId = root.spanContext().traceId;
    const charge = payments.startSpan(
      'charge card',
      { kind: SpanKind.SERVER },
      trace.setSpan(context.active(), root),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    charge.recordException(new Error('connection pool exhausted'));
    charge.setStatus({ code: SpanStatusCode.ERROR, message: 'connection pool exhausted' });
    charge.end();
    await new Promise((resolve) => setTimeout(resolve, 5));
    root.setStatus({ code: SpanStatusCode.ERROR, message: 'payment failed: upstream error' });
    root.end();
    await Promise.all(providers.map((provider) => provider.forceFlush()));
    await Promise.all(providers.map((provider) => provider.shutdown()));
    await settled();

    const events = await eventsOf(traceId);
    expect(
      events.find((event) => event.operation === 'charge card' && event.event_type === 'trace')!
        .parent_event_id,
    ).toBe(spanEventId(traceId, root.spanContext().spanId));
    const insights = await generateInsights();
    const propagation = insights.find(
      (insight) =>
        insight.evidence.kind === 'error_propagation' &&
        (insight.evidence.chain as { correlation_id: string }).correlation_id === traceId,
    );
    expect(propagation).toBeDefined();
    expect(propagation!.evidence.root_cause).toMatchObject({
      component: { component_type: 'payments', component_id: 'payments-1' },
      message: 'Error: connection pool exhausted',
    });
    expect(propagation!.title).toMatch(/payments\/payments-1 → gateway\/gateway-1/);
    // the failed span and the exception recorded in it are one failure: one new error pattern
    const fresh = insights.filter(
      (insight) =>
        insight.evidence.kind === 'new_pattern' &&
        (insight.evidence.per_component as { component_type: string }[]).some(
          (component) => component.component_type === 'payments',
        ),
    );
    expect(fresh).toHaveLength(1);
    const twins = fresh[0].evidence.also_logged_as as { sample_message: string }[];
    expect(
      [fresh[0].evidence.sample_message, ...twins.map((twin) => twin.sample_message)].sort(),
    ).toEqual(['Error: connection pool exhausted', 'charge card: connection pool exhausted']);

    // Explaining the payment exception does not blame the gateway span that called payments:
    // that span started first but failed after it.
    const exception = events.find(
      (event) => event.event_type === 'error' && event.component_type === 'payments',
    )!;
    const explainedException = await read(`/errors/${exception.id}/explain`).expect(200);
    expect(explainedException.body.root_cause).toMatchObject({
      is_the_event_itself: true,
      event: { id: exception.id },
    });
    // Explaining the gateway's failed root span blames the payment exception that came first,
    // not the root span, which started earliest but failed last.
    const rootSpan = events.find((event) => event.operation === 'POST /orders')!;
    const explained = await read(`/errors/${rootSpan.id}/explain`).expect(200);
    expect(explained.body.root_cause).toMatchObject({
      is_the_event_itself: false,
      event: {
        component_type: 'payments',
        event_type: 'error',
        message: 'Error: connection pool exhausted',
      },
    });
  });

  it('reports a trace whose root span never ended as a stuck flow, with no history to learn from, and not the traces that ended', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        'service.name': 'report-builder',
        'service.instance.id': 'report-builder-1',
      }),
      spanProcessors: [
        new SimpleSpanProcessor(
          new ProtoTraceExporter({
            url: `${otlpUrl}/v1/traces`,
            headers: { 'X-API-Key': INGEST_KEY },
          }),
        ),
      ],
    });
    const tracer = provider.getTracer('reports');
    // a report request 10 minutes ago: the database query and the rendering ended, and so did the
    // request, or (open) it never ended: the process hung or died before exporting it
    const report = (open: boolean, offsetMs: number) => {
      const at = Date.now() - 10 * 60_000 + offsetMs;
      const root = tracer.startSpan('GET /reports/:id', { kind: SpanKind.SERVER, startTime: at });
      const parent = trace.setSpan(context.active(), root);
      tracer
        .startSpan('SELECT orders', { kind: SpanKind.CLIENT, startTime: at + 2 }, parent)
        .end(at + 40);
      tracer.startSpan('render pdf', { startTime: at + 41 }, parent).end(at + 900);
      if (!open) root.end(at + 905);
      return root.spanContext().traceId;
    };
    const ended = [0, 1, 2].map((index) => report(false, index * 2_000));
    const open = [report(true, 7_000), report(true, 9_000)];
    await provider.forceFlush();
    await provider.shutdown();
    await settled();

    const insights = await generateInsights();
    const stuck = insights.filter(
      (insight) =>
        insight.evidence.kind === 'stuck_flow' &&
        insight.evidence.flow_kind === 'report-builder (trace)',
    );
    expect(stuck).toHaveLength(1);
    expect(stuck[0].evidence).toMatchObject({
      chains: 2,
      last_step: { operation: 'render pdf' },
    });
    const examples = (stuck[0].evidence.examples as { correlation_id: string }[]).map(
      (example) => example.correlation_id,
    );
    expect(examples.sort()).toEqual([...open].sort());
    expect(examples.some((id) => ended.includes(id))).toBe(false);
    expect(stuck[0].title).toContain('report-builder render pdf');
  });

  it('takes spans from the official gRPC exporter (gzip, key in metadata) on OTLP_GRPC_PORT', async () => {
    const metadata = new Metadata();
    metadata.set('x-api-key', INGEST_KEY);
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        'service.name': 'grpc-checkout',
        'service.instance.id': 'grpc-checkout-1',
      }),
      spanProcessors: [
        new SimpleSpanProcessor(
          new GrpcTraceExporter({
            url: `http://127.0.0.1:${grpcPort}`,
            metadata,
            compression: 'gzip' as never,
          }),
        ),
      ],
    });
    const tracer = provider.getTracer('grpc-test');
    const root = tracer.startSpan('POST /checkout', { kind: SpanKind.SERVER });
    tracer
      .startSpan('reserve stock', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), root))
      .end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();
    await settled();

    const traceId = root.spanContext().traceId;
    const events = await eventsOf(traceId);
    expect(events.map((event) => [event.operation, event.component_type]).sort()).toEqual([
      ['POST /checkout', 'grpc-checkout'],
      ['reserve stock', 'grpc-checkout'],
    ]);
    const reserve = events.find((event) => event.operation === 'reserve stock')!;
    expect(reserve.parent_event_id).toBe(spanEventId(traceId, root.spanContext().spanId));
  });

  it('answers OTLP/gRPC with the statuses the specification asks for, and a partial success naming the refused span', async () => {
    const client = new GrpcClient(`127.0.0.1:${grpcPort}`, credentials.createInsecure());
    const call = (path: string, body: Buffer, key?: string) =>
      new Promise<{ code: number; details: string; response?: Buffer }>((resolve) => {
        const metadata = new Metadata();
        if (key) metadata.set('authorization', `Bearer ${key}`);
        client.makeUnaryRequest(
          path,
          (value: Buffer) => value,
          (bytes: Buffer) => bytes,
          body,
          metadata,
          (error, response) =>
            resolve(
              error
                ? { code: error.code, details: error.details }
                : { code: GrpcStatus.OK, details: '', response },
            ),
        );
      });
    const TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
    const span = (traceId: string, name: string) => ({
      traceId,
      spanId: '00f067aa0ba902b7',
      name,
      startTimeUnixNano: NOW_NS(),
      endTimeUnixNano: NOW_NS(),
    });
    const body = protobufOf('traces', {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw-grpc' } }] },
          scopeSpans: [
            {
              spans: [
                span('4bf92f3577b34da6a3ce929d0e0e4736', 'kept span'),
                span('00000000000000000000000000000000', 'span without a trace'),
              ],
            },
          ],
        },
      ],
    });
    try {
      expect(await call(TRACES, body)).toMatchObject({
        code: GrpcStatus.UNAUTHENTICATED,
        details: expect.stringContaining('an API key is required'),
      });
      expect(await call(TRACES, body, 'otlp-reader-1')).toMatchObject({
        code: GrpcStatus.PERMISSION_DENIED,
        details: expect.stringContaining('"ingest" scope'),
      });
      expect(await call(TRACES, Buffer.from('not protobuf'), INGEST_KEY)).toMatchObject({
        code: GrpcStatus.INVALID_ARGUMENT,
        details: expect.stringContaining('ExportTraceServiceRequest'),
      });
      expect(
        await call(
          '/opentelemetry.proto.collector.profiles.v1.ProfilesService/Export',
          body,
          INGEST_KEY,
        ),
      ).toMatchObject({ code: GrpcStatus.UNIMPLEMENTED });
      // over DEBUG_BODY_LIMIT (256 kB) once decoded
      expect(await call(TRACES, Buffer.alloc(300 * 1024, 0x0a), INGEST_KEY)).toMatchObject({
        code: GrpcStatus.RESOURCE_EXHAUSTED,
      });

      const answered = await call(TRACES, body, INGEST_KEY);
      expect(answered.code).toBe(GrpcStatus.OK);
      expect(decodeResponse('traces', answered.response!)).toEqual({
        partialSuccess: {
          rejectedSpans: '1',
          errorMessage: expect.stringMatching(
            /^1 span rejected; the first, resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[1\]: traceId is required/,
          ),
        },
      });
      // the same export again stores nothing twice
      expect((await call(TRACES, body, INGEST_KEY)).code).toBe(GrpcStatus.OK);
      await settled();
      const kept = await eventsOf('4bf92f3577b34da6a3ce929d0e0e4736');
      expect(kept.map((event) => event.operation)).toEqual(['kept span']);
    } finally {
      client.close();
    }
  });

  it('stores a retried export once (same bytes, gzip, both listeners)', async () => {
    const time = NOW_NS();
    const body = protobufOf(
      'logs',
      logsRequest(
        [1, 2, 3].map((n) => ({
          timeUnixNano: time,
          severityNumber: 9,
          body: { stringValue: `retried record ${n}` },
        })),
        'retry-client',
      ),
    );
    for (const [url, encoding] of [
      [running.url, undefined],
      [otlpUrl, 'gzip'],
      [running.url, 'gzip'],
    ] as const) {
      const post = request(url)
        .post('/v1/logs')
        .set('Content-Type', 'application/x-protobuf')
        .set('X-API-Key', INGEST_KEY)
        .buffer(true)
        .parse(binary);
      const response = await (
        encoding ? post.set('Content-Encoding', 'gzip').send(gzipSync(body)) : post.send(body)
      ).expect(200);
      expect(response.headers['content-type']).toMatch(/application\/x-protobuf/);
      expect(decodeResponse('logs', response.body as Buffer)).toEqual({});
    }
    await settled();
    const rows = (await dataSource.query(
      `SELECT message FROM debug_events WHERE component_type = 'retry-client' ORDER BY message`,
    )) as { message: string }[];
    expect(rows.map((row) => row.message)).toEqual([
      'retried record 1',
      'retried record 2',
      'retried record 3',
    ]);
  });

  it('answers a partial success naming the refused record, keeping the others (JSON and protobuf)', async () => {
    const time = NOW_NS();
    const json = logsRequest(
      [
        { timeUnixNano: time, body: { stringValue: 'partial good one' } },
        { timeUnixNano: time, body: { stringValue: 'partial bad' }, traceId: 'xyz' },
        {
          timeUnixNano: time,
          body: { stringValue: 'partial good two' },
          unknownField: { ignored: true },
        },
      ],
      'partial-client',
    );
    const answer = await request(running.url)
      .post('/v1/logs')
      .set('X-API-Key', INGEST_KEY)
      .send(json)
      .expect(200);
    expect(answer.body).toEqual({
      partialSuccess: {
        rejectedLogRecords: '1',
        errorMessage: expect.stringMatching(/logRecords\[1\]: traceId must be 32 hex digits/),
      },
    });

    const spans = {
      resourceSpans: [
        {
          resource: {
            attributes: [{ key: 'service.name', value: { stringValue: 'partial-client' } }],
          },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  spanId: 'b7ad6b7169203331',
                  name: 'kept span',
                  startTimeUnixNano: time,
                  endTimeUnixNano: time,
                },
                {
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  name: 'span without id',
                  startTimeUnixNano: time,
                },
              ],
            },
          ],
        },
      ],
    };
    const binaryAnswer = await request(otlpUrl)
      .post('/v1/traces')
      .set('Content-Type', 'application/x-protobuf')
      .set('X-API-Key', INGEST_KEY)
      .buffer(true)
      .parse(binary)
      .send(protobufOf('traces', spans))
      .expect(200);
    expect(decodeResponse('traces', binaryAnswer.body as Buffer)).toEqual({
      partialSuccess: {
        rejectedSpans: '1',
        errorMessage: expect.stringMatching(/spans\[1\]: spanId is required/),
      },
    });

    const metrics = {
      resourceMetrics: [
        {
          resource: {
            attributes: [{ key: 'service.name', value: { stringValue: 'partial-client' } }],
          },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'jobs.waiting',
                  gauge: { dataPoints: [{ timeUnixNano: time, asDouble: 4.5 }] },
                },
                {
                  name: 'latency',
                  exponentialHistogram: { dataPoints: [{ timeUnixNano: time, count: '2' }] },
                },
              ],
            },
          ],
        },
      ],
    };
    const metricAnswer = await request(running.url)
      .post('/v1/metrics')
      .set('X-API-Key', INGEST_KEY)
      .send(metrics)
      .expect(200);
    expect(metricAnswer.body.partialSuccess).toEqual({
      rejectedDataPoints: '1',
      errorMessage: expect.stringMatching(/"latency" is an exponential histogram/),
    });

    await settled();
    const rows = (await dataSource.query(
      `SELECT message FROM debug_events WHERE component_type = 'partial-client' ORDER BY message`,
    )) as { message: string }[];
    expect(rows.map((row) => row.message)).toEqual([
      'kept span',
      'partial good one',
      'partial good two',
    ]);
    const points = (await dataSource.query(
      `SELECT name, value FROM debug_metrics WHERE component_type = 'partial-client'`,
    )) as { name: string; value: number }[];
    expect(points).toEqual([{ name: 'jobs.waiting', value: 4.5 }]);
  });

  it('answers 413 for a body over the limit once decompressed, in the request encoding', async () => {
    const huge = protobufOf(
      'logs',
      logsRequest(
        [{ timeUnixNano: NOW_NS(), body: { stringValue: 'x'.repeat(300_000) } }],
        'huge-client',
      ),
    );
    const compressed = gzipSync(huge);
    expect(compressed.length).toBeLessThan(10_000);
    const response = await request(otlpUrl)
      .post('/v1/logs')
      .set('Content-Type', 'application/x-protobuf')
      .set('Content-Encoding', 'gzip')
      .set('X-API-Key', INGEST_KEY)
      .buffer(true)
      .parse(binary)
      .send(compressed)
      .expect(413);
    expect(decodeStatus(response.body as Buffer)).toEqual({
      code: 8,
      message: expect.stringMatching(/once decompressed is over the limit of 262144 bytes/),
    });
    const asSent = await request(running.url)
      .post('/v1/logs')
      .set('Content-Type', 'application/json')
      .set('X-API-Key', INGEST_KEY)
      .send(JSON.stringify(logsRequest([{ body: { stringValue: 'y'.repeat(300_000) } }])))
      .expect(413);
    expect(asSent.body).toMatchObject({
      code: 8,
      message: expect.stringMatching(/as sent is over the limit/),
    });
  });

  it('refuses missing, wrong and read-only keys with google.rpc.Status, on both listeners', async () => {
    for (const url of [running.url, otlpUrl]) {
      const missing = await request(url).post('/v1/traces').send({ resourceSpans: [] }).expect(401);
      expect(missing.body).toEqual({
        code: 16,
        message: expect.stringMatching(/API key is required/),
        details: [],
      });
      const wrong = await request(url)
        .post('/v1/logs')
        .set('Authorization', 'Bearer not-a-key-at-all')
        .send({})
        .expect(401);
      expect(wrong.body.message).toBe('the API key is not valid');
      const reader = await request(url)
        .post('/v1/metrics')
        .set('X-API-Key', 'otlp-reader-1')
        .set('Content-Type', 'application/x-protobuf')
        .buffer(true)
        .parse(binary)
        .send(Buffer.alloc(0))
        .expect(403);
      expect(decodeStatus(reader.body as Buffer)).toEqual({
        code: 7,
        message: expect.stringMatching(/lacks the "ingest" scope/),
      });
    }
  });

  it('answers 400 for undecodable bodies, 415 for other media types, 200 for an empty export', async () => {
    const garbage = await request(running.url)
      .post('/v1/logs')
      .set('Content-Type', 'application/x-protobuf')
      .set('X-API-Key', INGEST_KEY)
      .buffer(true)
      .parse(binary)
      .send(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]))
      .expect(400);
    expect(decodeStatus(garbage.body as Buffer)).toEqual({
      code: 3,
      message: expect.stringMatching(/is not a valid protobuf ExportLogsServiceRequest/),
    });
    const badJson = await request(otlpUrl)
      .post('/v1/traces')
      .set('Content-Type', 'application/json')
      .set('X-API-Key', INGEST_KEY)
      .send('{"resourceSpans": [')
      .expect(400);
    expect(badJson.body).toMatchObject({
      code: 3,
      message: expect.stringMatching(/not valid JSON/),
    });
    const notGzip = await request(otlpUrl)
      .post('/v1/logs')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .set('X-API-Key', INGEST_KEY)
      .send('{}')
      .expect(400);
    expect(notGzip.body.message).toMatch(/not valid gzip/);
    await request(otlpUrl)
      .post('/v1/logs')
      .set('Content-Type', 'text/plain')
      .set('X-API-Key', INGEST_KEY)
      .send('hello')
      .expect(415);
    const empty = await request(running.url)
      .post('/v1/logs')
      .set('Content-Type', 'application/json')
      .set('X-API-Key', INGEST_KEY)
      .send('')
      .expect(200);
    expect(empty.body).toEqual({});
    const emptyObject = await request(running.url)
      .post('/v1/metrics')
      .set('X-API-Key', INGEST_KEY)
      .send({})
      .expect(200);
    expect(emptyObject.body).toEqual({});
    const elsewhere = await request(otlpUrl)
      .post('/v1/profiles')
      .set('X-API-Key', INGEST_KEY)
      .send({})
      .expect(404);
    expect(elsewhere.body.code).toBe(5);
  });

  it('counts requests, kept and rejected items and decoding time in the Prometheus metrics', async () => {
    const { text } = await request(running.url).get('/api/debug/metrics').expect(200);
    const value = (series: string) =>
      Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    expect(
      value('ads_otlp_requests_total{signal="logs",encoding="protobuf",status="200"}'),
    ).toBeGreaterThanOrEqual(4);
    expect(value('ads_otlp_requests_total{signal="logs",encoding="protobuf",status="413"}')).toBe(
      1,
    );
    expect(value('ads_otlp_items_total{signal="logs",outcome="rejected"}')).toBe(1);
    expect(value('ads_otlp_items_total{signal="traces",outcome="kept"}')).toBeGreaterThanOrEqual(
      10,
    );
    expect(
      value('ads_otlp_decode_seconds_count{signal="traces",encoding="protobuf"}'),
    ).toBeGreaterThanOrEqual(2);
  });
});

describe('OTLP/HTTP ingest (embedded mode)', () => {
  let running: RunningApp;
  let blocker: Server;
  let grpcBlocker: Server;
  const blockedGrpcPort = async () => {
    grpcBlocker = createServer();
    await new Promise<void>((resolve) => grpcBlocker.listen(0, '127.0.0.1', resolve));
    return (grpcBlocker.address() as { port: number }).port;
  };

  beforeAll(async () => {
    // Another process holds the OTLP port: the service logs it and runs on, OTLP on the main port.
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    running = await startApp(
      embeddedEnv({
        DEBUG_API_KEYS: KEYS,
        OTLP_HTTP_PORT: String((blocker.address() as { port: number }).port),
        OTLP_GRPC_PORT: String(await blockedGrpcPort()),
        DEBUG_MAX_BATCH_EVENTS: '2',
        DEBUG_INGEST_BACKLOG_LIMIT: '1',
      }),
    );
  });
  afterAll(async () => {
    await running?.close();
    await new Promise((resolve) => blocker.close(resolve));
    await new Promise((resolve) => grpcBlocker.close(resolve));
  });

  it('runs on without its own OTLP listeners when their ports are taken, and takes OTLP on the main port', async () => {
    expect(running.app.get(OtlpModule).otlpPort).toBeNull();
    expect(running.app.get(OtlpModule).otlpGrpcPort).toBeNull();
    const time = NOW_NS();
    const answer = await request(running.url)
      .post('/v1/logs')
      .set('X-API-Key', INGEST_KEY)
      .send(
        logsRequest(
          [
            {
              timeUnixNano: time,
              severityText: 'warn',
              body: { stringValue: 'embedded otlp record' },
            },
          ],
          'embedded-client',
        ),
      )
      .expect(200);
    expect(answer.body).toEqual({});
    const events = await request(running.url)
      .get('/api/debug/events?component_type=embedded-client')
      .set('X-API-Key', 'otlp-reader-1')
      .expect(200);
    expect(events.body.items).toEqual([
      expect.objectContaining({
        message: 'embedded otlp record',
        level: 'warning',
        event_type: 'log',
      }),
    ]);
  });

  it('answers 429 with Retry-After and a google.rpc.Status when the REST path would push back', async () => {
    const records = [1, 2, 3].map((n) => ({
      timeUnixNano: NOW_NS(),
      body: { stringValue: `pushed back ${n}` },
    }));
    const response = await request(running.url)
      .post('/v1/logs')
      .set('Content-Type', 'application/x-protobuf')
      .set('X-API-Key', INGEST_KEY)
      .buffer(true)
      .parse(binary)
      .send(protobufOf('logs', logsRequest(records, 'pushed-client')))
      .expect(429);
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(decodeStatus(response.body as Buffer)).toEqual({
      code: 8,
      message: expect.stringMatching(/DEBUG_INGEST_BACKLOG_LIMIT=1/),
    });
  });
});
