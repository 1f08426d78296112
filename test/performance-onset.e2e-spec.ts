import request from 'supertest';
import { ingestSettled, startApp, type RunningApp } from './support/app.js';
import { describeWithPostgres, embeddedEnv, fullModeEnv } from './support/services.js';

const MINUTE = 60_000;

/**
 * A quote service whose release at T−30 min made its calls ten times slower, sent over HTTP as a
 * user sends them: the regression is dated by its onset (not the window's start), its
 * percentiles since then are those of the slow calls alone, and it names the release.
 */
function onsetSuite(mode: string, env: () => Promise<Record<string, string>>) {
  describe(`a regression that began inside the window (${mode})`, () => {
    let running: RunningApp;
    const now = new Date();
    const releasedAt = new Date(now.getTime() - 30 * MINUTE);

    beforeAll(async () => {
      running = await startApp({ ...(await env()), DEBUG_INSIGHT_INTERVAL_SECONDS: '0' });
      const events = [];
      // two instances, a call every 20 s each for 3 hours: 40–80 ms, then 700–900 ms
      for (let at = now.getTime() - 180 * MINUTE; at < now.getTime(); at += 20_000) {
        for (const instance of ['quote-1', 'quote-2']) {
          const step = Math.floor(at / 20_000) % 5;
          const slow = at >= releasedAt.getTime() + 20_000;
          events.push({
            event_type: 'log',
            component_type: 'quote-engine',
            component_id: instance,
            operation: 'tariff.quote',
            duration_ms: slow ? 700 + step * 50 : 40 + step * 10,
            message: `quote computed for session ${at % 997}`,
            timestamp: new Date(at).toISOString(),
          });
        }
      }
      for (let index = 0; index < events.length; index += 1000)
        await request(running.url)
          .post('/api/debug/events/batch')
          .send({ events: events.slice(index, index + 1000) })
          .expect(202);
      for (const instance of ['quote-1', 'quote-2']) {
        for (const [version, at] of [
          ['5.2.4', now.getTime() - 170 * MINUTE],
          ['5.3.0', releasedAt.getTime() + (instance === 'quote-1' ? 0 : 8_000)],
        ] as const)
          await request(running.url)
            .post('/api/debug/state')
            .send({
              component_type: 'quote-engine',
              component_id: instance,
              state: { version, engine: version === '5.3.0' ? 'rules-v2' : 'rules-v1' },
              captured_at: new Date(at).toISOString(),
            })
            .expect(201);
      }
      expect(await ingestSettled(running.app)).toBe(true);
    }, 180_000);
    afterAll(async () => running?.close());

    it('dates the regression at its onset, measures the calls since, and names the release', async () => {
      const { body } = await request(running.url)
        .post('/api/debug/insights/generate')
        .send({
          from: new Date(now.getTime() - 60 * MINUTE).toISOString(),
          to: now.toISOString(),
        })
        .expect(200);
      const regressions = body.created.filter(
        (insight: { insight_type: string }) => insight.insight_type === 'performance',
      );
      expect(regressions).toHaveLength(1);
      const [regression] = regressions;
      const onset = Date.parse(regression.evidence.onset.at);
      // minute by minute: the minute the slow calls began in may hold too few of them to count
      expect(Math.abs(onset - releasedAt.getTime())).toBeLessThanOrEqual(3 * MINUTE);
      expect(Date.parse(regression.first_seen)).toBe(onset);
      // the calls since the onset alone: all slow
      expect(regression.evidence.onset.since.p50_ms).toBeGreaterThanOrEqual(700);
      expect(regression.evidence.current.p50_ms).toBeLessThan(700);
      expect(regression.evidence.state_changes[0]).toMatchObject({
        component: { component_type: 'quote-engine' },
        changes: expect.arrayContaining([{ path: '/version', value: '5.3.0' }]),
      });
      expect(regression.summary).toMatch(
        /the state of quote-engine changed then: quote-\d \/version → "5\.3\.0"/,
      );
      expect(regression.suggestions).toContainEqual(
        expect.stringMatching(/^Undo the change of quote-engine at .* \(\/version, \/engine\)/),
      );
    });
  });
}

describeWithPostgres('PostgreSQL', () => {
  onsetSuite('PostgreSQL', async () => ({
    ...(await fullModeEnv()),
    DEBUG_REDIS_ENABLED: 'false',
  }));
});
onsetSuite('SQLite', async () => embeddedEnv());
