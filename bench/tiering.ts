/**
 * npm run bench:tiering [-- --events 1000000 --lookups 500]
 *
 * The service is started as a user runs it (node dist/src/main.js, full mode: PostgreSQL +
 * Redis, local archive directory) on a scratch database. One UTC day 9 days old is seeded
 * with --events events (generate_series, ~450 bytes of JSON each), plus 100k recent ones.
 *
 *   archive:   POST /api/debug/storage/migrate (warm-to-cold): stream, gzip, put, re-read
 *              and verify, manifest, drop the partition; events/s
 *   baseline:  the same day's partition read back with COPY … TO STDOUT (same run); events/s
 *   ratio:     archive / baseline
 *   size:      segment bytes vs the NDJSON they hold and vs the COPY text
 *   lookups:   p50/p95/p99 of GET /api/debug/events/{id} per tier (hot, warm, cold), sequential
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { newId } from '../src/common/ids.js';
import {
  createDatabase,
  deleteRedisPrefix,
  dropDatabase,
  fmt,
  get,
  log,
  percentile,
  post,
  REDIS_URL,
  startService,
  suffix,
} from './bench-support.js';

const DAY_MS = 86_400_000;
const RECENT = 100_000;
const SEED_CHUNK = 100_000;

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

/** Rows of debug_events for i in [from, to], spread evenly over [start, start + spanMs). */
function seedSql(from: number, to: number, start: Date, spanMs: number, count: number): string {
  return `
    INSERT INTO debug_events (id, "timestamp", event_type, level, component_type, component_id, correlation_id,
      parent_event_id, operation, duration_ms, message, data, metadata, session_id, pattern_id, ingested_at)
    SELECT
      (lpad(to_hex((extract(epoch from t) * 1000)::bigint), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
      t,
      (ARRAY['log','log','log','error','trace','lifecycle'])[1 + i % 6],
      (ARRAY['info','info','debug','warning','error'])[1 + i % 5],
      (ARRAY['api','worker','agent','gateway'])[1 + i % 4],
      'component-' || (i % 300),
      'corr-' || (i / 7),
      NULL,
      'op-' || (i % 40),
      (i % 5000) / 10.0,
      'request ' || i || ' handled by component-' || (i % 300) || ' with status ' || (200 + i % 5) || ' after ' || (i % 97) || ' ms',
      jsonb_build_object('request_id', h, 'attempt', i % 3, 'path', '/v1/orders/' || (i % 10000),
        'user', 'user-' || (i % 2000), 'items', jsonb_build_array(i % 17, i % 23, i % 31), 'cache_hit', i % 2 = 0),
      jsonb_build_object('host', 'host-' || (i % 12), 'region', 'eu-west-1', 'version', '1.4.' || (i % 9), 'pid', 1000 + i % 64),
      CASE WHEN i % 10 = 0 THEN 'session-' || (i % 50) END,
      NULL,
      t + interval '3 milliseconds'
    FROM (
      SELECT i, md5(i::text) AS h,
             '${start.toISOString()}'::timestamptz + floor((i % ${count}) * ${spanMs / count}) * interval '1 millisecond' AS t
        FROM generate_series(${from}, ${to}) AS i
    ) s`;
}

async function copyOut(client: pg.Client, relation: string): Promise<{ rows: number; bytes: number; ms: number }> {
  const started = performance.now();
  let bytes = 0;
  let rows = 0;
  await pipeline(
    client.query(copyStreams.to(`COPY ${relation} TO STDOUT`)),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        bytes += chunk.length;
        for (let index = 0; index < chunk.length; index++) if (chunk[index] === 10) rows++;
        done();
      },
    }),
  );
  return { rows, bytes, ms: performance.now() - started };
}

async function lookups(url: string, ids: readonly string[], tier: string): Promise<number[]> {
  const times: number[] = [];
  for (const id of ids) {
    const started = performance.now();
    const answer = await get(`${url}/api/debug/events/${id}`);
    times.push(performance.now() - started);
    if (answer.status !== 200) throw new Error(`GET /events/${id}: ${answer.status} ${answer.text.slice(0, 200)}`);
    const found = (JSON.parse(answer.text) as { tier: string }).tier;
    if (found !== tier) throw new Error(`GET /events/${id} answered from ${found}, expected ${tier}`);
  }
  return times.sort((a, b) => a - b);
}

function sample<T>(items: readonly T[], count: number): T[] {
  const picked: T[] = [];
  let seed = 12345;
  for (let index = 0; index < count; index++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    picked.push(items[seed % items.length]);
  }
  return picked;
}

