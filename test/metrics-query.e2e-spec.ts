import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

const KEYS = 'metrics-ingest:ingest,metrics-reader:read';
const INGEST = { 'X-API-Key': 'metrics-ingest' };
const READ = { 'X-API-Key': 'metrics-reader' };

/** Points two minutes apart per instance, ten minutes back, at known values. */
function points(base: number): Record<string, unknown>[] {
  const at = (minute: number, second: number) => new Date(base + minute * 60_000 + second * 1000).toISOString();
  const latency = (componentId: string, minute: number, values: number[]) =>
    values.map((value, i) => ({ name: 'http.latency_ms', value, unit: 'ms', component_type: 'api', component_id: componentId, timestamp: at(minute, i * 5) }));
  return [
    ...latency('api-1', 0, [10, 20, 30, 40]),
    ...latency('api-1', 1, [100]),
    ...latency('api-2', 0, [1, 2]),
    { name: 'db.connections', value: 7, component_type: 'db', component_id: 'db-1', timestamp: at(0, 1) },
  ];
}

function suite(name: string, env: () => Promise<Record<string, string>>, describeIt: jest.Describe = describe) {
  describeIt(`metrics read back (${name})`, () => {
    let running: RunningApp;
    let from: string;
    let to: string;
    const api = () => request(running.url);

    beforeAll(async () => {
      running = await startApp({ ...(await env()), DEBUG_API_KEYS: KEYS });
      const base = Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000;
      from = new Date(base).toISOString();
      to = new Date(base + 5 * 60_000).toISOString();
      const stored = await api().post('/api/debug/metrics').set(INGEST).send({ metrics: points(base) });
      expect(stored.status).toBe(201);
      expect(stored.body.accepted).toBe(8);
    });
    afterAll(async () => running?.close());

    it('lists the series with points in the range, by component', async () => {
      const { body } = await api().get('/api/debug/metrics/series').query({ from, to }).set(READ).expect(200);
      expect(body).toMatchObject({ next_cursor: null, from, to, truncated: false });
      expect(body.items.map((series: Record<string, unknown>) => [series.name, series.component_id, series.points, series.min, series.max, series.avg, series.unit])).toEqual([
        ['db.connections', 'db-1', 1, 7, 7, 7, null],
        ['http.latency_ms', 'api-1', 5, 10, 100, 40, 'ms'],
        ['http.latency_ms', 'api-2', 2, 1, 2, 1.5, 'ms'],
      ]);
      const only = await api().get('/api/debug/metrics/series').query({ from, to, component_type: 'db' }).set(READ).expect(200);
      expect(only.body.items.map((series: { name: string }) => series.name)).toEqual(['db.connections']);
    });

    it('aggregates a metric by step per component: avg, max, p95, count', async () => {
      const query = (params: Record<string, string>) => api().get('/api/debug/metrics/query').query({ name: 'http.latency_ms', from, to, step: '1m', ...params }).set(READ).expect(200);
      const avg = (await query({})).body;
      expect(avg).toMatchObject({ name: 'http.latency_ms', unit: 'ms', step_seconds: 60, aggregation: 'avg', group_by: 'component', next_cursor: null });
      const minute = (n: number) => new Date(Date.parse(from) + n * 60_000).toISOString();
      expect(avg.items).toEqual([
        { component_type: 'api', component_id: 'api-1', samples: 5, points: [{ t: minute(0), value: 25 }, { t: minute(1), value: 100 }] },
        { component_type: 'api', component_id: 'api-2', samples: 2, points: [{ t: minute(0), value: 1.5 }] },
      ]);
      const p95 = (await query({ aggregation: 'p95', component_id: 'api-1' })).body;
      expect(p95.items[0].points.map((point: { value: number }) => Number(point.value.toFixed(3)))).toEqual([38.5, 100]);
      const counts = (await query({ aggregation: 'count', group_by: 'component_type', step: '5m' })).body;
      expect(counts.items).toEqual([{ component_type: 'api', component_id: null, samples: 7, points: [{ t: minute(0), value: 7 }] }]);
      const max = (await query({ aggregation: 'max', group_by: 'none', step: '300' })).body;
      expect(max.items[0]).toMatchObject({ component_type: null, component_id: null, points: [{ value: 100 }] });
    });

    it('refuses what it cannot answer with a 400 naming the field', async () => {
      const bad = async (params: Record<string, string>) =>
        (await api().get('/api/debug/metrics/query').query({ from, to, ...params }).set(READ).expect(400)).body.message as string;
      expect(await bad({ name: 'x', aggregation: 'median' })).toBe('aggregation must be one of: avg, min, max, sum, count, p50, p95, p99');
      expect(await bad({ name: 'x', step: 'often' })).toBe('step must be a duration such as 30s, 5m, 1h, 1d (or seconds)');
      expect(await bad({ name: 'x', from: to, to: from })).toBe('from must be before to');
      expect(await bad({})).toMatch(/^name /);
      const tooFine = await api().get('/api/debug/metrics/query').query({ name: 'x', step: '1s', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }).set(READ).expect(400);
      expect(tooFine.body.message).toMatch(/more than 10000 steps/);
    });

    it('serves Prometheus text at /metrics, and still at /api/debug/metrics, without a key', async () => {
      const root = await api().get('/metrics').expect(200);
      expect(root.headers['content-type']).toMatch(/^text\/plain/);
      expect(root.text).toMatch(/^# HELP /m);
      const alias = await api().get('/api/debug/metrics').expect(200);
      expect(alias.headers['content-type']).toBe(root.headers['content-type']);
      expect(alias.text.match(/^# TYPE \S+/gm)).toEqual(root.text.match(/^# TYPE \S+/gm));
    });

    it('answers the MCP tool query_metrics (series without a name, a series by step with one)', async () => {
      const client = new Client({ name: 'metrics-e2e', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL('/mcp', running.url), { requestInit: { headers: READ } }));
      try {
        const call = async (args: Record<string, unknown>) => {
          const result = (await client.callTool({ name: 'query_metrics', arguments: args })) as CallToolResult;
          expect(result.isError).toBeFalsy();
          const [summary, json] = result.content as { type: 'text'; text: string }[];
          return { summary: summary.text, data: JSON.parse(json.text) };
        };
        const listed = await call({ from, to });
        expect(listed.summary).toMatch(/^3 metric series/);
        const p99 = await call({ name: 'http.latency_ms', from, to, step: '5m', aggregation: 'p99', component_id: 'api-2' });
        expect(p99.data.items).toEqual([{ component_type: 'api', component_id: 'api-2', samples: 2, points: [{ t: from, value: 1.99 }] }]);
        expect(p99.summary).toContain('http.latency_ms: 1 series, p99 per 300 s');
      } finally {
        await client.close();
      }
    });
  });
}

suite('embedded: SQLite', async () => embeddedEnv());
suite('full mode: PostgreSQL + Redis', () => fullModeEnv(), describeWithPostgresAndRedis);
