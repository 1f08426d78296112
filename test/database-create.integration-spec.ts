import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  buildService,
  MAIN,
  ROOT,
  startProcess,
  stopProcess,
  type ServiceProcess,
  waitFor,
} from './support/service-process.js';
import { describeWithPostgresAndRedis, freshRedisPrefix, redisUrl } from './support/services.js';

const admin = () => process.env.TEST_POSTGRES_ADMIN_URL!;

/** A database name of this run that does not exist yet (the run's teardown drops it). */
function missingDatabaseUrl(user?: string): { url: string; name: string } {
  const name = `${process.env.TEST_POSTGRES_TEMPLATE}_new_${randomBytes(4).toString('hex')}`;
  const url = new URL(admin());
  url.pathname = `/${name}`;
  if (user) url.username = user;
  return { url: url.toString(), name };
}

async function adminQuery<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: admin() });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

function env(databaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl(),
    DEBUG_REDIS_PREFIX: freshRedisPrefix(),
    DEBUG_ARCHIVE_DIR: mkdtempSync(join(tmpdir(), 'ads-archive-')),
    DEBUG_INSIGHT_INTERVAL_SECONDS: '0',
  };
}

describeWithPostgresAndRedis('full mode with a database that does not exist yet', () => {
  beforeAll(() => {
    // The service runs compiled, as `npm start` does.
    buildService();
  }, 320_000);

  it('creates the database when its role may, then migrates it and serves', async () => {
    const { url, name } = missingDatabaseUrl();
    let service: ServiceProcess | undefined;
    try {
      service = await startProcess(env(url), 'all');
      expect(service.output.join('')).toContain(`created database ${name}`);
      // the port is open (startProcess waits for the server's own line); readiness may still wait
      const serving = await waitFor(
        async () =>
          (await fetch(`${service!.url}/api/debug/health`).catch(() => null))?.status === 200,
        30_000,
      );
      expect(serving).toBe(true);
      const tables = await adminQuery<{ n: string }>(
        `SELECT count(*) AS n FROM pg_database WHERE datname = $1`,
        [name],
      );
      expect(Number(tables[0].n)).toBe(1);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string }>(
          `SELECT count(*) AS n FROM debug_events`,
        );
        expect(Number(rows[0].n)).toBe(0);
      } finally {
        await client.end();
      }
    } finally {
      await stopProcess(service);
    }
  }, 120_000);

  it('without the right to create it, says in one line what to run and exits 1', async () => {
    const role = `ads_nocreate_${randomBytes(4).toString('hex')}`;
    await adminQuery(`CREATE ROLE ${role} LOGIN NOCREATEDB`);
    try {
      const { url, name } = missingDatabaseUrl(role);
      const child = spawn(process.execPath, [MAIN], {
        cwd: ROOT,
        env: { ...process.env, ...env(url), HOST: '127.0.0.1', PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(1);
      const lines = output.split('\n').filter((line) => line.trim() !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(
        `database "${name}" does not exist and role "${role}" may not create databases`,
      );
      expect(lines[0]).toContain(`createdb -h 127.0.0.1 -p 5432 -U postgres -O ${role} ${name}`);
      const databases = await adminQuery(`SELECT 1 FROM pg_database WHERE datname = $1`, [name]);
      expect(databases).toEqual([]);
    } finally {
      await adminQuery(`DROP ROLE IF EXISTS ${role}`);
    }
  }, 60_000);
});
