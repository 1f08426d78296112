import pg from 'pg';
import { wireBatch } from './factories/events.js';
import { type BatchSenders, postBatch, startSenders } from './support/batch-senders.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';
import {
  buildService,
  type ServiceProcess,
  startProcess,
  stopProcess,
  waitFor,
} from './support/service-process.js';

/**
 * Ingestion across processes, as it is deployed: `node dist/src/main.js` with DEBUG_ROLE=api
 * and DEBUG_ROLE=worker on one Redis and one PostgreSQL.
 */
type Service = ServiceProcess;
const stop = stopProcess;

async function countRows(
  client: pg.Client,
  ids?: string[],
): Promise<{ rows: number; distinct: number }> {
  const { rows } = ids
    ? await client.query(
        'SELECT count(*)::int AS rows, count(DISTINCT id)::int AS distinct FROM debug_events WHERE id = ANY($1::uuid[])',
        [ids],
      )
    : await client.query(
        'SELECT count(*)::int AS rows, count(DISTINCT id)::int AS distinct FROM debug_events',
      );
  return rows[0];
}

describeWithPostgresAndRedis('ingestion across api and worker processes', () => {
  beforeAll(() => {
    // The processes run the compiled service, as `npm start` does.
    buildService();
  }, 320_000);

  it('stores every event exactly once with 1 api and 2 worker processes', async () => {
    const env = await fullModeEnv({ DEBUG_BATCH_SIZE: '100' });
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    const services: Service[] = [];
    try {
      services.push(await startProcess(env, 'api'));
      services.push(await startProcess(env, 'worker'), await startProcess(env, 'worker'));
      const [api, ...workers] = services;
      const batches = Array.from({ length: 40 }, () => wireBatch(100));
      const statuses: number[] = [];
      let next = 0;
      await Promise.all(
        [1, 2, 3, 4].map(async () => {
          while (next < batches.length) statuses.push(await postBatch(api.url, batches[next++]));
        }),
      );
      // A client retry of a quarter of the batches: duplicates, not new rows.
      for (const batch of batches.slice(0, 10)) statuses.push(await postBatch(api.url, batch));
      expect(statuses.every((status) => status === 202)).toBe(true);

      const ids = batches.flat().map((event) => event.id as string);
      expect(await waitFor(async () => (await countRows(client)).rows >= ids.length, 120_000)).toBe(
        true,
      );
      expect(await countRows(client)).toEqual({ rows: 4000, distinct: 4000 });
      expect(await countRows(client, ids)).toEqual({ rows: 4000, distinct: 4000 });
      // Both workers took jobs from the shared queue.
      for (const worker of workers)
        expect(worker.output.join('')).toMatch(/journal batch of \d+ events written/);
      expect(api.output.join('')).not.toMatch(/journal batch of \d+ events written/);
    } finally {
      await Promise.all(services.map(stop));
      await client.end();
    }
  }, 240_000);

  it('loses nothing acknowledged when a worker is SIGKILLed mid-stream and a new one takes over', async () => {
    const env = await fullModeEnv({ DEBUG_BATCH_SIZE: '50', DEBUG_INGEST_CLAIM_IDLE_MS: '5000' });
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    let api: Service | undefined;
    let first: Service | undefined;
    let second: Service | undefined;
    let senders: BatchSenders | undefined;
    try {
      api = await startProcess(env, 'api');
      first = await startProcess(env, 'worker');
      const url = api.url;
      senders = startSenders(() => url);
      const { acknowledged } = senders;
      // Kill the worker once it is busy writing: rows are landing and jobs are still coming.
      expect(await waitFor(async () => (await countRows(client)).rows >= 500, 120_000)).toBe(true);
      first.child.kill('SIGKILL');
      await first.exited;
      const atKill = acknowledged.length;
      await waitFor(async () => acknowledged.length >= atKill + 1000, 60_000);
      second = await startProcess(env, 'worker');
      await waitFor(async () => acknowledged.length >= atKill + 1500, 60_000);
      await senders.stop();

      expect(acknowledged.length).toBeGreaterThan(atKill);
      // The new worker takes over the journal entries the dead one read and never acknowledged.
      expect(
        await waitFor(
          async () => (await countRows(client, acknowledged)).rows >= acknowledged.length,
          150_000,
        ),
      ).toBe(true);
      expect(await countRows(client, acknowledged)).toEqual({
        rows: acknowledged.length,
        distinct: acknowledged.length,
      });
      const total = await countRows(client);
      expect(total.rows).toBe(total.distinct);
    } finally {
      await senders?.stop();
      await Promise.all([api, first, second].map(stop));
      await client.end();
    }
  }, 420_000);
});
