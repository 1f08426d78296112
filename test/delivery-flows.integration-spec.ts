import type { GenerationResult } from '../src/insights/insight.types.js';
import {
  DELIVERY_COMPONENTS,
  deliveryScenario,
  type DeliveryScenario,
} from './scenarios/delivery-flows.js';
import { describeFlowScenario } from './support/flow-scenario-suite.js';

/**
 * Orders whose marked courier assignment sits in the middle of a long flow, with a notification
 * step passed twice (test/scenarios/delivery-flows.ts): the orders that found no courier are
 * stuck after the assignment; the orders still on their way to the customer are neither stuck
 * nor broken; the orders whose courier lookup failed once and was retried did not fail.
 */
describeFlowScenario({
  title: 'orders with a marked step in the middle and a step passed twice',
  build: () => deliveryScenario({ now: new Date(), seed: 11 }),
  components: Object.values(DELIVERY_COMPONENTS),
  unscoped: 'finds the orders that found no courier, and nothing about those on their way',
  expectFlows: (result: GenerationResult, scenario: DeliveryScenario) => {
    // the orders whose courier lookup failed and whose retry assigned one recovered: no failure
    expect(
      result.created.filter(
        (insight) => insight.insight_type === 'flow' && insight.evidence.kind === 'failed_step',
      ),
    ).toEqual([]);
    const flows = result.created.filter(
      (insight) => insight.insight_type === 'flow' && insight.evidence.kind !== 'failed_step',
    );
    expect(JSON.stringify(flows)).not.toContain(scenario.recoveredIds[0]);
    expect(flows.map((insight) => [insight.evidence.kind, insight.title])).toEqual([
      [
        'stuck_flow',
        expect.stringContaining('4 flow(s) stuck after dispatch-service courier.assign'),
      ],
    ]);
    expect(
      (flows[0].evidence.examples as { correlation_id: string }[])
        .map((chain) => chain.correlation_id)
        .sort(),
    ).toEqual([...scenario.hungIds].sort());
    // every stuck order, not only the examples
    expect([...(flows[0].evidence.stuck_ids as string[])].sort()).toEqual(
      [...scenario.hungIds].sort(),
    );
  },
});
