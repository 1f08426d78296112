import { createHash } from 'node:crypto';
import fastJsonPatch from 'fast-json-patch';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import { newId, timeOfUuidV7 } from '../src/common/ids.js';
import { HOT_STORE, type HotStore } from '../src/storage/hot/hot-store.js';
import { AppEventBus } from '../src/common/events/app-event-bus.js';
import type { AppEvent } from '../src/common/events/app-events.js';
import { type StreamMessage, streamMessagesOf } from '../src/streaming/stream-messages.js';
import { badEvents, corpusEvents, wireBatch, wireEvent } from './factories/events.js';
import { ingestSettled, startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

interface StateAnswer {
  id: string;
  version: number;
  previous_version: number | null;
  hash: string;
  diff_from_previous: fastJsonPatch.Operation[] | null;
  event_id: string;
}

const KEYS = 'ingest-key-1:ingest,reader-key-1:read,admin-key-01:admin';
const INGEST = { 'X-API-Key': 'ingest-key-1' };

function ingestSuite(mode: 'embedded' | 'full', env: () => Promise<Record<string, string>>) {
  describe(`ingestion (${mode})`, () => {
    let running: RunningApp;
    let dataSource: DataSource;
    let hot: HotStore;
    const streamed: StreamMessage[] = [];
    const postgres = mode === 'full';

    beforeAll(async () => {
      running = await startApp({
        ...(await env()),
        DEBUG_API_KEYS: KEYS,
        DEBUG_MAX_BATCH_EVENTS: '200',
        DEBUG_BODY_LIMIT: '1mb',
      });
      dataSource = running.app.get(DataSource);
      hot = running.app.get(HOT_STORE);
      for (const name of ['events.accepted', 'insight.changed', 'state.changed', 'metric.recorded'] as const) {
        running.app.get(AppEventBus).on(name, (payload) => streamed.push(...streamMessagesOf({ name, payload } as AppEvent)));
      }
    });
    afterAll(async () => running?.close());

    const settled = () => ingestSettled(running.app, 30_000);
    const sql = (text: string) => (postgres ? text : text.replace(/\$\d+/g, '?'));
    async function warmRows(ids: string[]): Promise<Record<string, unknown>[]> {
      if (ids.length === 0) return [];
      const placeholders = ids.map((_, index) => (postgres ? `$${index + 1}` : '?')).join(', ');
      return dataSource.query(`SELECT * FROM debug_events WHERE id IN (${placeholders})`, ids);
    }

    it('takes one event: 202 with its id, readable in the hot tier, then one row in the warm store', async () => {
      const event = wireEvent({ message: 'single event round trip', data: { n: 1 } });
      const response = await request(running.url).post('/api/debug/events').set(INGEST).send(event).expect(202);
      expect(response.body).toEqual({ id: event.id, status: 'accepted' });

      const fromHot = await request(running.url).get(`/api/debug/events/${event.id}`).set('X-API-Key', 'reader-key-1').expect(200);
      expect(fromHot.body).toMatchObject({
        id: event.id,
        tier: 'hot',
        message: 'single event round trip',
        component_id: event.component_id,
        data: { n: 1 },
      });
      expect(Date.parse(fromHot.body.ingested_at)).toBeGreaterThan(0);
      expect(streamed.some((message) => message.channel === 'debug:event' && message.payload.id === event.id)).toBe(true);

      expect(await settled()).toBe(true);
      const [row] = await warmRows([event.id as string]);
      expect(row).toMatchObject({ id: event.id, event_type: 'log', level: 'info', message: 'single event round trip' });
      const data = typeof row.data === 'string' ? JSON.parse(row.data) : row.data;
      expect(data).toEqual({ n: 1 });
      expect(row.pattern_id).toEqual(expect.any(String));
    });

    it('marks the minute of an event stored late for the insight rollups, and not that of an on-time one', async () => {
      const minuteOf = (ms: number) => new Date(ms - (ms % 60_000));
      const lateAt = Date.now() - 3 * 3_600_000 - 17_000;
      const late = wireEvent({ timestamp: new Date(lateAt).toISOString(), message: 'buffered offline for three hours' });
      const onTime = wireEvent({ timestamp: new Date().toISOString(), message: 'on time' });
      await request(running.url).post('/api/debug/events/batch').set(INGEST).send({ events: [late, onTime] }).expect(202);
      expect(await settled()).toBe(true);
      const rows: { bucket_start: string | Date }[] = await dataSource.query('SELECT bucket_start FROM debug_insight_late_minutes');
      const marked = rows.map((row) => new Date(postgres ? row.bucket_start : `${String(row.bucket_start).replace(' ', 'T')}Z`).getTime());
      expect(marked).toContain(minuteOf(lateAt).getTime());
      expect(marked).not.toContain(minuteOf(Date.parse(onTime.timestamp as string)).getTime());
    });

    it('assigns an id and times when the client gives none, and a client UUIDv7 id lends its time', async () => {
      const anonymous = wireEvent({ id: undefined, timestamp: undefined });
      const first = await request(running.url).post('/api/debug/events').set(INGEST).send(anonymous).expect(202);
      expect(timeOfUuidV7(first.body.id)).toBeInstanceOf(Date);

      const at = new Date(Date.now() - 3_600_000);
      const clientId = newId(at);
      await request(running.url).post('/api/debug/events').set(INGEST).send(wireEvent({ id: clientId, timestamp: undefined })).expect(202);
      expect((await hot.get(clientId))!.timestamp).toBe(at.toISOString());
    });

    it('fills correlation_id from X-Correlation-Id, else from traceparent, never over the body', async () => {
      const fromHeader = wireEvent({ correlation_id: undefined });
      await request(running.url).post('/api/debug/events').set(INGEST).set('X-Correlation-Id', 'checkout-77').send(fromHeader).expect(202);
      expect((await hot.get(fromHeader.id as string))!.correlation_id).toBe('checkout-77');

      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const [a, b] = [wireEvent({ correlation_id: undefined }), wireEvent({ correlation_id: 'own' })];
      await request(running.url)
        .post('/api/debug/events/batch')
        .set(INGEST)
        .set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`)
        .send({ events: [a, b] })
        .expect(202);
      expect((await hot.get(a.id as string))!.correlation_id).toBe(traceId);
      expect((await hot.get(b.id as string))!.correlation_id).toBe('own');
    });

    it('answers 400 naming the field for a bad single event, in the envelope', async () => {
      const response = await request(running.url).post('/api/debug/events').set(INGEST).send(wireEvent({ level: 'loud' })).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(response.body.message).toContain('level must be one of: debug, info, warning, error, critical');
      expect(typeof response.body.requestId).toBe('string');
    });

    it('keeps the good events of a batch with bad ones mixed in: 207 with a reason per rejected event', async () => {
      const bad = badEvents();
      const good = wireBatch(5);
      const events = [good[0], ...bad.map((item) => item.event), ...good.slice(1)];
      const response = await request(running.url).post('/api/debug/events/batch').set(INGEST).send({ events }).expect(207);
      expect(response.body).toMatchObject({ accepted: 5, duplicates: 0, rejected: bad.length });
      expect(response.body.results).toHaveLength(events.length);
      bad.forEach((item, position) => {
        const result = response.body.results[position + 1];
        expect(result).toMatchObject({ index: position + 1, status: 'rejected' });
        expect(result.reason).toMatch(new RegExp(`^events\\[${position + 1}\\]\\.${item.field} `));
      });
      expect(response.body.results[0]).toEqual({ index: 0, status: 'accepted', id: good[0].id });
      expect(response.body.ids[1]).toBeNull();

      expect(await settled()).toBe(true);
      const rows = await warmRows(good.map((event) => event.id as string));
      expect(rows.map((row) => row.id).sort()).toEqual(good.map((event) => event.id).sort());
    });

    it('answers 400 with every reason when the whole batch is bad, and 400 for a malformed body', async () => {
      const response = await request(running.url)
        .post('/api/debug/events/batch')
        .set(INGEST)
        .send({ events: [wireEvent({ level: 'x' }), wireEvent({ component_id: 7 })] })
        .expect(400);
      expect(response.body.message).toMatch(/every event was rejected; the first: events\[0\]\.level must be one of/);
      expect(response.body.details.results[1]).toEqual({ index: 1, status: 'rejected', reason: 'events[1].component_id must be a string' });

      const notList = await request(running.url).post('/api/debug/events/batch').set(INGEST).send({ events: 'many' }).expect(400);
      expect(notList.body.message).toBe('events must be an array of events');
      await request(running.url).post('/api/debug/events/batch').set(INGEST).send({ events: [] }).expect(400);
    });

    it('answers 413 in the envelope past DEBUG_MAX_BATCH_EVENTS and past the body limit', async () => {
      const tooMany = await request(running.url).post('/api/debug/events/batch').set(INGEST).send({ events: wireBatch(201) }).expect(413);
      expect(tooMany.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large', details: { events: 201, limit: 200 } });
      const tooBig = await request(running.url)
        .post('/api/debug/events/batch')
        .set(INGEST)
        .send({ events: wireBatch(40, { message: 'y'.repeat(30_000) }) })
        .expect(413);
      expect(tooBig.body.message).toMatch(/over the limit/);
    });

    it('stores a batch sent twice, and three times at once, exactly once', async () => {
      const events = corpusEvents(150, 7);
      const first = await request(running.url).post('/api/debug/events/batch').set(INGEST).send({ events }).expect(202);
      expect(first.body).toMatchObject({ accepted: 150, duplicates: 0, rejected: 0 });
      expect(first.body.ids).toEqual(events.map((event) => event.id));
      const again = await request(running.url).post('/api/debug/events/batch').set(INGEST).send({ events }).expect(202);
      expect(again.body).toMatchObject({ accepted: 0, duplicates: 150 });

      const concurrent = corpusEvents(120, 8);
      const answers = await Promise.all(
        [1, 2, 3].map(() => request(running.url).post('/api/debug/events/batch').set(INGEST).send({ events: concurrent }).expect(202)),
      );
      expect(answers.reduce((sum, answer) => sum + answer.body.accepted, 0)).toBe(120);
      expect(answers.reduce((sum, answer) => sum + answer.body.duplicates, 0)).toBe(240);

      expect(await settled()).toBe(true);
      const ids = [...events, ...concurrent].map((event) => event.id);
      const [{ n_rows: rows, n_distinct: distinct }] = await dataSource.query(
        `SELECT count(*) AS n_rows, count(DISTINCT id) AS n_distinct FROM debug_events WHERE id IN (${ids.map((_, index) => (postgres ? `$${index + 1}` : '?')).join(', ')})`,
        ids,
      );
      expect(Number(rows)).toBe(270);
      expect(Number(distinct)).toBe(270);
      const single = wireEvent();
      await request(running.url).post('/api/debug/events').set(INGEST).send(single).expect(202);
      const duplicate = await request(running.url).post('/api/debug/events').set(INGEST).send(single).expect(202);
      expect(duplicate.body).toEqual({ id: single.id, status: 'duplicate' });
    });

    it('records state snapshots with versions, hashes and RFC 6902 diffs, and emits state_change', async () => {
      const states = [
        { status: 'idle', queue: [], retries: 0, config: { model: 'a', temperature: 0.2 } },
        { status: 'planning', queue: ['t1', 't2'], retries: 0, config: { temperature: 0.2, model: 'a' } },
        { status: 'planning', queue: ['t2'], retries: 1, config: { model: 'b', temperature: 0.2 }, error: 'timeout' },
      ];
      const answers: StateAnswer[] = [];
      for (const state of states) {
        const response = await request(running.url)
          .post('/api/debug/state')
          .set(INGEST)
          .set('X-Correlation-Id', 'state-flow-1')
          .send({ component_type: 'agent', component_id: 'planner-9', state })
          .expect(201);
        answers.push(response.body);
      }
      expect(answers.map((answer) => answer.version)).toEqual([1, 2, 3]);
      expect(answers[0]).toMatchObject({ previous_version: null, diff_from_previous: null });
      for (let index = 1; index < states.length; index++) {
        const patched = fastJsonPatch.applyPatch(structuredClone(states[index - 1]) as object, answers[index].diff_from_previous!).newDocument;
        expect(patched).toEqual(states[index]);
      }
      const canonical = '{"config":{"model":"a","temperature":0.2},"queue":["t1","t2"],"retries":0,"status":"planning"}';
      expect(answers[1].hash).toBe(createHash('sha256').update(canonical).digest('hex'));

      const rows = await dataSource.query(
        sql(`SELECT version, hash, diff_from_previous, correlation_id FROM debug_state_snapshots WHERE component_id = $1 ORDER BY version`),
        ['planner-9'],
      );
      expect(rows.map((row: { version: number }) => Number(row.version))).toEqual([1, 2, 3]);
      expect(rows[2].correlation_id).toBe('state-flow-1');
      const storedDiff = typeof rows[2].diff_from_previous === 'string' ? JSON.parse(rows[2].diff_from_previous) : rows[2].diff_from_previous;
      expect(storedDiff).toEqual(answers[2].diff_from_previous);

      const event = await hot.get(answers[2].event_id);
      expect(event).toMatchObject({ event_type: 'state_change', component_id: 'planner-9', correlation_id: 'state-flow-1' });
      expect(event!.data).toMatchObject({ version: 3, previous_version: 2, snapshot_id: answers[2].id, diff: answers[2].diff_from_previous });
      expect(streamed.some((message) => message.channel === 'debug:state_change' && message.payload.snapshot_id === answers[2].id)).toBe(true);
      expect(await settled()).toBe(true);
      expect(await warmRows([answers[2].event_id])).toHaveLength(1);
    });

    it('gives concurrent snapshots of one component consecutive versions', async () => {
      const responses = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          request(running.url).post('/api/debug/state').set(INGEST).send({ component_type: 'worker', component_id: 'race-1', state: { n: index } }).expect(201),
        ),
      );
      expect(responses.map((response) => response.body.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('answers a retried snapshot (same client id) with the stored one instead of adding a version', async () => {
      const id = newId();
      const post = (body: Record<string, unknown>) => request(running.url).post('/api/debug/state').set(INGEST).send(body);
      const first = await post({ id, component_type: 'agent', component_id: 'retry-1', state: { status: 'busy' } }).expect(201);
      expect(first.body).toMatchObject({ id, version: 1, duplicate: false });
      const retried = await post({ id, component_type: 'agent', component_id: 'retry-1', state: { status: 'busy' } }).expect(201);
      expect(retried.body).toEqual({ ...first.body, duplicate: true });
      const next = await post({ id: newId(), component_type: 'agent', component_id: 'retry-1', state: { status: 'idle' } }).expect(201);
      expect(next.body).toMatchObject({ version: 2, previous_version: 1, duplicate: false });

      const taken = await post({ id, component_type: 'agent', component_id: 'another-2', state: {} }).expect(409);
      expect(taken.body.message).toMatch(/already the id of a snapshot of agent\/retry-1/);
      const malformed = await post({ id: 'not-a-uuid', component_type: 'agent', component_id: 'retry-1', state: {} }).expect(400);
      expect(malformed.body.message).toMatch(/id must be a UUID/);

      const rows = await dataSource.query(sql(`SELECT version FROM debug_state_snapshots WHERE component_id = $1 ORDER BY version`), ['retry-1']);
      expect(rows.map((row: { version: number }) => Number(row.version))).toEqual([1, 2]);
      expect(await settled()).toBe(true);
      // The state_change event carries the snapshot's id, so the retry did not add a second event either.
      expect(await warmRows([id])).toHaveLength(1);
    });

    it('stores metric points, single and batch, with 207 for bad points in a batch', async () => {
      const single = await request(running.url)
        .post('/api/debug/metrics')
        .set(INGEST)
        .send({ name: 'queue.depth', value: 42, component_type: 'worker', component_id: 'billing-2', unit: 'jobs', tags: { region: 'eu' } })
        .expect(201);
      expect(single.body).toMatchObject({ accepted: 1, rejected: 0 });
      const batch = await request(running.url)
        .post('/api/debug/metrics')
        .set(INGEST)
        .send({
          metrics: [
            { name: 'latency.p99', value: 182.5, unit: 'ms', component_type: 'api', component_id: 'gateway-1' },
            { name: 'latency.p99', value: 'fast', component_type: 'api', component_id: 'gateway-1' },
            { name: 'tokens.used', value: 1532, component_type: 'agent', component_id: 'planner-7' },
          ],
        })
        .expect(207);
      expect(batch.body).toMatchObject({ accepted: 2, rejected: 1 });
      expect(batch.body.results[1]).toEqual({ index: 1, status: 'rejected', reason: 'metrics[1].value must be a number' });
      const ids = [single.body.ids[0], batch.body.ids[0], batch.body.ids[2]];
      const rows = await dataSource.query(
        sql(`SELECT name, value, unit, tags FROM debug_metrics WHERE id IN ($1, $2, $3) ORDER BY name`),
        ids,
      );
      expect(rows.map((row: { name: string; value: number }) => [row.name, Number(row.value)])).toEqual([
        ['latency.p99', 182.5],
        ['queue.depth', 42],
        ['tokens.used', 1532],
      ]);
      await request(running.url).post('/api/debug/metrics').set(INGEST).send({ name: 'x' }).expect(400);
      expect(streamed.some((message) => message.channel === 'debug:metric_update' && message.payload.name === 'tokens.used')).toBe(true);
    });

    it('needs the ingest scope', async () => {
      await request(running.url).post('/api/debug/events').send(wireEvent()).expect(401);
      await request(running.url).post('/api/debug/events').set('X-API-Key', 'reader-key-1').send(wireEvent()).expect(403);
    });

    it('counts accepted, duplicate, rejected and written events in Prometheus', async () => {
      expect(await settled()).toBe(true);
      const text = (await request(running.url).get('/api/debug/metrics').expect(200)).text;
      const value = (pattern: RegExp) => Number(text.match(pattern)?.[1] ?? NaN);
      expect(value(/^ads_ingest_accepted_total\{kind="event"\} (\d+)/m)).toBeGreaterThanOrEqual(280);
      expect(value(/^ads_ingest_duplicates_total (\d+)/m)).toBeGreaterThanOrEqual(391);
      expect(value(/^ads_ingest_rejected_total\{kind="event",reason="validation"\} (\d+)/m)).toBeGreaterThanOrEqual(19);
      expect(value(/^ads_ingest_events_written_total (\d+)/m)).toBeGreaterThanOrEqual(280);
      expect(value(/^ads_ingest_batch_write_seconds_count (\d+)/m)).toBeGreaterThan(0);
    });

    it('documents the ingestion endpoints in Swagger with examples', async () => {
      const document = (await request(running.url).get('/api/docs-json').expect(200)).body;
      for (const path of ['/api/debug/events', '/api/debug/events/batch', '/api/debug/state']) {
        expect(document.paths[path].post.requestBody.content['application/json'].examples).toBeDefined();
      }
      expect(document.components.schemas.IngestEventDto.properties.level.enum).toEqual(['debug', 'info', 'warning', 'error', 'critical']);
    });
  });
}

ingestSuite('embedded', async () => embeddedEnv());

describeWithPostgresAndRedis('full mode', () => {
  ingestSuite('full', () => fullModeEnv());
});

describeWithPostgresAndRedis('ingestion under backpressure and failure (full mode)', () => {
  it('answers 429 with Retry-After once the backlog passes DEBUG_INGEST_BACKLOG_LIMIT, and takes nothing it cannot keep', async () => {
    // An API-only process: nothing writes the journal out.
    const running = await startApp({ ...(await fullModeEnv()), DEBUG_ROLE: 'api', DEBUG_INGEST_BACKLOG_LIMIT: '50' });
    try {
      const first = wireBatch(40);
      await request(running.url).post('/api/debug/events/batch').send({ events: first }).expect(202);
      const refused = wireBatch(40);
      const response = await request(running.url).post('/api/debug/events/batch').send({ events: refused }).expect(429);
      expect(response.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', details: { limit: 50 } });
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const hot = running.app.get<HotStore>(HOT_STORE);
      expect(await hot.get(refused[0].id as string)).toBeNull();
      expect(await hot.get(first[0].id as string)).not.toBeNull();
      const status = await request(running.url).get('/api/debug/admin/ingest/status').expect(200);
      expect(status.body).toMatchObject({ queue: 'bull', journal_events: 40, waiting: 0, backlog_events: 40 });
    } finally {
      await running.close();
    }
  });

  it('writes the good events of a batch the warm store refuses one event of, parks that one in the failed set, lists it, and replays it once the cause is gone', async () => {
    const env = await fullModeEnv({ DEBUG_INGEST_ATTEMPTS: '2', DEBUG_INGEST_BACKOFF_MS: '10' });
    const running = await startApp(env);
    const dataSource = running.app.get(DataSource);
    try {
      // A constraint the warm store enforces and the API does not know about: the write fails for real.
      await dataSource.query(`ALTER TABLE debug_events ADD CONSTRAINT no_poison CHECK (message <> 'poison') NOT VALID`);
      const events = [wireEvent({ message: 'poison' }), wireEvent({ message: 'fine' })];
      await request(running.url).post('/api/debug/events/batch').send({ events }).expect(202);
      expect(await ingestSettled(running.app, 30_000)).toBe(true);

      const failed = await request(running.url).get('/api/debug/admin/ingest/failed').expect(200);
      expect(failed.body.total).toBe(1);
      // Only the refused event is parked (one attempt: it is refused for its content); its neighbour is written (issue 20).
      expect(failed.body.items[0]).toMatchObject({ events: 1, attempts_made: 1, first_event_id: events[0].id });
      expect(failed.body.items[0].failed_reason).toMatch(/no_poison/);
      const metrics = (await request(running.url).get('/api/debug/metrics')).text;
      expect(metrics).toMatch(/^ads_ingest_jobs_failed_total\{final="true"\} 1$/m);
      expect(await dataSource.query('SELECT id FROM debug_events WHERE id = $1', [events[1].id])).toHaveLength(1);

      await dataSource.query('ALTER TABLE debug_events DROP CONSTRAINT no_poison');
      const replay = await request(running.url).post('/api/debug/admin/ingest/replay').expect(201);
      expect(replay.body).toEqual({ replayed: 1 });
      expect(await ingestSettled(running.app, 30_000)).toBe(true);
      const rows = await dataSource.query('SELECT message FROM debug_events WHERE id = ANY($1) ORDER BY message', [events.map((event) => event.id)]);
      expect(rows.map((row: { message: string }) => row.message)).toEqual(['fine', 'poison']);
      expect((await request(running.url).get('/api/debug/admin/ingest/failed').expect(200)).body.total).toBe(0);
    } finally {
      await running.close();
    }
  });
});

describe('ingestion switched off', () => {
  it('answers 503 in the envelope with DEBUG_SYSTEM_ENABLED=false', async () => {
    const running = await startApp({ ...embeddedEnv(), DEBUG_SYSTEM_ENABLED: 'false' });
    try {
      const response = await request(running.url).post('/api/debug/events').send(wireEvent()).expect(503);
      expect(response.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      expect(response.body.message).toMatch(/DEBUG_SYSTEM_ENABLED=false/);
    } finally {
      await running.close();
    }
  });
});

export type { DebugEventRecord };
