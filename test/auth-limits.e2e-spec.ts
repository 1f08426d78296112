import { request as httpRequest } from 'node:http';
import { Redis } from 'ioredis';
import request from 'supertest';
import { FailedAuthLimiter } from '../src/common/auth/failed-auth-limiter.js';
import { startApp, type RunningApp } from './support/app.js';
import {
  describeWithPostgresAndRedis,
  embeddedEnv,
  fullModeEnv,
  redisUrl,
} from './support/services.js';
import { StreamClient, until } from './support/streaming-clients.js';

const KEYS = 'auth-reader-key-1:read,auth-ingest-key-1:ingest';

/** Issue 20: bodies were parsed before authentication, and wrong keys met no limit. */
describe('authentication before the body, and failed-auth limits (embedded mode)', () => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(
      embeddedEnv({ DEBUG_API_KEYS: KEYS, DEBUG_AUTH_FAILURES_PER_MINUTE: '5' }),
    );
  });
  afterAll(async () => running?.close());

  it('answers 401 to an unauthenticated body before reading it: the server answers while the client is still sending', async () => {
    const url = new URL('/api/debug/events/batch', running.url);
    const answer = await new Promise<{ status: number; body: string; sentWhenAnswered: number }>(
      (resolve, reject) => {
        let sent = 0;
        const outgoing = httpRequest(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              'Content-Length': String(8 * 1024 * 1024),
            },
          },
          (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString()));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, body, sentWhenAnswered: sent }),
            );
          },
        );
        outgoing.on('error', reject);
        // Send the first 64 KB of an 8 MB body, then wait: a server that parses first never answers.
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        outgoing.write('{"events":[');
        outgoing.write(chunk, () => (sent += chunk.length));
      },
    );
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({
      statusCode: 401,
      message: expect.stringContaining('API key is required'),
    });
    expect(answer.sentWhenAnswered).toBeLessThan(8 * 1024 * 1024);
  });

  it('locks an address out (429 with Retry-After) after DEBUG_AUTH_FAILURES_PER_MINUTE wrong keys, for right keys too', async () => {
    await request(running.url)
      .get('/api/debug/events')
      .set('X-API-Key', 'auth-reader-key-1')
      .expect(200);
    for (let attempt = 0; attempt < 5; attempt++) {
      await request(running.url)
        .get('/api/debug/events')
        .set('X-API-Key', `wrong-${attempt}`)
        .expect(401);
    }
    const locked = await request(running.url)
      .get('/api/debug/events')
      .set('X-API-Key', 'wrong-again')
      .expect(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.body.message).toMatch(/too many failed authentications/);
    await request(running.url)
      .get('/api/debug/events')
      .set('X-API-Key', 'auth-reader-key-1')
      .expect(429);
    // Unauthenticated public routes stay reachable.
    await request(running.url).get('/api/debug/health/live').expect(200);
  });
});

/** Issue 20 §3: N instances gave an address N times the budget; with Redis they share one. */
describeWithPostgresAndRedis('failed-auth limits shared by the instances (full mode)', () => {
  const LIMIT = 5;
  let first: RunningApp;
  let second: RunningApp;
  let listener: Redis;
  const announced: string[] = [];

  beforeAll(async () => {
    const env = await fullModeEnv({
      DEBUG_API_KEYS: KEYS,
      DEBUG_AUTH_FAILURES_PER_MINUTE: String(LIMIT),
    });
    first = await startApp(env);
    second = await startApp(env);
    listener = new Redis(redisUrl());
    const channel = `${env.DEBUG_REDIS_PREFIX}:auth-failures:locked`;
    listener.on('message', (from: string, message: string) => {
      if (from === channel) announced.push(message);
    });
    await listener.subscribe(channel);
  });
  afterAll(async () => {
    await listener?.quit();
    await first?.close();
    await second?.close();
  });

  const instances = () => [first, second];
  const locked = (address: string) =>
    instances().every(
      (running) => running.app.get(FailedAuthLimiter).lockedForSeconds(address) > 0,
    );

  it('locks the address out on both instances once wrong keys spread over them spend the one budget', async () => {
    // 4 wrong keys, alternating: 2 per instance, under the budget everywhere.
    for (let attempt = 0; attempt < LIMIT - 1; attempt++) {
      await request(instances()[attempt % 2].url)
        .get('/api/debug/events')
        .set('X-API-Key', `wrong-${attempt}`)
        .expect(401);
    }
    for (const running of instances())
      await request(running.url)
        .get('/api/debug/events')
        .set('X-API-Key', 'auth-reader-key-1')
        .expect(200);
    expect(announced).toEqual([]);

    // The fifth, on the first instance: 3 there and 2 on the second, neither instance's own
    // count at the limit; the shared count is.
    await request(first.url).get('/api/debug/events').set('X-API-Key', 'wrong-last').expect(401);
    await until(() => announced.length > 0, 'the lock-out announced');
    const [leftMs, address] = announced[0].split(' ');
    expect(Number(leftMs)).toBeGreaterThan(0);
    expect(Number(leftMs)).toBeLessThanOrEqual(60_000);
    // The announcement reaches both instances (the test's listener heard it; theirs may lag by a tick).
    await until(() => locked(address), 'the lock-out cached on both instances');

    for (const running of instances()) {
      for (const key of ['auth-reader-key-1', 'wrong-again']) {
        const refused = await request(running.url)
          .get('/api/debug/events')
          .set('X-API-Key', key)
          .expect(429);
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
        expect(refused.body.message).toMatch(/too many failed authentications/);
      }
      await request(running.url).get('/api/debug/health/live').expect(200);
    }

    // The stream handshake of the second instance (which saw only 2 failures) is refused too.
    const stream = new StreamClient(second.url, { apiKey: 'auth-reader-key-1' });
    try {
      await until(() => stream.disconnectReason !== null, 'the locked-out handshake refused');
      expect(stream.errors[0]).toMatchObject({ code: 'too_many_connections' });
    } finally {
      stream.close();
    }
  });
});
