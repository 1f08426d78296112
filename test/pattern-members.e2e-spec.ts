import request from 'supertest';
import { wireEvent } from './factories/events.js';
import { startApp, type RunningApp } from './support/app.js';
import { embeddedEnv } from './support/services.js';

// Events keep the pattern id they were stored with; when the miner later merges that
// pattern into a wider one, reads by the wider pattern must still find them.
describe('reads by a pattern include the patterns merged into it (embedded)', () => {
  let running: RunningApp;
  const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
  const ids: string[] = [];

  beforeAll(async () => {
    running = await startApp(embeddedEnv());
    // One at a time: the first users get patterns of their own, a later one generalizes them.
    for (const user of users) {
      const event = wireEvent({ level: 'error', component_type: 'auth', component_id: 'auth-1', message: `login refused for user ${user} by policy` });
      ids.push(event.id as string);
      await request(running.url).post('/api/debug/events').send(event).expect(202);
    }
  });
  afterAll(async () => running?.close());

  it('stores the first events under ids that were merged later', async () => {
    const stored = await Promise.all(ids.map((id) => request(running.url).get(`/api/debug/events/${id}`).expect(200)));
    const patternIds = new Set(stored.map((answer) => answer.body.pattern_id));
    expect(patternIds.size).toBeGreaterThan(1);
  });

  it('GET /events?pattern_id=<the wide pattern> returns all of them', async () => {
    const last = await request(running.url).get(`/api/debug/events/${ids.at(-1)}`).expect(200);
    const page = await request(running.url).get('/api/debug/events').query({ pattern_id: last.body.pattern_id, limit: 50 }).expect(200);
    expect(page.body.items.map((event: { id: string }) => event.id).sort()).toEqual([...ids].sort());
  });

  it('POST /analytics/events-search by that pattern returns all of them', async () => {
    const last = await request(running.url).get(`/api/debug/events/${ids.at(-1)}`).expect(200);
    const found = await request(running.url).post('/api/debug/analytics/events-search').send({ pattern_id: last.body.pattern_id }).expect(200);
    expect(found.body.items.map((event: { id: string }) => event.id).sort()).toEqual([...ids].sort());
  });

  it('explain by that pattern counts every member', async () => {
    const last = await request(running.url).get(`/api/debug/events/${ids.at(-1)}`).expect(200);
    const explained = await request(running.url).get(`/api/debug/errors/patterns/${last.body.pattern_id}/explain`).expect(200);
    expect(explained.body.pattern.occurrences).toBe(users.length);
  });
});
