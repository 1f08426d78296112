// `npm run bench:insights`: seeds 1M events into a scratch PostgreSQL database, starts the
// service on it and measures POST /api/debug/insights/generate over the last hour (p50/p95 of
// several runs) against same-run baselines: a plain count(*) over the same hour and a full scan.
// Events are seeded in time order within each partition, as ingestion writes them: the heap is
// then clustered by "timestamp" and the BRIN index narrows the refresh's read of its last minutes
// (seeded in random order, every refresh scanned the whole day partition, which no deployment does).
//   --events N (1000000)  --hours H (4: all events inside the 3 h baseline + 1 h scope the
//   analyzers read; 24 spreads them over a day)  --runs R (7)  --keep (keep the database)
//   --reuse NAME (measure again on a database an earlier --keep run left; no seeding)
// The headline (held against the 500 ms bar) is runs that refresh the rollups as a call does
// while the periodic job runs every minute: each re-aggregates the overlap of minutes before its last
// refresh (ROLLUP_OVERLAP_MS) and the minute since, after
// a minute of new events landed in the last of them (so it writes changed hour rows). A run
// that finds the rollups current (nothing to refresh) is timed after each and printed apart.
//   --only-refreshing (skip the runs that find the rollups current)
//   --warmup W (0): W refreshing runs before the measured ones, timed and printed apart. The build
//   (run 0) opens most of the pool's connections, and a new connection meets each table, partition
//   and index cold on its first query (its backend's catalog caches): the first runs after it
//   include the pool warming up. The headline keeps them (W = 0); this separates the two.
//   --gap S (0): seconds between measured runs, as between the periodic job's runs (60 by default);
//   back to back (0) is the optimistic case (docs/benchmarks/insights.md)
// The service runs inside this process, so the process runs with the service's Node flags (those
// of `npm start` and the Dockerfile: SERVICE_NODE_FLAGS); started without them, it starts itself
// again with them.
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { createApp } from '../src/bootstrap.js';
import { createDataSource, runMigrations } from '../src/database/data-source.js';
import { dayStart, partitionName } from '../src/database/partition.service.js';
import { ROLLUP_OVERLAP_MS } from '../src/insights/insight-rollup-tables.js';
import {
  ADMIN_URL,
  adminQuery,
  log,
  numberOption,
  quantile,
  SERVICE_NODE_FLAGS,
} from './bench-support.js';

const DAY_MS = 86_400_000;

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await work();
  return [performance.now() - started, result];
}

