import type { GenerationResult, InsightView } from '../src/insights/insight.types.js';
import {
  DOCUMENT_COMPONENTS,
  documentScenario,
  type DocumentScenario,
  SAGA_COMPONENTS,
  sagaScenario,
  type SagaScenario,
} from './scenarios/saga-flows.js';
import { describeFlowScenario } from './support/flow-scenario-suite.js';

const examples = (insight: InsightView) =>
  (insight.evidence.examples as { correlation_id: string }[])
    .map((chain) => chain.correlation_id)
    .sort();
const brokenIds = (insight: InsightView) =>
  (insight.evidence.correlation_ids as string[] | undefined)?.slice().sort() ?? examples(insight);
const flowsOf = (result: GenerationResult) =>
  result.created.filter(
    (insight) => insight.insight_type === 'flow' && insight.evidence.kind !== 'failed_step',
  );

/**
 * Sagas marked by their start and end messages (test/scenarios/saga-flows.ts): the hung ones are
 * stuck by their markers, as is the hung ride, not the one riding as long as rides do; the compensated ones, which no convention marks as ended, are not (they
 * stopped where the sagas that were refused before them stopped); those that skipped the fraud
 * check are broken, learned from the sagas that went before, markers and all.
 */
describeFlowScenario({
  title: 'sagas with compensations and a skipped check',
  build: () => sagaScenario({ now: new Date(), seed: 5 }),
  components: Object.values(SAGA_COMPONENTS),
  unscoped: 'finds the hung and the unscored sagas, and not the compensated ones',
  expectFlows: (result: GenerationResult, scenario: SagaScenario) => {
    const flows = flowsOf(result);
    expect(flows.map((insight) => [insight.evidence.kind, insight.title]).sort()).toEqual([
      ['broken_flow', '5 "checkout-api SubmitOrder" flow(s) skipped fraud-scorer ScoreRisk'],
      ['stuck_flow', expect.stringContaining('1 flow(s) stuck after trip-orchestrator trip.start')],
      ['stuck_flow', expect.stringContaining('3 flow(s) stuck after psp-adapter AuthorizePayment')],
    ]);
    const stuckOf = (component: string) =>
      flows.find(
        (insight) =>
          insight.evidence.kind === 'stuck_flow' && insight.title.includes(`after ${component}`),
      )!;
    expect(examples(stuckOf('psp-adapter'))).toEqual([...scenario.hungIds].sort());
    // the ride on the road for 12 minutes is not stuck: rides are quiet 6 to 9 minutes (their
    // start marker is minutes after their first event, in another minute)
    const rides = stuckOf('trip-orchestrator');
    expect(examples(rides)).toEqual([scenario.hungRideId]);
    const quiet = rides.evidence.earlier_chains_of_kind as { longest_quiet_ms: number };
    expect(quiet.longest_quiet_ms).toBeGreaterThanOrEqual(6 * 60_000);
    expect(quiet.longest_quiet_ms).toBeLessThanOrEqual(10 * 60_000);
    const broken = flows.find((insight) => insight.evidence.kind === 'broken_flow')!;
    expect(brokenIds(broken)).toEqual([...scenario.unscoredIds].sort());
    expect(JSON.stringify(flows)).not.toContain(scenario.compensatedIds[0]);
  },
});

/**
 * A new store, analysed over all of it (test/scenarios/saga-flows.ts): its document kind writes a
 * start marker ("starting OCR") and never an end marker. The 180 documents that went on and fell
 * quiet at the indexer show that the kind ends unmarked, though no chain of it came before the
 * window; the 4 that stopped after "starting OCR" are stuck by the shape the others teach.
 */
describeFlowScenario({
  title: 'a new store whose start markers never get an end marker',
  build: () => documentScenario({ now: new Date(), seed: 9 }),
  components: Object.values(DOCUMENT_COMPONENTS),
  unscoped: 'finds the 4 hung documents and not the others',
  expectFlows: (result: GenerationResult, scenario: DocumentScenario) => {
    const flows = flowsOf(result);
    expect(flows.map((insight) => [insight.evidence.kind, insight.title])).toEqual([
      [
        'stuck_flow',
        '4 "ingest-gateway upload.receive" flow(s) stuck after ocr-worker ocr.extract',
      ],
    ]);
    expect(examples(flows[0])).toEqual([...scenario.hungIds].sort());
    expect(flows[0].evidence.method).toBe('learned_shape');
  },
});
