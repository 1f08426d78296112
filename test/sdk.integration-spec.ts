import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import ts from 'typescript';
import {
  correlationMiddleware,
  DebugClient,
  type DebugClientFailure,
  type DebugClientOptions,
  type DebugEventPayload,
} from '../packages/sdk/src/index.js';
import { DebugLoggerService } from '../packages/sdk/src/nest.js';

/** What the scripted server saw. */
interface ReceivedRequest {
  method: string;
  path: string;
  apiKey: string | undefined;
  body: { events?: DebugEventPayload[]; metrics?: Record<string, unknown>[] } & Record<string, unknown>;
  receivedAt: number;
}

type Responder = (request: ReceivedRequest, res: ServerResponse) => void;

/** Answers 202 with the accepted ids, as the collector does. */
const accept: Responder = (request, res) => reply(res, 202, { accepted: (request.body.events ?? []).map((e) => e.id) });

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/**
 * A real HTTP server on a free port that plays a script: each request takes the next
 * responder (then `fallback`), and every request is recorded.
 */
class ScriptedServer {
  readonly requests: ReceivedRequest[] = [];
  readonly script: Responder[] = [];
  fallback: Responder = accept;
  private server: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Events of the requests so far, flattened, in arrival order (retries included). */
  events(): DebugEventPayload[] {
    return this.requests.flatMap((request) => request.body.events ?? []);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        apiKey: req.headers['x-api-key'] as string | undefined,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        receivedAt: Date.now(),
      };
      this.requests.push(request);
      (this.script.shift() ?? this.fallback)(request, res);
    });
  }
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 15_000) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('DebugClient against a scripted HTTP server', () => {
  let server: ScriptedServer;
  let client: DebugClient;
  let failures: DebugClientFailure[];

  function makeClient(options: Partial<DebugClientOptions> = {}): DebugClient {
    client = new DebugClient({
      baseUrl: server.url,
      apiKey: 'ingest-key-1',
      componentType: 'agent',
      componentId: 'planner-1',
      batchSize: 3,
      flushIntervalMs: 60_000,
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 20,
      onFailure: (failure) => failures.push(failure),
      ...options,
    });
    return client;
  }

  beforeEach(async () => {
    server = await new ScriptedServer().start();
    failures = [];
  });
  afterEach(async () => {
    await client?.close();
    await server.stop();
  });

  it('sends a batch when batchSize events are waiting, and the rest on flush(), in wire format', async () => {
    makeClient();
    const ids = Array.from({ length: 7 }, (_, i) => client.info(`step ${i}`, { data: { i } }));
    await waitFor(() => server.requests.length === 2, 'two full batches');
    expect(server.requests.map((r) => r.body.events!.length)).toEqual([3, 3]);
    await client.flush();

    expect(server.requests.map((r) => r.body.events!.length)).toEqual([3, 3, 1]);
    expect(server.requests.every((r) => r.method === 'POST' && r.path === '/api/debug/events/batch')).toBe(true);
    expect(server.requests.every((r) => r.apiKey === 'ingest-key-1')).toBe(true);
    expect(server.events().map((e) => e.id)).toEqual(ids);
    const first = server.events()[0];
    expect(first).toEqual({
      id: ids[0],
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      event_type: 'log',
      level: 'info',
      component_type: 'agent',
      component_id: 'planner-1',
      message: 'step 0',
      data: { i: 0 },
    });
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(true);
    expect(client.stats().events).toMatchObject({ recorded: 7, sent: 7, buffered: 0, dropped: 0 });
  });

  it('sends what waits when the flush interval passes, without a flush() call', async () => {
    makeClient({ batchSize: 100, flushIntervalMs: 50 });
    client.warn('disk almost full');
    client.error(new Error('write failed'));
    await waitFor(() => server.requests.length === 1, 'the interval flush');
    const [warning, error] = server.events();
    expect(warning).toMatchObject({ level: 'warning', event_type: 'log', message: 'disk almost full' });
    expect(error).toMatchObject({ level: 'error', event_type: 'error', message: 'write failed' });
    expect(error.data).toMatchObject({ error: { name: 'Error', message: 'write failed', stack: expect.stringContaining('at ') } });
  });

  it('waits for Retry-After on 429 and resends the same ids', async () => {
    server.script.push((_request, res) => reply(res, 429, { statusCode: 429, message: 'backlog full' }, { 'retry-after': '1' }));
    makeClient();
    const ids = [client.info('a'), client.info('b')];
    await client.flush();

    expect(server.requests).toHaveLength(2);
    expect(server.requests[0].body.events!.map((e) => e.id)).toEqual(ids);
    expect(server.requests[1].body).toEqual(server.requests[0].body);
    // The server's own clock: the retry came no sooner than Retry-After allowed.
    expect(server.requests[1].receivedAt - server.requests[0].receivedAt).toBeGreaterThanOrEqual(995);
    expect(client.stats()).toMatchObject({ retries: 1, throttled: 1, requests: 2, events: { sent: 2, dropped: 0 } });
    expect(failures).toEqual([]);
  });

  it('retries a 500 and a dropped connection with backoff, same bytes each time', async () => {
    server.script.push((_request, res) => reply(res, 500, { statusCode: 500, message: 'boom' }));
    server.script.push((_request, res) => res.socket?.destroy());
    makeClient();
    const ids = [client.info('a'), client.info('b'), client.info('c')];
    await client.flush();

    expect(server.requests).toHaveLength(3);
    for (const request of server.requests) expect(request.body.events!.map((e) => e.id)).toEqual(ids);
    expect(client.stats()).toMatchObject({ retries: 2, throttled: 0, events: { sent: 3, dropped: 0 } });
  });

  it('does not retry a 400: the events are counted as rejected and reported', async () => {
    server.script.push((_request, res) => reply(res, 400, { statusCode: 400, message: 'events[0].level must be one of …' }));
    makeClient();
    client.info('a');
    client.info('b');
    await client.flush();

    expect(server.requests).toHaveLength(1);
    expect(client.stats()).toMatchObject({ retries: 0, events: { sent: 0, dropped: 2, droppedRejected: 2, buffered: 0 } });
    expect(failures).toEqual([
      expect.objectContaining({ kind: 'events', reason: 'rejected', count: 2, status: 400, message: expect.stringContaining('events[0].level') }),
    ]);
  });

  it('gives up after maxRetries and counts the loss', async () => {
    server.fallback = (_request, res) => reply(res, 503, { statusCode: 503, message: 'down' });
    makeClient({ maxRetries: 2 });
    client.info('a');
    await client.flush();

    expect(server.requests).toHaveLength(3);
    expect(client.stats()).toMatchObject({ retries: 2, events: { sent: 0, dropped: 1, droppedAfterRetries: 1 } });
    expect(failures).toEqual([expect.objectContaining({ reason: 'gave-up', count: 1 })]);
  });

  it('counts events the service rejected one by one in a 207 answer', async () => {
    server.script.push((request, res) => {
      const [good, bad] = request.body.events!;
      reply(res, 207, {
        results: [
          { id: good.id, status: 'accepted' },
          { id: bad.id, status: 'rejected', reason: 'message must be a string' },
        ],
      });
    });
    makeClient();
    client.info('good');
    client.info('bad');
    await client.flush();

    expect(client.stats().events).toMatchObject({ sent: 1, dropped: 1, droppedRejected: 1 });
    expect(failures[0]).toMatchObject({ reason: 'rejected', count: 1, status: 207 });
    expect(failures[0].message).toContain('message must be a string');
  });

  it('halves a batch the service finds too large (413) until it fits', async () => {
    server.fallback = (request, res) =>
      request.body.events!.length > 2 ? reply(res, 413, { statusCode: 413, message: 'too large' }) : accept(request, res);
    makeClient({ batchSize: 5 });
    const ids = Array.from({ length: 5 }, (_, i) => client.info(`e${i}`));
    await client.flush();

    expect(server.requests.map((r) => r.body.events!.length)).toEqual([5, 3, 2, 1, 2]);
    const delivered = server.requests.slice(2).flatMap((r) => r.body.events!.map((e) => e.id));
    expect(delivered).toEqual(ids);
    expect(client.stats().events).toMatchObject({ sent: 5, dropped: 0 });
  });

  it('holds at most maxBufferedEvents and counts what it dropped', async () => {
    makeClient({ batchSize: 100, maxBufferedEvents: 5 });
    for (let i = 0; i < 8; i++) client.info(`e${i}`);

    expect(client.stats().events).toMatchObject({ recorded: 8, buffered: 5, dropped: 3, droppedBufferFull: 3 });
    // One report for the episode, not one per event.
    expect(failures).toEqual([expect.objectContaining({ reason: 'buffer-full', count: 1 })]);
    await client.flush();
    expect(server.events().map((e) => e.message)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(client.stats().events).toMatchObject({ sent: 5, buffered: 0, dropped: 3 });
  });

  it('delivers everything on close(), then refuses new data and counts it', async () => {
    makeClient({ batchSize: 100 });
    client.info('one');
    client.metric('queue_depth', 12, { unit: 'jobs', tags: { queue: 'ingest' } });
    client.info('two');
    await client.close();

    expect(server.events().map((e) => e.message)).toEqual(['one', 'two']);
    const metrics = server.requests.find((r) => r.path === '/api/debug/metrics');
    expect(metrics?.body.metrics).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7/),
        name: 'queue_depth',
        value: 12,
        unit: 'jobs',
        tags: { queue: 'ingest' },
        component_id: 'planner-1',
      }),
    ]);
    client.info('too late');
    expect(client.stats()).toMatchObject({ closed: true, events: { recorded: 3, sent: 2, buffered: 0, dropped: 1, droppedAtShutdown: 1 } });
  });

  it('gives up at shutdownTimeoutMs when the service keeps throttling', async () => {
    server.fallback = (_request, res) => reply(res, 429, { statusCode: 429, message: 'busy' }, { 'retry-after': '30' });
    makeClient({ shutdownTimeoutMs: 300 });
    client.info('a');
    client.info('b');
    await client.close();

    expect(client.stats().events).toMatchObject({ sent: 0, buffered: 0, dropped: 2, droppedAtShutdown: 2 });
    expect(server.requests).toHaveLength(1);
  });

  it('trims what the service would refuse: long messages, large or cyclic data, bad types', async () => {
    makeClient();
    const cyclic: Record<string, unknown> = { name: 'node' };
    cyclic.self = cyclic;
    client.info('x'.repeat(40_000));
    client.info('big', { data: { blob: 'y'.repeat(70_000) }, metadata: { host: 'h1' } });
    client.info('cyclic', { data: cyclic });
    // A JavaScript caller's mistakes do not throw either.
    client.event({ message: 42 as unknown as string, timestamp: new Date('not a date') });
    await client.flush();

    const [long, big, cycle] = server.events();
    expect(long.message).toHaveLength(32_768);
    expect(long.message.endsWith('…')).toBe(true);
    expect(big.data).toEqual({ _truncated: { original_bytes: 70_011, limit_bytes: 65_536, preview: expect.stringMatching(/^\{"blob":"y+$/) } });
    expect(big.metadata).toEqual({ host: 'h1' });
    expect(cycle.data).toEqual({ _unserialisable: expect.stringContaining('circular') });
    const sloppy = server.events()[3];
    expect(sloppy.message).toBe('42');
    expect(Date.parse(sloppy.timestamp)).not.toBeNaN();
    expect(client.stats().events).toMatchObject({ sent: 4, dropped: 0 });
  });

  it('sends state snapshots one by one, in order, each with its own client id', async () => {
    makeClient();
    client.state({ status: 'idle' });
    client.state({ status: 'busy', job: 7 }, { correlationId: 'req-9' });
    await client.flush();

    const states = server.requests.filter((r) => r.path === '/api/debug/state').map((r) => r.body);
    expect(states).toEqual([
      { id: expect.stringMatching(/^[0-9a-f-]{36}$/), component_type: 'agent', component_id: 'planner-1', state: { status: 'idle' }, captured_at: expect.any(String) },
      expect.objectContaining({ state: { status: 'busy', job: 7 }, correlation_id: 'req-9' }),
    ]);
    expect(states[0].id).not.toBe(states[1].id);
    expect(client.stats().states).toMatchObject({ recorded: 2, sent: 2 });
  });

  describe('handleProcessExit, in a real child process', () => {
    let sdkDir: string;

    /** The SDK transpiled to plain ESM in a folder under node_modules (so `uuid` resolves). */
    beforeAll(() => {
      const cache = join(process.cwd(), 'node_modules', '.cache');
      mkdirSync(cache, { recursive: true });
      sdkDir = mkdtempSync(join(cache, 'sdk-exit-test-'));
      for (const file of readdirSync('packages/sdk/src').filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))) {
        const { outputText } = ts.transpileModule(readFileSync(join('packages/sdk/src', file), 'utf8'), {
          compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, experimentalDecorators: true },
        });
        writeFileSync(join(sdkDir, file.replace(/\.ts$/, '.js')), outputText);
      }
      writeFileSync(join(sdkDir, 'package.json'), '{"type":"module"}');
      writeFileSync(
        join(sdkDir, 'child.js'),
        `import { DebugClient } from './index.js';
const [url, mode] = process.argv.slice(2);
const client = new DebugClient({ baseUrl: url, componentType: 'child', componentId: mode, batchSize: 100, flushIntervalMs: 60000, handleProcessExit: true });
client.info('buffered when the process ' + (mode === 'sigterm' ? 'got SIGTERM' : 'ran out of work'));
if (mode === 'sigterm') { setInterval(() => {}, 1000); console.log('ready'); }
`,
      );
    });
    afterAll(() => rmSync(sdkDir, { recursive: true, force: true }));

    function runChild(mode: 'exit' | 'sigterm'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
      const child = spawn(process.execPath, [join(sdkDir, 'child.js'), server.url, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) child.kill('SIGTERM');
      });
      return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    }

    it('flushes on beforeExit when the process runs out of work', async () => {
      const exit = await runChild('exit');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(server.events().map((e) => [e.component_id, e.message])).toEqual([['exit', 'buffered when the process ran out of work']]);
    });

    it('delivers on SIGTERM, then exits by that signal', async () => {
      const exit = await runChild('sigterm');
      expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
      expect(server.events().map((e) => [e.component_id, e.message])).toEqual([['sigterm', 'buffered when the process got SIGTERM']]);
    });
  });

  describe('correlated()', () => {
    it('carries one correlation id through awaits and Promise.all, with parents and durations', async () => {
      makeClient({ batchSize: 1000 });
      const result = await client.correlated('checkout', async () => {
        client.info('cart loaded');
        await sleep(5);
        const [charge] = await Promise.all([
          client.correlated('charge', async () => {
            await sleep(5);
            client.info('card charged');
            return 'ch_1';
          }),
          (async () => {
            await sleep(1);
            client.info('stock reserved');
          })(),
        ]);
        return charge;
      });
      expect(result).toBe('ch_1');
      await client.flush();

      const events = server.events();
      const byMessage = (message: string) => events.find((e) => e.message === message)!;
      const checkoutStart = byMessage('checkout started');
      const chargeStart = byMessage('charge started');
      const correlationId = checkoutStart.correlation_id;
      expect(correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(events).toHaveLength(7);
      expect(events.every((e) => e.correlation_id === correlationId)).toBe(true);

      expect(checkoutStart).toMatchObject({ event_type: 'trace', operation: 'checkout', data: { phase: 'start' } });
      expect(checkoutStart.parent_event_id).toBeUndefined();
      expect(byMessage('cart loaded')).toMatchObject({ parent_event_id: checkoutStart.id, operation: 'checkout' });
      expect(byMessage('stock reserved')).toMatchObject({ parent_event_id: checkoutStart.id, operation: 'checkout' });
      expect(chargeStart).toMatchObject({ parent_event_id: checkoutStart.id, operation: 'charge' });
      expect(byMessage('card charged')).toMatchObject({ parent_event_id: chargeStart.id, operation: 'charge' });
      const chargeEnd = byMessage('charge completed');
      const checkoutEnd = byMessage('checkout completed');
      expect(chargeEnd).toMatchObject({ parent_event_id: chargeStart.id, data: { phase: 'end' } });
      expect(checkoutEnd).toMatchObject({ parent_event_id: checkoutStart.id, operation: 'checkout' });
      expect(chargeEnd.duration_ms).toBeGreaterThan(0);
      expect(checkoutEnd.duration_ms).toBeGreaterThanOrEqual(chargeEnd.duration_ms!);
      // Outside the operation nothing is correlated any more.
      client.info('after');
      await client.flush();
      expect(server.events().at(-1)!.correlation_id).toBeUndefined();
    });

    it('keeps concurrent operations apart, and adopts a given correlation id', async () => {
      makeClient({ batchSize: 1000 });
      await Promise.all([
        client.correlated('job-a', async () => {
          await sleep(3);
          client.info('in a');
        }),
        client.correlated('job-b', async () => {
          await sleep(1);
          client.info('in b');
        }),
        client.correlated('job-c', () => client.info('in c'), { correlationId: 'upstream-42' }),
      ]);
      await client.flush();
      const events = server.events();
      const correlationOf = (operation: string) => new Set(events.filter((e) => e.operation === operation).map((e) => e.correlation_id));
      const [a, b, c] = ['job-a', 'job-b', 'job-c'].map(correlationOf);
      expect(a.size).toBe(1);
      expect(b.size).toBe(1);
      expect([...a][0]).not.toEqual([...b][0]);
      expect([...c]).toEqual(['upstream-42']);
      expect(client.withCorrelationId('req-7', () => client.currentCorrelationId())).toBe('req-7');
    });

    it('records an error event with duration and rethrows the same error', async () => {
      makeClient({ batchSize: 1000 });
      const failure = new TypeError('no such customer');
      await expect(
        client.correlated('lookup', async () => {
          await sleep(1);
          throw failure;
        }),
      ).rejects.toBe(failure);
      await client.flush();

      const [start, error] = server.events();
      expect(error).toMatchObject({
        event_type: 'error',
        level: 'error',
        operation: 'lookup',
        message: 'lookup failed: no such customer',
        parent_event_id: start.id,
        correlation_id: start.correlation_id,
        data: { phase: 'error', error: { name: 'TypeError', message: 'no such customer' } },
      });
      expect(error.duration_ms).toBeGreaterThan(0);
    });
  });

  describe('correlationMiddleware', () => {
    it("gives each request of a real HTTP service its caller's correlation id (or a new one), through awaits", async () => {
      makeClient({ batchSize: 1000 });
      const withCorrelation = correlationMiddleware();
      const service = createServer((req, res) =>
        withCorrelation(req, res, async () => {
          client.info(`handling ${req.url}`);
          await sleep(2);
          client.info(`answered ${req.url}`);
          res.end(client.currentCorrelationId());
        }),
      );
      await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
      const base = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
      try {
        const answers = await Promise.all([
          fetch(`${base}/a`, { headers: { 'x-correlation-id': 'order-4711' } }),
          fetch(`${base}/b`, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } }),
          fetch(`${base}/c`),
        ]);
        const echoed = answers.map((answer) => answer.headers.get('x-correlation-id'));
        expect(await Promise.all(answers.map((answer) => answer.text()))).toEqual(echoed);
        expect(echoed.slice(0, 2)).toEqual(['order-4711', '4bf92f3577b34da6a3ce929d0e0e4736']);
        expect(echoed[2]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
      } finally {
        await new Promise<void>((resolve) => service.close(() => resolve()));
      }
      await client.flush();
      const correlationOf = (path: string) => new Set(server.events().filter((e) => e.message.endsWith(path)).map((e) => e.correlation_id));
      expect([...correlationOf('/a')]).toEqual(['order-4711']);
      expect([...correlationOf('/b')]).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736']);
      expect(correlationOf('/c').size).toBe(1);
      expect([...correlationOf('/c')][0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    });
  });

  describe('DebugLoggerService', () => {
    @Module({})
    class EmptyModule {}

    it("ships a Nest application's logs as events: levels, context, stacks", async () => {
      makeClient({ batchSize: 1000 });
      const app = await NestFactory.createApplicationContext(EmptyModule, { logger: false });
      app.useLogger(new DebugLoggerService(client));
      try {
        const logger = new Logger('UsersService');
        logger.log('user created');
        logger.warn('slow query', { ms: 1200 });
        const error = new Error('db down');
        logger.error('could not save user', error.stack);
        logger.error(new RangeError('bad page'));
        logger.fatal('out of memory');
        logger.debug('cache miss');
        logger.verbose('very chatty');
        await client.correlated('signup', async () => logger.log('inside signup'));
      } finally {
        await app.close();
        Logger.overrideLogger(false);
      }
      await client.flush();

      const logs = server.events().filter((e) => e.data?.context === 'UsersService');
      expect(logs.map((e) => [e.level, e.event_type, e.message, e.operation])).toEqual([
        ['info', 'log', 'user created', 'UsersService'],
        ['warning', 'log', 'slow query', 'UsersService'],
        ['error', 'error', 'could not save user', 'UsersService'],
        ['error', 'error', 'bad page', 'UsersService'],
        ['critical', 'error', 'out of memory', 'UsersService'],
        ['debug', 'log', 'cache miss', 'UsersService'],
        ['info', 'log', 'inside signup', 'signup'],
      ]);
      expect(logs[1].data).toMatchObject({ params: { ms: 1200 } });
      expect(logs[2].data).toMatchObject({ error: { message: 'could not save user', stack: expect.stringContaining('db down') } });
      expect(logs[3].data).toMatchObject({ error: { name: 'RangeError', message: 'bad page' } });
      const signupStart = server.events().find((e) => e.message === 'signup started')!;
      expect(logs[6]).toMatchObject({ correlation_id: signupStart.correlation_id, parent_event_id: signupStart.id });
    });

    it('follows the levels Nest sets, within the levels it was told to ship', async () => {
      makeClient({ batchSize: 1000 });
      const logger = new DebugLoggerService(client, { shipLevels: ['error', 'warn', 'log'] });
      logger.setLogLevels(['error']);
      logger.log('muted', 'App');
      logger.error('kept', undefined, 'App');
      logger.setLogLevels(['error', 'warn', 'log', 'debug']);
      logger.log('back', 'App');
      logger.debug('not configured to ship', 'App');
      await client.flush();
      expect(server.events().map((e) => e.message)).toEqual(['kept', 'back']);
    });

    it('does not feed itself when the client reports through the same logger', async () => {
      server.fallback = (_request, res) => reply(res, 400, { statusCode: 400, message: 'bad' });
      const printed: string[] = [];
      const console = {
        log: (m: unknown) => printed.push(`log ${String(m)}`),
        warn: (m: unknown) => printed.push(`warn ${String(m)}`),
        error: (m: unknown) => printed.push(`error ${String(m)}`),
      };
      const via: { logger?: DebugLoggerService } = {};
      makeClient({
        batchSize: 1000,
        maxBufferedEvents: 1,
        // Reports synchronously (buffer full) and later (rejected), both through the adapter.
        onFailure: (failure) => via.logger!.warn(`lost ${failure.count} ${failure.kind}: ${failure.reason}`, 'DebugClient'),
      });
      const logger = (via.logger = new DebugLoggerService(client, { alsoConsole: console }));
      logger.log('first', 'App');
      logger.log('second', 'App');
      await client.flush();

      expect(printed).toEqual([
        'log first',
        'log second',
        'warn lost 1 events: buffer-full',
        'warn lost 1 events: rejected',
      ]);
      expect(server.events().map((e) => e.message)).toEqual(['first']);
      expect(client.stats().events).toMatchObject({ recorded: 2, sent: 0, dropped: 2, droppedBufferFull: 1, droppedRejected: 1 });
    });
  });
});
