import request from 'supertest';
import { DataSource } from 'typeorm';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';
import { writeScenario, type WrittenScenario } from './scenarios/scenario-generator.js';

const KEYS = 'ingest-key-1:ingest,reader-key-1:read';
const READ = { 'X-API-Key': 'reader-key-1' };
const INGEST = { 'X-API-Key': 'ingest-key-1' };

/**
 * Two API instances on one PostgreSQL and one Redis: a repeated health query is served from
 * the cache; a new event of the component drops the entry on the instance that took it and,
 * through Redis pub/sub, on the other one.
 */
describeWithPostgresAndRedis('query cache across two API instances (PostgreSQL + Redis)', () => {
  let first: RunningApp;
  let second: RunningApp;
  let scenario: WrittenScenario;

  const health = (app: RunningApp) =>
    request(app.url)
      .post('/api/debug/analytics/component-health')
      .set(READ)
      .send({ components: ['payment-service'], window_minutes: 30, at: scenario.now.toISOString() })
      .expect(200);
  const stats = async (app: RunningApp) =>
    (await request(app.url).get('/api/debug/cache/stats').set(READ).expect(200)).body;
  const ingest = (app: RunningApp, componentType: string, componentId: string) =>
    request(app.url)
      .post('/api/debug/events')
      .set(INGEST)
      .send({
        event_type: 'error',
        level: 'error',
        component_type: componentType,
        component_id: componentId,
        message: 'card network unreachable',
      })
      .expect(202);

  beforeAll(async () => {
    const env = { ...(await fullModeEnv()), DEBUG_API_KEYS: KEYS };
    first = await startApp(env);
    second = await startApp({ ...env, DEBUG_ROLE: 'api' });
    scenario = await writeScenario(first.app.get(DataSource), {
      now: new Date(),
      seed: 3,
      incidents: ['error_burst'],
    });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('serves a repeated health query from the cache and counts it', async () => {
    const before = await stats(first);
    const cold = await health(first);
    expect(cold.body.cached).toBe(false);
    const warm = await health(first);
    expect(warm.body.cached).toBe(true);
    expect(warm.body.computed_at).toBe(cold.body.computed_at);
    expect(warm.body.components).toEqual(cold.body.components);
    const after = await stats(first);
    expect(after.hits - before.hits).toBe(1);
    expect(after.misses - before.misses).toBe(1);
    expect(after.size).toBeGreaterThanOrEqual(1);
    expect(after).toMatchObject({ enabled: true, ttl_seconds: 300, redis_fan_out: true });
    expect(after.hit_rate).toBeCloseTo(after.hits / (after.hits + after.misses), 3);
  });

  it('keeps the entry when another component gets events', async () => {
    await health(first);
    await ingest(first, 'cache-node', 'cache-1');
    expect((await health(first)).body.cached).toBe(true);
  });

  it("drops the component's entries on both instances when it gets a new event", async () => {
    await health(second);
    expect((await health(second)).body.cached).toBe(true);
    expect((await health(first)).body.cached).toBe(true);
    const { invalidations_received: received, invalidations: dropped } = await stats(second);

    await ingest(first, 'payment-service', 'pay-2');

    expect((await health(first)).body.cached).toBe(false);
    // The other instance hears of it through Redis pub/sub: wait for it to drop an entry, not for a
    // time (nor for any message: the late invalidation of the previous test's event may come first).
    for (
      let attempt = 0;
      attempt < 200 && (await stats(second)).invalidations === dropped;
      attempt++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect((await stats(second)).invalidations_received).toBeGreaterThan(received);
    expect((await stats(second)).invalidations).toBeGreaterThan(dropped);
    expect((await health(second)).body.cached).toBe(false);
    expect((await health(second)).body.cached).toBe(true);
  });
});
