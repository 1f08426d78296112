import request from 'supertest';
import { DataSource } from 'typeorm';
import { PatternService } from '../src/patterns/pattern.service.js';
import { wireEvent } from './factories/events.js';
import { ingestSettled, startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

const KEYS = 'ingest-key-1:ingest,reader-key-1:read';
const INGEST = { 'X-API-Key': 'ingest-key-1' };
const READ = { 'X-API-Key': 'reader-key-1' };
const PATH = '/api/debug/analytics/error-patterns';

interface PatternBody {
  pattern_id: string;
  template: string;
  count: number;
  first_seen: string;
  last_seen: string;
  levels: Record<string, number>;
  components: { component_type: string; component_id: string; count: number }[];
  sample_event_ids: string[];
  total_count: number;
}

function patternsSuite(mode: string, env: () => Promise<Record<string, string>>) {
  describe(`GET /analytics/error-patterns (${mode})`, () => {
    let running: RunningApp;
    const timeouts = [
      ...Array.from({ length: 6 }, (_, i) =>
        wireEvent({
          level: 'error',
          component_type: 'payments',
          component_id: 'payments-1',
          message: `connection to db-${i} timed out after ${100 + i} ms`,
        }),
      ),
      ...Array.from({ length: 3 }, (_, i) =>
        wireEvent({
          level: 'critical',
          component_type: 'payments',
          component_id: 'payments-2',
          message: `connection to db-${i} timed out after ${900 + i} ms`,
        }),
      ),
    ];
    const retries = Array.from({ length: 4 }, (_, i) =>
      wireEvent({
        level: 'warning',
        component_type: 'orders',
        component_id: 'orders-1',
        message: `retrying order ${7000 + i} (attempt ${i + 1})`,
      }),
    );
    const chatter = Array.from({ length: 5 }, (_, i) =>
      wireEvent({
        level: 'info',
        component_type: 'orders',
        component_id: 'orders-1',
        message: `request ${i} handled in ${i * 3} ms`,
      }),
    );
    const get = (query: Record<string, string | number> = {}) =>
      request(running.url).get(PATH).query(query).set(READ);

    beforeAll(async () => {
      running = await startApp({ ...(await env()), DEBUG_API_KEYS: KEYS });
      await request(running.url)
        .post('/api/debug/events/batch')
        .set(INGEST)
        .send({ events: [...timeouts, ...retries, ...chatter] })
        .expect((response) => expect(response.status).toBeLessThan(300));
      expect(await ingestSettled(running.app, 30_000)).toBe(true);
      await running.app.get(PatternService).flush(); // stored totals are written after the rows
    });
    afterAll(async () => running?.close());

    it('lists warning-and-above patterns, most frequent first, with levels, components, times and samples', async () => {
      const response = await get().expect(200);
      expect(response.body).toMatchObject({
        total: 2,
        limit: 50,
        offset: 0,
        levels: ['warning', 'error', 'critical'],
      });
      const [first, second] = response.body.items as PatternBody[];
      expect(first).toMatchObject({
        template: 'connection to <*> timed out after <*>',
        count: 9,
        levels: { error: 6, critical: 3 },
        total_count: 9,
      });
      expect(first.components).toEqual([
        { component_type: 'payments', component_id: 'payments-1', count: 6 },
        { component_type: 'payments', component_id: 'payments-2', count: 3 },
      ]);
      const times = timeouts.map((e) => Date.parse(e.timestamp as string));
      expect(Date.parse(first.first_seen)).toBe(Math.min(...times));
      expect(Date.parse(first.last_seen)).toBe(Math.max(...times));
      expect(first.sample_event_ids.length).toBeGreaterThan(0);
      const ids = new Set(timeouts.map((e) => e.id));
      expect(first.sample_event_ids.every((id) => ids.has(id))).toBe(true);
      expect(second).toMatchObject({
        template: 'retrying order <*> (attempt <*>)',
        count: 4,
        levels: { warning: 4 },
      });
    });

    it('stores the same pattern id on the events in the warm store', async () => {
      const first = ((await get().expect(200)).body.items as PatternBody[])[0];
      const dataSource = running.app.get(DataSource);
      const placeholders = timeouts
        .map((_, i) => (dataSource.options.type === 'postgres' ? `$${i + 1}` : '?'))
        .join(', ');
      const rows: { pattern_id: string }[] = await dataSource.query(
        `SELECT pattern_id FROM debug_events WHERE id IN (${placeholders})`,
        timeouts.map((e) => e.id),
      );
      expect(rows).toHaveLength(timeouts.length);
      expect(new Set(rows.map((row) => row.pattern_id))).toEqual(new Set([first.pattern_id]));
    });

    it('filters by level, component and minimum count, and pages', async () => {
      const info = await get({ level: 'info' }).expect(200);
      expect(info.body.items.map((p: PatternBody) => [p.template, p.count])).toEqual([
        ['request <*> handled in <*>', 5],
      ]);

      const critical = await get({ level: 'error,critical', component_id: 'payments-2' }).expect(
        200,
      );
      expect(critical.body.items).toHaveLength(1);
      expect(critical.body.items[0]).toMatchObject({ count: 3, levels: { critical: 3 } });

      const orders = await get({ component_type: 'orders' }).expect(200);
      expect(orders.body.items.map((p: PatternBody) => p.count)).toEqual([4]);

      expect(
        (await get({ min_count: 5 }).expect(200)).body.items.map((p: PatternBody) => p.count),
      ).toEqual([9]);

      const page1 = await get({ limit: 1 }).expect(200);
      expect(page1.body).toMatchObject({ total: 2, limit: 1, offset: 0, next_cursor: '1' });
      const page2 = await get({ limit: 1, cursor: page1.body.next_cursor }).expect(200);
      expect(page2.body).toMatchObject({ total: 2, limit: 1, offset: 1, next_cursor: null });
      expect(page2.body.items.map((p: PatternBody) => p.count)).toEqual([4]);
      expect((await get({ limit: 1, offset: 1 }).expect(200)).body.items).toEqual(page2.body.items);
    });

    it('counts only the time range asked for', async () => {
      const earliest = Math.min(
        ...[...timeouts, ...retries].map((e) => Date.parse(e.timestamp as string)),
      );
      const before = await get({
        from: new Date(earliest - 3_600_000).toISOString(),
        to: new Date(earliest).toISOString(),
      }).expect(200);
      expect(before.body).toMatchObject({ total: 0, items: [], next_cursor: null });
    });

    it('answers 400 naming the field for bad filters, and 401 without a key', async () => {
      const badLevel = await get({ level: 'loud' }).expect(400);
      expect(JSON.stringify(badLevel.body)).toContain('level');
      expect(JSON.stringify((await get({ limit: 0 }).expect(400)).body)).toContain('limit');
      expect(JSON.stringify((await get({ from: 'yesterday' }).expect(400)).body)).toContain('from');
      expect(JSON.stringify((await get({ nonsense: 1 }).expect(400)).body)).toContain('nonsense');
      const reversed = await get({
        from: '2026-11-24T10:00:00Z',
        to: '2026-11-24T09:00:00Z',
      }).expect(400);
      expect(reversed.body.message).toMatch(/from must be before to/);
      await request(running.url).get(PATH).expect(401);
    });

    it('is in the OpenAPI document', async () => {
      const docs = await request(running.url).get('/api/docs-json').expect(200);
      const operation = docs.body.paths[PATH]?.get;
      expect(operation).toBeDefined();
      expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining([
          'from',
          'to',
          'component_type',
          'component_id',
          'level',
          'min_count',
          'limit',
          'offset',
        ]),
      );
    });
  });
}

patternsSuite('embedded', async () => embeddedEnv());

describeWithPostgresAndRedis('full mode', () => {
  patternsSuite('full', () => fullModeEnv());
});
