import type { DebugEventRecord } from '../../src/common/debug-event.js';
import type { ComponentRef } from '../../src/database/entities/debug-insight.entity.js';
import { assignPatterns, componentRef as c, Random, scenarioEvent } from './scenario-generator.js';

/**
 * A new deployment (one hour of events, no history to learn shapes from) whose flows mark their
 * start and end in the phrasings programs use, each kind its own, one chain every 2 minutes:
 * - request: `Started POST "/orders" for 10.0.0.N at <time>` → `Processing by
 *   OrdersController#create as JSON` → `Completed 201 Created in N ms (ActiveRecord: N ms)`
 *   (a web framework's request log: the words open the sentence);
 * - import: `Starting import of feed N` → `parsed N rows from feed N` → `Import complete: N rows`;
 * - payment: `Payment started for order N` → `card authorized for order N` → `Payment completed
 *   for order N (captured)`;
 * - report: `job=report-N state=started` → `job=report-N pages=N` → `job=report-N status=completed`
 *   (key=value lines);
 * - worker job: `start` → `fetched N messages` → `done: 0.52 sec` (a job runner's lines under the
 *   job id);
 * - charge: `charge started for order N` → `charge attempt 1 failed, retrying in N s` → `charge
 *   completed for order N` (a failure that is retried does not end the flow).
 * Incidents: 2 chains of each kind stop after their second step, 10 to 20 minutes before the end.
 */
export const PHRASED_COMPONENTS = {
  web: c('storefront-web', 'web-1'),
  importer: c('feed-importer', 'importer-1'),
  payments: c('payment-service', 'payments-1'),
  reports: c('report-runner', 'reports-1'),
  worker: c('mail-worker', 'worker-1'),
  charges: c('charge-worker', 'charges-1'),
};

const MINUTE = 60_000;

export interface PhrasedFlowScenario {
  from: Date;
  to: Date;
  events: DebugEventRecord[];
  /** Per kind (its first step's component type), the ids of its stuck chains. */
  stuck: Map<string, string[]>;
}

export function phrasedFlowScenario(options: { now: Date; seed: number }): PhrasedFlowScenario {
  const to = Math.floor(options.now.getTime() / MINUTE) * MINUTE;
  const from = to - 60 * MINUTE;
  const random = new Random(options.seed);
  const events: DebugEventRecord[] = [];
  const stuck = new Map<string, string[]>();
  let chains = 0;
  const chain = (at: number, component: ComponentRef, messages: string[], stopEarly: boolean) => {
    const id = `${component.component_type}-${(++chains).toString(36)}`;
    let t = at;
    for (const message of stopEarly ? messages.slice(0, 2) : messages) {
      const timestamp = new Date(Math.min(Math.round(t), to - 1));
      events.push(scenarioEvent({ component, message, correlationId: id }, timestamp));
      t += random.duration(2_000, 0.5);
    }
    if (stopEarly)
      stuck.set(component.component_type, [...(stuck.get(component.component_type) ?? []), id]);
    return id;
  };
  const P = PHRASED_COMPONENTS;
  const kinds: ((at: number) => [ComponentRef, string[]])[] = [
    (at) => [
      P.web,
      [
        `Started POST "/orders" for 10.0.0.${random.int(2, 250)} at ${new Date(at).toISOString()}`,
        'Processing by OrdersController#create as JSON',
        `Completed 201 Created in ${random.int(20, 90)}ms (ActiveRecord: ${random.int(2, 9)}.${random.int(0, 9)}ms)`,
      ],
    ],
    () => {
      const feed = random.int(10, 99);
      return [
        P.importer,
        [
          `Starting import of feed ${feed}`,
          `parsed ${random.int(100, 900)} rows from feed ${feed}`,
          `Import complete: ${random.int(100, 900)} rows`,
        ],
      ];
    },
    () => {
      const order = random.int(10_000, 99_999);
      return [
        P.payments,
        [
          `Payment started for order ${order}`,
          `card authorized for order ${order}`,
          `Payment completed for order ${order} (captured)`,
        ],
      ];
    },
    () => {
      const report = random.int(100, 999);
      return [
        P.reports,
        [
          `job=report-${report} state=started`,
          `job=report-${report} pages=${random.int(2, 40)}`,
          `job=report-${report} status=completed`,
        ],
      ];
    },
    () => [
      P.worker,
      ['start', `fetched ${random.int(1, 50)} messages`, `done: 0.${random.int(10, 99)} sec`],
    ],
    () => {
      const order = random.int(10_000, 99_999);
      return [
        P.charges,
        [
          `charge started for order ${order}`,
          `charge attempt 1 failed, retrying in ${random.int(1, 4)} s`,
          `charge completed for order ${order}`,
        ],
      ];
    },
  ];
  for (let at = from; at < to - 2 * MINUTE; at += 2 * MINUTE)
    for (const kind of kinds) {
      const start = at + random.int(0, 100_000);
      chain(start, ...kind(start), false);
    }
  for (const kind of kinds)
    for (const minutesBefore of [20, 12]) {
      const start = to - minutesBefore * MINUTE + random.int(0, 30_000);
      chain(start, ...kind(start), true);
    }
  events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  assignPatterns(events);
  return { from: new Date(from), to: new Date(to), events, stuck };
}
