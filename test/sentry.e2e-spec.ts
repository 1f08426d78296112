import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ingestSettled, startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

const run = promisify(execFile);

/** DSN keys are API keys; Sentry's SDKs take a DSN key of letters, digits and `_` only. */
const KEYS = 'sentry_ingest_key_1:ingest,sentry_reader_key_1:read,reader-key-01:read';
const READ = { 'X-API-Key': 'reader-key-01' };
const PROJECT = '42';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/** A Sentry event_id: a UUIDv4 in 32 hex digits. */
const eventIdHex = () => randomUUID().replace(/-/g, '');
const uuidOf = (id: string) => `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
const seconds = (date: Date) => date.getTime() / 1000;

/** An envelope as the SDKs write it: header line, then per item a header line and its payload. */
function envelope(header: object, items: [object, object | string | Buffer][]): Buffer {
  const parts: Buffer[] = [Buffer.from(JSON.stringify(header))];
  for (const [itemHeader, payload] of items) {
    const body = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
    parts.push(Buffer.from('\n' + JSON.stringify(itemHeader) + '\n'), body);
  }
  return Buffer.concat(parts);
}

function errorEvent(eventId: string, message: string) {
  return {
    event_id: eventId,
    timestamp: seconds(new Date()),
    platform: 'node',
    level: 'error',
    server_name: 'raw-host-1',
    exception: { values: [{ type: 'RangeError', value: message, stacktrace: { frames: [{ function: 'main', filename: 'app.js', lineno: 3, in_app: true }] } }] },
  };
}

interface Sent {
  traceId: string;
  exceptionId: string;
  messageId: string;
  largeId: string;
  checkInId: string;
  flushed: boolean;
}

describeWithPostgresAndRedis('Sentry SDK compatibility (full mode: PostgreSQL + Redis)', () => {
  let running: RunningApp;
  let dataSource: DataSource;
  let dsn: string;
  const sent: Sent[] = [];

  const post = (path: string) => request(running.url).post(path).set('X-Sentry-Auth', 'Sentry sentry_version=7, sentry_key=sentry_ingest_key_1');
  const get = (path: string) => request(running.url).get(`/api/debug${path}`).set(READ);
  const warmCount = async (id: string) => Number((await dataSource.query('SELECT count(*) AS n FROM debug_events WHERE id = $1', [id]))[0].n);

  beforeAll(async () => {
    running = await startApp(await fullModeEnv({ DEBUG_API_KEYS: KEYS, DEBUG_SENTRY_PROJECTS: `${PROJECT}=checkout` }));
    dataSource = running.app.get(DataSource);
    dsn = `${running.url.replace('http://', 'http://sentry_ingest_key_1@')}/${PROJECT}`;
    // Two hosts of the same service, each a process with the real SDK, only its DSN pointing here.
    for (const [host, order] of [
      ['checkout-a', '1001'],
      ['checkout-b', '2002'],
    ]) {
      const { stdout } = await run(process.execPath, ['test/fixtures/sentry-node-app.mjs', dsn, host, order], { timeout: 60_000 });
      sent.push(JSON.parse(stdout.trim().split('\n').pop()!) as Sent);
    }
    expect(await ingestSettled(running.app)).toBe(true);
  }, 180_000);
  afterAll(async () => running?.close());

  it('the SDK flushed everything it captured (every envelope answered 2xx)', () => {
    expect(sent.map((run) => run.flushed)).toEqual([true, true]);
    for (const run of sent) expect(run.exceptionId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('captureException: an error event under the Sentry event_id, "Type: value" as its message, frames in data', async () => {
    const [first] = sent;
    const { body } = await get(`/events/${uuidOf(first.exceptionId)}`).expect(200);
    expect(body).toMatchObject({
      event_type: 'error',
      level: 'error',
      component_type: 'checkout',
      component_id: 'checkout-a',
      correlation_id: first.traceId,
      message: expect.stringMatching(/^TypeError: Cannot read properties of undefined \(reading 'items'\)/),
      metadata: { source: 'sentry', sentry_project: PROJECT, release: 'shop@1.4.2', environment: 'e2e', exception_type: 'TypeError' },
    });
    expect(body.metadata.sdk).toMatch(/^sentry\.javascript\.node\/11\./);
    const frames = body.data.exception[0].frames as { function?: string; in_app?: boolean; lineno?: number }[];
    const loadCart = frames.find((frame) => frame.function === 'loadCart');
    expect(loadCart).toMatchObject({ in_app: true, lineno: expect.any(Number) });
    expect(body.metadata.in_app_frames.length).toBeGreaterThan(0);
  });

  it('breadcrumbs: the events that preceded the error, on its chain, before it', async () => {
    const [first] = sent;
    const { body } = await get(`/events?correlation_id=${first.traceId}&event_type=log&order=asc&limit=100`).expect(200);
    const messages = body.items.map((event: { message: string }) => event.message);
    expect(messages).toEqual(expect.arrayContaining(['added item 1001 to the cart', 'card authorised']));
    const explained = await get(`/errors/${uuidOf(first.exceptionId)}/explain`).expect(200);
    const preceding = explained.body.preceding_events.map((event: { message: string }) => event.message);
    expect(preceding).toEqual(expect.arrayContaining(['added item 1001 to the cart', 'card authorised']));
  });

  it('captureMessage: a log event at its level', async () => {
    const { body } = await get(`/events/${uuidOf(sent[1].messageId)}`).expect(200);
    expect(body).toMatchObject({ event_type: 'log', level: 'warning', component_id: 'checkout-b', message: 'payment provider slow for order 2002' });
  });

  it("an event over 32 KB, which the SDK's transport sends gzip-compressed", async () => {
    const { body } = await get(`/events/${uuidOf(sent[0].largeId)}`).expect(200);
    expect(body.message).toBe('nightly report for order 1001');
    expect(body.data.extra.report).toHaveLength(40_000);
  });

  it('a transaction with nested spans: trace events linked parent to child, one operation by trace id', async () => {
    const [first] = sent;
    const { body } = await get(`/events?correlation_id=${first.traceId}&event_type=trace&order=asc&limit=100`).expect(200);
    const spans = body.items as { id: string; operation: string; parent_event_id: string | null; duration_ms: number }[];
    const byName = new Map(spans.map((span) => [span.operation, span]));
    expect([...byName.keys()].sort()).toEqual(['charge card', 'checkout order', 'fraud check', 'load cart']);
    expect(byName.get('checkout order')!.parent_event_id).toBeNull();
    expect(byName.get('load cart')!.parent_event_id).toBe(byName.get('checkout order')!.id);
    expect(byName.get('fraud check')!.parent_event_id).toBe(byName.get('charge card')!.id);
    expect(byName.get('load cart')!.duration_ms).toBeGreaterThanOrEqual(10);

    const operation = await get(`/operations/${first.traceId}`).expect(200);
    const steps = operation.body.steps.map((step: { operation?: string; name?: string }) => step.operation ?? step.name);
    expect(steps).toEqual(expect.arrayContaining(['checkout order', 'load cart', 'charge card', 'fraud check']));
    expect(JSON.stringify(operation.body)).toContain('TypeError');
  });

  it('a structured log: a log event with its attributes and template, on the trace', async () => {
    const [first] = sent;
    const { body } = await get(`/events?correlation_id=${first.traceId}&event_type=log&limit=100`).expect(200);
    const log = body.items.find((event: { message: string }) => event.message === 'order 1001 shipped');
    expect(log).toMatchObject({ level: 'info', data: { carrier: 'dhl', message_template: 'order %s shipped' } });
  });

  it('a cron check-in: lifecycle events start → completed on the chain of the check-in', async () => {
    const [first] = sent;
    const { body } = await get(`/events?correlation_id=cron:nightly-report:${first.checkInId}&order=asc&limit=10`).expect(200);
    const events = body.items as { event_type: string; data: { phase: string }; operation: string; duration_ms: number | null }[];
    expect(events.map((event) => event.data.phase).sort()).toEqual(['completed', 'start']);
    expect(events.every((event) => event.event_type === 'lifecycle' && event.operation === 'cron nightly-report')).toBe(true);
    expect(events.find((event) => event.data.phase === 'completed')!.duration_ms).toBe(1500);
  });

  it('the same error from two hosts is one pattern, named by its type and value, and an error insight', async () => {
    const rows: { id: string; pattern_id: string | null; component_id: string }[] = await dataSource.query(
      'SELECT id, pattern_id, component_id FROM debug_events WHERE id = ANY($1)',
      [sent.map((run) => uuidOf(run.exceptionId))],
    );
    expect(rows.map((row) => row.component_id).sort()).toEqual(['checkout-a', 'checkout-b']);
    expect(rows[0].pattern_id).toEqual(expect.any(String));
    expect(rows[1].pattern_id).toBe(rows[0].pattern_id);
    const patterns = await get('/analytics/error-patterns').expect(200);
    expect(JSON.stringify(patterns.body)).toContain(rows[0].pattern_id);
    expect(JSON.stringify(patterns.body)).toContain('TypeError');

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const generated = await request(running.url)
      .post('/api/debug/insights/generate')
      .set('X-API-Key', 'sentry_ingest_key_1')
      .send({ from, to: new Date(Date.now() + 1000).toISOString() })
      .expect(200);
    const insights = [...generated.body.created, ...generated.body.updated] as { insight_type: string; evidence: unknown; title: string }[];
    const about = insights.filter((insight) => JSON.stringify(insight.evidence).includes(rows[0].pattern_id!));
    expect(about.map((insight) => insight.insight_type)).toContain('error');
  });

  it('answers agents over MCP: explain_error and operation_progress on what the SDK sent', async () => {
    const [first] = sent;
    const client = new Client({ name: 'sentry-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', running.url), { requestInit: { headers: READ } }));
    try {
      const textOf = (result: CallToolResult) => (result.content as { type: 'text'; text: string }[]).map((part) => part.text).join('\n');
      const explained = (await client.callTool({ name: 'explain_error', arguments: { event_id: uuidOf(first.exceptionId) } })) as CallToolResult;
      expect(explained.isError).toBeFalsy();
      expect(textOf(explained)).toContain("TypeError: Cannot read properties of undefined (reading 'items')");
      expect(textOf(explained)).toContain('added item 1001 to the cart');
      const progress = (await client.callTool({ name: 'operation_progress', arguments: { correlation_id: first.traceId } })) as CallToolResult;
      expect(progress.isError).toBeFalsy();
      expect(textOf(progress)).toContain('fraud check');
    } finally {
      await client.close();
    }
  });

  describe('the protocol', () => {
    it('takes a gzip envelope authenticated by ?sentry_key, answering { id } as Sentry does', async () => {
      const eventId = eventIdHex();
      const body = gzipSync(envelope({ event_id: eventId }, [[{ type: 'event' }, errorEvent(eventId, 'gzip works 1')]]));
      const response = await request(running.url)
        .post(`/api/${PROJECT}/envelope/?sentry_version=7&sentry_key=sentry_ingest_key_1`)
        .set('Content-Encoding', 'gzip')
        .send(body)
        .expect(200);
      expect(response.body).toEqual({ id: eventId });
      const stored = await get(`/events/${uuidOf(eventId)}`).expect(200);
      expect(stored.body.message).toBe('RangeError: gzip works 1');
    });

    it('takes br, and the DSN in the envelope header as the only credential', async () => {
      const { brotliCompressSync } = await import('node:zlib');
      const eventId = eventIdHex();
      const body = envelope({ event_id: eventId, dsn: dsn }, [[{ type: 'event' }, errorEvent(eventId, 'brotli works')]]);
      await request(running.url).post(`/api/${PROJECT}/envelope/`).set('Content-Encoding', 'br').send(brotliCompressSync(body)).expect(200);
      await get(`/events/${uuidOf(eventId)}`).expect(200);
    });

    it('stores a retried envelope once', async () => {
      const eventId = eventIdHex();
      const body = envelope({ event_id: eventId }, [[{ type: 'event' }, { ...errorEvent(eventId, 'retried'), breadcrumbs: { values: [{ timestamp: seconds(new Date(Date.now() - 1000)), message: 'before the retry' }] } }]]);
      for (let attempt = 0; attempt < 3; attempt++) await post(`/api/${PROJECT}/envelope/`).send(body).expect(200);
      expect(await ingestSettled(running.app)).toBe(true);
      expect(await warmCount(uuidOf(eventId))).toBe(1);
      const crumbs = await dataSource.query(`SELECT count(*) AS n FROM debug_events WHERE message = 'before the retry'`);
      expect(Number(crumbs[0].n)).toBe(1);
    });

    it('refuses a DSN key that is not ours (401), one without the ingest scope (403), and none at all (401)', async () => {
      const eventId = eventIdHex();
      const body = envelope({ event_id: eventId }, [[{ type: 'event' }, errorEvent(eventId, 'never stored')]]);
      const bad = await request(running.url).post(`/api/${PROJECT}/envelope/?sentry_key=not_a_key_of_ours`).send(body).expect(401);
      expect(bad.body.message).toMatch(/DSN key/);
      await request(running.url).post(`/api/${PROJECT}/envelope/`).set('X-Sentry-Auth', 'Sentry sentry_key=sentry_reader_key_1').send(body).expect(403);
      await request(running.url).post(`/api/${PROJECT}/envelope/`).send(body).expect(401);
      await get(`/events/${uuidOf(eventId)}`).expect(404);
    });

    it('refuses a project that is not configured (404 naming it)', async () => {
      const eventId = eventIdHex();
      const response = await post('/api/7/envelope/').send(envelope({ event_id: eventId }, [[{ type: 'event' }, errorEvent(eventId, 'wrong project')]])).expect(404);
      expect(response.body.message).toMatch(/project 7 is not one of DEBUG_SENTRY_PROJECTS/);
    });

    it('accepts an unknown item type, ignores it and counts it; attachments are counted, not stored', async () => {
      const eventId = eventIdHex();
      const attachment = Buffer.from('binary\nwith newlines\n');
      const body = envelope({ event_id: eventId }, [
        [{ type: 'event' }, errorEvent(eventId, 'with friends')],
        [{ type: 'some_future_type' }, { whatever: true }],
        [{ type: 'attachment', length: attachment.length, filename: 'a.txt' }, attachment],
      ]);
      await post(`/api/${PROJECT}/envelope/`).send(body).expect(200);
      await get(`/events/${uuidOf(eventId)}`).expect(200);
      const metrics = await request(running.url).get('/api/debug/metrics').expect(200);
      expect(metrics.text).toMatch(/ads_sentry_items_total\{type="unknown",outcome="ignored"\} [1-9]/);
      expect(metrics.text).toMatch(/ads_sentry_items_total\{type="attachment",outcome="counted"\} [1-9]/);
    });

    it('answers 400 naming the bad item, and keeps nothing of that envelope', async () => {
      const eventId = eventIdHex();
      const body = envelope({ event_id: eventId }, [
        [{ type: 'event' }, errorEvent(eventId, 'not kept')],
        [{ type: 'transaction' }, '{ not json'],
      ]);
      const response = await post(`/api/${PROJECT}/envelope/`).send(body).expect(400);
      expect(response.body.message).toBe('item 1 (transaction): the payload is not valid JSON');
      const badSpan = envelope({}, [[{ type: 'transaction' }, { contexts: { trace: { trace_id: hex(16), span_id: hex(8) } }, timestamp: seconds(new Date()) }]]);
      expect((await post(`/api/${PROJECT}/envelope/`).send(badSpan).expect(400)).body.message).toMatch(/^item 0 \(transaction\): span [0-9a-f]{16} has no valid start_timestamp/);
      await get(`/events/${uuidOf(eventId)}`).expect(404);
    });

    it('refuses a 50 MB envelope with 413, as the REST path does past DEBUG_BODY_LIMIT', async () => {
      const eventId = eventIdHex();
      const padding = { type: 'attachment', length: 50 * 1024 * 1024 };
      const body = envelope({ event_id: eventId }, [
        [{ type: 'event' }, errorEvent(eventId, 'too big')],
        [padding, Buffer.alloc(padding.length, 97)],
      ]);
      const response = await post(`/api/${PROJECT}/envelope/`).send(body).expect(413);
      expect(response.body.message).toMatch(/over the limit of DEBUG_BODY_LIMIT=10mb/);
      await get(`/events/${uuidOf(eventId)}`).expect(404);
    });

    it('holds the decompressed size to the limit too (a gzip bomb is a 413), and names an unknown encoding (400)', async () => {
      const bomb = gzipSync(Buffer.alloc(30 * 1024 * 1024, 32));
      expect(bomb.length).toBeLessThan(1024 * 1024);
      const refused = await post(`/api/${PROJECT}/envelope/`).set('Content-Encoding', 'gzip').send(bomb).expect(413);
      expect(refused.body.message).toMatch(/decompressed body is over the limit/);
      const unknown = await post(`/api/${PROJECT}/envelope/`).set('Content-Encoding', 'zstd').send(Buffer.from('{}')).expect(400);
      expect(unknown.body.message).toMatch(/Content-Encoding "zstd" is not supported/);
    });

    it('takes the older /store/ endpoint', async () => {
      const eventId = eventIdHex();
      const response = await post(`/api/${PROJECT}/store/`).set('Content-Type', 'application/json').send(errorEvent(eventId, 'stored via store')).expect(200);
      expect(response.body).toEqual({ id: eventId });
      expect((await get(`/events/${uuidOf(eventId)}`).expect(200)).body.message).toBe('RangeError: stored via store');
    });

    it('maps a transaction item (older SDKs, other languages) and its spans onto trace events: a failed operation', async () => {
      const traceId = hex(16);
      const [root, query] = [hex(8), hex(8)];
      const start = new Date(Date.now() - 2000);
      const at = (ms: number) => seconds(new Date(start.getTime() + ms));
      const transaction = {
        event_id: eventIdHex(),
        type: 'transaction',
        transaction: 'GET /orders/{id}',
        start_timestamp: at(0),
        timestamp: at(480),
        server_name: 'orders-1',
        contexts: { trace: { trace_id: traceId, span_id: root, op: 'http.server', status: 'internal_error' } },
        spans: [{ span_id: query, parent_span_id: root, trace_id: traceId, op: 'db', description: 'SELECT orders', start_timestamp: at(10), timestamp: at(460), status: 'deadline_exceeded' }],
      };
      await post(`/api/${PROJECT}/envelope/`).send(envelope({ event_id: transaction.event_id }, [[{ type: 'transaction' }, transaction]])).expect(200);
      expect(await ingestSettled(running.app)).toBe(true);
      const { body } = await get(`/events?correlation_id=${traceId}&order=asc`).expect(200);
      const events = body.items as { operation: string; level: string; duration_ms: number; message: string; parent_event_id: string | null; id: string }[];
      expect(events.map((event) => [event.operation, event.level, event.duration_ms])).toEqual([
        ['GET /orders/{id}', 'error', 480],
        ['SELECT orders', 'error', 450],
      ]);
      expect(events[1].parent_event_id).toBe(events[0].id);
      expect(events[1].message).toBe('db SELECT orders failed: deadline_exceeded');
      const operation = await get(`/operations/${traceId}`).expect(200);
      expect(operation.body.status).toBe('failed');
    });

    it('a check-in that started and never finished becomes a stuck flow insight', async () => {
      const checkInId = eventIdHex();
      const sentAt = new Date(Date.now() - 10 * 60_000).toISOString();
      const body = envelope({ sent_at: sentAt }, [[{ type: 'check_in' }, { check_in_id: checkInId, monitor_slug: 'hourly-export', status: 'in_progress' }]]);
      await post(`/api/${PROJECT}/envelope/`).send(body).expect(200);
      expect(await ingestSettled(running.app)).toBe(true);
      const generated = await request(running.url)
        .post('/api/debug/insights/generate')
        .set('X-API-Key', 'sentry_ingest_key_1')
        .send({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date().toISOString() })
        .expect(200);
      const insights = [...generated.body.created, ...generated.body.updated] as { insight_type: string; evidence: { kind: string } }[];
      const stuck = insights.find((insight) => insight.evidence.kind === 'stuck_flow' && JSON.stringify(insight.evidence).includes(`cron:hourly-export:${checkInId}`));
      expect(stuck).toMatchObject({ insight_type: 'flow' });
    });

    it('turns release-health sessions into metric points', async () => {
      const sid = hex(16);
      const started = new Date(Date.now() - 5000).toISOString();
      const body = envelope({}, [
        [{ type: 'session' }, { sid, did: 'user-9', status: 'exited', errors: 2, started, timestamp: new Date().toISOString(), duration: 4.5, attrs: { release: 'shop@9.9.9', environment: 'e2e' } }],
      ]);
      await post(`/api/${PROJECT}/envelope/`).send(body).expect(200);
      const rows: { name: string; value: number }[] = await dataSource.query(
        `SELECT name, value FROM debug_metrics WHERE component_type = 'checkout' AND component_id = 'shop@9.9.9' ORDER BY name`,
      );
      expect(rows.map((row) => [row.name, Number(row.value)])).toEqual([
        ['sentry.session.duration', 4.5],
        ['sentry.session.errors', 2],
        ['sentry.session.exited', 1],
      ]);
    });
  });
});

describeWithPostgresAndRedis('Sentry intake under backpressure', () => {
  let running: RunningApp;
  beforeAll(async () => {
    // An API process with no writer: what it accepts stays in the ingest journal, the backlog the limit counts.
    running = await startApp(await fullModeEnv({ DEBUG_ROLE: 'api', DEBUG_INGEST_BACKLOG_LIMIT: '1' }));
  }, 60_000);
  afterAll(async () => running?.close());

  it('answers 429 with Retry-After and X-Sentry-Rate-Limits, so the SDK backs off', async () => {
    const send = () => {
      const eventId = eventIdHex();
      return request(running.url).post('/api/1/envelope/').send(envelope({ event_id: eventId }, [[{ type: 'event' }, errorEvent(eventId, 'pressure')]]));
    };
    await send().expect(200);
    const refused = await send().expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['x-sentry-rate-limits']).toMatch(/^\d+::organization$/);
  });
});

describe('Sentry SDK in embedded mode (SQLite, in-process queue, no keys)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(embeddedEnv());
  }, 60_000);
  afterAll(async () => running?.close());

  it('without DEBUG_API_KEYS takes any DSN key, like the REST path takes any request; the SDK\'s error and spans are stored', async () => {
    const dsn = `${running.url.replace('http://', 'http://anykey@')}/3`;
    const { stdout } = await run(process.execPath, ['test/fixtures/sentry-node-app.mjs', dsn, 'solo-1', '77'], { timeout: 60_000 });
    const sent = JSON.parse(stdout.trim().split('\n').pop()!) as Sent;
    expect(sent.flushed).toBe(true);
    expect(await ingestSettled(running.app)).toBe(true);
    const error = await request(running.url).get(`/api/debug/events/${uuidOf(sent.exceptionId)}`).expect(200);
    expect(error.body).toMatchObject({ event_type: 'error', component_type: 'sentry-3', component_id: 'solo-1', tier: expect.any(String) });
    const operation = await request(running.url).get(`/api/debug/operations/${sent.traceId}`).expect(200);
    const steps = operation.body.steps.map((step: { operation?: string; name?: string }) => step.operation ?? step.name);
    expect(steps).toEqual(expect.arrayContaining(['checkout order', 'load cart', 'charge card', 'fraud check']));
  });
});
