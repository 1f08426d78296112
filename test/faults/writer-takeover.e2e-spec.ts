import { Redis } from 'ioredis';
import pg from 'pg';
import { wireBatch } from '../factories/events.js';
import { postBatch } from '../support/batch-senders.js';
import { describeWithPostgresAndRedis, fullModeEnv, redisUrl } from '../support/services.js';
import {
  buildService,
  type ServiceProcess,
  startProcess,
  stopProcess,
  waitFor,
} from '../support/service-process.js';
import {
  countRowsById,
  RssSampler,
  SERVICE_PROCESS_GROWTH_BOUND_MB,
  SERVICE_PROCESS_RSS_CAP_MB,
} from './fault-checks.js';

/** Far above how long the takeover of a dead writer's entries may take. */
const CLAIM_IDLE_MS = 120_000;

/**
 * A worker SIGKILLed while its writers hold journal entries (their write blocked on a table lock
 * the test holds): a new worker takes the entries over as soon as the dead process's heartbeat
 * key has lapsed, not after DEBUG_INGEST_CLAIM_IDLE_MS (set to 120 s here), and every
 * acknowledged event is stored exactly once.
 */
describeWithPostgresAndRedis('fault: SIGKILL of a worker holding a journal batch', () => {
  beforeAll(() => buildService(), 320_000);

  it('is taken over once its heartbeat lapses, well before the claim idle time, losing and duplicating nothing', async () => {
    const env = await fullModeEnv({
      DEBUG_BATCH_SIZE: '50',
      DEBUG_INGEST_CLAIM_IDLE_MS: String(CLAIM_IDLE_MS),
    });
    const processes: ServiceProcess[] = [];
    const rss = new RssSampler('writer-takeover');
    const redis = new Redis(redisUrl());
    const blocker = new pg.Client({ connectionString: env.DATABASE_URL });
    await blocker.connect();
    try {
      const api = await startProcess(env, 'api');
      const doomed = await startProcess(env, 'worker');
      processes.push(api, doomed);
      rss.track('api', api.child);
      rss.track('doomed worker', doomed.child);
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE debug_events IN ACCESS EXCLUSIVE MODE');

      const acknowledged: string[] = [];
      for (let round = 0; round < 6; round++) {
        const batch = wireBatch(50);
        expect(await postBatch(api.url, batch)).toBe(202);
        acknowledged.push(...batch.map((event) => event.id as string));
      }
      rss.warm('api');
      const stream = `${env.DEBUG_REDIS_PREFIX}:ingest:journal`;
      const heldByDoomed = async () => {
        const [, , , holders] = (await redis.xpending(stream, 'warm-writers')) as [
          number,
          string | null,
          string | null,
          [string, string][] | null,
        ];
        return (holders ?? [])
          .filter(([name]) => name.includes(`:${doomed.child.pid}:`))
          .reduce((sum, [, count]) => sum + Number(count), 0);
      };
      expect(await waitFor(async () => (await heldByDoomed()) > 0, 30_000, 100)).toBe(true);

      doomed.child.kill('SIGKILL');
      await doomed.exited;
      const killedAt = Date.now();
      await blocker.query('ROLLBACK');
      const successor = await startProcess(env, 'worker');
      processes.push(successor);
      rss.track('successor worker', successor.child);

      expect(
        await waitFor(
          async () =>
            (await countRowsById(env.DATABASE_URL, acknowledged)).missing.length === 0 &&
            (await heldByDoomed()) === 0,
          CLAIM_IDLE_MS - 30_000,
          250,
        ),
      ).toBe(true);
      // Only the heartbeat path can have been this quick: the idle-time claim waits 120 s.
      expect(Date.now() - killedAt).toBeLessThan(CLAIM_IDLE_MS - 30_000);
      expect(await countRowsById(env.DATABASE_URL, acknowledged)).toEqual({
        missing: [],
        duplicated: [],
      });
      expect(successor.output.join('')).toMatch(
        /took over \d+ journal entries of writers whose process stopped saying it is alive/,
      );
      // The successor's whole life is the fault phase: only its peak is judged.
      const figures = rss.finish();
      for (const one of Object.values(figures))
        expect(one.peakMb).toBeLessThan(SERVICE_PROCESS_RSS_CAP_MB);
      expect(figures.api.growthMb).toBeLessThan(SERVICE_PROCESS_GROWTH_BOUND_MB);
    } finally {
      rss.stop();
      await blocker.end().catch(() => undefined);
      redis.disconnect();
      await Promise.all(processes.map(stopProcess));
    }
  }, 300_000);
});
