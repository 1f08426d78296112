import request from 'supertest';
import { DataSource } from 'typeorm';
import { newId } from '../src/common/ids.js';
import { InsightsService } from '../src/insights/insights.service.js';
import { SessionsService } from '../src/sessions/sessions.service.js';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';
import {
  insertScenario,
  writeScenario,
  type WrittenScenario,
} from './scenarios/scenario-generator.js';

const KEYS = 'reader-key-1:read,writer-key-1:read+ingest';
const READ = { 'X-API-Key': 'reader-key-1' };
/** Opening and closing a session writes: the ingest scope (issue 20). */
const WRITE = { 'X-API-Key': 'writer-key-1' };

describeWithPostgresAndRedis('debug sessions (PostgreSQL + Redis)', () => {
  let running: RunningApp;
  let scenario: WrittenScenario;
  let dataSource: DataSource;
  const api = () => request(running.url);
  const burst = () => scenario.incidents.find((incident) => incident.name === 'error_burst')!;

  beforeAll(async () => {
    running = await startApp({ ...(await fullModeEnv()), DEBUG_API_KEYS: KEYS });
    dataSource = running.app.get(DataSource);
    scenario = await writeScenario(dataSource, { now: new Date(), seed: 5 });
    await running.app
      .get(InsightsService)
      .generate({ from: scenario.from, to: scenario.to }, scenario.now);
  });
  afterAll(async () => running?.close());

  async function createBurstSession() {
    const { from, to } = burst();
    const { body } = await api()
      .post('/api/debug/sessions')
      .set(WRITE)
      .send({
        name: 'pay-1 resets',
        description: 'connection resets on pay-1',
        filters: { components: ['pay-1'], from, to },
        created_by: 'agent:e2e',
      })
      .expect(201);
    return body;
  }

  it('refuses a read key opening or closing a session (403: the ingest scope writes)', async () => {
    const refused = await api()
      .post('/api/debug/sessions')
      .set(READ)
      .send({ name: 'read keys only read' })
      .expect(403);
    expect(refused.body.message).toContain('"ingest" scope');
    const { body: session } = await api()
      .post('/api/debug/sessions')
      .set(WRITE)
      .send({ name: 'opened by a writer' })
      .expect(201);
    await api()
      .put(`/api/debug/sessions/${session.id}/close`)
      .set(READ)
      .send({ summary: 'no' })
      .expect(403);
  });

  it('opens a session and lists it', async () => {
    const session = await createBurstSession();
    expect(session).toMatchObject({
      name: 'pay-1 resets',
      status: 'active',
      created_by: 'agent:e2e',
      closed_at: null,
      summary: null,
    });
    expect(session.filters).toEqual({ components: ['pay-1'], from: burst().from, to: burst().to });
    const { body } = await api().get('/api/debug/sessions').set(READ).expect(200);
    expect(body.items.map((item: { id: string }) => item.id)).toContain(session.id);
    expect(await running.app.get(SessionsService).filtersOf(session.id)).toEqual(session.filters);
  });

  it('shows its events count, the insights that touch its filters, and its timeline', async () => {
    const session = await createBurstSession();
    const { body } = await api().get(`/api/debug/sessions/${session.id}`).set(READ).expect(200);
    const [{ n }] = await dataSource.query(
      `SELECT count(*)::int AS n FROM debug_events WHERE component_id = 'pay-1' AND "timestamp" >= $1 AND "timestamp" <= $2`,
      [burst().from, burst().to],
    );
    expect(n).toBeGreaterThan(250);
    expect(body.events_count).toBe(n);
    expect(
      body.timeline.buckets.reduce(
        (sum: number, bucket: { events: number }) => sum + bucket.events,
        0,
      ),
    ).toBe(n);
    expect(
      body.timeline.buckets.reduce(
        (sum: number, bucket: { errors: number }) => sum + bucket.errors,
        0,
      ),
    ).toBeGreaterThanOrEqual(250);
    expect(body.timeline.notable_events.length).toBe(50);
    expect(
      new Set(
        body.timeline.notable_events.map((event: { component_id: string }) => event.component_id),
      ),
    ).toEqual(new Set(['pay-1']));
    expect(body.insights.length).toBeGreaterThan(0);
    expect(body.insights.map((insight: { title: string }) => insight.title).join(' | ')).toMatch(
      /pay-1|payment/i,
    );
  });

  it('scopes health, search and ask to the session', async () => {
    const session = await createBurstSession();
    const health = await api()
      .post('/api/debug/analytics/component-health')
      .set(READ)
      .send({ session_id: session.id, window_minutes: 5 })
      .expect(200);
    expect(
      health.body.components.map((component: { component: string }) => component.component),
    ).toEqual(['pay-1']);
    expect(health.body.window.to).toBe(burst().to);
    expect(health.body.components[0].status).toBe('unhealthy');

    const search = await api()
      .post('/api/debug/analytics/events-search')
      .set(READ)
      .send({ session_id: session.id, limit: 200 })
      .expect(200);
    expect(search.body.items).toHaveLength(200);
    for (const event of search.body.items) {
      expect(event.component_id).toBe('pay-1');
      expect(event.timestamp >= burst().from && event.timestamp <= burst().to).toBe(true);
    }

    const ask = await api()
      .post('/api/debug/ai/query')
      .set(READ)
      .send({ question: 'is it healthy?', session_id: session.id })
      .expect(200);
    expect(ask.body.intent).toBe('component_health');
    expect(
      ask.body.data.components.map((component: { component: string }) => component.component),
    ).toEqual(['pay-1']);
    // a count reads the session's components too, when the question names none
    const count = await api()
      .post('/api/debug/ai/query')
      .set(READ)
      .send({ question: 'how many errors?', session_id: session.id })
      .expect(200);
    expect(count.body.intent).toBe('count_events');
    expect(
      count.body.data.per_component.map((row: { component: string }) => row.component),
    ).toEqual(['pay-1']);
  });

  it('counts the events that carry its id when it has no filters', async () => {
    const { body: session } = await api()
      .post('/api/debug/sessions')
      .set(WRITE)
      .send({ name: 'tagged by the client' })
      .expect(201);
    const at = Date.now();
    const events = [0, 1, 2].map((index) => {
      const timestamp = new Date(at - 1000 + index).toISOString();
      return {
        id: newId(new Date(timestamp)),
        timestamp,
        event_type: 'log',
        level: index === 2 ? 'error' : 'info',
        component_type: 'checkout',
        component_id: 'checkout-9',
        correlation_id: null,
        parent_event_id: null,
        operation: null,
        duration_ms: null,
        message: `step ${index}`,
        data: null,
        metadata: null,
        session_id: session.id,
        pattern_id: null,
        ingested_at: timestamp,
      };
    });
    await insertScenario(dataSource, { events, snapshots: [] });
    const { body } = await api().get(`/api/debug/sessions/${session.id}`).set(READ).expect(200);
    expect(body.events_count).toBe(3);
    expect(body.timeline.notable_events.map((event: { message: string }) => event.message)).toEqual(
      ['step 2'],
    );
    const search = await api()
      .post('/api/debug/analytics/events-search')
      .set(READ)
      .send({ session_id: session.id })
      .expect(200);
    expect(search.body.items.map((event: { message: string }) => event.message)).toEqual([
      'step 2',
      'step 1',
      'step 0',
    ]);
  });

  it("generates insights over the session's scope (ingest scope)", async () => {
    const { from } = burst();
    const { body: session } = await api()
      .post('/api/debug/sessions')
      .set(WRITE)
      .send({
        name: 'pay-1 last 20 min',
        filters: { components: ['pay-1'], from, to: scenario.to.toISOString() },
      })
      .expect(201);
    await api().post(`/api/debug/sessions/${session.id}/insights/generate`).set(READ).expect(403);
    const { body } = await api()
      .post(`/api/debug/sessions/${session.id}/insights/generate`)
      .set({ 'X-API-Key': 'writer-key-1' })
      .expect(200);
    expect(body.scope).toMatchObject({
      from,
      to: scenario.to.toISOString(),
      components: [{ component_type: 'payment-service', component_id: 'pay-1' }],
    });
    const found = [...body.created, ...body.updated, ...body.regressed];
    expect(found.length + body.unchanged).toBeGreaterThan(0);
    for (const insight of found) {
      expect(
        insight.affected_components.map(
          (component: { component_id: string }) => component.component_id,
        ),
      ).toContain('pay-1');
    }
  });

  it('closes with a summary once, then answers 409', async () => {
    const session = await createBurstSession();
    const { body } = await api()
      .put(`/api/debug/sessions/${session.id}/close`)
      .set(WRITE)
      .send({ summary: 'pool resized' })
      .expect(200);
    expect(body).toMatchObject({ id: session.id, status: 'closed', summary: 'pool resized' });
    expect(Date.parse(body.closed_at)).toBeGreaterThanOrEqual(Date.parse(session.created_at));
    const again = await api()
      .put(`/api/debug/sessions/${session.id}/close`)
      .set(WRITE)
      .send({})
      .expect(409);
    expect(again.body.message).toMatch(/already closed/);
    const closed = await api().get('/api/debug/sessions?status=closed').set(READ).expect(200);
    expect(closed.body.items.map((item: { id: string }) => item.id)).toContain(session.id);
  });

  it('answers 404 for an unknown session, 400 naming the field for bad input', async () => {
    await api()
      .get('/api/debug/sessions/019ab3c2-0000-7000-8000-000000000001')
      .set(READ)
      .expect(404);
    await api()
      .post('/api/debug/analytics/component-health')
      .set(READ)
      .send({ session_id: '019ab3c2-0000-7000-8000-000000000001' })
      .expect(404);
    const badId = await api().get('/api/debug/sessions/nope').set(READ).expect(400);
    expect(JSON.stringify(badId.body.message)).toContain('id');
    const badLevel = await api()
      .post('/api/debug/sessions')
      .set(WRITE)
      .send({ name: 'x', filters: { levels: ['loud'] } })
      .expect(400);
    expect(JSON.stringify(badLevel.body.message)).toContain('levels');
    const badWindow = await api()
      .post('/api/debug/sessions')
      .set(WRITE)
      .send({ name: 'x', filters: { from: '2026-11-24T10:00:00Z', to: '2026-11-24T09:00:00Z' } })
      .expect(400);
    expect(JSON.stringify(badWindow.body)).toContain('filters.from');
    await api().post('/api/debug/sessions').set(WRITE).send({ filters: {} }).expect(400);
  });
});
