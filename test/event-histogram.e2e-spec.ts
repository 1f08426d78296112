import request from 'supertest';
import { newId } from '../src/common/ids.js';
import { ingestSettled, startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

const KEYS = 'hist-ingest:ingest,hist-reader:read,hist-admin:admin';
const MINUTE = 60_000;
const DAY = 86_400_000;

interface SentEvent {
  id: string;
  timestamp: string;
  event_type: string;
  level: string;
  component_type: string;
  component_id: string;
  message: string;
}

/** `count` events `spacingMs` apart from `startMs`, with components, levels, types and messages mixed. */
function eventsFrom(startMs: number, count: number, spacingMs: number, tag: string): SentEvent[] {
  return Array.from({ length: count }, (_, index) => {
    const timestamp = new Date(startMs + index * spacingMs);
    return {
      id: newId(timestamp),
      timestamp: timestamp.toISOString(),
      event_type: index % 11 === 0 ? 'error' : 'log',
      level: index % 5 === 0 ? 'error' : index % 7 === 0 ? 'warning' : 'info',
      component_type: index % 4 === 0 ? 'search' : 'checkout',
      component_id: `${index % 4 === 0 ? 'search' : 'checkout'}-${index % 3}`,
      message: `${tag} request ${index} ${index % 3 === 0 ? 'Timeout at the bank' : 'done'}`,
    };
  });
}

const isError = (event: SentEvent) =>
  event.level === 'error' || event.level === 'critical' || event.event_type === 'error';

/** The answer the route must give, computed here from what was sent: buckets aligned to the step. */
function expectedBuckets(events: SentEvent[], fromMs: number, toMs: number, stepMs: number) {
  const origin = Math.floor(fromMs / stepMs) * stepMs;
  const buckets = Array.from(
    { length: (Math.floor(toMs / stepMs) * stepMs - origin) / stepMs + 1 },
    (_, index) => ({ start: new Date(origin + index * stepMs).toISOString(), count: 0, errors: 0 }),
  );
  for (const event of events) {
    const time = Date.parse(event.timestamp);
    if (time < fromMs || time > toMs) continue;
    const bucket = buckets[Math.floor((time - origin) / stepMs)];
    bucket.count++;
    if (isError(event)) bucket.errors++;
  }
  return buckets;
}

function histogramSuite(mode: 'embedded' | 'full', makeEnv: () => Promise<Record<string, string>>) {
  describe(`GET /events/histogram (${mode})`, () => {
    let env: Record<string, string>;
    let running: RunningApp;
    // Two hours of events ending an hour ago, one every 18 s (bucket boundaries get events exactly on them).
    const startMs = Math.floor((Date.now() - 3 * 60 * MINUTE) / MINUTE) * MINUTE;
    const warmEvents = eventsFrom(startMs, 400, 18_000, 'warm');
    const fromIso = new Date(startMs).toISOString();
    const toIso = new Date(startMs + 2 * 60 * MINUTE).toISOString();

    const histogram = (url: string, query: Record<string, unknown>) =>
      request(url).get('/api/debug/events/histogram').set('X-API-Key', 'hist-reader').query(query);
    const send = async (url: string, events: SentEvent[]) => {
      for (let start = 0; start < events.length; start += 200) {
        await request(url)
          .post('/api/debug/events/batch')
          .set('X-API-Key', 'hist-ingest')
          .send({ events: events.slice(start, start + 200) })
          .expect(202);
      }
    };

    beforeAll(async () => {
      env = { ...(await makeEnv()), DEBUG_API_KEYS: KEYS };
      running = await startApp(env);
      await send(running.url, warmEvents);
      expect(await ingestSettled(running.app, 30_000)).toBe(true);
    });
    afterAll(async () => running?.close());

    it('counts every event of the range once per bucket, warm and still hot alike', async () => {
      const response = await histogram(running.url, {
        from: fromIso,
        to: toIso,
        step: '10m',
      }).expect(200);
      expect(response.body.step_ms).toBe(10 * MINUTE);
      expect(response.body.buckets).toEqual(
        expectedBuckets(warmEvents, Date.parse(fromIso), Date.parse(toIso), 10 * MINUTE),
      );
      // Every event is still in the hot tier too (its TTL is an hour): counted once, as warm.
      expect(response.body.total).toBe(400);
      expect(response.body.errors).toBe(warmEvents.filter(isError).length);
      expect(response.body.partial).toBe(false);
      expect(response.body.tiers).toEqual([
        { tier: 'warm', counted: true, events: 400 },
        { tier: 'hot', counted: true, events: 0, scanned: expect.any(Number) },
        { tier: 'cold', counted: true, events: 0, segments: 0 },
      ]);
      expect(response.body.tiers[1].scanned).toBeGreaterThan(0);
    });

    it('applies the filters of the events list, as the list applies them', async () => {
      const cases: [Record<string, string>, (event: SentEvent) => boolean][] = [
        [{ component_type: 'search' }, (event) => event.component_type === 'search'],
        [
          { component_type: 'checkout', component_id: 'checkout-1' },
          (event) => event.component_id === 'checkout-1',
        ],
        [{ level: 'warning' }, (event) => event.level === 'warning'],
        [{ event_type: 'error' }, (event) => event.event_type === 'error'],
        [{ text: 'TIMEOUT' }, (event) => event.message.toLowerCase().includes('timeout')],
        [
          { component_type: 'checkout', level: 'error', text: 'bank' },
          (event) =>
            event.component_type === 'checkout' &&
            event.level === 'error' &&
            event.message.includes('bank'),
        ],
      ];
      for (const [filters, keep] of cases) {
        const response = await histogram(running.url, {
          from: fromIso,
          to: toIso,
          buckets: 24,
          ...filters,
        }).expect(200);
        const wanted = warmEvents.filter(keep);
        expect({ filters, total: response.body.total }).toEqual({ filters, total: wanted.length });
        expect(response.body.buckets).toEqual(
          expectedBuckets(wanted, Date.parse(fromIso), Date.parse(toIso), response.body.step_ms),
        );
        const list = await request(running.url)
          .get('/api/debug/events')
          .set('X-API-Key', 'hist-reader')
          .query({ from: fromIso, to: toIso, limit: 1000, ...filters })
          .expect(200);
        expect(list.body.items).toHaveLength(response.body.total);
      }
    });

    it("charts an insight's occurrences: the events of the pattern it names, per bucket", async () => {
      await request(running.url)
        .post('/api/debug/insights/generate')
        .set('X-API-Key', 'hist-ingest')
        .send({ from: fromIso, to: toIso })
        .expect(200);
      const listed = await request(running.url)
        .get('/api/debug/insights')
        .set('X-API-Key', 'hist-reader')
        .query({ type: 'error', limit: 100 })
        .expect(200);
      const insight = (
        listed.body.items as { id: string; evidence: Record<string, unknown> }[]
      ).find((candidate) => typeof candidate.evidence.pattern_id === 'string');
      expect(insight).toBeDefined();
      const patternId = insight!.evidence.pattern_id as string;
      const response = await request(running.url)
        .get(`/api/debug/insights/${insight!.id}/occurrences`)
        .set('X-API-Key', 'hist-reader')
        .query({ from: fromIso, to: toIso, step: '10m' })
        .expect(200);
      expect(response.body.insight_id).toBe(insight!.id);
      expect(response.body.subject.pattern_ids).toContain(patternId);
      const ofPattern = await request(running.url)
        .get('/api/debug/events')
        .set('X-API-Key', 'hist-reader')
        .query({ from: fromIso, to: toIso, pattern_id: patternId, limit: 1000 })
        .expect(200);
      const members = new Set((ofPattern.body.items as { id: string }[]).map((event) => event.id));
      expect(members.size).toBeGreaterThan(1);
      expect(response.body.total).toBe(members.size);
      expect(response.body.buckets).toEqual(
        expectedBuckets(
          warmEvents.filter((event) => members.has(event.id)),
          Date.parse(fromIso),
          Date.parse(toIso),
          10 * MINUTE,
        ),
      );
      // Without a range: from an hour before first_seen to an hour after last_seen.
      const around = await request(running.url)
        .get(`/api/debug/insights/${insight!.id}/occurrences`)
        .set('X-API-Key', 'hist-reader')
        .expect(200);
      expect(around.body.total).toBe(members.size);
      expect(around.body.buckets.length).toBeLessThanOrEqual(48);

      await request(running.url)
        .get(`/api/debug/insights/${newId()}/occurrences`)
        .set('X-API-Key', 'hist-reader')
        .expect(404);
      const badId = await request(running.url)
        .get('/api/debug/insights/not-an-id/occurrences')
        .set('X-API-Key', 'hist-reader')
        .expect(400);
      expect(JSON.stringify(badId.body)).toMatch(/uuid/i);
      const badStep = await request(running.url)
        .get(`/api/debug/insights/${insight!.id}/occurrences`)
        .set('X-API-Key', 'hist-reader')
        .query({ from: fromIso, to: toIso, step: '1s' })
        .expect(400);
      expect(JSON.stringify(badStep.body)).toContain('step');
    });

    it('answers 400 naming the parameter for a bad bucket size, range or filter', async () => {
      const bad: [Record<string, unknown>, string][] = [
        [{ buckets: 0 }, 'buckets'],
        [{ buckets: 501 }, 'buckets'],
        [{ buckets: 'many' }, 'buckets'],
        [{ step: 'fortnight' }, 'step'],
        [{ step: '0s' }, 'step'],
        [{ step: '5m', buckets: 10 }, 'step'],
        [{ from: fromIso, to: toIso, step: '1s' }, 'step'],
        [{ from: toIso, to: fromIso }, 'from'],
        [{ from: 'yesterday' }, 'from'],
        [{ level: 'loud' }, 'level'],
        [{ limit: 10 }, 'limit'],
      ];
      for (const [query, field] of bad) {
        const response = await histogram(running.url, query);
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
        expect(JSON.stringify(response.body)).toContain(field);
      }
    });

    it('counts the archive once events move to the cold tier, with the same totals', async () => {
      // One UTC day, an hour in: the archive moves whole days older than the warm retention
      // (7 days), so events that crossed a midnight would stay half warm.
      const oldStart = Math.floor((Date.now() - 9 * DAY) / DAY) * DAY + 60 * MINUTE;
      const oldEvents = eventsFrom(oldStart, 150, 4_000, 'old');
      await send(running.url, oldEvents);
      expect(await ingestSettled(running.app, 30_000)).toBe(true);
      const range = {
        from: new Date(oldStart).toISOString(),
        to: new Date(oldStart + 10 * MINUTE).toISOString(),
        step: '1m',
      };
      const expected = expectedBuckets(oldEvents, oldStart, oldStart + 10 * MINUTE, MINUTE);
      const warm = await histogram(running.url, range).expect(200);
      expect(warm.body.buckets).toEqual(expected);

      await request(running.url)
        .post('/api/debug/storage/migrate')
        .set('X-API-Key', 'hist-admin')
        .send({})
        .expect(200);
      const cold = await histogram(running.url, range).expect(200);
      expect(cold.body.buckets).toEqual(expected);
      expect(cold.body.tiers).toEqual([
        { tier: 'warm', counted: true, events: 0 },
        { tier: 'hot', counted: true, events: 0, scanned: expect.any(Number) },
        { tier: 'cold', counted: true, events: 150, segments: expect.any(Number) },
      ]);
      const errorsOnly = await histogram(running.url, { ...range, level: 'error' }).expect(200);
      expect(errorsOnly.body.total).toBe(
        oldEvents.filter((event) => event.level === 'error').length,
      );
    });

    if (mode === 'full') {
      it('counts events accepted but not yet written to the warm store, once', async () => {
        await running.close();
        // An API-only process: nothing writes the ingest journal out, the events stay hot.
        const api = await startApp({ ...env, DEBUG_ROLE: 'api' });
        try {
          const pending = eventsFrom(startMs + 5 * MINUTE, 60, 30_000, 'pending');
          await send(api.url, pending);
          const response = await histogram(api.url, {
            from: fromIso,
            to: toIso,
            step: '10m',
          }).expect(200);
          expect(response.body.buckets).toEqual(
            expectedBuckets(
              [...warmEvents, ...pending],
              Date.parse(fromIso),
              Date.parse(toIso),
              10 * MINUTE,
            ),
          );
          expect(response.body.total).toBe(460);
          expect(response.body.tiers.slice(0, 2)).toEqual([
            { tier: 'warm', counted: true, events: 400 },
            { tier: 'hot', counted: true, events: 60, scanned: expect.any(Number) },
          ]);
          const filtered = await histogram(api.url, {
            from: fromIso,
            to: toIso,
            component_type: 'search',
          }).expect(200);
          expect(filtered.body.total).toBe(
            [...warmEvents, ...pending].filter((event) => event.component_type === 'search').length,
          );
        } finally {
          await api.close();
        }
        // Written out by a full process, the same events are counted once, as warm.
        running = await startApp(env);
        expect(await ingestSettled(running.app, 30_000)).toBe(true);
        const after = await histogram(running.url, {
          from: fromIso,
          to: toIso,
          step: '10m',
        }).expect(200);
        expect(after.body.total).toBe(460);
        expect(after.body.tiers[0]).toEqual({ tier: 'warm', counted: true, events: 460 });
        expect(after.body.tiers[1]).toMatchObject({ tier: 'hot', events: 0 });
      });
    }
  });
}

histogramSuite('embedded', async () => embeddedEnv());

describeWithPostgresAndRedis('full mode', () => {
  histogramSuite('full', () => fullModeEnv());
});