async function seed(client: pg.Client, total: number, now: Date, hours: number): Promise<void> {
  const spanSeconds = hours * 3600;
  const slices = 10;
  const sliceSeconds = spanSeconds / slices;
  const nowSeconds = now.getTime() / 1000;
  await client.query('SELECT setseed(0.42)');
  // Ingestion appends rows in about time order, so the heap is clustered by "timestamp" and the BRIN
  // index narrows a time-range read to the pages of that range. The seed writes the same events in
  // that order: one time slice after the other, each sorted by time (the event times, and with them
  // the traffic's shape, do not depend on the order; only levels and patterns are drawn per row).
  for (let slice = 0; slice < slices; slice++) {
    const sliceFrom = nowSeconds - spanSeconds + slice * sliceSeconds;
    const sliceTo = slice === slices - 1 ? nowSeconds + 1 : sliceFrom + sliceSeconds;
    const [ms, result] = await timed(() =>
      client.query(
        `INSERT INTO debug_events (id, "timestamp", event_type, level, component_type, component_id, correlation_id,
                                   parent_event_id, operation, duration_ms, message, data, metadata, session_id, pattern_id, ingested_at)
         SELECT md5(i::text || 'e')::uuid, ts, CASE WHEN lvl IN ('error', 'critical') THEN 'error' ELSE 'trace' END, lvl,
                'svc-' || (comp % 30), 'svc-' || (comp % 30) || '-' || (comp / 30), 'chain-' || (i / 6), NULL,
                'op-' || (i % 6), CASE WHEN i % 10 < 7 THEN round((20 + random() * 80 * (1 + (comp % 3)))::numeric, 2) END,
                CASE WHEN lvl IN ('error', 'critical') THEN 'request ' || i || ' failed: upstream ' || (comp % 30) || ' error code ' || pat
                     ELSE 'step ' || (i % 6) || ' of request ' || (i / 6) || ' took ' || (i % 97) || ' ms in handler ' || pat END,
                CASE WHEN i % 6 = 0 THEN '{"phase":"start"}'::jsonb
                     WHEN i % 6 = 5 AND (i / 6) % 200 <> 0 THEN '{"phase":"end"}'::jsonb
                     ELSE jsonb_build_object('n', i % 1000) END,
                '{"host":"bench"}'::jsonb, NULL,
                CASE WHEN lvl IN ('error', 'critical') THEN 'e' || (pat % 40) ELSE 'p' || pat END, ts
           FROM (SELECT i, ts,
                        CASE WHEN random() < 0.02 THEN 'error' WHEN random() < 0.001 THEN 'critical' WHEN random() < 0.15 THEN 'debug' ELSE 'info' END AS lvl,
                        ((i / 6) * 7919) % 300 AS comp,
                        floor(power(random(), 2) * 400)::int AS pat
                   FROM (SELECT i, ts
                           FROM (SELECT i, to_timestamp($1::float8 - ((((i / 6)::bigint * 2654435761) % 1000003) / 1000003.0) * $2::float8 + (i % 6) * 0.01) AS ts
                                   FROM generate_series(1, $3::bigint) AS i) AS timed
                          WHERE ts >= to_timestamp($4::float8) AND ts < to_timestamp($5::float8)
                          ORDER BY ts
                         OFFSET 0) AS ordered) AS rows`,
        [nowSeconds, spanSeconds, total, sliceFrom, sliceTo],
      ),
    );
    log(
      `seeded time slice ${slice + 1} / ${slices}: ${(result.rowCount ?? 0).toLocaleString('en')} events (${Math.round(ms)} ms)`,
    );
  }
  await client.query(
    `INSERT INTO debug_state_snapshots (id, component_type, component_id, captured_at, state, version, hash)
     SELECT md5(c::text || 's')::uuid, 'svc-' || (c % 30), 'svc-' || (c % 30) || '-' || (c / 30), $1::timestamptz - (c || ' seconds')::interval,
            jsonb_build_object('config_version', 3, 'pool', jsonb_build_object('size', CASE WHEN c = 7 THEN 5 ELSE 10 END), 'hostname', 'h' || c),
            1, md5(c::text)
       FROM generate_series(0, 299) AS c`,
    [now.toISOString()],
  );
}

