import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import { createApp } from '../src/bootstrap.js';
import type { InsightView } from '../src/insights/insight.types.js';
import { InsightsService } from '../src/insights/insights.service.js';
import {
  assignPatterns,
  componentRef as c,
  insertScenario,
  Random,
  scenarioEvent,
} from './scenarios/scenario-generator.js';
import { describeWithPostgres, embeddedEnv, fullModeEnv } from './support/services.js';

const MINUTE = 60_000;
const DECLINE = /card declined by issuer/;
const TAX = /tax service returned 500/;

/**
 * A store's first 50 minutes: a checkout service (two pods) whose card declines run at about 1%
 * of its orders from its first minute, and a tax error that begins 30 minutes in (20 of them).
 */
function youngStore(to: number): DebugEventRecord[] {
  const random = new Random(11);
  const pods = [c('checkout-api', 'checkout-1'), c('checkout-api', 'checkout-2')];
  const events: DebugEventRecord[] = [];
  const emit = (at: number, spec: Parameters<typeof scenarioEvent>[0]) =>
    events.push(scenarioEvent(spec, new Date(at)));
  for (let at = to - 50 * MINUTE; at < to - 1000; at += 5000) {
    const order = random.int(10_000, 99_999);
    const component = random.pick(pods);
    emit(at, {
      component,
      operation: 'place-order',
      message: `order ${order} placed in ${random.int(20, 90)} ms`,
      durationMs: random.duration(45),
    });
    if (random.next() < 0.012)
      emit(at + 40, {
        component,
        operation: 'charge',
        level: 'error',
        eventType: 'error',
        message: `card declined by issuer for order ${order} (code ${random.int(51, 57)})`,
      });
  }
  for (let index = 0; index < 20; index++)
    emit(to - 20 * MINUTE + index * 55_000, {
      component: pods[index % 2],
      operation: 'quote-tax',
      level: 'error',
      eventType: 'error',
      message: `tax service returned 500 for region EU-${random.int(1, 9)} (request ${random.int(1000, 9999)})`,
    });
  assignPatterns(events);
  return events;
}

function suite(mode: string, env: () => Promise<Record<string, string>>) {
  describe(`new error patterns in a young store (${mode})`, () => {
    let app: INestApplication;
    const to = new Date(Math.floor(Date.now() / MINUTE) * MINUTE);
    const scope = { from: new Date(to.getTime() - 60 * MINUTE), to };
    const newPatterns = (created: InsightView[]) =>
      created.filter((insight) => insight.evidence.kind === 'new_pattern');
    const find = (created: InsightView[], message: RegExp) =>
      newPatterns(created).find((insight) => message.test(String(insight.evidence.sample_message)));

    beforeAll(async () => {
      app = await createApp({ ...(await env()), DEBUG_INSIGHT_INTERVAL_SECONDS: '0' });
      await app.init();
      await insertScenario(app.get(DataSource), {
        events: youngStore(to.getTime()),
        snapshots: [],
      });
    }, 180_000);
    afterAll(async () => app?.close());

    it('rates an error steady since the first minute low, and one that began later medium', async () => {
      const { created } = await app.get(InsightsService).generate(scope, to);
      const decline = find(created, DECLINE);
      expect(decline).toMatchObject({ severity: 'low' });
      expect(decline!.evidence.history_since).toBe(
        new Date(to.getTime() - 50 * MINUTE).toISOString(),
      );
      expect(decline!.summary).toContain('new does not mean changed');
      expect(find(created, TAX)).toMatchObject({ severity: 'medium' });
      expect(find(created, TAX)!.evidence.history_since).toBeUndefined();
    });

    it('judges the same errors as new changes once the store holds older events', async () => {
      const dataSource = app.get(DataSource);
      await dataSource.query('DELETE FROM debug_insights');
      const started = scenarioEvent(
        { component: c('checkout-api', 'checkout-1'), message: 'service started' },
        new Date(to.getTime() - 6 * 60 * MINUTE),
      );
      assignPatterns([started]);
      await insertScenario(dataSource, { events: [started], snapshots: [] });
      const { created } = await app.get(InsightsService).generate(scope, to);
      expect(find(created, DECLINE)).toMatchObject({ severity: 'medium' });
      expect(find(created, TAX)).toMatchObject({ severity: 'medium' });
    });
  });
}

describeWithPostgres('PostgreSQL', () => {
  suite('PostgreSQL', async () => ({ ...(await fullModeEnv()), DEBUG_REDIS_ENABLED: 'false' }));
});
suite('SQLite', async () => embeddedEnv());
