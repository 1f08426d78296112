import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

const KEYS = 'ingest-key-1:ingest,reader-key-1:read,admin-key-01:admin';

function foundationSuite(mode: string, env: () => Promise<Record<string, string>>) {
  describe(`foundation (${mode})`, () => {
    let running: RunningApp;

    beforeAll(async () => {
      running = await startApp({ ...(await env()), DEBUG_API_KEYS: KEYS, DEBUG_BODY_LIMIT: '64kb' });
    });
    afterAll(async () => running?.close());

    it('answers readiness with the database (and Redis) up, without a key', async () => {
      const response = await request(running.url).get('/api/debug/health').expect(200);
      expect(response.body.status).toBe('ok');
      expect(response.body.details.database.status).toBe('up');
      expect(response.body.details.redis.status).toBe('up');
    });

    it('serves the OpenAPI document with the API-key security scheme', async () => {
      const response = await request(running.url).get('/api/docs-json').expect(200);
      expect(response.body.components.securitySchemes['api-key']).toMatchObject({ type: 'apiKey', name: 'X-API-Key' });
      expect(Object.keys(response.body.paths)).toContain('/api/debug/health');
      await request(running.url).get('/api/docs').expect(200).expect('content-type', /html/);
    });

    it('answers 401 without a key, 401 with a wrong one, 403 with the wrong scope, 200 with the right one', async () => {
      const missing = await request(running.url).get('/api/debug/admin/config').expect(401);
      expect(missing.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(missing.body.message).toMatch(/API key is required/);
      expect(typeof missing.body.requestId).toBe('string');
      await request(running.url).get('/api/debug/admin/config').set('X-API-Key', 'not-a-real-key').expect(401);
      const forbidden = await request(running.url)
        .get('/api/debug/admin/config')
        .set('X-API-Key', 'reader-key-1')
        .expect(403);
      expect(forbidden.body.message).toContain('"admin" scope');
      const allowed = await request(running.url)
        .get('/api/debug/admin/config')
        .set('Authorization', 'Bearer admin-key-01')
        .expect(200);
      expect(allowed.body).toMatchObject({ auth_enabled: true, api_keys: 3 });
      expect(JSON.stringify(allowed.body)).not.toContain('admin-key-01');
    });

    it('answers 404 in the error envelope with a request id it echoes', async () => {
      const response = await request(running.url)
        .get('/api/debug/no-such-route')
        .set('X-Request-Id', 'trace-me-123')
        .expect(404);
      expect(response.headers['x-request-id']).toBe('trace-me-123');
      expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found', requestId: 'trace-me-123' });
      expect(response.body.stack).toBeUndefined();
    });

    it('answers 413 in the envelope for a body over the limit', async () => {
      const response = await request(running.url)
        .post('/api/debug/health')
        .set('X-API-Key', 'reader-key-1')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ padding: 'x'.repeat(100_000) }))
        .expect(413);
      expect(response.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      expect(response.body.message).toMatch(/over the limit/);
    });

    it('answers 400 naming the problem for a body that is not JSON', async () => {
      const response = await request(running.url)
        .post('/api/debug/health')
        .set('X-API-Key', 'reader-key-1')
        .set('Content-Type', 'application/json')
        .set('X-Request-Id', 'bad-json-1')
        .send('{"broken": ')
        .expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request', requestId: 'bad-json-1' });
      expect(response.body.message).toMatch(/JSON/);
    });

    it('exposes Prometheus metrics', async () => {
      const response = await request(running.url).get('/api/debug/metrics').expect(200);
      expect(response.text).toContain('ads_process_cpu_user_seconds_total');
    });
  });
}

foundationSuite('embedded: SQLite + in-process queue', async () => embeddedEnv());

describeWithPostgresAndRedis('full mode', () => {
  foundationSuite('full: PostgreSQL + Redis', () => fullModeEnv());

  describe('text PostgreSQL cannot store', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp({ ...(await fullModeEnv()), DEBUG_API_KEYS: KEYS });
    });
    afterAll(async () => running?.close());

    it('answers 400, not 500, for a NUL character wherever it comes in', async () => {
      const inPath = await request(running.url).get('/api/debug/state/a%00b/c').set('X-API-Key', 'reader-key-1').expect(400);
      expect(inPath.body.message).toMatch(/NUL/);
      const inBody = await request(running.url)
        .post('/api/debug/sessions')
        .set('X-API-Key', 'admin-key-01')
        .send({ name: 'incident\u0000one' })
        .expect(400);
      expect(inBody.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(inBody.body.errorId).toBeUndefined();
    });
  });
});
