import pg from 'pg';
import request from 'supertest';
import { wireEvent } from '../factories/events.js';
import { ingestSettled, startApp, type RunningApp } from '../support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from '../support/services.js';
import { TcpRelay } from '../support/tcp-relay.js';
import { countRowsById, RssSampler, uncaughtErrors } from './fault-checks.js';

/**
 * PostgreSQL connections dropped under a running, writing service (full mode, role `all`):
 * backends terminated by `pg_terminate_backend` again and again while events pour in, then the
 * network to PostgreSQL reset under load. The process must not die (a pg client's 'error'
 * event without a listener kills it), the writers must resume by themselves, and every
 * acknowledged event must be in the warm store exactly once.
 */
describeWithPostgresAndRedis('fault: PostgreSQL connections dropped under load', () => {
  let running: RunningApp | undefined;
  let relay: TcpRelay;
  let databaseUrl: string;
  const errors = uncaughtErrors();

  beforeAll(async () => {
    const env = await fullModeEnv({ DEBUG_BATCH_SIZE_MS: '5' });
    databaseUrl = env.DATABASE_URL;
    const relayed = await TcpRelay.inFrontOf(env.DATABASE_URL, 5432);
    relay = relayed.relay;
    running = await startApp({ ...env, DATABASE_URL: relayed.url });
  });

  afterAll(async () => {
    await relay.start();
    await running?.close();
    await relay.stop();
    errors.dispose();
  });

  it('survives backends terminated and connections reset while writing, and writes every acknowledged event once', async () => {
    const app = running!;
    const acked: string[] = [];
    const sendRound = async (round: number) => {
      const events = Array.from({ length: 50 }, (_, index) =>
        wireEvent({ component_id: 'fault-pg', message: `round ${round} event ${index}` }),
      );
      const response = await request(app.url).post('/api/debug/events/batch').send({ events });
      expect(response.status).toBe(202);
      acked.push(...events.map((event) => event.id as string));
    };
    // Warm-up: the same work without a fault, so that the baseline holds its working set.
    for (let round = -20; round < 0; round++) await sendRound(round);
    expect(await ingestSettled(app.app, 30_000)).toBe(true);
    const rss = RssSampler.ofThisProcess('postgres-terminate');
    rss.warm();

    let sending = true;
    const sender = (async () => {
      for (let round = 0; sending || round < 5; round++) await sendRound(round);
    })();

    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      const database = new URL(databaseUrl).pathname.slice(1);
      for (let cut = 0; cut < 12; cut++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        if (cut % 3 === 2) {
          relay.reset();
          continue;
        }
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [database],
        );
      }
    } finally {
      sending = false;
      await sender;
      await admin.end();
    }

    expect(await ingestSettled(app.app, 60_000)).toBe(true);
    const counts = await countRowsById(databaseUrl, acked);
    expect(counts.missing).toEqual([]);
    expect(counts.duplicated).toEqual([]);
    expect(acked.length).toBeGreaterThanOrEqual(250);
    expect(errors.seen).toEqual([]);
    rss.expectBoundedGrowth();

    // Readiness is back, and a writer is alive.
    const health = await request(app.url).get('/api/debug/health').expect(200);
    expect(health.body.status).toBe('ok');
  });
});
