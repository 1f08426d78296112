import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp } from '../src/bootstrap.js';
import type { GenerationResult, InsightView } from '../src/insights/insight.types.js';
import { InsightsService } from '../src/insights/insights.service.js';
import {
  RARE_FLOW_COMPONENTS,
  RARE_KIND,
  rareFlowScenario,
  type RareFlowScenario,
} from './scenarios/rare-flows.js';
import { insertScenario } from './scenarios/scenario-generator.js';
import { describeWithPostgres, embeddedEnv, fullModeEnv } from './support/services.js';

const learnedFlows = (result: GenerationResult): InsightView[] =>
  result.created.filter((insight) => insight.evidence.method === 'learned_shape');

/**
 * A rare kind of marker-free flow beside a busy one (test/scenarios/rare-flows.ts): the busy kind
 * alone fills the history's 1,500 chains many times over, so a history of the most recent chains
 * of all kinds would hold about 10 refunds, too few to learn their shape from.
 */
function rareKindSuite(mode: string, env: () => Promise<Record<string, string>>) {
  describe(`a rare kind of marker-free flow (${mode})`, () => {
    let app: INestApplication;
    let scenario: RareFlowScenario;

    beforeAll(async () => {
      app = await createApp({ ...(await env()), DEBUG_INSIGHT_INTERVAL_SECONDS: '0' });
      await app.init();
      scenario = rareFlowScenario({ now: new Date(), seed: 5 });
      await insertScenario(app.get(DataSource), { events: scenario.events, snapshots: [] });
    }, 180_000);
    afterAll(async () => app?.close());

    const expectStuckRefunds = (result: GenerationResult) => {
      const found = learnedFlows(result).map((insight) => ({
        kind: insight.evidence.kind,
        flow_kind: insight.evidence.flow_kind,
        chains: insight.evidence.chains,
        operation: (insight.evidence.last_step as { operation: string }).operation,
      }));
      // the busy kind's chains all complete: the refunds are the one learned finding
      expect(found).toEqual([
        { kind: 'stuck_flow', flow_kind: RARE_KIND, chains: 3, operation: 'post-entry' },
      ]);
      const [stuck] = learnedFlows(result);
      expect(stuck.evidence.history_chains).toBeGreaterThanOrEqual(20);
      expect(
        (stuck.evidence.examples as { correlation_id: string }[])
          .map((chain) => chain.correlation_id)
          .sort(),
      ).toEqual([...scenario.stuckIds].sort());
    };

    it('learns its shape and finds its stuck chains from the rollups (unscoped run)', async () => {
      const result = await app
        .get(InsightsService)
        .generate({ from: scenario.from, to: scenario.to }, scenario.to);
      expectStuckRefunds(result);
    });

    it('and from the events (a run scoped to the components)', async () => {
      // the unscoped run stored the same finding: without it, this run creates it again
      await app.get(DataSource).query('DELETE FROM debug_insights');
      const result = await app.get(InsightsService).generate(
        {
          from: scenario.from,
          to: scenario.to,
          components: Object.values(RARE_FLOW_COMPONENTS).map(({ component_type }) => ({
            component_type,
          })),
        },
        scenario.to,
      );
      expectStuckRefunds(result);
    });
  });
}

describeWithPostgres('PostgreSQL', () => {
  rareKindSuite('PostgreSQL', async () => ({
    ...(await fullModeEnv()),
    DEBUG_REDIS_ENABLED: 'false',
  }));
});

rareKindSuite('SQLite', async () => embeddedEnv());
