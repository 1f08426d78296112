import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp } from '../src/bootstrap.js';
import type { GenerationResult } from '../src/insights/insight.types.js';
import { InsightsService } from '../src/insights/insights.service.js';
import { insertScenario } from './scenarios/scenario-generator.js';
import {
  PHRASED_COMPONENTS,
  phrasedFlowScenario,
  type PhrasedFlowScenario,
} from './scenarios/phrased-flows.js';
import { describeWithPostgres, embeddedEnv, fullModeEnv } from './support/services.js';

/**
 * Flows marked in five phrasings (test/scenarios/phrased-flows.ts) in a new deployment, where no
 * shape can be learned: the conventions alone must tell the chains that ended from the 2 of
 * each kind that stopped, and report exactly those.
 */
function phrasedFlowSuite(mode: string, env: () => Promise<Record<string, string>>) {
  describe(`flows marked in the phrasings programs use, with no history (${mode})`, () => {
    let app: INestApplication;
    let scenario: PhrasedFlowScenario;

    beforeAll(async () => {
      app = await createApp({ ...(await env()), DEBUG_INSIGHT_INTERVAL_SECONDS: '0' });
      await app.init();
      scenario = phrasedFlowScenario({ now: new Date(), seed: 5 });
      await insertScenario(app.get(DataSource), { events: scenario.events, snapshots: [] });
    }, 180_000);
    afterAll(async () => app?.close());

    const expectFlows = (result: GenerationResult) => {
      const flows = result.created.filter((insight) => insight.insight_type === 'flow');
      const found = flows.map((insight) => [
        insight.evidence.kind,
        insight.evidence.method ?? 'convention',
        insight.evidence.flow_kind,
        (insight.evidence.examples as { correlation_id: string }[])
          .map((chain) => chain.correlation_id)
          .sort(),
      ]);
      const expected = [...scenario.stuck].map(([kind, ids]) => [
        'stuck_flow',
        'convention',
        kind,
        [...ids].sort(),
      ]);
      const byKind = (a: unknown[], b: unknown[]) => String(a[2]).localeCompare(String(b[2]));
      expect(found.sort(byKind)).toEqual(expected.sort(byKind));
      expect(expected).toHaveLength(Object.keys(PHRASED_COMPONENTS).length);
    };

    it('reports the stopped chains of every kind and none of those that ended, from the rollups (unscoped run)', async () => {
      const result = await app
        .get(InsightsService)
        .generate({ from: scenario.from, to: scenario.to }, scenario.to);
      expectFlows(result);
    });

    it('and from the events (a run scoped to the components)', async () => {
      await app.get(DataSource).query('DELETE FROM debug_insights');
      const result = await app.get(InsightsService).generate(
        {
          from: scenario.from,
          to: scenario.to,
          components: Object.values(PHRASED_COMPONENTS).map(({ component_type }) => ({
            component_type,
          })),
        },
        scenario.to,
      );
      expectFlows(result);
    });
  });
}

describeWithPostgres('PostgreSQL', () => {
  phrasedFlowSuite('PostgreSQL', async () => ({
    ...(await fullModeEnv()),
    DEBUG_REDIS_ENABLED: 'false',
  }));
});

phrasedFlowSuite('SQLite', async () => embeddedEnv());
