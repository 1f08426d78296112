import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppEventBus } from '../src/common/events/app-event-bus.js';
import { ingestSettled, startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';
import { StreamClient, until } from './support/streaming-clients.js';

const INGEST = 'ingest-key-1';
const READER = 'reader-key-1';
const ADMIN = 'admin-key-01';
const KEYS = `${INGEST}:ingest,${READER}:read,${ADMIN}:admin`;

const dataSource = (running: RunningApp) => running.app.get(DataSource);

let seq = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

function event(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_type: 'log',
    level: 'info',
    component_type: 'agent',
    component_id: 'agent-1',
    message: `step ${++seq} done`,
    ...fields,
  };
}

describeWithPostgresAndRedis(
  'streaming (full mode: PostgreSQL + Redis, real socket.io clients)',
  () => {
    let running: RunningApp;
    const clients: StreamClient[] = [];
    const client = (
      options: { apiKey?: string; headers?: Record<string, string> } = { apiKey: READER },
    ) => {
      const created = new StreamClient(running.url, options);
      clients.push(created);
      return created;
    };

    /** POSTs events (one batch request) and returns their ids in order. */
    async function postEvents(events: Record<string, unknown>[]): Promise<string[]> {
      const response = await request(running.url)
        .post('/api/debug/events/batch')
        .set('X-API-Key', INGEST)
        .send({ events });
      expect(response.status).toBe(202);
      return response.body.ids as string[];
    }

    async function postEvent(fields: Record<string, unknown>): Promise<string> {
      const response = await request(running.url)
        .post('/api/debug/events')
        .set('X-API-Key', INGEST)
        .send(event(fields));
      expect(response.status).toBe(202);
      return response.body.id as string;
    }

    beforeAll(async () => {
      running = await startApp({ ...(await fullModeEnv()), DEBUG_API_KEYS: KEYS });
    });
    afterEach(() => {
      for (const one of clients.splice(0)) one.close();
    });
    afterAll(async () => running?.close());

    describe('authentication in the handshake', () => {
      it('refuses a client without a key: error event, then disconnected', async () => {
        const anonymous = client({});
        await until(() => anonymous.disconnectReason !== null, 'disconnect');
        expect(anonymous.errors).toEqual([
          { code: 'unauthorized', message: expect.stringContaining('API key is required') },
        ]);
        expect(anonymous.disconnectReason).toBe('io server disconnect');
      });

      it('refuses a wrong key and a key without the read scope', async () => {
        const wrong = client({ apiKey: 'not-a-real-key' });
        const ingestOnly = client({ apiKey: INGEST });
        await until(
          () => wrong.disconnectReason !== null && ingestOnly.disconnectReason !== null,
          'both disconnected',
        );
        expect(wrong.errors).toEqual([
          { code: 'unauthorized', message: 'the API key is not valid' },
        ]);
        expect(ingestOnly.errors).toEqual([
          { code: 'forbidden', message: expect.stringContaining('"read" scope') },
        ]);
      });

      it('accepts a read key as auth.apiKey, X-API-Key header or bearer token, and serves it', async () => {
        const viaAuth = client({ apiKey: READER });
        const viaHeader = client({ headers: { 'x-api-key': READER } });
        const viaBearer = client({ headers: { authorization: `Bearer ${ADMIN}` } });
        const component = unique('auth');
        for (const one of [viaAuth, viaHeader, viaBearer])
          await one.subscribeOk({ component_ids: [component] });
        const id = await postEvent({ component_id: component });
        await until(
          () => [viaAuth, viaHeader, viaBearer].every((one) => one.ids().length === 1),
          'three deliveries',
        );
        for (const one of [viaAuth, viaHeader, viaBearer]) {
          expect(one.ids()).toEqual([id]);
          expect(one.errors).toEqual([]);
        }
      });
    });

    describe('subscribe validation', () => {
      it('answers a clear error naming the field, and keeps the connection', async () => {
        const reader = client();
        const badType = await reader.subscribe({ component_ids: 'agent-1' });
        expect(badType).toMatchObject({
          ok: false,
          error: { code: 'invalid_subscription', details: [{ field: 'component_ids' }] },
        });
        const unknownField = await reader.subscribe({ colour: 'red' });
        expect(unknownField).toMatchObject({
          ok: false,
          error: {
            details: [{ field: 'colour', problem: expect.stringContaining('should not exist') }],
          },
        });
        const badChannel = await reader.subscribe({ channels: ['debug:everything'] });
        expect(badChannel).toMatchObject({
          ok: false,
          error: { details: [{ field: 'channels' }] },
        });
        const impossible = await reader.subscribe({
          channels: ['metric_update'],
          correlation_ids: ['x'],
        });
        expect(impossible).toMatchObject({
          ok: false,
          error: {
            details: [
              {
                field: 'channels',
                problem: expect.stringContaining('debug:metric_update carries no correlation_ids'),
              },
            ],
          },
        });
        const badSince = await reader.subscribe({ since: '2026-13-45T99:00:00Z' });
        expect(badSince).toMatchObject({ ok: false, error: { details: [{ field: 'since' }] } });
        const sinceWithoutEvents = await reader.subscribe({
          channels: ['metric_update'],
          since: 0,
        });
        expect(sinceWithoutEvents).toMatchObject({
          ok: false,
          error: {
            details: [{ field: 'since', problem: expect.stringContaining('only debug:event') }],
          },
        });
        const unknownSince = await reader.subscribe({ since: 'no-such-event' });
        expect(unknownSince).toMatchObject({ ok: false, error: { code: 'since_not_found' } });
        const good = await reader.subscribe({ correlation_ids: ['x'] });
        expect(good).toEqual({
          ok: true,
          subscription_id: expect.any(String),
          channels: ['debug:event', 'debug:state_change'],
        });
        expect(reader.socket.connected).toBe(true);
      });

      it('refuses levels and event types outside the vocabulary with the message REST gives for them', async () => {
        const reader = client();
        for (const filters of [
          { levels: ['loud'] },
          { event_types: ['bogus'] },
          { levels: 'error' },
          { levels: ['error', 'loud'], event_types: ['log'] },
        ]) {
          const rest = await request(running.url)
            .post('/api/debug/analytics/events-search')
            .set('X-API-Key', READER)
            .send(filters);
          expect(rest.status).toBe(400);
          const ack = await reader.subscribe(filters);
          expect(ack).toMatchObject({
            ok: false,
            error: { code: 'invalid_subscription', message: rest.body.message },
          });
        }
        expect(await reader.subscribe({ levels: ['loud'] })).toMatchObject({
          error: {
            message: 'levels must be one of: debug, info, warning, error, critical (got "loud")',
          },
        });
        expect(await reader.subscribe({ levels: ['error'], event_types: ['error'] })).toMatchObject(
          { ok: true },
        );
      });

      it('unsubscribes: nothing more arrives for that subscription', async () => {
        const reader = client();
        const component = unique('unsub');
        const fence = unique('fence');
        const subscription = await reader.subscribeOk({ component_ids: [component] });
        await reader.subscribeOk({ correlation_ids: [fence] });
        const first = await postEvent({ component_id: component });
        await until(() => reader.ids().length === 1, 'first event');
        expect(
          await reader.socket.emitWithAck('unsubscribe', { subscription_id: subscription }),
        ).toEqual({ ok: true, subscription_id: subscription });
        expect(
          await reader.socket.emitWithAck('unsubscribe', { subscription_id: subscription }),
        ).toMatchObject({ ok: false, error: { code: 'unknown_subscription' } });
        await postEvent({ component_id: component });
        const fenceId = await postEvent({ correlation_id: fence });
        await until(() => reader.ids().includes(fenceId), 'fence');
        expect(reader.ids()).toEqual([first, fenceId]);
      });
    });

    it('applies every filter kind to events POSTed over HTTP, each client getting exactly its matches', async () => {
      const run = unique('filters');
      const c = (name: string) => `${run}-${name}`;
      const subscriptions: Record<string, Record<string, unknown>> = {
        eventTypes: { event_types: ['trace'], component_types: [c('type')] },
        componentTypes: { component_types: [c('type')] },
        componentIds: { component_ids: [c('a'), c('b')] },
        levels: { levels: ['error', 'critical'], component_types: [c('type')] },
        correlationIds: { correlation_ids: [c('op-1')] },
        sessionId: { session_id: c('session') },
        channelsOnlyMetrics: { channels: ['metric_update'], component_ids: [c('a')] },
      };
      const fence = c('fence');
      const readers: Record<string, StreamClient> = {};
      for (const [name, filters] of Object.entries(subscriptions)) {
        readers[name] = client();
        await readers[name].subscribeOk(filters);
        await readers[name].subscribeOk({ correlation_ids: [fence] });
      }
      const ids = await postEvents([
        event({ component_type: c('type'), component_id: c('a'), event_type: 'trace' }), // 0
        event({
          component_type: c('type'),
          component_id: c('b'),
          level: 'error',
          correlation_id: c('op-1'),
        }), // 1
        event({
          component_type: c('other'),
          component_id: c('c'),
          level: 'critical',
          session_id: c('session'),
        }), // 2
        event({
          component_type: c('type'),
          component_id: c('d'),
          correlation_id: c('op-2'),
          session_id: c('session'),
        }), // 3
        event({
          component_type: c('other'),
          component_id: c('a'),
          event_type: 'trace',
          level: 'warning',
        }), // 4
      ]);
      const [fenceId] = await postEvents([
        event({ correlation_id: fence, component_type: 'fence', component_id: 'fence' }),
      ]);
      const received = (name: string) => readers[name].ids().filter((id) => id !== fenceId);
      await until(
        () => Object.values(readers).every((reader) => reader.ids().includes(fenceId)),
        'the fence on every client',
      );

      expect(received('eventTypes')).toEqual([ids[0]]);
      expect(received('componentTypes')).toEqual([ids[0], ids[1], ids[3]]);
      expect(received('componentIds')).toEqual([ids[0], ids[1], ids[4]]);
      expect(received('levels')).toEqual([ids[1]]);
      expect(received('correlationIds')).toEqual([ids[1]]);
      expect(received('sessionId')).toEqual([ids[2], ids[3]]);
      expect(received('channelsOnlyMetrics')).toEqual([]);
      // The stream carries the stored record, snake_case.
      const delivered = readers.levels.received['debug:event'][0];
      expect(delivered).toMatchObject({
        id: ids[1],
        level: 'error',
        correlation_id: c('op-1'),
        component_type: c('type'),
      });
      expect(typeof delivered.ingested_at).toBe('string');
    });

    it('follows a debugging session: events tagged with it or matching its filters', async () => {
      const component = unique('session-comp');
      const created = await request(running.url)
        .post('/api/debug/sessions')
        .set('X-API-Key', ADMIN)
        .send({
          name: 'checkout incident',
          filters: { components: [component], levels: ['error'] },
        })
        .expect(201);
      const sessionId = created.body.id as string;
      const reader = client();
      const fence = unique('fence');
      await reader.subscribeOk({ session_id: sessionId });
      await reader.subscribeOk({ correlation_ids: [fence] });
      const ids = await postEvents([
        event({ component_id: component, level: 'error' }), // matches the session's filters
        event({ component_id: 'elsewhere', session_id: sessionId }), // tagged with the session
        event({ component_id: component, level: 'info' }), // its component, not its level
        event({ component_id: 'elsewhere', level: 'error' }),
      ]);
      const [fenceId] = await postEvents([event({ correlation_id: fence })]);
      await until(() => reader.ids().includes(fenceId), 'the fence');
      expect(reader.ids()).toEqual([ids[0], ids[1], fenceId]);
    });

    it('filters on pattern id (events that carry one)', async () => {
      // Published with their pattern ids, matched on them as they are (events accepted without
      // one are labelled with their message's known pattern: see the next describe).
      const bus = running.app.get(AppEventBus);
      const reader = client();
      const pattern = unique('pattern');
      await reader.subscribeOk({ pattern_id: pattern });
      const base = {
        timestamp: new Date().toISOString(),
        ingested_at: new Date().toISOString(),
        level: 'info',
        event_type: 'log',
        component_type: 'agent',
        component_id: 'a',
        message: 'x',
        correlation_id: null,
        parent_event_id: null,
        operation: null,
        duration_ms: null,
        data: null,
        metadata: null,
        session_id: null,
      };
      bus.emit('events.accepted', [
        { ...base, id: unique('p-miss'), pattern_id: 'another' },
        { ...base, id: 'pattern-hit', pattern_id: pattern },
      ]);
      await until(() => reader.ids().length === 1, 'the matching event');
      expect(reader.ids()).toEqual(['pattern-hit']);
    });

    it('fires the state, metric, insight and alert channels from their causes', async () => {
      const component = unique('svc');
      let warmCount = 0;
      const reader = client();
      const others = client();
      await reader.subscribeOk({ component_ids: [component] });
      await others.subscribeOk({ component_ids: [unique('nobody')] });

      const state = await request(running.url)
        .post('/api/debug/state')
        .set('X-API-Key', INGEST)
        .send({
          component_type: 'agent',
          component_id: component,
          state: { status: 'planning', step: 1 },
        });
      expect(state.status).toBe(201);
      await request(running.url)
        .post('/api/debug/state')
        .set('X-API-Key', INGEST)
        .send({
          component_type: 'agent',
          component_id: component,
          state: { status: 'running', step: 2 },
        })
        .expect(201);
      const metrics = await request(running.url)
        .post('/api/debug/metrics')
        .set('X-API-Key', INGEST)
        .send({
          metrics: [
            { name: 'queue_depth', value: 7, component_type: 'agent', component_id: component },
          ],
        });
      expect(metrics.status).toBe(201);

      // Insights: critical errors of a pattern never seen before, written to the warm store by
      // the ingest worker, then an insight generation over this component. The store holds an
      // event from hours before (in a store whose whole history is the last minutes, a new
      // pattern says nothing changed, and is low: docs/insights.md).
      const marker = component.replace(/[^a-z]/g, '');
      await postEvents([
        event({
          component_id: unique('earlier'),
          message: 'agent started',
          timestamp: new Date(Date.now() - 6 * 3_600_000).toISOString(),
        }),
        ...Array.from({ length: 3 }, () =>
          event({
            event_type: 'error',
            level: 'critical',
            component_id: component,
            message: `ledger ${marker} refused the write`,
          }),
        ),
      ]);
      const warm = running.app.get(DataSource);
      await until(
        () => warmCount >= 3,
        'the errors in the warm store',
        50,
        async () => {
          const [row] = await warm.query(
            'SELECT count(*)::int AS n FROM debug_events WHERE component_id = $1 AND level = $2',
            [component, 'critical'],
          );
          warmCount = row.n;
        },
      );
      const generated = await request(running.url)
        .post('/api/debug/insights/generate')
        .set('X-API-Key', INGEST)
        .send({ components: [{ component_type: 'agent', component_id: component }] })
        .expect(200);
      const created = generated.body.created as { id: string; severity: string }[];
      expect(created.length).toBeGreaterThanOrEqual(1);
      const severe = created.filter(
        (insight) => insight.severity === 'high' || insight.severity === 'critical',
      );
      expect(severe.length).toBeGreaterThanOrEqual(1);

      await until(
        () =>
          reader.received['debug:state_change'].length === 2 &&
          reader.received['debug:metric_update'].length === 1 &&
          reader.received['debug:insight'].length === created.length &&
          reader.received['debug:alert'].length === severe.length,
        'state x2, metric, insights, alerts',
      );
      expect(reader.received['debug:state_change'][1]).toMatchObject({
        component_id: component,
        version: 2,
        diff: expect.arrayContaining([
          expect.objectContaining({ op: 'replace', path: '/status', value: 'running' }),
        ]),
      });
      expect(reader.received['debug:metric_update'][0]).toMatchObject({
        name: 'queue_depth',
        value: 7,
        component_id: component,
      });
      expect(reader.ids('debug:insight').sort()).toEqual(
        created.map((insight) => insight.id).sort(),
      );
      expect(reader.ids('debug:alert').sort()).toEqual(severe.map((insight) => insight.id).sort());
      expect(reader.received['debug:insight'][0]).toMatchObject({
        affected_components: expect.arrayContaining([
          expect.objectContaining({ component_id: component }),
        ]),
      });
      expect(others.received['debug:state_change']).toEqual([]);
      expect(others.received['debug:metric_update']).toEqual([]);
      expect(others.received['debug:insight']).toEqual([]);
    });

    it('backfills from the hot tier on subscribe with since, then goes live without gap or repeat', async () => {
      const component = unique('seam');
      const before = await postEvents([
        event({ component_id: 'elsewhere' }),
        event({ component_id: component }),
      ]);
      const since = new Date(Date.now() - 60_000).toISOString();
      const earlier = await postEvents(
        Array.from({ length: 30 }, () => event({ component_id: component })),
      );

      // Keep ingesting while the subscription is made, so that events land on both sides of the seam.
      const posted: string[] = [];
      let stop = false;
      const ingesting = (async () => {
        while (!stop)
          posted.push(
            ...(await postEvents(
              Array.from({ length: 5 }, () => event({ component_id: component })),
            )),
          );
      })();
      const reader = client();
      await until(() => posted.length >= 20, 'ingestion running');
      const ack = await reader.subscribe({ component_ids: [component], since });
      await until(() => posted.length >= 60, 'ingestion after the subscription');
      stop = true;
      await ingesting;

      expect(ack).toMatchObject({ ok: true, backfill: { complete: true } });
      const expected = [before[1], ...earlier, ...posted];
      await until(() => reader.ids().length >= expected.length, 'every event');
      const received = reader.ids();
      expect(new Set(received).size).toBe(received.length);
      expect(received.sort()).toEqual([...expected].sort());
      expect((ack as { backfill: { events: number } }).backfill.events).toBeGreaterThanOrEqual(31);
    });

    it('backfills after a last event id', async () => {
      const component = unique('after-id');
      const first = await postEvents(
        Array.from({ length: 10 }, () => event({ component_id: component })),
      );
      await new Promise((resolve) => setTimeout(resolve, 5)); // the next batch arrives in a later millisecond
      const later = await postEvents(
        Array.from({ length: 3 }, () => event({ component_id: component })),
      );
      const reader = client();
      const ack = await reader.subscribe({ component_ids: [component], since: first[9] });
      expect(ack).toMatchObject({ ok: true, backfill: { complete: true } });
      const count = (ack as { backfill: { events: number } }).backfill.events;
      await until(() => reader.ids().length === count, 'the replay');
      // Everything after the given event arrives; events of its own millisecond may come again
      // (the hot tier orders by millisecond), never the event itself.
      const received = reader.ids();
      expect(received.slice(-3).sort()).toEqual([...later].sort());
      expect(received).not.toContain(first[9]);
      expect(received.slice(0, -3).every((id) => first.includes(id))).toBe(true);
    });

    it('counts deliveries in Prometheus and lists connections for admins', async () => {
      const reader = client();
      await reader.subscribeOk({});
      await postEvent({});
      await until(() => reader.ids().length >= 1, 'an event');
      const metrics = await request(running.url).get('/api/debug/metrics').expect(200);
      expect(metrics.text).toMatch(/ads_stream_delivered_total\{channel="debug:event"\} [1-9]/);
      expect(metrics.text).toMatch(
        /ads_stream_rejected_connections_total\{reason="missing"\} [1-9]/,
      );
      const listing = await request(running.url)
        .get('/api/debug/streaming/clients')
        .set('X-API-Key', ADMIN)
        .expect(200);
      expect(listing.body.items).toContainEqual(
        expect.objectContaining({ id: reader.socket.id, subscriptions: 1, dropped: 0 }),
      );
      await request(running.url)
        .get('/api/debug/streaming/clients')
        .set('X-API-Key', READER)
        .expect(403);
    });
  },
);

