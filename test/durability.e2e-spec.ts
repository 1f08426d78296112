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
