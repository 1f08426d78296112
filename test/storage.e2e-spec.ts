import request from 'supertest';
import { newId } from '../src/common/ids.js';
import { HOT_STORE, type HotStore } from '../src/storage/hot/hot-store.js';
import { ingestSettled, startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

const KEYS = 'tier-ingest-key:ingest,tier-reader-key:read,tier-admin-key:admin';
const DAY = 86_400_000;

/**
 * The user's path through the tiers, on the service as `npm start` runs it: events sent
 * over HTTP with timestamps 9 days old are read back from the hot tier, then the warm
 * store, then (after POST /storage/migrate) the cold tier, unchanged.
 */
function tiersSuite(mode: string, makeEnv: () => Promise<Record<string, string>>) {
  describe(`events through the three tiers (${mode})`, () => {
    let running: RunningApp;
    // An hour into one UTC day 9 days back: the archive moves whole days older than the warm
    // retention (7 days), so events that crossed a midnight would stay half warm.
    const oldStart = Math.floor((Date.now() - 9 * DAY) / DAY) * DAY + 3_600_000;
    const events = Array.from({ length: 120 }, (_, index) => {
      const timestamp = new Date(oldStart + index * 1000);
      return {
        id: newId(timestamp),
        timestamp: timestamp.toISOString(),
        event_type: index % 3 === 0 ? 'error' : 'log',
        level: index % 3 === 0 ? 'error' : 'info',
        component_type: 'checkout',
        component_id: `checkout-${index % 2}`,
        correlation_id: `order-${index % 10}`,
        operation: 'pay',
        duration_ms: 40 + index,
        message: `payment ${index} ${index % 3 === 0 ? 'declined' : 'accepted'}`,
        data: { amount: index * 3, currency: 'EUR', items: [index, index + 1] },
        metadata: { region: 'eu-1' },
      };
    });
    const ids = events.map((event) => event.id);
    const range = {
      from: new Date(oldStart - 1000).toISOString(),
      to: new Date(oldStart + 200_000).toISOString(),
      order: 'asc',
      limit: 50,
    };

    const get = (path: string, query: Record<string, unknown> = {}) =>
      request(running.url)
        .get(`/api/debug${path}`)
        .set('X-API-Key', 'tier-reader-key')
        .query(query);

    async function pages(query: Record<string, unknown>) {
      const rows: Record<string, unknown>[] = [];
      let cursor: string | undefined;
      do {
        const response = await get('/events', { ...query, ...(cursor ? { cursor } : {}) }).expect(
          200,
        );
        rows.push(...response.body.items);
        cursor = response.body.next_cursor ?? undefined;
      } while (cursor);
      return rows;
    }

    beforeAll(async () => {
      running = await startApp({ ...(await makeEnv()), DEBUG_API_KEYS: KEYS });
    });
    afterAll(async () => running?.close());

    it('hot, then warm, then cold: the same event from each, with the tier named', async () => {
      const accepted = await request(running.url)
        .post('/api/debug/events/batch')
        .set('X-API-Key', 'tier-ingest-key')
        .send({ events })
        .expect(202);
      expect(JSON.stringify(accepted.body)).toContain(ids[0]);

      const fromHot = await get(`/events/${ids[7]}`).expect(200);
      expect(fromHot.body.tier).toBe('hot');

      // The ingest worker writes the warm store; wait for its queue to empty.
      expect(await ingestSettled(running.app, 30_000)).toBe(true);
      const warmRange = await pages(range);
      expect(warmRange.map((row) => row.id)).toEqual(ids);
      expect(warmRange.every((row) => row.tier === 'warm')).toBe(true);

      // The hot tier's TTL has not run out in this test: forget the ids as expiry would.
      await running.app.get<HotStore>(HOT_STORE).remove(ids);
      const fromWarm = await get(`/events/${ids[7]}`).expect(200);
      expect(fromWarm.body.tier).toBe('warm');
      const { tier: _hotTier, ...hotRecord } = fromHot.body;
      const { tier: _warmTier, ...warmRecord } = fromWarm.body;
      // The ingest worker may add pattern_id on its way to the warm store; all else is as accepted.
      expect({ ...warmRecord, pattern_id: null }).toEqual({ ...hotRecord, pattern_id: null });

      const migrated = await request(running.url)
        .post('/api/debug/storage/migrate')
        .set('X-API-Key', 'tier-admin-key')
        .send({})
        .expect(200);
      expect(migrated.body).toMatchObject({
        job: 'warm-to-cold',
        outcome: 'ok',
        trigger: 'manual',
      });
      expect(migrated.body.summary.tables.debug_events.rows).toBe(120);

      const fromCold = await get(`/events/${ids[7]}`).expect(200);
      expect(fromCold.body.tier).toBe('cold');
      const { tier: _coldTier, ...coldRecord } = fromCold.body;
      expect(coldRecord).toEqual(warmRecord);

      const coldRange = await pages(range);
      expect(coldRange.every((row) => row.tier === 'cold')).toBe(true);
      const strip = (rows: Record<string, unknown>[]) =>
        rows.map(({ tier: _tier, ...rest }) => rest);
      expect(strip(coldRange)).toEqual(strip(warmRange));

      const declined = await pages({ ...range, component_id: 'checkout-1', text: 'DECLINED' });
      expect(declined.map((row) => row.id)).toEqual(
        events
          .filter(
            (event) => event.component_id === 'checkout-1' && event.message.includes('declined'),
          )
          .map((event) => event.id),
      );
    });

    it('reports the move in storage stats, and guards the admin routes', async () => {
      await request(running.url)
        .post('/api/debug/storage/migrate')
        .set('X-API-Key', 'tier-reader-key')
        .send({})
        .expect(403);
      const badJob = await request(running.url)
        .post('/api/debug/storage/migrate')
        .set('X-API-Key', 'tier-admin-key')
        .send({ job: 'drop-everything' })
        .expect(400);
      expect(badJob.body.message).toContain('job');
      const stats = await request(running.url)
        .get('/api/debug/storage/stats')
        .set('X-API-Key', 'tier-admin-key')
        .expect(200);
      expect(stats.body.cold.tables.debug_events).toMatchObject({
        rows: 120,
        unreleased_segments: 0,
      });
      expect(stats.body.cold.store).toBe('local');
      expect(stats.body.warm.tables.debug_events.rows).toBe(0);
      expect(stats.body.jobs['warm-to-cold'].last_runs[0]).toMatchObject({ outcome: 'ok' });
      expect(stats.body.jobs['warm-to-cold'].last_runs[0].summary.tables.debug_events.rows).toBe(
        120,
      );
    });
  });
}

tiersSuite('embedded: SQLite + in-process queue', async () => embeddedEnv());

describeWithPostgresAndRedis('full mode', () => {
  tiersSuite('full: PostgreSQL + Redis', () => fullModeEnv());
});
