import type { DebugEventRecord } from '../../src/common/debug-event.js';
import { assignPatterns, componentRef as c, Random, scenarioEvent } from './scenario-generator.js';

const MINUTE = 60_000;

/**
 * Food orders whose marked step is in the middle of a long flow (a blind test's shape): an order
 * is created; dispatch logs "Looking for a courier…" (`data.phase: started`); a push tells the
 * customer the order is confirmed; dispatch logs "Assigned courier…" (`phase: completed`) 8 to 20 s
 * later; 20 to 45 minutes later the order is delivered and a second push (the same step) says so.
 * One order a minute over 4 hours; the orders of the last 45 minutes are still on their way (no
 * delivery yet, as in any live store). Incident: 4 orders in the last half hour find no courier:
 * two "requeued" lines, then nothing. And 6 orders whose first courier lookup failed (an error)
 * and whose retry assigned one: recovered, no failure of the flow.
 *
 * What it checks: the marked assignment normally ends within seconds, so the hung ones are stuck
 * (the half hour an order then waits for its delivery is not a wait inside the marked work); the
 * orders still on their way did not end at the first push (the step ends orders at its second
 * pass), so they skipped nothing.
 */
export const DELIVERY_COMPONENTS = {
  orders: c('order-service', 'orders-1'),
  dispatch: c('dispatch-service', 'dispatch-1'),
  notify: c('notification-service', 'notif-1'),
};

export interface DeliveryScenario {
  from: Date;
  to: Date;
  events: DebugEventRecord[];
  hungIds: string[];
  recoveredIds: string[];
}

export function deliveryScenario(options: { now: Date; seed: number }): DeliveryScenario {
  const to = Math.floor(options.now.getTime() / MINUTE) * MINUTE;
  const start = to - 4 * 60 * MINUTE;
  const random = new Random(options.seed);
  const events: DebugEventRecord[] = [];
  const D = DELIVERY_COMPONENTS;
  const emit = (
    component: (typeof D)[keyof typeof D],
    operation: string,
    message: string,
    correlationId: string,
    at: number,
    data?: Record<string, unknown>,
    failed = false,
  ) => {
    if (at >= to) return;
    const level = failed ? { level: 'error', eventType: 'error' as const } : {};
    events.push(
      scenarioEvent(
        { component, operation, message, correlationId, data, ...level },
        new Date(Math.round(at)),
      ),
    );
  };
  let orders = 0;
  const order = (at: number, hung: boolean, retried = false) => {
    const id = `ORD-${200_000 + ++orders}`;
    const zone = hung ? 'east-3' : `zone-${random.int(1, 6)}`;
    emit(
      D.orders,
      'order.create',
      `Created order ${id}: ${random.int(1, 5)} item(s), ${random.int(9, 60)}.${random.int(10, 99)} EUR`,
      id,
      at,
    );
    const looking = at + random.int(200, 600);
    emit(
      D.dispatch,
      'courier.assign',
      `Looking for a courier for ${id} in zone ${zone}`,
      id,
      looking,
      { phase: 'started', zone },
    );
    emit(
      D.notify,
      'notify.push',
      `Sent push 'order_confirmed' for ${id}`,
      id,
      looking + random.int(100, 400),
    );
    if (hung) {
      for (const attempt of [2, 3])
        emit(
          D.dispatch,
          'courier.assign',
          `No courier available for ${id} in zone ${zone}, requeued (attempt ${attempt})`,
          id,
          looking + (attempt - 1) * 30_000,
          { zone, attempt },
        );
      return id;
    }
    if (retried)
      emit(
        D.dispatch,
        'courier.assign',
        `courier lookup failed for ${id}: redis timeout after 2000 ms, retrying`,
        id,
        looking + 2_500,
        undefined,
        true,
      );
    const assigned = looking + random.int(8_000, 20_000);
    emit(
      D.dispatch,
      'courier.assign',
      `Assigned courier c_${random.int(1000, 1999)} to ${id}`,
      id,
      assigned,
      { phase: 'completed', zone },
    );
    const delivered = assigned + random.int(20, 45) * MINUTE;
    emit(D.orders, 'order.deliver', `Order ${id} delivered`, id, delivered);
    emit(
      D.notify,
      'notify.push',
      `Sent push 'order_delivered' for ${id}`,
      id,
      delivered + random.int(100, 600),
    );
    return id;
  };
  for (let at = start; at < to - 2 * MINUTE; at += MINUTE) order(at + random.int(0, 20_000), false);
  const hungIds = [27, 21, 16, 11].map((ago) => order(to - ago * MINUTE + 7_000, true));
  const recoveredIds = [50, 42, 35, 28, 19, 12].map((ago) =>
    order(to - ago * MINUTE + 13_000, false, true),
  );
  events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  assignPatterns(events);
  return { from: new Date(to - 60 * MINUTE), to: new Date(to), events, hungIds, recoveredIds };
}
