import type { GenerationResult } from '../src/insights/insight.types.js';
import {
  PHRASED_COMPONENTS,
  phrasedFlowScenario,
  type PhrasedFlowScenario,
} from './scenarios/phrased-flows.js';
import { describeFlowScenario } from './support/flow-scenario-suite.js';

/**
 * Flows marked in five phrasings (test/scenarios/phrased-flows.ts) in a new deployment, where no
 * shape can be learned: the conventions alone must tell the chains that ended from the 2 of
 * each kind that stopped, and report exactly those.
 */
describeFlowScenario({
  title: 'flows marked in the phrasings programs use, with no history',
  build: () => phrasedFlowScenario({ now: new Date(), seed: 5 }),
  components: Object.values(PHRASED_COMPONENTS),
  unscoped: 'reports the stopped chains of every kind and none of those that ended',
  expectFlows: (result: GenerationResult, scenario: PhrasedFlowScenario) => {
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
  },
});
