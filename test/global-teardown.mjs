import pg from 'pg';
import { Redis } from 'ioredis';

/** Drops every database and Redis key this run made. */
export default async function globalTeardown() {
  const runId = process.env.TEST_RUN_ID;
  if (!runId) return;
  if (process.env.TEST_POSTGRES_ADMIN_URL) {
    const client = new pg.Client({ connectionString: process.env.TEST_POSTGRES_ADMIN_URL });
    await client.connect();
    const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`ads_test_${runId}%`]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    await client.end();
  }
  if (process.env.TEST_REDIS_URL && process.env.TEST_REDIS_PREFIX) {
    const redis = new Redis(process.env.TEST_REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${process.env.TEST_REDIS_PREFIX}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  }
}
