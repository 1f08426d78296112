import { DataSource } from 'typeorm';
import request from 'supertest';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import { newId } from '../src/common/ids.js';
import type { InsightView } from '../src/insights/insight.types.js';
import { LateEventMinutes } from '../src/insights/late-event-minutes.js';
import { AppEventBus } from '../src/common/events/app-event-bus.js';
import type { AppEvent } from '../src/common/events/app-events.js';
import { type StreamMessage, streamMessagesOf } from '../src/streaming/stream-messages.js';
import {
  buildScenario,
  insertScenario,
  writeScenario,
  type WrittenScenario,
} from './scenarios/scenario-generator.js';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

const KEYS = 'ingest-key-1:ingest,reader-key-1:read';
const READ = { 'X-API-Key': 'reader-key-1' };
const WRITE = { 'X-API-Key': 'ingest-key-1' };

function insightsSuite(mode: string, env: () => Promise<Record<string, string>>) {
  describe(`insights endpoints (${mode})`, () => {
    let running: RunningApp;
    let scenario: WrittenScenario;
    let generated: {
      created: InsightView[];
      updated: InsightView[];
      regressed: InsightView[];
      unchanged: number;
    };
    const streamed: StreamMessage[] = [];

    beforeAll(async () => {
      running = await startApp({
        ...(await env()),
        DEBUG_API_KEYS: KEYS,
        DEBUG_INSIGHT_INTERVAL_SECONDS: '0',
      });
      for (const name of [
        'events.accepted',
        'insight.changed',
        'state.changed',
        'metric.recorded',
      ] as const) {
        running.app
          .get(AppEventBus)
          .on(name, (payload) => streamed.push(...streamMessagesOf({ name, payload } as AppEvent)));
      }
      scenario = await writeScenario(running.app.get(DataSource), { seed: 3 });
    }, 120_000);
    afterAll(async () => running?.close());

    const body = () => ({ from: scenario.from.toISOString(), to: scenario.to.toISOString() });

    it('generates on demand and answers what it created, streaming each new insight (severe ones as alerts)', async () => {
      const response = await request(running.url)
        .post('/api/debug/insights/generate')
        .set(WRITE)
        .send(body())
        .expect(200);
      generated = response.body;
      expect(response.body.scope).toMatchObject({
        from: scenario.from.toISOString(),
        to: scenario.to.toISOString(),
      });
      expect(generated.created.length).toBeGreaterThanOrEqual(scenario.incidents.length);
      const kinds = new Set(
        generated.created.map((insight) => `${insight.insight_type}/${insight.evidence.kind}`),
      );
      for (const incident of scenario.incidents)
        expect(kinds).toContain(`${incident.expected.type}/${incident.expected.kind}`);
      const insightIds = streamed
        .filter((message) => message.channel === 'debug:insight')
        .map((message) => message.payload.id);
      expect(insightIds.sort()).toEqual(generated.created.map((insight) => insight.id).sort());
      const alertIds = streamed
        .filter((message) => message.channel === 'debug:alert')
        .map((message) => message.payload.id);
      const severe = generated.created.filter(
        (insight) => insight.severity === 'high' || insight.severity === 'critical',
      );
      expect(severe.length).toBeGreaterThan(0);
      expect(alertIds.sort()).toEqual(severe.map((insight) => insight.id).sort());
    });

    it('needs the ingest scope to generate, and rejects bad scopes naming the field', async () => {
      await request(running.url)
        .post('/api/debug/insights/generate')
        .set(READ)
        .send({})
        .expect(403);
      const badDate = await request(running.url)
        .post('/api/debug/insights/generate')
        .set(WRITE)
        .send({ from: 'yesterday' })
        .expect(400);
      expect(JSON.stringify(badDate.body)).toContain('from');
      const reversed = await request(running.url)
        .post('/api/debug/insights/generate')
        .set(WRITE)
        .send({ from: scenario.to.toISOString(), to: scenario.from.toISOString() })
        .expect(400);
      expect(reversed.body.message).toMatch(/from must be before to/);
      const component = await request(running.url)
        .post('/api/debug/insights/generate')
        .set(WRITE)
        .send({ components: [{}] })
        .expect(400);
      expect(JSON.stringify(component.body)).toContain('component_type');
      // names, as the other routes take them: a type, or type/id
      const named = await request(running.url)
        .post('/api/debug/insights/generate')
        .set(WRITE)
        .send({
          from: scenario.from.toISOString(),
          to: scenario.to.toISOString(),
          components: ['payment-service', 'report-worker/worker-3'],
        })
        .expect(200);
      expect(named.body.scope.components).toEqual([
        { component_type: 'payment-service' },
        { component_type: 'report-worker', component_id: 'worker-3' },
      ]);
      const notAName = await request(running.url)
        .post('/api/debug/insights/generate')
        .set(WRITE)
        .send({ components: [42] })
        .expect(400);
      expect(JSON.stringify(notAName.body)).toContain('components');
      await request(running.url)
        .post('/api/debug/insights/generate')
        .set(WRITE)
        .send({ window: '1h' })
        .expect(400);
      const tooLong = await request(running.url)
        .post('/api/debug/insights/generate')
        .set(WRITE)
        .send({ from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' })
        .expect(400);
      expect(tooLong.body.message).toMatch(/7 days/);
    });

    it('lists with filters and paging', async () => {
      const all = await request(running.url)
        .get('/api/debug/insights?limit=500')
        .set(READ)
        .expect(200);
      expect(all.body.total).toBe(generated.created.length);
      const flows = await request(running.url)
        .get('/api/debug/insights?type=flow')
        .set(READ)
        .expect(200);
      expect(flows.body.items.length).toBeGreaterThan(0);
      expect(
        flows.body.items.every((insight: InsightView) => insight.insight_type === 'flow'),
      ).toBe(true);
      const db = await request(running.url)
        .get('/api/debug/insights?component=db-1')
        .set(READ)
        .expect(200);
      expect(db.body.items.length).toBeGreaterThan(0);
      expect(
        db.body.items.every((insight: InsightView) =>
          insight.affected_components.some((c) => c.component_id === 'db-1'),
        ),
      ).toBe(true);
      const caches = await request(running.url)
        .get('/api/debug/insights?component_type=cache-node&type=consistency')
        .set(READ)
        .expect(200);
      expect(caches.body.items.map((insight: InsightView) => insight.evidence.kind).sort()).toEqual(
        ['diverging_state', 'stale_version'],
      );
      const severe = await request(running.url)
        .get('/api/debug/insights?min_severity=high')
        .set(READ)
        .expect(200);
      expect(
        severe.body.items.every((insight: InsightView) =>
          ['high', 'critical'].includes(insight.severity),
        ),
      ).toBe(true);
      const page1 = await request(running.url)
        .get('/api/debug/insights?limit=2&offset=0')
        .set(READ)
        .expect(200);
      expect(page1.body).toMatchObject({
        limit: 2,
        offset: 0,
        total: all.body.total,
        next_cursor: '2',
      });
      const page2 = await request(running.url)
        .get(`/api/debug/insights?limit=2&cursor=${page1.body.next_cursor}`)
        .set(READ)
        .expect(200);
      expect(page1.body.items.map((i: InsightView) => i.id)).toEqual(
        all.body.items.slice(0, 2).map((i: InsightView) => i.id),
      );
      expect(page2.body.items.map((i: InsightView) => i.id)).toEqual(
        all.body.items.slice(2, 4).map((i: InsightView) => i.id),
      );
      const later = await request(running.url)
        .get(
          `/api/debug/insights?from=${new Date(scenario.to.getTime() + 3_600_000).toISOString()}`,
        )
        .set(READ)
        .expect(200);
      expect(later.body.total).toBe(0);
      const badLimit = await request(running.url)
        .get('/api/debug/insights?limit=0')
        .set(READ)
        .expect(400);
      expect(JSON.stringify(badLimit.body)).toContain('limit');
      await request(running.url).get('/api/debug/insights?type=bogus').set(READ).expect(400);
      await request(running.url).get('/api/debug/insights').expect(401);
    });

    it('reads one insight, 404 for an unknown id, 400 for a malformed one', async () => {
      const propagation = generated.created.find(
        (insight) => insight.evidence.kind === 'error_propagation',
      )!;
      const one = await request(running.url)
        .get(`/api/debug/insights/${propagation.id}`)
        .set(READ)
        .expect(200);
      expect(one.body).toMatchObject({
        id: propagation.id,
        status: 'open',
        occurrences: 1,
        insight_type: 'flow',
      });
      expect(one.body.evidence.root_cause.component).toEqual({
        component_type: 'db-proxy',
        component_id: 'db-1',
      });
      expect(one.body.confidence_factors).toHaveProperty('corroboration');
      const missing = await request(running.url)
        .get(`/api/debug/insights/${newId()}`)
        .set(READ)
        .expect(404);
      expect(missing.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      await request(running.url).get('/api/debug/insights/not-a-uuid').set(READ).expect(400);
    });

    it('resolves with a note; the same evidence again leaves it resolved; new evidence reopens it as regressed', async () => {
      const burst = generated.created.find((insight) => insight.evidence.kind === 'burst')!;
      const noNote = await request(running.url)
        .put(`/api/debug/insights/${burst.id}/resolve`)
        .set(WRITE)
        .send({})
        .expect(400);
      expect(JSON.stringify(noNote.body)).toContain('note');
      await request(running.url)
        .put(`/api/debug/insights/${burst.id}/resolve`)
        .set(READ)
        .send({ note: 'x' })
        .expect(403);
      await request(running.url)
        .put(`/api/debug/insights/${newId()}/resolve`)
        .set(WRITE)
        .send({ note: 'x' })
        .expect(404);
      const resolved = await request(running.url)
        .put(`/api/debug/insights/${burst.id}/resolve`)
        .set(WRITE)
        .send({ note: 'payment gateway keep-alive fixed in 4.2.2' })
        .expect(200);
      expect(resolved.body).toMatchObject({
        status: 'resolved',
        resolution: 'payment gateway keep-alive fixed in 4.2.2',
      });
      expect(Date.parse(resolved.body.resolved_at)).not.toBeNaN();

      const again = await request(running.url)
        .post('/api/debug/insights/generate')
        .set(WRITE)
        .send(body())
        .expect(200);
      expect(again.body.created).toEqual([]);
      expect(again.body.regressed).toEqual([]);
      const still = await request(running.url)
        .get(`/api/debug/insights/${burst.id}`)
        .set(READ)
        .expect(200);
      expect(still.body.status).toBe('resolved');

      // the same error pattern bursts again after the resolution
      const resolvedAt = Date.parse(resolved.body.resolved_at);
      const pay1 = { component_type: 'payment-service', component_id: 'pay-1' };
      const events: DebugEventRecord[] = Array.from({ length: 80 }, (_, index) => {
        const timestamp = new Date(resolvedAt + 1000 + index * 500).toISOString();
        return {
          id: newId(new Date(timestamp)),
          timestamp,
          event_type: 'error',
          level: 'error',
          ...pay1,
          correlation_id: null,
          parent_event_id: null,
          operation: null,
          duration_ms: null,
          message: 'payment gateway connection reset (code=ECONNRESET, attempt=2)',
          data: null,
          metadata: null,
          session_id: null,
          pattern_id: burst.evidence.pattern_id as string,
          ingested_at: timestamp,
        };
      });
      await insertScenario(running.app.get(DataSource), { events, snapshots: [] });
      const streamedBefore = streamed.length;
      const later = await request(running.url)
        .post('/api/debug/insights/generate')
        .set(WRITE)
        .send({
          from: new Date(resolvedAt - 3_000_000).toISOString(),
          to: new Date(resolvedAt + 300_000).toISOString(),
        })
        .expect(200);
      const regressed = later.body.regressed.find(
        (insight: InsightView) => insight.id === burst.id,
      );
      expect(regressed).toMatchObject({
        status: 'regressed',
        occurrences: 2,
        fingerprint: burst.fingerprint,
      });
      expect(Date.parse(regressed.last_seen)).toBeGreaterThan(resolvedAt);
      expect(regressed.resolution).toBe('payment gateway keep-alive fixed in 4.2.2');
      const restreamed = streamed
        .slice(streamedBefore)
        .filter((message) => message.payload.id === burst.id);
      expect(restreamed.map((message) => message.channel)).toContain('debug:insight');
      expect(
        restreamed.find((message) => message.channel === 'debug:insight')!.payload.change,
      ).toBe('regressed');
      const listed = await request(running.url)
        .get('/api/debug/insights?status=regressed')
        .set(READ)
        .expect(200);
      expect(listed.body.items.map((insight: InsightView) => insight.id)).toContain(burst.id);
      const rows = await running.app
        .get(DataSource)
        .query(
          `SELECT count(*) AS n FROM debug_insights WHERE fingerprint = '${burst.fingerprint}'`,
        );
      expect(Number(rows[0].n)).toBe(1);
    });

    it('is in the OpenAPI document', async () => {
      const response = await request(running.url).get('/api/docs-json').expect(200);
      for (const path of [
        '/api/debug/insights',
        '/api/debug/insights/{id}',
        '/api/debug/insights/generate',
        '/api/debug/insights/{id}/resolve',
      ]) {
        expect(Object.keys(response.body.paths)).toContain(path);
      }
    });
  });

  describe(`periodic generation (${mode})`, () => {
    let running: RunningApp;
    afterAll(async () => running?.close());

    it('runs the repeatable generate-insights job of queue insights on its own', async () => {
      running = await startApp({ ...(await env()), DEBUG_INSIGHT_INTERVAL_SECONDS: '1' });
      const scenario = buildScenario({
        seed: 5,
        now: new Date(),
        incidents: ['error_propagation'],
      });
      await insertScenario(running.app.get(DataSource), scenario);
      // Stored long after their time, as a backfill is: what the ingest write path marks for the rollups.
      await running.app.get(LateEventMinutes).note(scenario.events);
      let found: InsightView[] = [];
      for (let attempt = 0; attempt < 100 && found.length === 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const response = await request(running.url)
          .get('/api/debug/insights?type=flow')
          .expect(200);
        found = response.body.items;
      }
      expect(found.map((insight) => insight.evidence.kind)).toContain('error_propagation');
    }, 90_000);
  });
}

insightsSuite('embedded: SQLite + in-process queue', async () => embeddedEnv());

describeWithPostgresAndRedis('full mode', () => {
  insightsSuite('full: PostgreSQL + Redis', () => fullModeEnv());
});
