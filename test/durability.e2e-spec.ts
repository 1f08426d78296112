import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { killRedisServer, startRedisReplica, startRedisServer } from '../bench/redis-server.js';
import { JournalDurability } from '../src/collector/journal-durability.js';
import { wireBatch } from './factories/events.js';
import { startApp, type RunningApp } from './support/app.js';
import { freePort } from './support/ports.js';
import { buildService, MAIN, ROOT } from './support/service-process.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';

/**
 * DEBUG_DURABILITY=fsync against redis-servers of this test's own: with a replica, a 202 comes
 * only once the replica has the events (a stopped replica turns the answer into 503 with
 * Retry-After, and the retry, once it is back, into 202); with `appendfsync always`, the events
 * of a 202 survive a SIGKILL of Redis; with neither, the service refuses to start and says what
 * to configure.
 */
describeWithPostgresAndRedis('DEBUG_DURABILITY=fsync (full mode, own redis-servers)', () => {
  const servers: ChildProcess[] = [];
  const apps: RunningApp[] = [];
  const clients: Redis[] = [];

  afterEach(async () => {
    for (const server of servers) if (server.signalCode === 'SIGSTOP') server.kill('SIGCONT');
    await Promise.all(apps.splice(0).map((app) => app.close()));
    for (const client of clients.splice(0)) client.disconnect();
    await Promise.all(servers.splice(0).map(killRedisServer));
  });

  const client = (port: number) => {
    const connection = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 1 });
    clients.push(connection);
    return connection;
  };
  const eventKeys = (prefix: string, batch: Record<string, unknown>[]) =>
    batch.map((event) => `${prefix}:hot:event:${event.id as string}`);

  it('with a replica: acknowledges after WAIT 1, answers 503 while the replica does not confirm, and the retry is safe', async () => {
    const primaryPort = await freePort();
    servers.push(await startRedisServer(primaryPort));
    const replicaPort = await freePort();
    const replica = await startRedisReplica(replicaPort, primaryPort);
    servers.push(replica);
    const fsyncEnv = await fullModeEnv({
      REDIS_URL: `redis://127.0.0.1:${primaryPort}`,
      DEBUG_ROLE: 'api',
      DEBUG_DURABILITY: 'fsync',
      DEBUG_DURABILITY_TIMEOUT_MS: '300',
    });
    const fsync = await startApp(fsyncEnv);
    apps.push(fsync);
    const defaultEnv = await fullModeEnv({
      REDIS_URL: `redis://127.0.0.1:${primaryPort}`,
      DEBUG_ROLE: 'api',
    });
    const inMemory = await startApp(defaultEnv);
    apps.push(inMemory);
    expect(fsync.app.get(JournalDurability).fsyncMethod).toBe('replica');
    expect(inMemory.app.get(JournalDurability).fsyncMethod).toBeUndefined();

    const onReplica = client(replicaPort);
    const first = wireBatch(20);
    const accepted = await request(fsync.url)
      .post('/api/debug/events/batch')
      .send({ events: first })
      .expect(202);
    expect(accepted.body).toMatchObject({ accepted: 20, duplicates: 0 });
    // WAIT 1 has returned: the replica holds every event and its journal entry already.
    expect(await onReplica.exists(...eventKeys(fsyncEnv.DEBUG_REDIS_PREFIX, first))).toBe(20);
    expect(
      await onReplica.get(`${fsyncEnv.DEBUG_REDIS_PREFIX}:ingest:journal:pending-events`),
    ).toBe('20');

    replica.kill('SIGSTOP');
    const unconfirmed = wireBatch(5);
    const refused = await request(fsync.url)
      .post('/api/debug/events/batch')
      .send({ events: unconfirmed })
      .expect(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.message).toContain('no replica confirmed them');
    expect(refused.body.message).toContain('idempotent by event id');
    // The default level does not wait for the replica.
    await request(inMemory.url)
      .post('/api/debug/events/batch')
      .send({ events: wireBatch(5) })
      .expect(202);

    replica.kill('SIGCONT');
    const retried = await request(fsync.url)
      .post('/api/debug/events/batch')
      .send({ events: unconfirmed })
      .expect(202);
    // The refused request's events were journalled: the retry finds them, now on the replica too.
    expect(retried.body).toMatchObject({ accepted: 0, duplicates: 5 });
    expect(await onReplica.exists(...eventKeys(fsyncEnv.DEBUG_REDIS_PREFIX, unconfirmed))).toBe(5);
    expect(
      await onReplica.get(`${fsyncEnv.DEBUG_REDIS_PREFIX}:ingest:journal:pending-events`),
    ).toBe('25');
  }, 120_000);

  it('with appendfsync always: acknowledges on Redis’s answer, and what was acknowledged survives a SIGKILL of Redis', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'ads-redis-aof-'));
    const args = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
    servers.push(await startRedisServer(port, args));
    const env = await fullModeEnv({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      DEBUG_ROLE: 'api',
      DEBUG_DURABILITY: 'fsync',
    });
    const running = await startApp(env);
    apps.push(running);
    expect(running.app.get(JournalDurability).fsyncMethod).toBe('appendfsync-always');

    const batch = wireBatch(30);
    await request(running.url).post('/api/debug/events/batch').send({ events: batch }).expect(202);

    await killRedisServer(servers.pop()!);
    servers.push(await startRedisServer(port, args));
    const restarted = client(port);
    expect(await restarted.exists(...eventKeys(env.DEBUG_REDIS_PREFIX, batch))).toBe(30);
    expect(await restarted.get(`${env.DEBUG_REDIS_PREFIX}:ingest:journal:pending-events`)).toBe(
      '30',
    );
    const journal = (await restarted.xrange(`${env.DEBUG_REDIS_PREFIX}:ingest:journal`, '-', '+'))
      .flatMap(([, fields]) =>
        fields.filter((_, index) => index % 2 === 1 && fields[index - 1] === 'e'),
      )
      .map((json) => (JSON.parse(json) as { id: string }).id);
    expect(journal.sort()).toEqual(batch.map((event) => event.id as string).sort());
  }, 120_000);

  /** Posts a fresh batch every 100 ms until `until(status)` or `withinMs`; the status and ms taken. */
  const postUntil = async (
    url: string,
    until: (response: request.Response) => boolean,
    withinMs: number,
  ): Promise<{ response: request.Response; tookMs: number }> => {
    const started = Date.now();
    for (;;) {
      const response = await request(url)
        .post('/api/debug/events/batch')
        .send({ events: wireBatch(3) });
      const tookMs = Date.now() - started;
      if (until(response) || tookMs > withinMs) return { response, tookMs };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const aofArgs = (appendfsync: string) => [
    '--appendonly',
    'yes',
    '--appendfsync',
    appendfsync,
    '--dir',
    mkdtempSync(join(tmpdir(), 'ads-redis-aof-')),
  ];

  it('asks Redis again: after CONFIG SET appendfsync everysec ingest is refused (503 naming why, nothing journalled) and readiness is down; after appendfsync always again it is accepted', async () => {
    const port = await freePort();
    servers.push(await startRedisServer(port, aofArgs('always')));
    const env = await fullModeEnv({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      DEBUG_DURABILITY: 'fsync',
      DEBUG_DURABILITY_RECHECK_MS: '500',
    });
    const running = await startApp(env);
    apps.push(running);
    expect(running.app.get(JournalDurability).fsyncMethod).toBe('appendfsync-always');
    await request(running.url)
      .post('/api/debug/events/batch')
      .send({ events: wireBatch(5) })
      .expect(202);

    const admin = client(port);
    await admin.config('SET', 'appendfsync', 'everysec');
    // Redis is asked every 500 ms: the change is noticed within that, plus the asking.
    const refused = await postUntil(running.url, (response) => response.status !== 202, 3000);
    expect(refused.response.status).toBe(503);
    expect(refused.tookMs).toBeLessThan(3000);
    expect(refused.response.headers['retry-after']).toBe('1');
    expect(refused.response.body.message).toContain('appendfsync everysec');
    expect(refused.response.body.message).toContain('events not accepted');

    // Refused before the journal write: the events are not in Redis, so a retry is new.
    const batch = wireBatch(4);
    await request(running.url).post('/api/debug/events/batch').send({ events: batch }).expect(503);
    expect(await admin.exists(...eventKeys(env.DEBUG_REDIS_PREFIX, batch))).toBe(0);
    const details = await request(running.url).get('/api/debug/health/details').expect(503);
    expect(JSON.stringify(details.body)).toContain('appendfsync everysec');
    const readiness = await request(running.url).get('/api/debug/health').expect(503);
    expect(readiness.body.details).toMatchObject({ durability: { status: 'down' } });

    await admin.config('SET', 'appendfsync', 'always');
    const accepted = await postUntil(running.url, (response) => response.status === 202, 3000);
    expect(accepted.response.status).toBe(202);
    const retried = await request(running.url)
      .post('/api/debug/events/batch')
      .send({ events: batch })
      .expect(202);
    expect(retried.body).toMatchObject({ accepted: 4, duplicates: 0 });
    const healthy = await request(running.url).get('/api/debug/health/details').expect(200);
    expect(healthy.body.details.durability).toMatchObject({
      status: 'up',
      level: 'fsync',
      method: 'appendfsync-always',
    });
  }, 120_000);

  it('asks Redis again after a reconnect: a Redis restarted with appendfsync everysec is noticed before the next acknowledgement', async () => {
    const port = await freePort();
    servers.push(await startRedisServer(port, aofArgs('always')));
    const env = await fullModeEnv({
      REDIS_URL: `redis://127.0.0.1:${port}`,
      DEBUG_ROLE: 'api',
      DEBUG_DURABILITY: 'fsync',
      // Far beyond the test: only the reconnect can make it ask again.
      DEBUG_DURABILITY_RECHECK_MS: '600000',
    });
    const running = await startApp(env);
    apps.push(running);
    await request(running.url)
      .post('/api/debug/events/batch')
      .send({ events: wireBatch(5) })
      .expect(202);

    await killRedisServer(servers.pop()!);
    servers.push(await startRedisServer(port, aofArgs('everysec')));
    // Until the service has reconnected, answers are 503 "unreachable"; none may be a 202.
    const refused = await postUntil(
      running.url,
      (response) =>
        response.status === 202 || String(response.body.message).includes('appendfsync everysec'),
      20_000,
    );
    expect(refused.response.status).toBe(503);
    expect(refused.response.body.message).toContain('appendfsync everysec');
  }, 120_000);

  describe('with neither AOF fsync nor a replica', () => {
    beforeAll(() => buildService(), 320_000);

    it('refuses to start, saying what to configure', async () => {
      const port = await freePort();
      servers.push(await startRedisServer(port));
      const env = await fullModeEnv({
        REDIS_URL: `redis://127.0.0.1:${port}`,
        DEBUG_DURABILITY: 'fsync',
      });
      // Not startProcess: its "listening on" also matches a warning printed before the refusal.
      const child = spawn(process.execPath, [MAIN], {
        cwd: ROOT,
        env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(await freePort()) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: string[] = [];
      child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      const exit = once(child, 'exit');
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      const [code] = (await exit) as [number | null];
      clearTimeout(timer);
      expect(code).toBe(1);
      expect(output.join('')).toMatch(
        /DEBUG_DURABILITY=fsync: Redis 7\.\d+\.\d+ \(appendonly no, appendfsync everysec, 0 replicas\) keeps a write only in memory when it answers\. Run it with "appendonly yes" and "appendfsync always"/,
      );
      expect(output.join('')).not.toMatch(/listening on http/);
    }, 120_000);
  });
});
