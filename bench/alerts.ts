// `npm run bench:alerts`: what one alert evaluation costs. Seeds a scratch PostgreSQL database
// (events with patterns over the last hour, metrics, open insights), creates rules of every
// kind, and times POST /api/debug/alerts/evaluate in the steady state (alerts already firing,
// nothing to notify) against same-run baselines: GET /api/debug/insights (one page of 500 open
// insights, what an insight rule reads) and a count(*) of the last hour of events.
//   --events N (500000)  --insights N (2000)  --rules N (50, spread over the kinds)  --runs R (9)  --keep
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import pg from 'pg';
import { createApp } from '../src/bootstrap.js';
import { createDataSource, runMigrations } from '../src/database/data-source.js';
import { dayStart, partitionName } from '../src/database/partition.service.js';
import { ADMIN_URL, adminQuery, log, numberOption, quantile } from './bench-support.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await work();
  return [performance.now() - started, result];
}

async function seed(client: pg.Client, events: number, insights: number, now: Date): Promise<void> {
  const nowSeconds = now.getTime() / 1000;
  await client.query('SELECT setseed(0.17)');
  await client.query(
    `INSERT INTO debug_events (id, "timestamp", event_type, level, component_type, component_id, correlation_id, parent_event_id,
                               operation, duration_ms, message, data, metadata, session_id, pattern_id, ingested_at)
     SELECT md5(i::text || 'a')::uuid, ts, CASE WHEN i % 50 = 0 THEN 'error' ELSE 'log' END, CASE WHEN i % 50 = 0 THEN 'error' ELSE 'info' END,
            'svc-' || (i % 30), 'svc-' || (i % 30) || '-' || (i % 7), 'chain-' || (i / 6), NULL, 'op', 12.5,
            'message ' || (i % 400), '{}'::jsonb, NULL, NULL, 'p' || (i % 400), ts
       FROM (SELECT i, to_timestamp($1::float8 - (i::float8 / $2::float8) * 3600) AS ts FROM generate_series(1, $2::bigint) AS i) AS rows`,
    [nowSeconds, events],
  );
  await client.query(
    `INSERT INTO debug_patterns (id, template, tokens, merged_into, count, first_seen, last_seen, components, levels, sample_event_ids, created_at, changed_at)
     SELECT 'p' || i, 'message <*> ' || i, '[]'::jsonb, NULL, 1000, to_timestamp($1::float8 - CASE WHEN i % 40 = 0 THEN 60 ELSE 86400 END), to_timestamp($1::float8),
            '[]'::jsonb, '{}'::jsonb, '[]'::jsonb, now(), now()
       FROM generate_series(0, 399) AS i`,
    [nowSeconds],
  );
  await client.query(
    `INSERT INTO debug_metrics (id, "timestamp", name, component_type, component_id, value, unit, tags)
     SELECT md5(i::text || 'm')::uuid, to_timestamp($1::float8 - (i % 3600)), 'queue.depth', 'svc-' || (i % 30), 'svc-' || (i % 30) || '-' || (i % 7),
            (i % 500)::float8, 'jobs', NULL
       FROM generate_series(1, 100000) AS i`,
    [nowSeconds],
  );
  await client.query(
    `INSERT INTO debug_insights (id, insight_type, severity, title, summary, fingerprint, affected_components, evidence, confidence,
                                 confidence_factors, suggestions, occurrences, first_seen, last_seen, status)
     SELECT md5(i::text || 'i')::uuid, (ARRAY['error','flow','performance','anomaly','consistency'])[1 + i % 5],
            (ARRAY['low','medium','high','critical'])[1 + i % 4], 'insight ' || i, 'summary of insight ' || i, 'bench:' || i,
            jsonb_build_array(jsonb_build_object('component_type', 'svc-' || (i % 30), 'component_id', 'svc-' || (i % 30) || '-' || (i % 7))),
            jsonb_build_object('kind', CASE WHEN i % 5 = 1 THEN 'stuck_flow' ELSE 'burst' END, 'event_ids', '[]'::jsonb, 'chains', 2),
            0.5 + (i % 50) / 100.0, '{}'::jsonb, '[]'::jsonb, 1, to_timestamp($1::float8 - 1800), to_timestamp($1::float8 - (i % 600)),
            CASE WHEN i % 10 = 0 THEN 'regressed' ELSE 'open' END
       FROM generate_series(1, $2::int) AS i`,
    [nowSeconds, insights],
  );
}

