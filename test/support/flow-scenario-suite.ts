import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { DebugEventRecord } from '../../src/common/debug-event.js';
import { createApp } from '../../src/bootstrap.js';
import type { ComponentRef } from '../../src/database/entities/debug-insight.entity.js';
import type { GenerationResult } from '../../src/insights/insight.types.js';
import { InsightsService } from '../../src/insights/insights.service.js';
import { insertScenario } from '../scenarios/scenario-generator.js';
import { describeWithPostgres, embeddedEnv, fullModeEnv } from './services.js';

/** A flow scenario: its events and the hour analysed. */
export interface FlowScenario {
  from: Date;
  to: Date;
  events: DebugEventRecord[];
}

/**
 * A flow scenario's suite on PostgreSQL and SQLite: the scenario written once per dialect, then
 * the flow analyzer's findings of an unscoped run (read from the rollups) and of a run scoped to
 * the scenario's `components` (read from the events), each checked by `expectFlows`.
 */
export function describeFlowScenario<S extends FlowScenario>(options: {
  title: string;
  build: () => S;
  components: readonly ComponentRef[];
  expectFlows: (result: GenerationResult, scenario: S) => void;
  /** What the unscoped run shows (the title of its test). */
  unscoped: string;
}): void {
  const suite = (mode: string, env: () => Promise<Record<string, string>>) => {
    describe(`${options.title} (${mode})`, () => {
      let app: INestApplication;
      let scenario: S;

      beforeAll(async () => {
        app = await createApp({ ...(await env()), DEBUG_INSIGHT_INTERVAL_SECONDS: '0' });
        await app.init();
        scenario = options.build();
        await insertScenario(app.get(DataSource), { events: scenario.events, snapshots: [] });
      }, 180_000);
      afterAll(async () => app?.close());

      it(`${options.unscoped}, from the rollups (unscoped run)`, async () => {
        const result = await app
          .get(InsightsService)
          .generate({ from: scenario.from, to: scenario.to }, scenario.to);
        options.expectFlows(result, scenario);
      });

      it('and from the events (a run scoped to the components)', async () => {
        // the unscoped run stored the same findings: without them, this run creates them again
        await app.get(DataSource).query('DELETE FROM debug_insights');
        const result = await app.get(InsightsService).generate(
          {
            from: scenario.from,
            to: scenario.to,
            components: options.components.map(({ component_type }) => ({ component_type })),
          },
          scenario.to,
        );
        options.expectFlows(result, scenario);
      });
    });
  };

  describeWithPostgres('PostgreSQL', () => {
    suite('PostgreSQL', async () => ({ ...(await fullModeEnv()), DEBUG_REDIS_ENABLED: 'false' }));
  });
  suite('SQLite', async () => embeddedEnv());
}
