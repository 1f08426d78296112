import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { readSegmentLines } from '../src/storage/cold/segment-format.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';
import { freePort } from './support/ports.js';

/**
 * warm-to-cold killed for real: the service (`node dist/src/main.js`) is SIGKILLed while it
 * writes segments, a new process runs the job again, and every event is then in the cold
 * tier exactly once with its content unchanged.
 */
const ROOT = join(import.meta.dirname, '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const DAY = 86_400_000;
const PER_DAY = 15_000;

interface Service {
  child: ChildProcess;
  url: string;
  exited: Promise<unknown>;
}

async function start(env: Record<string, string>): Promise<Service> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const service = { child, url: `http://127.0.0.1:${port}`, exited: once(child, 'exit') };
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error('the service exited during start-up');
    if (waited > 90_000) throw new Error('the service did not start');
    try {
      if ((await fetch(`${service.url}/api/debug/health/live`)).ok) return service;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function segmentFiles(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { recursive: true, encoding: 'utf8' }).filter((name) =>
    name.endsWith('.ndjson.gz'),
  );
}

/** id and message of every event, sorted by id: what must survive the move unchanged. */
function fingerprint(rows: { id: string; message: string; data: unknown }[]): string {
  const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : 1));
  return createHash('sha256')
    .update(sorted.map((row) => `${row.id}|${row.message}|${JSON.stringify(row.data)}`).join('\n'))
    .digest('hex');
}

describeWithPostgresAndRedis('warm-to-cold killed with SIGKILL mid-run', () => {
  beforeAll(() => {
    spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: the build failed`);
  }, 180_000);

  it('a new process finishes the job: every event in cold exactly once, content unchanged', async () => {
    const env: Record<string, string> = {
      ...(await fullModeEnv()),
      DEBUG_ARCHIVE_SEGMENT_ROWS: '300',
      DEBUG_TIERING_INTERVAL_MINUTES: '1440',
    };
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    let first: Service | undefined;
    let second: Service | undefined;
    try {
      // Two days past retention, seeded before any service runs (partitions made here).
      for (const daysAgo of [10, 9]) {
        const day = new Date(Math.floor((Date.now() - daysAgo * DAY) / DAY) * DAY);
        const name = `debug_events_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
        await client.query(
          `CREATE TABLE ${name} PARTITION OF debug_events FOR VALUES FROM ('${day.toISOString()}') TO ('${new Date(day.getTime() + DAY).toISOString()}')`,
        );
        await client.query(
          `INSERT INTO debug_events (id, "timestamp", event_type, level, component_type, component_id, message, data, ingested_at)
           SELECT gen_random_uuid(), '${day.toISOString()}'::timestamptz + i * interval '5 seconds', 'log', 'info', 'api',
                  'c-' || (i % 7), 'event ' || i || E' \\ttab "q"', jsonb_build_object('i', i, 's', md5(i::text)), now()
             FROM generate_series(1, ${PER_DAY}) AS i`,
        );
      }
      const before = await client.query<{ id: string; message: string; data: unknown }>(
        'SELECT id, message, data FROM debug_events',
      );
      expect(before.rows).toHaveLength(2 * PER_DAY);
      const expected = fingerprint(before.rows);

      first = await start(env);
      const running = fetch(`${first.url}/api/debug/storage/migrate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job: 'warm-to-cold' }),
      }).catch((error: Error) => error);
      // Kill it once a few segments are in the archive: mid-way through the first day.
      for (let waited = 0; segmentFiles(env.DEBUG_ARCHIVE_DIR).length < 5; waited += 5) {
        if (waited > 60_000) throw new Error('no segment was written');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      first.child.kill('SIGKILL');
      await first.exited;
      // The request died with the process (fetch rejects; a TypeError from another realm here).
      expect(String(await running)).toMatch(/fetch failed|terminated|socket/i);
      const writtenBeforeKill = segmentFiles(env.DEBUG_ARCHIVE_DIR).length;
      const [{ warm }] = (
        await client.query<{ warm: string }>('SELECT count(*) AS warm FROM debug_events')
      ).rows;
      // The run was cut short: at least one day still in the warm store.
      expect(Number(warm)).toBeGreaterThanOrEqual(PER_DAY);
      expect(writtenBeforeKill).toBeLessThan((2 * PER_DAY) / 300);

      second = await start(env);
      const rerun = await fetch(`${second.url}/api/debug/storage/migrate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ job: 'warm-to-cold' }),
      });
      const report = (await rerun.json()) as { outcome: string };
      expect(report.outcome).toBe('ok');

      const [{ left }] = (
        await client.query<{ left: string }>('SELECT count(*) AS left FROM debug_events')
      ).rows;
      expect(Number(left)).toBe(0);
      const manifest = await client.query<{
        segment_key: string;
        row_count: number;
        warm_released_at: Date | null;
      }>(
        `SELECT segment_key, row_count, warm_released_at FROM debug_archive_segments WHERE table_name = 'debug_events'`,
      );
      expect(manifest.rows.every((row) => row.warm_released_at !== null)).toBe(true);
      const cold: { id: string; message: string; data: unknown }[] = [];
      for (const row of manifest.rows) {
        const lines = await readSegmentLines(
          row.segment_key,
          readFileSync(join(env.DEBUG_ARCHIVE_DIR, row.segment_key)),
        );
        cold.push(
          ...lines
            .slice(1)
            .map((line) => JSON.parse(line) as { id: string; message: string; data: unknown }),
        );
      }
      expect(cold).toHaveLength(2 * PER_DAY);
      expect(new Set(cold.map((row) => row.id)).size).toBe(2 * PER_DAY);
      expect(fingerprint(cold)).toBe(expected);
      // No object the manifest does not name (the killed pass's were rewritten in place).
      expect(segmentFiles(env.DEBUG_ARCHIVE_DIR).sort()).toEqual(
        manifest.rows.map((row) => row.segment_key).sort(),
      );
    } finally {
      if (first && first.child.exitCode === null && first.child.signalCode === null)
        first.child.kill('SIGKILL');
      if (second) {
        second.child.kill('SIGTERM');
        await second.exited;
      }
      await client.end();
    }
  }, 240_000);
});
