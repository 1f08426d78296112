import type { GenerationResult, InsightView } from '../src/insights/insight.types.js';
import {
  ORDER_KIND,
  UNMARKED_END_COMPONENTS,
  UPLOAD_KIND,
  unmarkedEndScenario,
  type UnmarkedEndScenario,
} from './scenarios/unmarked-ends.js';
import { describeFlowScenario } from './support/flow-scenario-suite.js';

const examples = (insight: InsightView) =>
  (insight.evidence.examples as { correlation_id: string }[])
    .map((chain) => chain.correlation_id)
    .sort();

/**
 * A start marker whose kind never writes an end marker beside one that does, and a kind that marks
 * only its end (test/scenarios/unmarked-ends.ts): uploads that "started" and were "stored" are not
 * stuck, though the upload kind never writes an end; exports that "started" and never "finished."
 * are, by their markers; orders that stopped before their `payment.completed` and uploads that
 * stopped after the scan are, by the shapes learned from the chains of their kinds that completed.
 */
describeFlowScenario({
  title: 'a start marker without an end marker in its kind',
  build: () => unmarkedEndScenario({ now: new Date(), seed: 3 }),
  components: Object.values(UNMARKED_END_COMPONENTS),
  unscoped:
    'finds the stuck exports by their markers, the stuck orders and uploads by their learned shapes',
  expectFlows: (result: GenerationResult, scenario: UnmarkedEndScenario) => {
    const flows = result.created.filter((insight) => insight.insight_type === 'flow');
    const byMethod = (method: string | undefined) =>
      flows.filter((insight) => insight.evidence.method === method);
    // by conventions: the exports, not the uploads; the hung backup, not the one running as long
    // as backups normally run
    const byConvention = byMethod(undefined);
    expect(byConvention.map((insight) => [insight.evidence.kind, insight.title]).sort()).toEqual([
      ['stuck_flow', expect.stringContaining('1 flow(s) stuck after backup-agent')],
      ['stuck_flow', expect.stringContaining('3 flow(s) stuck after exporter')],
    ]);
    const [backups] = byConvention.filter(
      (insight) => insight.evidence.flow_kind === 'backup-agent',
    );
    expect(examples(backups)).toEqual([scenario.hungBackupId]);
    const quiet = backups.evidence.earlier_chains_of_kind as {
      ended: number;
      longest_quiet_ms: number;
    };
    expect(quiet.ended).toBeGreaterThanOrEqual(10);
    expect(quiet.longest_quiet_ms).toBeGreaterThanOrEqual(6 * 60_000);
    expect(quiet.longest_quiet_ms).toBeLessThanOrEqual(9 * 60_000);
    expect(backups.evidence.timeout_ms).toBe(2 * quiet.longest_quiet_ms);
    // learned: from the orders that marked only their end, and from the uploads whose start
    // promises no end
    const learned = byMethod('learned_shape');
    const learnedOf = (kind: string) => {
      const found = learned.filter((insight) => insight.evidence.flow_kind === kind);
      expect(found.map((insight) => [insight.evidence.kind, insight.evidence.chains])).toEqual([
        ['stuck_flow', 3],
      ]);
      return found[0];
    };
    expect(learned).toHaveLength(2);
    const orders = learnedOf(ORDER_KIND);
    expect((orders.evidence.last_step as { operation: string }).operation).toBe(
      'authorize-payment',
    );
    expect(examples(orders)).toEqual([...scenario.stuckOrderIds].sort());
    expect(orders.summary).toContain('Normally next: payment-service payment.completed');
    const uploads = learnedOf(UPLOAD_KIND);
    expect(
      (uploads.evidence.last_step as { component: { component_type: string } }).component,
    ).toMatchObject({ component_type: 'virus-scanner' });
    expect(examples(uploads)).toEqual([...scenario.stuckUploadIds].sort());
    expect(uploads.summary).toContain('Normally next: blob-store "upload');
    const [stuck] = byConvention.filter((insight) => insight.evidence.flow_kind === 'exporter');
    expect(stuck.evidence.flow_kind).toBe('exporter');
    const earlier = stuck.evidence.earlier_chains_of_kind as { started: number; ended: number };
    expect(earlier.started).toBeGreaterThanOrEqual(50);
    expect(earlier.ended).toBe(earlier.started);
    expect(examples(stuck)).toEqual([...scenario.stuckIds].sort());
  },
});
