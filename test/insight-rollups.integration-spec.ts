import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp } from '../src/bootstrap.js';
import { newId } from '../src/common/ids.js';
import { type BucketSeries, InsightAggregatesRepository } from '../src/insights/insight-aggregates.repository.js';
import { InsightRollupRepository } from '../src/insights/insight-rollup.repository.js';
import { gridFor } from '../src/insights/insights.service.js';
import { insertScenario, writeScenario, type WrittenScenario } from './scenarios/scenario-generator.js';
import { describeWithPostgres, embeddedEnv, fullModeEnv } from './support/services.js';

const byKey = (series: BucketSeries[]) => Object.fromEntries(series.map((item) => [item.key, { counts: item.counts, errors: item.errors }]));

function rollupSuite(mode: string, env: () => Promise<Record<string, string>>) {
  describe(`insight rollups (${mode})`, () => {
    let app: INestApplication;
    let scenario: WrittenScenario;

    beforeAll(async () => {
      app = await createApp({ ...(await env()), DEBUG_INSIGHT_INTERVAL_SECONDS: '0' });
      await app.init();
      scenario = await writeScenario(app.get(DataSource), { seed: 9 });
    }, 120_000);
    afterAll(async () => app?.close());

    it('gives the same per-bucket counts as aggregating debug_events directly', async () => {
      const scope = { from: scenario.from, to: scenario.to };
      const grid = gridFor(scope);
      const rollups = app.get(InsightRollupRepository);
      const raw = app.get(InsightAggregatesRepository);
      const first = await rollups.ensure(grid.origin, grid.to);
      expect(first.aggregated).toHaveLength(1);
      expect(byKey(await rollups.componentSeries(grid))).toEqual(byKey(await raw.componentSeries(scope, grid)));
      expect(byKey(await rollups.patternSeries(grid))).toEqual(byKey(await raw.patternSeries(scope, grid)));
      const again = await rollups.ensure(grid.origin, grid.to);
      expect(again.aggregated).toEqual([]);
    });

    it('re-aggregates only the recent minutes, picking up events that arrived a little late', async () => {
      const later = new Date(scenario.to.getTime() + 120_000);
      const late = new Date(scenario.to.getTime() - 90_000);
      const component = { component_type: 'late-service', component_id: 'late-1' };
      await insertScenario(app.get(DataSource), {
        snapshots: [],
        events: [late, new Date(scenario.to.getTime() + 30_000)].map((at) => ({
          id: newId(at),
          timestamp: at.toISOString(),
          event_type: 'log',
          level: 'error',
          ...component,
          correlation_id: null,
          parent_event_id: null,
          operation: null,
          duration_ms: null,
          message: 'arrived late',
          data: null,
          metadata: null,
          session_id: null,
          pattern_id: 'late-pattern',
          ingested_at: new Date().toISOString(),
        })),
      });
      const scope = { from: new Date(later.getTime() - 3_600_000), to: later };
      const grid = gridFor(scope);
      const rollups = app.get(InsightRollupRepository);
      const result = await rollups.ensure(grid.origin, grid.to);
      expect(result.aggregated).toEqual([{ from: new Date(scenario.to.getTime() - 300_000).toISOString(), to: later.toISOString() }]);
      const series = (await rollups.componentSeries(grid)).find((item) => item.key === 'component:late-service/late-1')!;
      expect(series.counts.reduce((sum, count) => sum + count, 0)).toBe(2);
      expect(series.errors.reduce((sum, count) => sum + count, 0)).toBe(2);
      expect(byKey(await rollups.componentSeries(grid))).toEqual(byKey(await app.get(InsightAggregatesRepository).componentSeries(scope, grid)));
    });
  });
}

describeWithPostgres('PostgreSQL', () => {
  rollupSuite('PostgreSQL', async () => ({ ...(await fullModeEnv()), DEBUG_REDIS_ENABLED: 'false' }));
});
rollupSuite('SQLite', async () => embeddedEnv());
