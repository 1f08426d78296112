// Runs once per `npm test`: gives the run its own PostgreSQL template database (migrated
// once) and its own Redis key prefix, so that parallel or repeated runs never collide.
// Plain JavaScript on purpose: Jest loads it before any transform is set up.
import pg from 'pg';
import { Redis } from 'ioredis';
import { writeFileSync } from 'node:fs';

const ADMIN_URL = process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REQUIRED = process.env.DEBUG_REQUIRE_SERVICES === '1';

async function reachPostgres() {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    return error;
  }
}

async function reachRedis() {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
    await redis.quit();
    return null;
  } catch (error) {
    redis.disconnect();
    return error;
  }
}

function banner(lines) {
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n${lines.map((line) => `!! ${line}`).join('\n')}\n${bar}\n\n`);
}

const STALE_AFTER_MS = 6 * 3_600_000;

/** Databases of runs that were killed before their teardown (the run id starts with its start time). */
async function dropStaleDatabases(client) {
  const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE 'ads\\_test\\_%'`);
  for (const { datname } of rows) {
    const started = parseInt(datname.slice('ads_test_'.length, 'ads_test_'.length + 8), 36);
    if (Number.isFinite(started) && Date.now() - started > STALE_AFTER_MS) {
      await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    }
  }
}

export default async function globalSetup() {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  process.env.TZ = 'UTC';
  process.env.TEST_RUN_ID = runId;
  const problems = [];

  const postgres = await reachPostgres();
  if (postgres instanceof Error) {
    problems.push(`PostgreSQL at ${ADMIN_URL} is unreachable (${postgres.message}): PostgreSQL suites SKIPPED`);
    process.env.TEST_POSTGRES_SKIP = postgres.message;
  } else {
    await dropStaleDatabases(postgres);
    const template = `ads_test_${runId}`;
    await postgres.query(`CREATE DATABASE ${template}`);
    await postgres.end();
    const url = new URL(ADMIN_URL);
    url.pathname = `/${template}`;
    process.env.TEST_POSTGRES_TEMPLATE = template;
    process.env.TEST_POSTGRES_TEMPLATE_URL = url.toString();
    process.env.TEST_POSTGRES_ADMIN_URL = ADMIN_URL;
    const { migrateDatabase } = await import('./support/migrate-template.mjs');
    await migrateDatabase(url.toString());
  }

  const redisError = await reachRedis();
  if (redisError) {
    problems.push(`Redis at ${REDIS_URL} is unreachable (${redisError.message}): Redis suites SKIPPED`);
    process.env.TEST_REDIS_SKIP = redisError.message;
  } else {
    process.env.TEST_REDIS_URL = REDIS_URL;
    process.env.TEST_REDIS_PREFIX = `adstest-${runId}`;
  }

  if (problems.length > 0) {
    if (REQUIRED) {
      throw new Error(`DEBUG_REQUIRE_SERVICES=1 and a real service is missing:\n${problems.join('\n')}`);
    }
    banner(['REAL-SERVICE TESTS WILL BE SKIPPED', ...problems, 'Set DEBUG_REQUIRE_SERVICES=1 to make this a failure (CI does).']);
  }
  writeFileSync(new URL('../.test-run.json', import.meta.url), JSON.stringify({ runId }));
}
