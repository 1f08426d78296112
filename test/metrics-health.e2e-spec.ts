import request from 'supertest';
import { DataSource } from 'typeorm';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import { insertScenario } from './scenarios/scenario-generator.js';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

const KEYS = 'mh-ingest-key:ingest,mh-read-key:read';
const INGEST = { 'X-API-Key': 'mh-ingest-key' };
const READ = { 'X-API-Key': 'mh-read-key' };

/** Two checkout instances that log the same quiet traffic: only their metrics tell them apart. */
function events(now: number): DebugEventRecord[] {
  const list: DebugEventRecord[] = [];
  let sequence = 0;
  for (const id of ['checkout-1', 'checkout-2'])
    for (let minutesAgo = 1; minutesAgo <= 180; minutesAgo += 2) {
      const timestamp = new Date(now - minutesAgo * 60_000).toISOString();
      list.push({
        id: `019ad100-0000-7000-8000-${String(++sequence).padStart(12, '0')}`,
        timestamp,
        event_type: 'log',
        level: 'info',
        component_type: 'checkout',
        component_id: id,
        correlation_id: null,
        parent_event_id: null,
        operation: null,
        duration_ms: null,
        message: 'cart checked out',
        data: null,
        metadata: null,
        session_id: null,
        pattern_id: null,
        ingested_at: timestamp,
      });
    }
  return list;
}

/**
 * In the baseline (1–3 h ago) both instances answer in ~0.1 s; in the last 15 minutes
 * checkout-1 takes ~0.6 s and its failures counter climbs, checkout-2 stays as it was.
 */
function metrics(now: number): Record<string, unknown>[] {
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000).toISOString();
  const points: Record<string, unknown>[] = [];
  for (const id of ['checkout-1', 'checkout-2']) {
    const slow = id === 'checkout-1';
    let failures = 100;
    for (let minutesAgo = 180; minutesAgo >= 1; minutesAgo -= 1) {
      const inWindow = minutesAgo <= 14;
      const base = { component_type: 'checkout', component_id: id, timestamp: at(minutesAgo) };
      points.push({
        ...base,
        name: 'http.server.duration',
        unit: 's',
        value: (inWindow && slow ? 0.6 : 0.1) + (minutesAgo % 5) / 1000,
      });
      failures += inWindow && slow ? 4 : minutesAgo % 30 === 0 ? 1 : 0;
      points.push({ ...base, name: 'checkout_failures_total', value: failures });
      points.push({ ...base, name: 'cart.items.open', unit: 'carts', value: slow ? 40 : 12 });
    }
  }
  return points;
}

function suite(
  name: string,
  env: () => Promise<Record<string, string>>,
  describeIt: jest.Describe = describe,
) {
  describeIt(`health and compare with the metrics components report (${name})`, () => {
    let running: RunningApp;
    const api = () => request(running.url);

    beforeAll(async () => {
      running = await startApp({ ...(await env()), DEBUG_API_KEYS: KEYS });
      const now = Date.now();
      await insertScenario(running.app.get(DataSource), { events: events(now), snapshots: [] });
      const all = metrics(now);
      for (let start = 0; start < all.length; start += 1000) {
        const stored = await api()
          .post('/api/debug/metrics')
          .set(INGEST)
          .send({ metrics: all.slice(start, start + 1000) });
        expect(stored.status).toBe(201);
      }
    });
    afterAll(async () => running?.close());

    it('judges the slow instance by its duration p95 and its failures counter, and lists a gauge as numbers only', async () => {
      const { body } = await api()
        .post('/api/debug/analytics/component-health')
        .set(READ)
        .send({ components: ['checkout-1', 'checkout-2'], window_minutes: 15, baseline_hours: 3 })
        .expect(200);
      const [slow, steady] = ['checkout-1', 'checkout-2'].map((id) =>
        body.components.find((component: { component: string }) => component.component === id),
      );

      expect(slow.status).toBe('unhealthy');
      expect(slow.reasons.map((reason: { code: string }) => reason.code).sort()).toEqual([
        'metric_errors',
        'metric_latency',
      ]);
      const latency = slow.reasons.find(
        (reason: { code: string }) => reason.code === 'metric_latency',
      );
      expect(latency).toMatchObject({ metric: 'http.server.duration' });
      expect(latency.value).toBeGreaterThanOrEqual(600);
      expect(latency.baseline).toBeLessThan(110);
      const failures = slow.reasons.find(
        (reason: { code: string }) => reason.code === 'metric_errors',
      );
      expect(failures).toMatchObject({ metric: 'checkout_failures_total', value: 13 * 4 });

      const byName = (component: {
        reported_metrics: { name: string; [field: string]: unknown }[];
      }) => Object.fromEntries(component.reported_metrics.map((metric) => [metric.name, metric]));
      expect(byName(slow)['cart.items.open']).toMatchObject({
        meaning: 'other',
        unit: 'carts',
        samples: 14,
        last: 40,
        avg: 40,
      });
      expect(byName(slow)['checkout_failures_total']).toMatchObject({ meaning: 'error_count' });

      expect(steady.status).toBe('healthy');
      expect(steady.reasons.map((reason: { code: string }) => reason.code)).toEqual(['ok']);
      expect(byName(steady)['http.server.duration'].p95_ms as number).toBeLessThan(110);
    });

    it('compare sets the metrics side by side with their spread', async () => {
      const { body } = await api()
        .post('/api/debug/analytics/compare')
        .set(READ)
        .send({ components: ['checkout'], window_minutes: 15 })
        .expect(200);
      const differences = Object.fromEntries(
        body.metric_differences.map((difference: { name: string }) => [
          difference.name,
          difference,
        ]),
      );
      expect(differences['http.server.duration']).toMatchObject({
        statistic: 'p95_ms',
        unit: 'ms',
      });
      const p95 = differences['http.server.duration'].values;
      expect(p95['checkout/checkout-1']).toBeGreaterThanOrEqual(600);
      expect(p95['checkout/checkout-2']).toBeLessThan(110);
      expect(differences['cart.items.open']).toMatchObject({
        statistic: 'avg',
        unit: 'carts',
        values: { 'checkout/checkout-1': 40, 'checkout/checkout-2': 12 },
        spread: 28,
      });
      expect(differences['checkout_failures_total'].values['checkout/checkout-1']).toBe(13 * 4);
      expect(body.summary).toMatch(/differs most/);
      expect(
        body.components.map(
          (component: { reported_metrics: unknown[] }) => component.reported_metrics.length,
        ),
      ).toEqual([3, 3]);
    });
  });
}

suite('PostgreSQL + Redis', () => fullModeEnv(), describeWithPostgresAndRedis);
suite('embedded SQLite', async () => embeddedEnv());
