import request from 'supertest';
import { IngestService } from '../../src/collector/ingest.service.js';
import { eventRecord } from '../factories/events.js';
import { ingestSettled, startApp, type RunningApp } from '../support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from '../support/services.js';
import { countRowsById, RssSampler, uncaughtErrors } from './fault-checks.js';

const ADMIN = { 'X-API-Key': 'poison-admin-key-01' };

/**
 * A poison event among good ones (full mode): an event the warm store refuses for its content
 * (a NUL in a text column) reaches the journal in the same entry as 300 good events of other
 * clients — as one accepted by an older version, before the intake refused it, would. The good
 * events must all be written (none held back by it, on any retry), the poison one parked in the
 * failed set with the database's reason, and a replay must fail it again without touching the rest.
 */
describeWithPostgresAndRedis('fault: a poison event among good ones', () => {
  let running: RunningApp | undefined;
  let databaseUrl: string;
  const errors = uncaughtErrors();

  beforeAll(async () => {
    const env = await fullModeEnv({
      DEBUG_API_KEYS: 'poison-admin-key-01:admin',
      DEBUG_INGEST_BACKOFF_MS: '10',
    });
    databaseUrl = env.DATABASE_URL;
    running = await startApp(env);
  });

  afterAll(async () => {
    await running?.close();
    errors.dispose();
  });

  it('writes every good event, parks the poison one with its reason, and a replay leaves the rest alone', async () => {
    const app = running!;
    // Warm-up: the same work without the poison, so that the baseline holds its working set.
    const warmUp = Array.from({ length: 301 }, (_, index) =>
      eventRecord({ component_id: 'poison-neighbour', message: `warm-up ${index}` }),
    );
    expect((await app.app.get(IngestService).accept(warmUp)).every(Boolean)).toBe(true);
    expect(await ingestSettled(app.app, 60_000)).toBe(true);
    const rss = RssSampler.ofThisProcess('poison-event');
    rss.warm();

    const good = Array.from({ length: 300 }, (_, index) =>
      eventRecord({ component_id: 'poison-neighbour', message: `good ${index}` }),
    );
    const poison = eventRecord({
      component_id: 'poison-neighbour',
      session_id: 'x\u0000',
      message: 'poison',
    });
    const batch = [...good.slice(0, 150), poison, ...good.slice(150)];
    const fresh = await app.app.get(IngestService).accept(batch);
    expect(fresh.every(Boolean)).toBe(true);

    expect(await ingestSettled(app.app, 60_000)).toBe(true);
    const counts = await countRowsById(
      databaseUrl,
      good.map((event) => event.id),
    );
    expect(counts.missing).toEqual([]);
    expect(counts.duplicated).toEqual([]);
    expect((await countRowsById(databaseUrl, [poison.id])).missing).toEqual([poison.id]);

    const failed = await request(app.url)
      .get('/api/debug/admin/ingest/failed')
      .set(ADMIN)
      .expect(200);
    expect(failed.body.total).toBe(1);
    expect(failed.body.items[0]).toMatchObject({ events: 1, first_event_id: poison.id });
    expect(failed.body.items[0].failed_reason).toMatch(/invalid byte sequence.*0x00/);

    const replayed = await request(app.url)
      .post('/api/debug/admin/ingest/replay')
      .set(ADMIN)
      .expect(201);
    expect(replayed.body).toEqual({ replayed: 1 });
    expect(await ingestSettled(app.app, 30_000)).toBe(true);
    const again = await request(app.url)
      .get('/api/debug/admin/ingest/failed')
      .set(ADMIN)
      .expect(200);
    expect(again.body.total).toBe(1);
    expect(
      (
        await countRowsById(
          databaseUrl,
          good.map((event) => event.id),
        )
      ).duplicated,
    ).toEqual([]);
    expect(errors.seen).toEqual([]);
    rss.expectBoundedGrowth();
  });
});
