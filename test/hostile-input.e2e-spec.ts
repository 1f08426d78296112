import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';

const KEY = { 'X-API-Key': 'hostile-admin-key-1' };
const forgedCursor = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');
const deepJson = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** What the issue-20 probe found answering 5xx to client input: each is now a 400 naming the field. */
describeWithPostgresAndRedis('hostile client input (full mode)', () => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp({ ...(await fullModeEnv()), DEBUG_API_KEYS: 'hostile-admin-key-1:admin' });
  });
  afterAll(async () => running?.close());

  const expect400 = async (response: request.Response, field: RegExp) => {
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(response.body.message).toMatch(field);
  };

  it('refuses NUL, unpaired surrogates and year 0 in a state snapshot with 400 (was 201, then a writer batch failing forever, or 503)', async () => {
    const base = { component_type: 'agent', component_id: 'planner-1', state: { ok: true } };
    await expect400(await request(running.url).post('/api/debug/state').set(KEY).send({ ...base, session_id: 'x\u0000' }), /^session_id must not contain NUL/);
    await expect400(await request(running.url).post('/api/debug/state').set(KEY).send({ ...base, component_type: 'a\ud800' }), /^component_type must not contain NUL characters or unpaired surrogates/);
    await expect400(await request(running.url).post('/api/debug/state').set(KEY).send({ ...base, state: { note: 'x\u0000' } }), /^state\.note must not contain NUL/);
    await expect400(await request(running.url).post('/api/debug/state').set(KEY).send({ ...base, captured_at: '0000-01-01T00:00:00Z' }), /^captured_at must be after 1970/);
    await request(running.url).post('/api/debug/state').set(KEY).send(base).expect(201);
  });

  it('refuses __proto__ keys in a state instead of dropping them (two different states had one hash)', async () => {
    const body = '{"component_type":"agent","component_id":"proto-1","state":{"__proto__":{"admin":true},"a":1}}';
    await expect400(await request(running.url).post('/api/debug/state').set(KEY).set('Content-Type', 'application/json').send(body), /^state\.__proto__ is not an allowed key/);
  });

  it('refuses forged cursors and week or ordinal dates in from/to/at with 400', async () => {
    for (const cursor of [
      forgedCursor({ v: 1, t: '275760-09-13T00:00:00.000Z', id: 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', o: 'desc' }),
      forgedCursor({ v: 1, t: '2026-01-01T00:00:00.000Z', id: '------------------------------------', o: 'desc' }),
    ]) {
      await expect400(await request(running.url).get('/api/debug/events').query({ cursor }).set(KEY), /^cursor is invalid/);
    }
    for (const date of ['2026-W49-4', '2026-337']) {
      await expect400(await request(running.url).get('/api/debug/events').query({ from: date }).set(KEY), /from must be an ISO-8601 calendar date-time/);
      await expect400(await request(running.url).get('/api/debug/events').query({ to: date }).set(KEY), /to must be an ISO-8601 calendar date-time/);
      await expect400(await request(running.url).get('/api/debug/insights').query({ from: date }).set(KEY), /from must be/);
      await expect400(await request(running.url).get('/api/debug/sessions').query({ before: date }).set(KEY), /before must be/);
      await expect400(await request(running.url).get('/api/debug/analytics/error-patterns').query({ to: date }).set(KEY), /to must be/);
      await expect400(await request(running.url).post('/api/debug/analytics/component-health').set(KEY).send({ at: date }), /at must be/);
    }
  });

  it('refuses history?before=1e308 and JSON nested 5,000 deep with 400', async () => {
    await expect400(await request(running.url).get('/api/debug/state/agent/planner-1/history').query({ before: '1e308' }).set(KEY), /before must not be greater than/);
    for (const path of ['/api/debug/events', '/api/debug/sessions', '/api/debug/ai/query', '/api/debug/analytics/component-health']) {
      const response = await request(running.url).post(path).set(KEY).set('Content-Type', 'application/json').send(deepJson(5000));
      await expect400(response, /is nested more than 64 levels deep/);
    }
  });
});
