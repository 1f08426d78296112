import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { embeddedEnv } from './support/services.js';

const KEYS = 'auth-reader-key-1:read,auth-ingest-key-1:ingest';

/** Issue 20: bodies were parsed before authentication, and wrong keys met no limit. */
describe('authentication before the body, and failed-auth limits (embedded mode)', () => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(embeddedEnv({ DEBUG_API_KEYS: KEYS, DEBUG_AUTH_FAILURES_PER_MINUTE: '5' }));
  });
  afterAll(async () => running?.close());

  it('answers 401 to an unauthenticated body before reading it: the server answers while the client is still sending', async () => {
    const url = new URL('/api/debug/events/batch', running.url);
    const answer = await new Promise<{ status: number; body: string; sentWhenAnswered: number }>((resolve, reject) => {
      let sent = 0;
      const outgoing = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': String(8 * 1024 * 1024) } },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body, sentWhenAnswered: sent }));
        },
      );
      outgoing.on('error', reject);
      // Send the first 64 KB of an 8 MB body, then wait: a server that parses first never answers.
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      outgoing.write('{"events":[');
      outgoing.write(chunk, () => (sent += chunk.length));
    });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 401, message: expect.stringContaining('API key is required') });
    expect(answer.sentWhenAnswered).toBeLessThan(8 * 1024 * 1024);
  });

  it('locks an address out (429 with Retry-After) after DEBUG_AUTH_FAILURES_PER_MINUTE wrong keys, for right keys too', async () => {
    await request(running.url).get('/api/debug/events').set('X-API-Key', 'auth-reader-key-1').expect(200);
    for (let attempt = 0; attempt < 5; attempt++) {
      await request(running.url).get('/api/debug/events').set('X-API-Key', `wrong-${attempt}`).expect(401);
    }
    const locked = await request(running.url).get('/api/debug/events').set('X-API-Key', 'wrong-again').expect(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.body.message).toMatch(/too many failed authentications/);
    await request(running.url).get('/api/debug/events').set('X-API-Key', 'auth-reader-key-1').expect(429);
    // Unauthenticated public routes stay reachable.
    await request(running.url).get('/api/debug/health/live').expect(200);
  });
});
