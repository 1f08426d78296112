import type { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { RedisService } from '../src/common/redis/redis.service.js';
import { wireEvent } from './factories/events.js';
import { StreamClient } from './support/streaming-clients.js';
import { ingestSettled, startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';
import { freePort } from './support/ports.js';
import { killRedisServer, startRedisServer } from '../bench/redis-server.js';
import { RssSampler } from './faults/fault-checks.js';

/**
 * Redis going away under a running service (full mode), on a redis-server of this test's own:
 * ingestion answers 503 with Retry-After at once instead of hanging until Redis is back, reads
 * by id fall back to the warm store, and once Redis returns the same event is taken as new
 * (nothing of the refused request was kept) and lands once.
 */

describeWithPostgresAndRedis('Redis outage under a running service (full mode)', () => {
  let port: number;
  let redisServer: ChildProcess;
  let running: RunningApp | undefined;
  /** An instance that has not ingested anything when Redis goes away (no backlog reading yet). */
  let untouched: RunningApp | undefined;

  beforeAll(async () => {
    port = await freePort();
    redisServer = await startRedisServer(port);
    running = await startApp(await fullModeEnv({ REDIS_URL: `redis://127.0.0.1:${port}` }));
    untouched = await startApp(await fullModeEnv({ REDIS_URL: `redis://127.0.0.1:${port}` }));
  });

  afterAll(async () => {
    // Redis must be up for a clean shutdown (Bull and the writers close their connections).
    if (redisServer.exitCode !== null || redisServer.signalCode !== null)
      redisServer = await startRedisServer(port);
    // Bull's close forces its blocking connection to reconnect, and fails ("already connecting")
    // while that connection is still in its own reconnection backoff (at most 2 s): let every
    // connection be back first (seen once: the close then hung).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await running?.close();
    await untouched?.close();
    await killRedisServer(redisServer);
  });

  it('refuses ingestion with 503 and Retry-After while Redis is down, reads by id from the warm store, and takes the same event once Redis is back', async () => {
    const app = running!;
    const before = wireEvent({ message: 'accepted before the outage' });
    await request(app.url).post('/api/debug/events').send(before).expect(202);
    expect(await ingestSettled(app.app, 30_000)).toBe(true);
    const rss = RssSampler.ofThisProcess('redis-outage');
    rss.warm();

    await killRedisServer(redisServer);
    const main = app.app.get(RedisService).client();
    for (let waited = 0; main.status === 'ready' && waited < 10_000; waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(main.status).not.toBe('ready');

    const during = wireEvent({ message: 'sent while Redis is down' });
    const refused = await request(app.url).post('/api/debug/events').send(during).expect(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(refused.body.message).toContain('hot tier (Redis) is unreachable');

    const refusedBatch = await request(app.url)
      .post('/api/debug/events/batch')
      .send({ events: [wireEvent({ message: 'a batch while Redis is down' })] })
      .expect(503);
    expect(refusedBatch.headers['retry-after']).toBe('1');

    const readBack = await request(app.url).get(`/api/debug/events/${before.id}`).expect(200);
    expect(readBack.body).toMatchObject({
      id: before.id,
      tier: 'warm',
      message: 'accepted before the outage',
    });

    // Operators' views of the journal and the retry queue answer too, within a bound.
    for (const [method, path] of [
      ['get', '/api/debug/admin/ingest/status'],
      ['get', '/api/debug/admin/ingest/failed'],
      ['post', '/api/debug/admin/ingest/replay'],
    ] as const) {
      const answer = await request(app.url)[method](path).expect(503);
      expect(answer.body.message).toContain('did not answer within');
    }

    // The first request of an instance waits for a first backlog reading, which Redis cannot give now.
    const first = await request(untouched!.url)
      .post('/api/debug/events')
      .send(wireEvent())
      .expect(503);
    expect(first.body.message).toContain('hot tier (Redis) is unreachable');
    // A state snapshot is committed to PostgreSQL; only its state_change event could not be queued.
    const snapshot = await request(untouched!.url)
      .post('/api/debug/state')
      .send({ component_type: 'agent', component_id: 'planner-outage', state: { step: 1 } })
      .expect(201);
    expect(snapshot.body).toMatchObject({ version: 1, event_id: null, duplicate: false });

    // A stream subscription needs Redis (the relay between instances, the backfill): refused, not left waiting.
    const subscriber = new StreamClient(untouched!.url);
    try {
      const ack = await subscriber.subscribe({ channels: ['debug:event'] });
      expect(ack).toMatchObject({ ok: false, error: { code: 'unavailable' } });
      const withBackfill = await subscriber.subscribe({
        channels: ['debug:event'],
        since: new Date(Date.now() - 60_000).toISOString(),
      });
      expect(withBackfill).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    } finally {
      subscriber.socket.disconnect();
    }

    redisServer = await startRedisServer(port);
    let answer = await request(app.url).post('/api/debug/events').send(during);
    for (let waited = 0; answer.status === 503 && waited < 20_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await request(app.url).post('/api/debug/events').send(during);
    }
    expect(answer.status).toBe(202);
    // Nothing of the refused request was kept: the retry is new, not a duplicate.
    expect(answer.body).toEqual({ id: during.id, status: 'accepted' });

    expect(await ingestSettled(app.app, 30_000)).toBe(true);
    const rows = await app.app
      .get(DataSource)
      .query('SELECT id, message FROM debug_events WHERE id = ANY($1) ORDER BY message', [
        [before.id, during.id],
      ]);
    expect(rows).toEqual([
      { id: before.id, message: 'accepted before the outage' },
      { id: during.id, message: 'sent while Redis is down' },
    ]);
    rss.expectBoundedGrowth();
  });
});