function rules(count: number): Record<string, unknown>[] {
  const kinds = [
    (i: number) => ({ insight: { min_severity: ['medium', 'high', 'critical'][i % 3], types: ['error', 'flow'], components: [`svc-${i % 30}`] } }),
    (i: number) => ({ insight: { min_confidence: 0.7, types: [['performance', 'anomaly', 'consistency'][i % 3]] } }),
    (i: number) => ({ pattern: { min_count: 100 + i, window_seconds: 3600, levels: ['info'] } }),
    (i: number) => ({ pattern: { new: true, min_count: 10, window_seconds: 600 + i } }),
    (i: number) => ({ metric: { name: 'queue.depth', op: '>', threshold: 400 + i, aggregate: 'max', window_seconds: 600, components: [`svc-${i % 30}`] } }),
    (i: number) => ({ silence: { components: [`svc-${i % 30}`, `svc-${i % 30}/svc-${i % 30}-99`], quiet_minutes: 5 } }),
    (i: number) => ({ stuck_flow: { components: [`svc-${i % 30}`] } }),
  ];
  return Array.from({ length: count }, (_, i) => ({ name: `bench rule ${i}`, when: kinds[i % kinds.length](i), labels: { bench: 'yes' } }));
}

async function main(): Promise<void> {
  const events = numberOption('events', 500_000);
  const insights = numberOption('insights', 2000);
  const ruleCount = numberOption('rules', 50);
  const runs = numberOption('runs', 9);
  const keep = process.argv.includes('--keep');
  const name = `ads_bench_alerts_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  log(`machine: ${cpus().length} cores; ${events.toLocaleString('en')} events, ${insights} open insights, ${ruleCount} rules in ${name}`);
  await adminQuery(`CREATE DATABASE ${name}`);
  const client = new pg.Client({ connectionString: databaseUrl });
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    const dataSource = await createDataSource({ databaseUrl, sqlitePath: ':memory:' }).initialize();
    await runMigrations(dataSource);
    await dataSource.destroy();
    await client.connect();
    const now = new Date();
    for (let day = dayStart(now.getTime() - 2 * HOUR_MS).getTime(); day <= now.getTime() + DAY_MS; day += DAY_MS) {
      for (const table of ['debug_events', 'debug_metrics'] as const) {
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${partitionName(table, new Date(day))} PARTITION OF ${table} FOR VALUES FROM ('${new Date(day).toISOString()}') TO ('${new Date(day + DAY_MS).toISOString()}')`,
        );
      }
    }
    const [seedMs] = await timed(() => seed(client, events, insights, now));
    await client.query('VACUUM ANALYZE');
    log(`seeded in ${(seedMs / 1000).toFixed(1)} s`);

    app = await createApp({
      DATABASE_URL: databaseUrl,
      REDIS_URL: '',
      DEBUG_ROLE: 'api',
      DEBUG_API_KEYS: '',
      DEBUG_INSIGHT_INTERVAL_SECONDS: '0',
      DEBUG_ALERT_INTERVAL_SECONDS: '0',
      DEBUG_STREAMING_ENABLED: 'false',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}/api/debug`;
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
      return response.json() as Promise<Record<string, unknown>>;
    };
    for (const rule of rules(ruleCount)) await call('POST', '/alerts/rules', rule);
    const [firstMs, first] = await timed(() => call('POST', '/alerts/evaluate'));
    log(`first evaluation (creates the alerts): ${Math.round(firstMs)} ms, ${JSON.stringify(first)}`);

    const evaluation: number[] = [];
    const insightPage: number[] = [];
    const hourCount: number[] = [];
    for (let run = 0; run < runs; run++) {
      const [ms, summary] = await timed(() => call('POST', '/alerts/evaluate'));
      if ((summary.errors as unknown[]).length > 0) throw new Error(`evaluation errors: ${JSON.stringify(summary.errors)}`);
      evaluation.push(ms);
      insightPage.push((await timed(() => call('GET', '/insights?status=open&limit=500')))[0]);
      hourCount.push((await timed(() => client.query(`SELECT count(*) FROM debug_events WHERE "timestamp" >= $1`, [new Date(Date.now() - HOUR_MS)])))[0]);
    }
    const alerts = await call('GET', '/alerts?state=firing&limit=500');
    const p = (values: number[], q: number) => quantile(values, q).toFixed(1);
    log(`firing alerts: ${(alerts.alerts as unknown[]).length}${(alerts.alerts as unknown[]).length === 500 ? '+' : ''}`);
    log(`evaluate ${ruleCount} rules (steady state): p50 ${p(evaluation, 0.5)} ms, p95 ${p(evaluation, 0.95)} ms`);
    log(`baseline GET /insights (500 open): p50 ${p(insightPage, 0.5)} ms; count(*) of the last hour: p50 ${p(hourCount, 0.5)} ms`);
    log(
      `ratio: one evaluation = ${(quantile(evaluation, 0.5) / quantile(insightPage, 0.5)).toFixed(1)} × an insights page, ` +
        `${(quantile(evaluation, 0.5) / quantile(hourCount, 0.5)).toFixed(1)} × an hour count; ` +
        `${(quantile(evaluation, 0.5) / ruleCount).toFixed(1)} ms per rule`,
    );
  } finally {
    await app?.close();
    await client.end().catch(() => undefined);
    if (!keep) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
