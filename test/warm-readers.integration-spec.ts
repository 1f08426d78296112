import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp } from '../src/bootstrap.js';
import { type DebugEventRecord, isErrorEvent } from '../src/common/debug-event.js';
import { InsightAggregatesRepository } from '../src/insights/insight-aggregates.repository.js';
import { gridFor } from '../src/insights/insights.service.js';
import { QueryRepository } from '../src/query/query.repository.js';
import { buildScenario, insertScenario, type Scenario } from './scenarios/scenario-generator.js';
import { describeWithPostgres, embeddedEnv, fullModeEnv } from './support/services.js';

/**
 * The SQL of the query and insight-aggregate repositories against the same events counted in
 * plain code, on PostgreSQL and on SQLite: both dialects must give what the events say.
 */
const at = (event: DebugEventRecord) => Date.parse(event.timestamp);
const newestFirst = (a: DebugEventRecord, b: DebugEventRecord) =>
  at(b) - at(a) || (a.id < b.id ? 1 : -1);
const componentKey = (event: DebugEventRecord) => `${event.component_type}/${event.component_id}`;

function readersSuite(mode: string, env: () => Promise<Record<string, string>>) {
  describe(`warm-store readers (${mode})`, () => {
    let app: INestApplication;
    let scenario: Scenario;
    let events: DebugEventRecord[];

    beforeAll(async () => {
      app = await createApp(await env());
      await app.init();
      scenario = buildScenario({ seed: 17 });
      events = scenario.events;
      await insertScenario(app.get(DataSource), scenario);
    }, 120_000);
    afterAll(async () => app?.close());

    const inScope = (event: DebugEventRecord) =>
      at(event) >= scenario.from.getTime() && at(event) < scenario.to.getTime();

    it('QueryRepository.windowStats counts the events, errors and instances of a component type in a window', async () => {
      const busiest = mostFrequent(events.filter(inScope).map((event) => event.component_type));
      const expected = events.filter((event) => inScope(event) && event.component_type === busiest);
      const stats = await app
        .get(QueryRepository)
        .windowStats(
          { selector: busiest, component_type: busiest, component_id: null },
          { from: scenario.from, to: scenario.to },
        );
      expect(stats.events).toBe(expected.length);
      expect(stats.errors).toBe(expected.filter(isErrorEvent).length);
      expect(stats.component_ids.sort()).toEqual(
        [...new Set(expected.map((event) => event.component_id))].sort(),
      );
      expect(stats.last_seen).toBe(new Date(Math.max(...expected.map(at))).toISOString());
    });

    it('QueryRepository.searchEvents filters by components, levels, text and time, newest first', async () => {
      const repository = app.get(QueryRepository);
      const sample = events.find((event) => event.level === 'error' && inScope(event))!;
      const word = sample.message
        .split(/\s+/)
        .find((part) => part.length > 4)!
        .toUpperCase();
      const search = {
        components: [
          {
            selector: sample.component_type,
            component_type: sample.component_type,
            component_id: null,
          },
        ],
        levels: ['error', 'critical'],
        text: word,
        from: scenario.from,
        to: scenario.to,
        limit: 50,
      };
      const expected = events
        .filter(
          (event) =>
            event.component_type === sample.component_type &&
            ['error', 'critical'].includes(event.level) &&
            event.message.toLowerCase().includes(word.toLowerCase()) &&
            at(event) >= scenario.from.getTime() &&
            at(event) <= scenario.to.getTime(),
        )
        .sort(newestFirst)
        .slice(0, 50);
      expect(expected.length).toBeGreaterThan(0);
      expect((await repository.searchEvents(search)).map((event) => event.id)).toEqual(
        expected.map((event) => event.id),
      );

      const chain = events.find((event) => event.correlation_id !== null)!.correlation_id!;
      const ofChain = events.filter((event) => event.correlation_id === chain);
      const found = await repository.eventsOfCorrelation(chain, 1000);
      expect(found.events.map((event) => event.id).sort()).toEqual(
        ofChain.map((event) => event.id).sort(),
      );
    });

    it('InsightAggregatesRepository.componentSeries buckets events and errors per component as the grid says', async () => {
      const scope = { from: scenario.from, to: scenario.to };
      const grid = gridFor(scope);
      const total = grid.windowBuckets + grid.baselineBuckets;
      const expected = new Map<string, { counts: number[]; errors: number[] }>();
      for (const event of events) {
        if (at(event) < grid.origin.getTime() || at(event) >= grid.to.getTime()) continue;
        const back = Math.floor((grid.to.getTime() - 1 - at(event)) / grid.bucketMs);
        const key = `component:${componentKey(event)}`;
        const series = expected.get(key) ?? {
          counts: new Array<number>(total).fill(0),
          errors: new Array<number>(total).fill(0),
        };
        expected.set(key, series);
        series.counts[total - 1 - back]++;
        if (isErrorEvent(event)) series.errors[total - 1 - back]++;
      }
      expect(expected.size).toBeGreaterThan(1);
      const series = await app.get(InsightAggregatesRepository).componentSeries(scope, grid);
      expect(
        Object.fromEntries(
          series.map((item) => [item.key, { counts: item.counts, errors: item.errors }]),
        ),
      ).toEqual(Object.fromEntries(expected));
    });

    it('InsightAggregatesRepository.errorPatterns and durationMoments group the errors and durations of the events', async () => {
      const scope = { from: scenario.from, to: scenario.to };
      const grid = gridFor(scope);
      const repository = app.get(InsightAggregatesRepository);
      const errors = new Map<string, number>();
      for (const event of events) {
        if (
          !isErrorEvent(event) ||
          !event.pattern_id ||
          at(event) < grid.origin.getTime() ||
          at(event) >= scope.to.getTime()
        )
          continue;
        const key = `${event.pattern_id}|${componentKey(event)}|${inScope(event)}`;
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
      expect(errors.size).toBeGreaterThan(0);
      const rows = await repository.errorPatterns(scope, grid.origin);
      expect(
        Object.fromEntries(
          rows.map((row) => [
            `${row.patternId}|${row.component.component_type}/${row.component.component_id}|${row.inScope}`,
            row.count,
          ]),
        ),
      ).toEqual(Object.fromEntries(errors));

      const previousFrom = new Date(
        scope.from.getTime() - (scope.to.getTime() - scope.from.getTime()),
      );
      const moments = new Map<string, { n: number; sum: number }>();
      for (const event of events) {
        if (event.duration_ms === null || event.operation === null || !inScope(event)) continue;
        const key = `${componentKey(event)}|${event.operation}`;
        const moment = moments.get(key) ?? { n: 0, sum: 0 };
        moments.set(key, moment);
        moment.n++;
        moment.sum += event.duration_ms;
      }
      expect(moments.size).toBeGreaterThan(0);
      const measured = await repository.durationMoments(scope, previousFrom);
      expect(
        Object.fromEntries(
          measured
            .filter((row) => row.current.n > 0)
            .map((row) => [
              `${row.component.component_type}/${row.component.component_id}|${row.operation}`,
              { n: row.current.n, sum: Math.round(row.current.sum) },
            ]),
        ),
      ).toEqual(
        Object.fromEntries(
          [...moments].map(([key, moment]) => [key, { n: moment.n, sum: Math.round(moment.sum) }]),
        ),
      );
    });
  });
}

function mostFrequent(values: string[]): string {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
}

readersSuite('SQLite', async () => embeddedEnv());
describeWithPostgres('on PostgreSQL', () => readersSuite('PostgreSQL', () => fullModeEnv()));