describeWithPostgresAndRedis(
  'streaming by pattern id (full mode: an api instance beside a writing one)',
  () => {
    let writing: RunningApp;
    let api: RunningApp;
    const clients: StreamClient[] = [];
    afterAll(async () => {
      for (const one of clients) one.close();
      await api?.close();
      await writing?.close();
    });

    it('labels live events with the pattern the writers give their message, on an instance that writes nothing', async () => {
      const env = { ...(await fullModeEnv()), DEBUG_API_KEYS: KEYS };
      writing = await startApp(env);
      api = await startApp({ ...env, DEBUG_ROLE: 'api' });
      const post = async (url: string, events: Record<string, unknown>[]) => {
        const response = await request(url)
          .post('/api/debug/events/batch')
          .set('X-API-Key', INGEST)
          .send({ events });
        expect(response.status).toBe(202);
        return response.body.ids as string[];
      };
      const declined = (n: number) =>
        event({
          level: 'error',
          message: `payment ${n} declined by issuer ${n % 7}: card expired`,
        });
      // the writing instance learns the pattern and stores it
      const [learned] = await post(writing.url, [declined(101), declined(202), declined(303)]);
      expect(await ingestSettled(writing.app)).toBe(true);
      const patternId = (
        await dataSource(writing).query('SELECT pattern_id FROM debug_events WHERE id = $1', [
          learned,
        ])
      )[0].pattern_id as string;
      expect(patternId).toEqual(expect.any(String));
      // the writers record patterns in debug_patterns after the rows: the api instance learns them from there
      let stored = 0;
      await until(
        () => stored > 0,
        'the pattern in debug_patterns',
        25,
        async () => {
          stored = (
            await dataSource(writing).query(
              'SELECT count(*)::int AS n FROM debug_patterns WHERE id = $1',
              [patternId],
            )
          )[0].n;
        },
      );

      const reader = new StreamClient(api.url, { apiKey: READER });
      clients.push(reader);
      await reader.subscribeOk({ pattern_id: patternId });
      // accepted by the api instance, streamed before any writer saw them
      const ids = await post(api.url, [
        declined(404),
        event({ message: 'cache warmed in 12 ms' }),
        declined(505),
      ]);
      await until(() => reader.ids().length === 2, 'the two events of the pattern');
      expect(reader.ids()).toEqual([ids[0], ids[2]]);
      expect(reader.received['debug:event'].map((item) => item.pattern_id)).toEqual([
        patternId,
        patternId,
      ]);
      // and the writers give the stored rows the same id
      expect(await ingestSettled(writing.app)).toBe(true);
      const rows = await dataSource(writing).query(
        'SELECT pattern_id FROM debug_events WHERE id = ANY($1)',
        [[ids[0], ids[2]]],
      );
      expect(rows.map((row: { pattern_id: string }) => row.pattern_id)).toEqual([
        patternId,
        patternId,
      ]);
    });
  },
);

