import type { GenerationResult, InsightView } from '../src/insights/insight.types.js';
import {
  RARE_FLOW_COMPONENTS,
  RARE_KIND,
  rareFlowScenario,
  type RareFlowScenario,
} from './scenarios/rare-flows.js';
import { describeFlowScenario } from './support/flow-scenario-suite.js';

const learnedFlows = (result: GenerationResult): InsightView[] =>
  result.created.filter((insight) => insight.evidence.method === 'learned_shape');

/**
 * A rare kind of marker-free flow beside a busy one (test/scenarios/rare-flows.ts): the busy kind
 * alone fills the history's 1,500 chains many times over, so a history of the most recent chains
 * of all kinds would hold about 10 refunds, too few to learn their shape from.
 */
describeFlowScenario({
  title: 'a rare kind of marker-free flow',
  build: () => rareFlowScenario({ now: new Date(), seed: 5 }),
  components: Object.values(RARE_FLOW_COMPONENTS),
  unscoped: 'learns its shape and finds its stuck chains',
  expectFlows: (result: GenerationResult, scenario: RareFlowScenario) => {
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
  },
});
