import type { DebugEventRecord } from '../../src/common/debug-event.js';
import type { ComponentRef } from '../../src/database/entities/debug-insight.entity.js';
import { componentRef as c, Random, scenarioEvent } from './scenario-generator.js';

/**
 * Two kinds of flows without start or end markers, one busy and one rare, over 4 hours (3 of
 * history and the scope, the last hour):
 * - search: run query → rank results → render page, one every 2 s (about 99% of the chains;
 *   the last 50 minutes of the history alone hold 1,500 of them);
 * - refund: issue refund → post ledger entry → send refund notice, one every 5 minutes (36 in
 *   the history), with gaps of seconds.
 * Incident: 3 refunds in the scope stop after the ledger entry (which never ends a refund) and
 * stay idle for over 20 minutes.
 */
export const RARE_FLOW_COMPONENTS = {
  search: c('search-api', 'search-1'),
  ranker: c('ranker', 'ranker-1'),
  pages: c('page-renderer', 'pages-1'),
  billing: c('billing-service', 'billing-1'),
  ledger: c('ledger-service', 'ledger-1'),
  mail: c('mail-relay', 'mail-1'),
};
export const RARE_KIND = 'billing-service issue-refund';

const MINUTE = 60_000;

export interface RareFlowScenario {
  from: Date;
  to: Date;
  events: DebugEventRecord[];
  stuckIds: string[];
}

export function rareFlowScenario(options: { now: Date; seed: number }): RareFlowScenario {
  const to = Math.floor(options.now.getTime() / MINUTE) * MINUTE;
  const start = to - 4 * 60 * MINUTE;
  const random = new Random(options.seed);
  const events: DebugEventRecord[] = [];
  const W = RARE_FLOW_COMPONENTS;
  let chains = 0;
  const chain = (
    at: number,
    prefix: string,
    steps: [ComponentRef, string, string][],
    gapMs: number,
  ) => {
    const id = `${prefix}-${(++chains).toString(36)}`;
    let t = at;
    for (const [component, operation, message] of steps) {
      const timestamp = new Date(Math.min(Math.round(t), to - 1));
      events.push(
        scenarioEvent(
          { component, operation, message, correlationId: id, durationMs: random.duration(40) },
          timestamp,
        ),
      );
      t += random.duration(gapMs, 0.5);
    }
    return id;
  };
  const search = (at: number) => {
    const query = random.int(1000, 9999);
    chain(
      at,
      'search',
      [
        [W.search, 'run-query', `query ${query} matched ${random.int(1, 500)} documents`],
        [W.ranker, 'rank-results', `ranked results of query ${query}`],
        [W.pages, 'render-page', `page ${random.int(1, 20)} of query ${query} rendered`],
      ],
      300,
    );
  };
  const refund = (at: number, stopAfterLedger: boolean) => {
    const order = random.int(10_000, 99_999);
    const steps: [ComponentRef, string, string][] = [
      [W.billing, 'issue-refund', `refund of ${random.int(5, 400)} EUR issued for order ${order}`],
      [W.ledger, 'post-entry', `ledger entry E${random.int(1000, 9999)} posted for order ${order}`],
    ];
    if (!stopAfterLedger)
      steps.push([W.mail, 'send-refund-notice', `refund notice for order ${order} queued`]);
    return chain(at, 'refund', steps, 4_000);
  };

  for (let at = start; at < to - 5_000; at += 2_000) search(at + random.int(0, 1_000));
  for (let at = start; at < to - MINUTE; at += 5 * MINUTE)
    refund(at + random.int(0, 60_000), false);
  const stuckIds = [0, 1, 2].map((index) => refund(to - (28 - 2 * index) * MINUTE, true));
  return { from: new Date(to - 60 * MINUTE), to: new Date(to), events, stuckIds };
}