describe('streaming in the embedded mode (SQLite, in-process hot tier, no Redis)', () => {
  it('streams accepted events and backfills from the in-process hot tier', async () => {
    const running = await startApp({ ...embeddedEnv(), DEBUG_API_KEYS: KEYS });
    const reader = new StreamClient(running.url, { apiKey: READER });
    try {
      const component = unique('embedded');
      const post = async (count: number) => {
        const response = await request(running.url)
          .post('/api/debug/events/batch')
          .set('X-API-Key', INGEST)
          .send({
            events: Array.from({ length: count }, () => event({ component_id: component })),
          });
        expect(response.status).toBe(202);
        return response.body.ids as string[];
      };
      const earlier = await post(3);
      const ack = await reader.subscribe({ component_ids: [component], since: 0 });
      expect(ack).toMatchObject({ ok: true, backfill: { events: 3, complete: true } });
      const live = await post(2);
      await until(() => reader.ids().length === 5, 'replay and live events');
      expect(reader.ids()).toEqual([...earlier, ...live]);
    } finally {
      reader.close();
      await running.close();
    }
  });
});

describe('streaming switched off', () => {
  it('has no /debug namespace with DEBUG_STREAMING_ENABLED=false', async () => {
    const running = await startApp({ ...embeddedEnv(), DEBUG_STREAMING_ENABLED: 'false' });
    try {
      const reader = new StreamClient(running.url, {});
      const error = await new Promise<Error>((resolve) =>
        reader.socket.once('connect_error', resolve),
      );
      expect(error).toBeInstanceOf(Error);
      expect(reader.socket.connected).toBe(false);
      reader.close();
    } finally {
      await running.close();
    }
  });
});