async function main(): Promise<void> {
  const total = numberOption('events', 1_000_000);
  const hours = numberOption('hours', 4);
  const runs = numberOption('runs', 7);
  const reuseIndex = process.argv.indexOf('--reuse');
  const reuse = reuseIndex >= 0 ? process.argv[reuseIndex + 1] : null;
  const keep = process.argv.includes('--keep') || reuse !== null;
  const onlyRefreshing = process.argv.includes('--only-refreshing');
  const warmup = numberOption('warmup', 0);
  const gapMs = numberOption('gap', 0) * 1000;
  const name = reuse ?? `ads_bench_insights_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  log(
    `machine: ${cpus().length} cores; ${total.toLocaleString('en')} events over ${hours} h into scratch database ${name}; ` +
      `Node flags of the service: ${process.execArgv.join(' ')}`,
  );

  if (!reuse) await adminQuery(`CREATE DATABASE ${name}`);
  const client = new pg.Client({ connectionString: databaseUrl });
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    const dataSource = await createDataSource({ databaseUrl, sqlitePath: ':memory:' }).initialize();
    await runMigrations(dataSource);
    await dataSource.destroy();
    await client.connect();

    let now = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    if (reuse) {
      const latest = await client.query(`SELECT max("timestamp") AS latest FROM debug_events`);
      now = new Date(Math.ceil(new Date(latest.rows[0].latest).getTime() / 60_000) * 60_000);
      // TRUNCATE, not DELETE: no dead rows left behind for the next runs to read past
      await client.query(
        'TRUNCATE debug_insights, debug_insight_series_hours, debug_insight_error_minutes, debug_insight_chain_minutes, debug_insight_rollup_state, debug_insight_hour_versions',
      );
      log(`reusing ${name}: its events end at ${now.toISOString()}; insights and rollups cleared`);
    }
    for (
      let day = dayStart(now.getTime() - hours * 3_600_000).getTime();
      day <= now.getTime() + DAY_MS;
      day += DAY_MS
    ) {
      const partition = partitionName('debug_events', new Date(day));
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${partition} PARTITION OF debug_events FOR VALUES FROM ('${new Date(day).toISOString()}') TO ('${new Date(day + DAY_MS).toISOString()}')`,
      );
    }
    if (!reuse) {
      // the seed is one bulk backfill, as if it had been stored in time: nothing marks late minutes (the ingest path would)
      await client.query('SET session_replication_role = replica');
      const [seedMs] = await timed(() => seed(client, total, now, hours));
      await client.query('RESET session_replication_role');
      log(`seeded in ${(seedMs / 1000).toFixed(1)} s; VACUUM ANALYZE …`);
      await client.query('VACUUM ANALYZE debug_events');
      await client.query('VACUUM ANALYZE debug_state_snapshots');
    }

    const from = new Date(now.getTime() - 3_600_000);
    const hourCount = await client.query(
      `SELECT count(*)::int AS n FROM debug_events WHERE "timestamp" >= $1 AND "timestamp" < $2`,
      [from, now],
    );
    log(
      `events in the last hour: ${hourCount.rows[0].n.toLocaleString('en')}; in the 4 h the analyzers read: ` +
        (
          await client.query(
            `SELECT count(*)::int AS n FROM debug_events WHERE "timestamp" >= $1`,
            [new Date(now.getTime() - 4 * 3_600_000)],
          )
        ).rows[0].n.toLocaleString('en'),
    );

    app = await createApp({
      DATABASE_URL: databaseUrl,
      REDIS_URL: '',
      DEBUG_ROLE: 'api',
      DEBUG_API_KEYS: '',
      DEBUG_INSIGHT_INTERVAL_SECONDS: '0',
      DEBUG_STREAMING_ENABLED: 'false',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    await app.listen(0, '127.0.0.1');
    const port = (app.getHttpServer().address() as { port: number }).port;
    const generate = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/api/debug/insights/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: from.toISOString(), to: now.toISOString() }),
      });
      if (response.status !== 200)
        throw new Error(`generate answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as {
        created: unknown[];
        updated: unknown[];
        unchanged: number;
        analyzers: Record<string, { found: number; ms: number; error?: string }>;
      };
    };

    // Each measured run refreshes the rollups as a call does while the periodic job runs every
    // minute: marked complete only up to a minute ago, the run re-aggregates that minute and the
    // overlap before it (refreshedMinutes).
    // Before it, a minute of new traffic lands in the last minute (copies of that minute's events
    // under new ids: all of them before odd runs, half before even ones, so that every refresh finds
    // values that differ from the stored ones) and the refresh writes the hour rows of every series
    // active then, as after a minute of ingestion; the copies are deleted after the run. That is
    // the headline figure, held against the bar. Between two of them, a run that finds the rollups
    // current (nothing to refresh) is timed too: the unusual case, for comparison.
    const refreshedMinutes = ROLLUP_OVERLAP_MS / 60_000 + 1;
    const warming: number[] = [];
    const refreshing: number[] = [];
    const current: number[] = [];
    const baselineHour: number[] = [];
    const baselineScan: number[] = [];
    const timeRun = async (label: string) => {
      const [ms, result] = await timed(generate);
      const analyzers = Object.entries(result.analyzers)
        .map(
          ([analyzer, stats]) =>
            `${analyzer} ${stats.found}/${Math.round(stats.ms)}ms${stats.error ? ` ERROR ${stats.error}` : ''}`,
        )
        .join(', ');
      log(
        `${label}: ${Math.round(ms)} ms — ${result.created.length} created, ` +
          `${result.updated.length} updated, ${result.unchanged} unchanged; ${analyzers}`,
      );
      return ms;
    };
    await timeRun('run 0 (first: builds the rollups, creates the insights)');
    const lastMinute = [new Date(now.getTime() - 60_000), now];
    for (let run = 1; run <= warmup + runs; run++) {
      const measured = run > warmup;
      if (measured && gapMs > 0 && run > 1) await new Promise((done) => setTimeout(done, gapMs));
      const landed = await client.query(
        `INSERT INTO debug_events (id, "timestamp", event_type, level, component_type, component_id, correlation_id, parent_event_id,
                                   operation, duration_ms, message, data, metadata, session_id, pattern_id, ingested_at)
         SELECT md5(id::text || $3)::uuid, "timestamp", event_type, level, component_type, component_id, correlation_id, parent_event_id,
                operation, duration_ms, message, data, '{"host":"bench","copy":true}'::jsonb, session_id, pattern_id, ingested_at
           FROM debug_events WHERE "timestamp" >= $1 AND "timestamp" < $2 AND metadata->>'copy' IS NULL
                                   AND ($4 OR abs(hashtext(id::text)) % 2 = 0)`,
        [...lastMinute, `run${run}`, run % 2 === 1],
      );
      await client.query('UPDATE debug_insight_rollup_state SET rolled_until = $1', [
        lastMinute[0],
      ]);
      (measured ? refreshing : warming).push(
        await timeRun(
          `${measured ? '' : 'warm-up '}run ${run}, refreshing ${refreshedMinutes} minutes after ${landed.rowCount} new events in the last one`,
        ),
      );
      await client.query(
        `DELETE FROM debug_events WHERE "timestamp" >= $1 AND "timestamp" < $2 AND metadata->>'copy' = 'true'`,
        lastMinute,
      );
      if (!measured) continue;
      if (!onlyRefreshing) current.push(await timeRun(`run ${run}, rollups current`));
      const [hourMs] = await timed(() =>
        client.query(
          `SELECT count(*) FROM debug_events WHERE "timestamp" >= $1 AND "timestamp" < $2`,
          [from, now],
        ),
      );
      const [scanMs] = await timed(() => client.query(`SELECT count(*) FROM debug_events`));
      baselineHour.push(hourMs);
      baselineScan.push(scanMs);
    }

    const p50 = quantile(refreshing, 0.5);
    const p95 = quantile(refreshing, 0.95);
    const hourP50 = quantile(baselineHour, 0.5);
    const scanP50 = quantile(baselineScan, 0.5);
    console.log('');
    console.log(
      `cores: ${cpus().length}; load average at the end: ${loadavg()
        .map((load) => load.toFixed(2))
        .join(', ')}`,
    );
    console.log(
      `insight generation over the last hour (${total.toLocaleString('en')} events warm, ${hours} h), each run refreshing ${refreshedMinutes} minutes of rollups ` +
        `after a minute of new events, as with the periodic job running every minute: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms over ${refreshing.length} runs` +
        (gapMs > 0 ? ` ${gapMs / 1000} s apart` : ''),
    );
    if (warming.length > 0)
      console.log(
        `warm-up runs before them (the pool's new connections meeting the tables for the first time; not in the figures above): ` +
          warming.map((ms) => `${Math.round(ms)} ms`).join(', '),
      );
    if (current.length > 0)
      console.log(
        `for comparison, runs that find the rollups current (nothing to refresh; not what a call normally gets): ` +
          `p50 ${quantile(current, 0.5).toFixed(1)} ms, p95 ${quantile(current, 0.95).toFixed(1)} ms over ${current.length} runs`,
      );
    console.log(
      `baseline, same run: count(*) over the same hour p50 ${hourP50.toFixed(1)} ms; full-table count(*) p50 ${scanP50.toFixed(1)} ms`,
    );
    console.log(
      `ratio (refreshing runs): generation p50 / hour count p50 = ${(p50 / hourP50).toFixed(2)}×; generation p50 / full scan p50 = ${(p50 / scanP50).toFixed(2)}×`,
    );
    console.log(
      `bar (< 500 ms on PostgreSQL, runs that refresh): ${p95 < 500 ? 'met' : 'NOT met'} at p95`,
    );
  } finally {
    await app?.close();
    await client.end().catch(() => undefined);
    if (!keep) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    else log(`kept database ${databaseUrl}`);
  }
}

const missingFlags = SERVICE_NODE_FLAGS.filter((flag) => !process.execArgv.includes(flag));
if (missingFlags.length > 0) {
  const again = spawnSync(
    process.execPath,
    [...process.execArgv, ...missingFlags, ...process.argv.slice(1)],
    { stdio: 'inherit' },
  );
  process.exit(again.status ?? 1);
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
