import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

const READER = 'sec-reader-key-1';
const ADMIN = 'sec-admin-key-01';
const KEYS = `${READER}:read,${ADMIN}:admin`;

/** Issue 20, §3: security headers, CORS only where configured, rate limits with 429 + Retry-After, a public health without addresses. */
describe('security headers and CORS (embedded mode)', () => {
  let plain: RunningApp;
  let withCors: RunningApp;
  let anyOrigin: RunningApp;

  beforeAll(async () => {
    anyOrigin = await startApp(embeddedEnv({ DEBUG_API_KEYS: KEYS, DEBUG_CORS_ORIGINS: '*' }));
    plain = await startApp(embeddedEnv({ DEBUG_API_KEYS: KEYS }));
    withCors = await startApp(
      embeddedEnv({
        DEBUG_API_KEYS: KEYS,
        DEBUG_CORS_ORIGINS: 'https://console.example, https://app.example',
      }),
    );
  });
  afterAll(async () => {
    await plain?.close();
    await withCors?.close();
    await anyOrigin?.close();
  });

  it('sends helmet headers and no X-Powered-By', async () => {
    const response = await request(plain.url).get('/api/debug/health/live').expect(200);
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(response.headers['content-security-policy']).toMatch(/default-src 'self'/);
  });

  it('answers no CORS by default, and only the configured origins when DEBUG_CORS_ORIGINS is set', async () => {
    const none = await request(plain.url)
      .options('/api/debug/events')
      .set('Origin', 'https://console.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
    const allowed = await request(withCors.url)
      .options('/api/debug/events')
      .set('Origin', 'https://console.example')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'x-api-key');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example');
    expect(allowed.headers['access-control-allow-headers']).toMatch(/X-API-Key/i);
    const other = await request(withCors.url)
      .get('/api/debug/health/live')
      .set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers every origin when DEBUG_CORS_ORIGINS is *, as browser SDKs on unlisted sites need', async () => {
    const response = await request(anyOrigin.url)
      .get('/api/debug/health/live')
      .set('Origin', 'https://shop.example');
    expect(response.headers['access-control-allow-origin']).toBe('https://shop.example');
  });
});

describeWithPostgresAndRedis('public health (full mode)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ ...(await fullModeEnv()), DEBUG_API_KEYS: KEYS });
  });
  afterAll(async () => running?.close());

  it("answers a public readiness with up/down per check only; the checks' own data needs the admin scope", async () => {
    const health = await request(running.url).get('/api/debug/health').expect(200);
    expect(health.body).toEqual({
      status: 'ok',
      details: {
        writers: { status: 'up' },
        database: { status: 'up' },
        redis: { status: 'up' },
        durability: { status: 'up' },
      },
    });
    await request(running.url).get('/api/debug/health/details').expect(401);
    await request(running.url)
      .get('/api/debug/health/details')
      .set('X-API-Key', READER)
      .expect(403);
    const details = await request(running.url)
      .get('/api/debug/health/details')
      .set('X-API-Key', ADMIN)
      .expect(200);
    expect(details.body.details.writers).toMatchObject({ status: 'up', alive: 2 });
  });
});

describeWithPostgresAndRedis('rate limits shared through Redis, and health (full mode)', () => {
  let first: RunningApp;
  let second: RunningApp;

  beforeAll(async () => {
    const env = {
      ...(await fullModeEnv()),
      DEBUG_API_KEYS: KEYS,
      DEBUG_RATE_LIMIT_PER_KEY: '10',
      DEBUG_RATE_LIMIT_PER_IP: '25',
    };
    first = await startApp(env);
    second = await startApp({ ...env, DEBUG_ROLE: 'api' });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('limits a key across instances (429 with Retry-After), then the address', async () => {
    for (let index = 0; index < 10; index++) {
      await request(index % 2 === 0 ? first.url : second.url)
        .get('/api/debug/insights')
        .set('X-API-Key', READER)
        .expect(200);
    }
    const limited = await request(second.url)
      .get('/api/debug/insights')
      .set('X-API-Key', READER)
      .expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toMatchObject({
      statusCode: 429,
      error: 'Too Many Requests',
      message: expect.stringContaining('for this API key'),
    });
    // Another key from the same address still goes, until the address's own limit.
    let status = 200;
    let sent = 0;
    while (status === 200 && sent < 30) {
      status = (await request(first.url).get('/api/debug/insights').set('X-API-Key', ADMIN)).status;
      sent++;
    }
    expect(status).toBe(429);
    expect(sent).toBeLessThanOrEqual(25 - 11 + 1);
  });
});