async function main(): Promise<void> {
  const events = flag('events', 1_000_000);
  const lookupCount = flag('lookups', 500);
  log(`bench:tiering on ${cpus().length} cores: ${fmt(events, 0)} events in one day, ${lookupCount} lookups per tier`);

  const name = `ads_bench_tiering_${suffix()}`;
  const databaseUrl = await createDatabase(name);
  const prefix = `bench-tiering-${suffix()}`;
  const archiveDir = mkdtempSync(join(tmpdir(), 'ads-bench-archive-'));
  const profileDir = process.argv.includes('--profile') ? mkdtempSync(join(tmpdir(), 'ads-bench-profile-')) : null;
  const service = await startService(
    {
      DATABASE_URL: databaseUrl,
      REDIS_URL,
      DEBUG_REDIS_PREFIX: prefix,
      DEBUG_ARCHIVE_DIR: archiveDir,
      DEBUG_TIERING_INTERVAL_MINUTES: '1440',
      LOG_LEVEL: 'log',
    },
    profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  );
  if (profileDir) log(`service CPU profile goes to ${profileDir}`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const day = new Date(Math.floor((Date.now() - 9 * DAY_MS) / DAY_MS) * DAY_MS);
    const partition = `debug_events_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
    await client.query(
      `CREATE TABLE ${partition} PARTITION OF debug_events FOR VALUES FROM ('${day.toISOString()}') TO ('${new Date(day.getTime() + DAY_MS).toISOString()}')`,
    );
    const seedStarted = performance.now();
    for (let from = 1; from <= events; from += SEED_CHUNK) {
      const to = Math.min(events, from + SEED_CHUNK - 1);
      await client.query(seedSql(from, to, day, DAY_MS, events));
      log(`seeded ${fmt(to, 0)}/${fmt(events, 0)} old events (${fmt(to / ((performance.now() - seedStarted) / 1000), 0)} rows/s)`);
    }
    const recentStart = new Date(Date.now() - 3_600_000);
    await client.query(seedSql(events + 1, events + RECENT, recentStart, 3_000_000, RECENT));
    await client.query('ANALYZE debug_events');
    log(`seeded ${fmt(RECENT, 0)} recent events (warm, not hot)`);

    const coldIds = sample(
      (await client.query<{ id: string }>(`SELECT id FROM ${partition} TABLESAMPLE SYSTEM (1)`)).rows.map((row) => row.id),
      lookupCount,
    );
    const warmIds = sample(
      (
        await client.query<{ id: string }>(`SELECT id FROM debug_events WHERE "timestamp" >= $1 LIMIT 20000`, [
          recentStart.toISOString(),
        ])
      ).rows.map((row) => row.id),
      lookupCount,
    );

    // Baseline: the same partition read back by COPY (once to warm the cache, once timed).
    await copyOut(client, partition);
    const copy = await copyOut(client, partition);
    if (copy.rows !== events) throw new Error(`COPY read ${copy.rows} rows, expected ${events}`);
    const copyRate = copy.rows / (copy.ms / 1000);
    log(`baseline COPY ${partition} TO STDOUT: ${fmt(copy.rows, 0)} rows, ${fmt(copy.bytes / 2 ** 20)} MiB in ${fmt(copy.ms / 1000, 2)} s = ${fmt(copyRate, 0)} events/s`);

    log('archiving: POST /api/debug/storage/migrate {"job":"warm-to-cold"} (progress in the service log)');
    const archiveStarted = performance.now();
    const answer = await post(`${service.url}/api/debug/storage/migrate`, JSON.stringify({ job: 'warm-to-cold' }));
    const archiveMs = performance.now() - archiveStarted;
    const report = JSON.parse(answer.text) as { outcome: string; error: string | null; summary: { tables: Record<string, { rows: number; segments: number; bytes: number }> } };
    if (answer.status !== 200 || report.outcome !== 'ok') throw new Error(`migrate: ${answer.status} ${answer.text.slice(0, 500)}`);
    const archived = report.summary.tables.debug_events;
    if (archived.rows !== events) throw new Error(`archived ${archived.rows} rows, expected ${events}`);
    const archiveRate = archived.rows / (archiveMs / 1000);
    log(`archive: ${fmt(archived.rows, 0)} events in ${archived.segments} segments, ${fmt(archiveMs / 1000, 2)} s = ${fmt(archiveRate, 0)} events/s`);

    const stats = JSON.parse((await get(`${service.url}/api/debug/storage/stats`)).text) as {
      cold: { tables: { debug_events: { bytes: number; uncompressed_bytes: number } } };
    };
    const cold = stats.cold.tables.debug_events;

    // Hot: events sent now, read back at once.
    const hotEvents = Array.from({ length: 1000 }, (_, index) => {
      const timestamp = new Date();
      return {
        id: newId(timestamp),
        timestamp: timestamp.toISOString(),
        event_type: 'log',
        level: 'info',
        component_type: 'api',
        component_id: `component-${index % 300}`,
        correlation_id: `hot-${index}`,
        operation: 'op-1',
        duration_ms: index / 10,
        message: `hot event ${index}`,
        data: { index },
        metadata: { host: 'bench' },
      };
    });
    const accepted = await post(`${service.url}/api/debug/events/batch`, JSON.stringify({ events: hotEvents }));
    if (accepted.status !== 202) throw new Error(`POST /events/batch: ${accepted.status} ${accepted.text.slice(0, 300)}`);
    const hotIds = sample(hotEvents.map((event) => event.id), lookupCount);

    await lookups(service.url, hotIds.slice(0, 50), 'hot'); // warm-up of the HTTP path
    const hot = await lookups(service.url, hotIds, 'hot');
    const warm = await lookups(service.url, warmIds, 'warm');
    const coldTimes = await lookups(service.url, coldIds, 'cold');

    // Range pages over the archived day: a random 10-minute window, then one component's events.
    const rangePage = async (query: string): Promise<number[]> => {
      const times: number[] = [];
      let seed = 7;
      for (let index = 0; index < Math.min(100, lookupCount); index++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const from = new Date(day.getTime() + (seed % (DAY_MS - 600_000)));
        const to = new Date(from.getTime() + 600_000);
        const started = performance.now();
        const answer = await get(`${service.url}/api/debug/events?from=${from.toISOString()}&to=${to.toISOString()}&order=asc&limit=100${query}`);
        times.push(performance.now() - started);
        if (answer.status !== 200) throw new Error(`GET /events: ${answer.status} ${answer.text.slice(0, 200)}`);
        const page = JSON.parse(answer.text) as { items: unknown[]; tiers: { cold: number } };
        if (query === '' && page.tiers.cold !== page.items.length) throw new Error('a cold range page was not read from cold');
      }
      return times.sort((a, b) => a - b);
    };
    const coldRange = await rangePage('');
    const coldRangeFiltered = await rangePage('&component_id=component-7');

    const line = (tier: string, times: number[]) =>
      `GET /events/{id} ${tier.padEnd(4)}: p50 ${fmt(percentile(times, 50), 2)} ms, p95 ${fmt(percentile(times, 95), 2)} ms, p99 ${fmt(percentile(times, 99), 2)} ms (${times.length} sequential)`;
    console.log('');
    console.log(`== bench:tiering (${cpus().length} cores, ${fmt(events, 0)} events) ==`);
    console.log(`archive (stream + gzip + put + verify + manifest + drop): ${fmt(archiveRate, 0)} events/s`);
    console.log(`baseline COPY … TO STDOUT of the same partition:          ${fmt(copyRate, 0)} events/s`);
    console.log(`ratio archive / COPY:                                      ${fmt(archiveRate / copyRate, 2)}`);
    console.log(
      `segments: ${fmt(cold.bytes / 2 ** 20)} MiB gzip for ${fmt(cold.uncompressed_bytes / 2 ** 20)} MiB NDJSON = ${fmt(cold.uncompressed_bytes / cold.bytes, 2)}x; ` +
        `COPY text ${fmt(copy.bytes / 2 ** 20)} MiB = ${fmt(copy.bytes / cold.bytes, 2)}x the segments; ${fmt(cold.bytes / events, 1)} bytes/event`,
    );
    console.log(line('hot', hot));
    console.log(line('warm', warm));
    console.log(line('cold', coldTimes));
    const pageLine = (what: string, times: number[]) =>
      `GET /events ${what}: p50 ${fmt(percentile(times, 50), 2)} ms, p95 ${fmt(percentile(times, 95), 2)} ms (${times.length} sequential, limit 100)`;
    console.log(pageLine('cold, 10-minute window          ', coldRange));
    console.log(pageLine('cold, same + component_id filter', coldRangeFiltered));
  } finally {
    await client.end().catch(() => undefined);
    await service.stop();
    await dropDatabase(name);
    await deleteRedisPrefix(prefix);
    rmSync(archiveDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
