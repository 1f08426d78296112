import type { DebugEventRecord } from '../../src/common/debug-event.js';
import type { ComponentRef } from '../../src/database/entities/debug-insight.entity.js';
import { assignPatterns, componentRef as c, Random, scenarioEvent } from './scenario-generator.js';

/**
 * Two kinds of flows marked by message conventions only, over 4 hours (3 of history and the
 * scope, the last hour):
 * - upload: "upload N started" → "upload N scanned" → "upload N stored in bucket B", one a
 *   minute: a start marker whose chains end without an end marker, every one of them;
 * - export: "export N started" → "export N rendered P pages" → "Export N finished." (the closing
 *   period too), one every 2 minutes;
 * - order: `receive-order` → `authorize-payment` → `payment.completed`, one every 2 minutes: an
 *   end marker and no start marker.
 * - backup: "backup N started" → 6 to 9 quiet minutes → "backup N finished", one every 10 minutes
 *   in the 3 hours of history: a kind whose ended chains are normally quiet longer than 5 minutes.
 * Incidents: 3 exports in the scope stop after rendering, 3 orders after the authorization and 3
 * uploads after the scan, and stay idle for over 20 minutes; a backup hangs (quiet for 40
 * minutes), while another is still running (quiet for 12, as backups are).
 */
export const UNMARKED_END_COMPONENTS = {
  uploads: c('uploader', 'uploader-1'),
  scanner: c('virus-scanner', 'scanner-1'),
  store: c('blob-store', 'store-1'),
  exports: c('exporter', 'exporter-1'),
  orders: c('orders-api', 'orders-1'),
  payments: c('payment-service', 'payments-1'),
  backups: c('backup-agent', 'backup-1'),
};
/** The kinds of the order and upload flows (their first step's component type and operation). */
export const ORDER_KIND = 'orders-api receive-order';
export const UPLOAD_KIND = 'uploader';

const MINUTE = 60_000;

export interface UnmarkedEndScenario {
  from: Date;
  to: Date;
  events: DebugEventRecord[];
  stuckIds: string[];
  stuckOrderIds: string[];
  stuckUploadIds: string[];
  /** The backup still running (quiet 12 minutes, as backups normally are) and the one that hung. */
  runningBackupId: string;
  hungBackupId: string;
}

export function unmarkedEndScenario(options: { now: Date; seed: number }): UnmarkedEndScenario {
  const to = Math.floor(options.now.getTime() / MINUTE) * MINUTE;
  const start = to - 4 * 60 * MINUTE;
  const random = new Random(options.seed);
  const events: DebugEventRecord[] = [];
  const W = UNMARKED_END_COMPONENTS;
  let chains = 0;
  const chain = (
    at: number,
    prefix: string,
    steps: [ComponentRef, string, string?][],
    gapMs: number,
  ) => {
    const id = `${prefix}-${(++chains).toString(36)}`;
    let t = at;
    for (const [component, message, operation] of steps) {
      const timestamp = new Date(Math.min(Math.round(t), to - 1));
      events.push(scenarioEvent({ component, message, operation, correlationId: id }, timestamp));
      t += random.duration(gapMs, 0.5);
    }
    return id;
  };
  const upload = (at: number, stopAfterScan: boolean) => {
    const n = random.int(10_000, 99_999);
    const steps: [ComponentRef, string][] = [
      [W.uploads, `upload ${n} started`],
      [W.scanner, `upload ${n} scanned`],
    ];
    if (!stopAfterScan) steps.push([W.store, `upload ${n} stored in bucket b-${random.int(1, 9)}`]);
    return chain(at, 'upload', steps, 3_000);
  };
  const exportRun = (at: number, stopAfterRender: boolean) => {
    const n = random.int(100, 999);
    const steps: [ComponentRef, string][] = [
      [W.exports, `export ${n} started`],
      [W.exports, `export ${n} rendered ${random.int(2, 40)} pages`],
    ];
    if (!stopAfterRender) steps.push([W.exports, `Export ${n} finished.`]);
    return chain(at, 'export', steps, 5_000);
  };

  const order = (at: number, stopAfterAuthorization: boolean) => {
    const n = random.int(10_000, 99_999);
    const steps: [ComponentRef, string, string][] = [
      [W.orders, `order ${n} received`, 'receive-order'],
      [W.payments, `payment for order ${n} authorized`, 'authorize-payment'],
    ];
    if (!stopAfterAuthorization)
      steps.push([W.payments, `payment for order ${n} captured`, 'payment.completed']);
    return chain(at, 'order', steps, 2_000);
  };

  /** "backup N started", then 6 to 9 quiet minutes copying, then "backup N finished" (or not yet). */
  const backup = (at: number, quietMinutes: number | null) => {
    const n = random.int(1000, 9999);
    const id = `backup-${(++chains).toString(36)}`;
    const write = (message: string, time: number) =>
      events.push(
        scenarioEvent(
          { component: W.backups, message, correlationId: id },
          new Date(Math.min(time, to - 1)),
        ),
      );
    write(`backup ${n} started`, at);
    if (quietMinutes !== null) write(`backup ${n} finished`, at + quietMinutes * MINUTE);
    return id;
  };

  for (let at = start; at < to - MINUTE; at += MINUTE) upload(at + random.int(0, 30_000), false);
  for (let at = start; at < to - 60 * MINUTE; at += 10 * MINUTE) backup(at, 6 + random.int(0, 3));
  for (let at = start; at < to - 2 * MINUTE; at += 2 * MINUTE)
    order(at + random.int(0, 60_000), false);
  for (let at = start; at < to - 2 * MINUTE; at += 2 * MINUTE)
    exportRun(at + random.int(0, 60_000), false);
  const stuckIds = [0, 1, 2].map((index) => exportRun(to - (30 - 2 * index) * MINUTE, true));
  const stuckOrderIds = [0, 1, 2].map((index) => order(to - (35 - 2 * index) * MINUTE, true));
  const stuckUploadIds = [0, 1, 2].map((index) => upload(to - (40 - 2 * index) * MINUTE, true));
  const hungBackupId = backup(to - 40 * MINUTE, null);
  const runningBackupId = backup(to - 12 * MINUTE, null);
  events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  assignPatterns(events);
  return {
    from: new Date(to - 60 * MINUTE),
    to: new Date(to),
    events,
    stuckIds,
    stuckOrderIds,
    stuckUploadIds,
    runningBackupId,
    hungBackupId,
  };
}
