import request from 'supertest';
import { DataSource } from 'typeorm';
import { startApp, type RunningApp } from './support/app.js';
import { embeddedEnv } from './support/services.js';
import {
  writeScenario,
  type InjectedIncident,
  type WrittenScenario,
} from './scenarios/scenario-generator.js';

/** The same queries on the embedded mode (SQLite, no Redis): the SQL that differs by dialect. */
describe('query API, sessions and cache on SQLite (embedded mode)', () => {
  let running: RunningApp;
  let scenario: WrittenScenario;
  const incident = (name: InjectedIncident['name']) =>
    scenario.incidents.find((item) => item.name === name)!;
  const post = (path: string, body: unknown) =>
    request(running.url)
      .post(`/api/debug${path}`)
      .send(body as object);
  const get = (path: string) => request(running.url).get(`/api/debug${path}`);

  beforeAll(async () => {
    running = await startApp(embeddedEnv());
    scenario = await writeScenario(running.app.get(DataSource), {
      now: new Date(),
      seed: 9,
      hours: 2,
    });
  });
  afterAll(async () => running?.close());

  it('health: percentiles, instances and silence without a percentile aggregate', async () => {
    const { body } = await post('/analytics/component-health', {
      components: ['payment-service/pay-1', 'worker-3', 'api-gateway'],
      window_minutes: 20,
      at: scenario.now.toISOString(),
    }).expect(200);
    const byName = Object.fromEntries(
      body.components.map((component: { component: string }) => [component.component, component]),
    );
    expect(byName['payment-service/pay-1'].status).toBe('unhealthy');
    expect(byName['payment-service/pay-1'].metrics.p95_ms).toBeGreaterThan(0);
    expect(byName['worker-3'].reasons.map((reason: { code: string }) => reason.code)).toContain(
      'silent',
    );
    expect(byName['api-gateway']).toMatchObject({
      status: 'healthy',
      metrics: expect.objectContaining({ instances: 2 }),
    });
    // a store 2 hours old: the worker's baseline is the time it has existed, not 24 hours of
    // slices mostly from before its first event (its rate diluted, its silence "too little history")
    const young = await post('/analytics/component-health', {
      components: ['worker-3'],
      window_minutes: 10,
      at: scenario.now.toISOString(),
    }).expect(200);
    const [worker] = young.body.components;
    expect(worker.reasons.map((reason: { code: string }) => reason.code)).toContain('silent');
    expect(worker.status).not.toBe('healthy');
    const again = await post('/analytics/component-health', {
      components: ['payment-service/pay-1', 'worker-3', 'api-gateway'],
      window_minutes: 20,
      at: scenario.now.toISOString(),
    }).expect(200);
    expect(again.body.cached).toBe(true);
    expect((await get('/cache/stats').expect(200)).body).toMatchObject({
      redis_fan_out: false,
      hits: 1,
    });
  });

  it('explain, progress, compare and slow operations', async () => {
    const propagation = incident('error_propagation');
    const explain = await get(`/errors/${propagation.eventIds[2]}/explain`).expect(200);
    expect(explain.body.root_cause.event.id).toBe(propagation.rootCause!.eventId);
    const progress = await get(`/operations/${incident('stuck_flow').correlationIds![0]}`).expect(
      200,
    );
    expect(progress.body.status).toBe('stuck');
    const compare = await post('/analytics/compare', { components: ['cache-node'] }).expect(200);
    expect(
      compare.body.state_differences.map((difference: { path: string }) => difference.path),
    ).toContain('/cache/max_memory_mb');
    const slow = await post('/analytics/slow-operations', {
      components: ['order-service'],
      window_minutes: 60,
      at: scenario.now.toISOString(),
    }).expect(200);
    expect(slow.body.slowest[0].operation).toBe('create-order');
  });

  it('ask and a session with its timeline', async () => {
    const ask = await post('/ai/query', {
      question: `show errors for correlation ${incident('error_propagation').correlationIds![0]}`,
    }).expect(200);
    expect(ask.body.data.items).toHaveLength(3);
    const burst = incident('error_burst');
    const { body: session } = await post('/sessions', {
      name: 'burst',
      filters: { components: ['pay-1'], from: burst.from, to: burst.to },
    }).expect(201);
    const { body } = await get(`/sessions/${session.id}`).expect(200);
    expect(body.events_count).toBeGreaterThan(250);
    expect(
      body.timeline.buckets.reduce(
        (sum: number, bucket: { events: number }) => sum + bucket.events,
        0,
      ),
    ).toBe(body.events_count);
    await request(running.url)
      .put(`/api/debug/sessions/${session.id}/close`)
      .send({ summary: 'done' })
      .expect(200);
  });
});
