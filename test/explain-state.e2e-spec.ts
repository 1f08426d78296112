import request from 'supertest';
import { startApp, ingestSettled, type RunningApp } from './support/app.js';
import { embeddedEnv } from './support/services.js';

const MINUTE = 60_000;

/**
 * Explaining an error lists what changed in its components' state before it first appeared: the
 * snapshots that changed something, with what they changed; not a snapshot identical to the one
 * before, not the first one (nothing to change from), not one taken after the error began.
 */
describe('explain: the state changes before an error (embedded mode)', () => {
  let running: RunningApp;
  const now = Date.now();
  const at = (minutesAgo: number) => new Date(now - minutesAgo * MINUTE).toISOString();
  const post = (path: string, body: unknown) =>
    request(running.url)
      .post(`/api/debug${path}`)
      .send(body as object);

  beforeAll(async () => {
    running = await startApp(embeddedEnv());
    const snapshot = (minutesAgo: number, memory: number, workers: number) =>
      post('/state', {
        component_type: 'transcoder',
        component_id: 'transcoder-3',
        captured_at: at(minutesAgo),
        state: { limits: { memory_mb: memory }, workers },
      }).expect(201);
    await snapshot(50, 8192, 4); // the first: nothing to change from
    await snapshot(40, 8192, 4); // the same again
    await snapshot(30, 2048, 4); // the change
    await snapshot(10, 2048, 6); // after the error began
    await post('/events/batch', {
      events: [25, 20, 15, 5].map((minutesAgo, index) => ({
        timestamp: at(minutesAgo),
        event_type: 'error',
        level: 'error',
        component_type: 'transcoder',
        component_id: 'transcoder-3',
        message: `job ${4100 + index} killed: container exceeded its memory limit (OOMKilled)`,
      })),
    }).expect((response) => expect([200, 201, 202]).toContain(response.status));
    // a worker whose events carry its release (OpenTelemetry resource, Sentry release)
    await post('/events/batch', {
      events: [
        [35, { resource: { 'service.version': '2.7.3' } }],
        [28, { resource: { 'service.version': '2.7.3' } }],
        [22, { resource: { 'service.version': '2.8.0' } }],
        [12, { resource: { 'service.version': '2.8.0' } }],
        [33, { source: 'sentry', release: 'web@5.1.0' }],
        [18, { source: 'sentry', release: 'web@5.1.0' }],
      ].map(([minutesAgo, metadata], index) => ({
        timestamp: at(minutesAgo as number),
        event_type: 'log',
        component_type: index < 4 ? 'ocr-worker' : 'web',
        component_id: index < 4 ? 'ocr-worker-1' : 'web-1',
        message: 'page done',
        metadata,
      })),
    }).expect((response) => expect([200, 201, 202]).toContain(response.status));
    expect(await ingestSettled(running.app)).toBe(true);
  }, 60_000);

  it('names the new versions the events carry among the changes, not a release that did not change', async () => {
    const { body } = await post('/ai/query', {
      question: 'what changed in the last 30 minutes?',
    }).expect(200);
    expect(body.data.releases).toEqual([
      {
        component_type: 'ocr-worker',
        component_id: 'ocr-worker-1',
        from_version: '2.7.3',
        to_version: '2.8.0',
        at: at(22),
      },
    ]);
    expect(body.answer).toMatch(
      /^New versions running .*ocr-worker 2\.7\.3 → 2\.8\.0 on ocr-worker-1/,
    );
  });
  afterAll(async () => running?.close());

  it('lists the change that preceded the error, with what it changed', async () => {
    const events = await request(running.url)
      .get('/api/debug/events?component_type=transcoder&level=error&limit=10')
      .expect(200);
    const latest = events.body.items[0] as { id: string };
    const { body } = await request(running.url)
      .get(`/api/debug/errors/${latest.id}/explain`)
      .expect(200);
    expect(body.state_changes_before).toEqual([
      expect.objectContaining({
        component_id: 'transcoder-3',
        version: 3,
        changes: [expect.objectContaining({ path: '/limits/memory_mb', value: 2048 })],
      }),
    ]);
    expect(body.suggestions.join(' ')).toContain('/limits/memory_mb → 2048');
  });

  it('answers "what changed?" with the snapshots that changed something, and the problems that began then', async () => {
    const { body } = await post('/ai/query', { question: 'what changed in the last hour?' }).expect(
      200,
    );
    expect(body.intent).toBe('what_changed');
    // newest first; not the first snapshot (nothing to change from) nor the one identical to it
    expect(
      body.data.state_changes.map((change: { version: number; changes: string[] }) => [
        change.version,
        change.changes,
      ]),
    ).toEqual([
      [4, ['/workers → 6']],
      [3, ['/limits/memory_mb → 2048']],
    ]);
    expect(body.answer).toContain('transcoder/transcoder-3 at');
    expect(body.queries[0].path).toBe('/api/debug/state/transcoder/transcoder-3/history?limit=20');
  });

  it('takes a moment as the 10 minutes either side of it', async () => {
    const moment = new Date(now - 30 * MINUTE);
    const clock = `${String(moment.getUTCHours()).padStart(2, '0')}:${String(moment.getUTCMinutes()).padStart(2, '0')}`;
    const { body } = await post('/ai/query', {
      question: `what changed at ${clock} UTC on transcoder?`,
    }).expect(200);
    expect(body.intent).toBe('what_changed');
    expect(body.data.state_changes.map((change: { version: number }) => change.version)).toEqual([
      3,
    ]);
  });
});
