import type { INestApplicationContext } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createWorkerContext } from '../src/bootstrap.js';
import { DebugClient, type DebugClientFailure, type DebugClientOptions, type FetchFunction } from '../packages/sdk/src/index.js';
import { DebugLoggerService } from '../packages/sdk/src/nest.js';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

const INGEST_KEY = 'sdk-ingest-key';
const READ_KEY = 'sdk-reader-key';
const KEYS = `${INGEST_KEY}:ingest,${READ_KEY}:read`;

async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let waited = 0; ; waited += 50) {
    const value = await probe();
    if (done(value)) return value;
    if (waited > 30_000) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

/** Rows of debug_events with these ids, read through the app's own connection. */
async function storedEvents(app: RunningApp, ids: string[]): Promise<Record<string, unknown>[]> {
  const dataSource = app.app.get(DataSource);
  const placeholders = ids.map((_, i) => (dataSource.options.type === 'postgres' ? `$${i + 1}` : '?')).join(', ');
  return dataSource.query(
    `SELECT id, correlation_id, parent_event_id, operation, duration_ms, level, event_type, message
       FROM debug_events WHERE id IN (${placeholders})`,
    ids,
  );
}

function sdkClient(running: RunningApp, failures: DebugClientFailure[], options: Partial<DebugClientOptions> = {}): DebugClient {
  return new DebugClient({
    baseUrl: running.url,
    apiKey: INGEST_KEY,
    componentType: 'worker',
    componentId: 'billing-e2e',
    batchSize: 20,
    flushIntervalMs: 50,
    retryBaseDelayMs: 20,
    onFailure: (failure) => failures.push(failure),
    ...options,
  });
}

describeWithPostgresAndRedis('SDK against the live service (full mode: PostgreSQL + Redis)', () => {
  let running: RunningApp;
  let client: DebugClient;
  let failures: DebugClientFailure[];

  beforeAll(async () => {
    running = await startApp(await fullModeEnv({ DEBUG_API_KEYS: KEYS }));
  });
  afterAll(async () => running?.close());
  beforeEach(() => {
    failures = [];
  });
  afterEach(async () => client?.close());

  it('stores what the SDK records: correlated operations, logs, errors, metrics, state', async () => {
    client = sdkClient(running, failures);
    const logger = new DebugLoggerService(client);
    let innerId = '';
    await client.correlated('invoice.run', async () => {
      logger.log('loading invoices', 'InvoiceJob');
      await Promise.all([
        client.correlated('invoice.render', async () => {
          await sleep(5);
          innerId = client.info('rendered invoice 88', { data: { invoice: 88, pages: 2 } });
        }),
        client.correlated('invoice.send', async () => {
          await sleep(2);
          throw new Error('SMTP timeout');
        }).catch((error: Error) => logger.error(`send failed: ${error.message}`, error.stack, 'InvoiceJob')),
      ]);
    });
    const metricId = client.metric('invoices.rendered', 1, { unit: 'invoices', tags: { queue: 'billing' } });
    client.state({ status: 'idle', processed: 1 });
    client.state({ status: 'idle', processed: 2 });
    await client.flush();

    const stats = client.stats();
    expect(failures).toEqual([]);
    expect(stats.events).toMatchObject({ recorded: 9, sent: 9, dropped: 0, buffered: 0 });
    expect(stats.metrics).toMatchObject({ sent: 1, dropped: 0 });
    expect(stats.states).toMatchObject({ sent: 2, dropped: 0 });

    // Straight back from the service (hot tier first).
    const inner = await request(running.url).get(`/api/debug/events/${innerId}`).set('X-API-Key', READ_KEY).expect(200);
    expect(inner.body).toMatchObject({
      id: innerId,
      event_type: 'log',
      level: 'info',
      component_type: 'worker',
      component_id: 'billing-e2e',
      operation: 'invoice.render',
      message: 'rendered invoice 88',
      data: { invoice: 88, pages: 2 },
    });
    const parent = await request(running.url).get(`/api/debug/events/${inner.body.parent_event_id}`).set('X-API-Key', READ_KEY).expect(200);
    expect(parent.body).toMatchObject({ message: 'invoice.render started', operation: 'invoice.render', correlation_id: inner.body.correlation_id });

    // And in the warm store, once each, with the correlation tree intact (plus the
    // service's own state_change events for the two snapshots).
    const rows = await waitFor(
      async () => {
        const dataSource = running.app.get(DataSource);
        return dataSource.query(
          'SELECT id, correlation_id, parent_event_id, operation, duration_ms, level, event_type, message FROM debug_events WHERE component_id = $1',
          ['billing-e2e'],
        ) as Promise<Record<string, unknown>[]>;
      },
      (found) => found.length >= 11,
      'eleven rows in debug_events',
    );
    expect(rows.filter((row) => row.event_type === 'state_change')).toHaveLength(2);
    const all = rows.filter((row) => row.event_type !== 'state_change');
    expect(all).toHaveLength(9);
    expect(new Set(all.map((row) => row.correlation_id)).size).toBe(1);
    const byMessage = (message: string) => all.find((row) => row.message === message)!;
    const runStart = byMessage('invoice.run started');
    expect(runStart.parent_event_id).toBeNull();
    expect(byMessage('loading invoices')).toMatchObject({ operation: 'invoice.run', parent_event_id: runStart.id, level: 'info' });
    expect(byMessage('invoice.send started')).toMatchObject({ parent_event_id: runStart.id });
    const sendFailed = byMessage('invoice.send failed: SMTP timeout');
    expect(sendFailed).toMatchObject({ event_type: 'error', level: 'error', operation: 'invoice.send' });
    expect(Number(sendFailed.duration_ms)).toBeGreaterThan(0);
    expect(byMessage('send failed: SMTP timeout')).toMatchObject({ event_type: 'error', level: 'error', parent_event_id: runStart.id });
    expect(Number(byMessage('invoice.run completed').duration_ms)).toBeGreaterThan(0);

    const dataSource = running.app.get(DataSource);
    const metrics = await dataSource.query('SELECT name, value, unit FROM debug_metrics WHERE id = $1', [metricId]);
    expect(metrics).toEqual([{ name: 'invoices.rendered', value: 1, unit: 'invoices' }]);
    const snapshots = await dataSource.query(
      `SELECT state FROM debug_state_snapshots WHERE component_id = $1 ORDER BY captured_at`,
      ['billing-e2e'],
    );
    expect(snapshots.map((row: { state: unknown }) => row.state)).toEqual([
      { status: 'idle', processed: 1 },
      { status: 'idle', processed: 2 },
    ]);
  });

  it('stores each event once when the answer to a batch is lost and the SDK sends it again', async () => {
    let lostAnswers = 0;
    const answers: unknown[] = [];
    const losingFetch: FetchFunction = async (url, init) => {
      const response = await fetch(url, init);
      if (!url.endsWith('/events/batch')) return response;
      answers.push(await response.clone().json());
      if (lostAnswers === 0) {
        lostAnswers++;
        throw new TypeError('fetch failed (the answer was lost on the way back)');
      }
      return response;
    };
    client = sdkClient(running, failures, { fetch: losingFetch, componentId: 'lossy-e2e' });
    const ids = Array.from({ length: 5 }, (_, i) => client.info(`delivered twice ${i}`));
    await client.flush();

    expect(lostAnswers).toBe(1);
    expect(client.stats()).toMatchObject({ retries: 1, events: { sent: 5, dropped: 0 } });
    // The service took the first copy and recognised the resent one.
    expect(answers).toEqual([
      expect.objectContaining({ accepted: 5, duplicates: 0, ids }),
      expect.objectContaining({ accepted: 0, duplicates: 5, ids }),
    ]);
    const rows = await waitFor(() => storedEvents(running, ids), (found) => found.length >= 5, 'five rows');
    expect(rows.map((row) => row.id).sort()).toEqual([...ids].sort());
  });

  it('refuses a wrong key with 401: not retried, reported, counted', async () => {
    client = sdkClient(running, failures, { apiKey: 'not-a-real-key' });
    client.info('never stored');
    await client.flush();
    expect(client.stats()).toMatchObject({ requests: 1, retries: 0, events: { droppedRejected: 1 } });
    expect(failures).toEqual([expect.objectContaining({ reason: 'rejected', status: 401 })]);
  });
});

describeWithPostgresAndRedis('SDK under backpressure (429 with Retry-After) until a worker drains the backlog', () => {
  let api: RunningApp;
  let worker: INestApplicationContext | undefined;
  let client: DebugClient;

  afterAll(async () => {
    await client?.close();
    await worker?.close();
    await api?.close();
  });

  it('waits for Retry-After, retries the same ids and delivers them all exactly once', async () => {
    const env = await fullModeEnv({ DEBUG_API_KEYS: KEYS, DEBUG_INGEST_BACKLOG_LIMIT: '1' });
    // An API process without workers: accepted batches stay in the Bull queue, so the backlog holds.
    api = await startApp({ ...env, DEBUG_ROLE: 'api' });
    const failures: DebugClientFailure[] = [];
    // What went over the wire: when each batch request was sent, and what came back.
    const exchanges: { sentAt: number; status: number; retryAfter: string | null; ids: string[] }[] = [];
    const recordingFetch: FetchFunction = async (url, init) => {
      const sentAt = Date.now();
      const response = await fetch(url, init);
      const ids = (JSON.parse(String(init.body)) as { events: { id: string }[] }).events.map((event) => event.id);
      exchanges.push({ sentAt, status: response.status, retryAfter: response.headers.get('retry-after'), ids });
      return response;
    };
    client = sdkClient(api, failures, { batchSize: 3, maxRetries: 20, fetch: recordingFetch });

    const first = [client.info('a1'), client.info('a2'), client.info('a3')];
    await client.flush();
    expect(client.stats()).toMatchObject({ throttled: 0, events: { sent: 3 } });

    const second = [client.info('b1'), client.info('b2'), client.info('b3')];
    const delivering = client.flush();
    await waitFor(async () => client.stats().throttled, (throttled) => throttled >= 1, 'a 429 answer');
    expect(client.stats().events).toMatchObject({ sent: 3, buffered: 3, dropped: 0 });
    expect(client.stats().lastError).toMatch(/^429 from POST \/events\/batch: /);

    // A worker starts, drains the queue, and the SDK's next retry gets in.
    worker = await createWorkerContext({ ...env, DEBUG_ROLE: 'worker' });
    await delivering;
    const stats = client.stats();
    expect(failures).toEqual([]);
    expect(stats.throttled).toBeGreaterThanOrEqual(1);
    expect(stats.events).toMatchObject({ recorded: 6, sent: 6, dropped: 0, buffered: 0 });

    // Every 429 carried a Retry-After, and the next attempt came no sooner; every attempt
    // of the second batch carried the same ids.
    const [firstExchange, ...secondBatch] = exchanges;
    expect(firstExchange).toMatchObject({ status: 202, ids: first });
    expect(secondBatch.at(-1)).toMatchObject({ status: 202, ids: second });
    const throttledAnswers = secondBatch.slice(0, -1);
    expect(throttledAnswers.length).toBeGreaterThanOrEqual(1);
    throttledAnswers.forEach((answer, i) => {
      expect(answer).toMatchObject({ status: 429, retryAfter: expect.stringMatching(/^\d+$/), ids: second });
      expect(secondBatch[i + 1].sentAt - answer.sentAt).toBeGreaterThanOrEqual(Number(answer.retryAfter) * 1000);
    });

    const ids = [...first, ...second];
    const rows = await waitFor(() => storedEvents(api, ids), (found) => found.length >= 6, 'six rows in the warm store');
    expect(rows.map((row) => row.id).sort()).toEqual([...ids].sort());
  });
});

describe('SDK against the live service (embedded mode: SQLite, in-process queue)', () => {
  let running: RunningApp;
  let client: DebugClient;

  beforeAll(async () => {
    running = await startApp(embeddedEnv({ DEBUG_API_KEYS: KEYS }));
  });
  afterAll(async () => {
    await client?.close();
    await running?.close();
  });

  it('delivers on close() and the events are committed', async () => {
    const failures: DebugClientFailure[] = [];
    client = sdkClient(running, failures, { flushIntervalMs: 60_000 });
    const id = await client.correlated('sync', async () => client.warn('slow upstream', { durationMs: 812.5 }));
    await client.close();

    expect(failures).toEqual([]);
    expect(client.stats().events).toMatchObject({ recorded: 3, sent: 3 });
    const [row] = await storedEvents(running, [id]);
    expect(row).toMatchObject({ id, level: 'warning', operation: 'sync', message: 'slow upstream' });
    expect(Number(row.duration_ms)).toBe(812.5);
    const fetched = await request(running.url).get(`/api/debug/events/${id}`).set('X-API-Key', READ_KEY).expect(200);
    expect(fetched.body.correlation_id).toBe(row.correlation_id);
  });
});
