import type { DebugEventRecord } from '../../src/common/debug-event.js';
import type { ComponentRef } from '../../src/database/entities/debug-insight.entity.js';
import { assignPatterns, componentRef as c, Random, scenarioEvent } from './scenario-generator.js';

const MINUTE = 60_000;

/**
 * Flows whose markers do not tell the whole story, as teams write them:
 *
 * - checkout saga, one every 90 s over 4 hours (3 of history and the scope, the last hour):
 *   `SubmitOrder` "Order N submitted" → `CheckoutSaga` "Checkout saga started for ORD-N" →
 *   `ReserveStock` → `ScoreRisk` → `AuthorizePayment` "Sending authorization request…", then
 *   either "Authorization approved" → `PostLedgerEntry` → "Checkout saga completed for ORD-N in
 *   X s", or, for 1 in 16, "Authorization refused for ORD-N: Do not honor" → `ReleaseStock` →
 *   "Checkout saga compensated for ORD-N: payment refused by issuer": a normal end that no
 *   convention marks (three of them in the scope, quiet for 20 minutes and more).
 *   Incidents: 3 sagas hang after the authorization request, 5 skip the fraud check.
 *   Beside them, a search API's requests, one event each with its own correlation id, one
 *   every 5 s in the history and 4,000 in the scope: far more chains than the sagas.
 * - rides, one every 5 minutes: "POST /v1/trips 201" → 2–3 minutes later the driver's pickup
 *   and `trip.start` (a start marker in a later minute than the chain's first event) → 6 to 9
 *   quiet minutes of riding → dropoff and `trip.complete` "… completed: 3.2 km". In the scope a
 *   ride is on the road for 12 minutes (as rides are: not stuck) and one has hung for 40.
 * - document pipeline (`newStore`: the window covers all of the store, nothing before it): one a
 *   minute over 3 hours, "received upload F" → "starting OCR on P page(s)" (a start marker) →
 *   "ocr done pages=P" → "label=contract" → "indexed doc-N into shard S": no end marker, ever.
 *   Incident: 4 documents hang after "starting OCR" in the last hour.
 */
export const SAGA_COMPONENTS = {
  checkout: c('checkout-api', 'checkout-1'),
  orchestrator: c('payment-orchestrator', 'orchestrator-1'),
  inventory: c('inventory', 'inventory-1'),
  fraud: c('fraud-scorer', 'fraud-1'),
  psp: c('psp-adapter', 'psp-1'),
  ledger: c('ledger', 'ledger-1'),
  search: c('search-api', 'search-1'),
  riders: c('rider-api', 'rider-1'),
  trips: c('trip-orchestrator', 'trips-1'),
  drivers: c('driver-api', 'driver-1'),
};
export const DOCUMENT_COMPONENTS = {
  gateway: c('ingest-gateway', 'gateway-1'),
  ocr: c('ocr-worker', 'ocr-2'),
  classifier: c('doc-classifier', 'classifier-1'),
  indexer: c('doc-indexer', 'indexer-1'),
};

export interface SagaScenario {
  from: Date;
  to: Date;
  events: DebugEventRecord[];
  hungIds: string[];
  unscoredIds: string[];
  compensatedIds: string[];
  /** The ride on the road for 12 minutes and the one hung for 40. */
  ridingId: string;
  hungRideId: string;
}

export interface DocumentScenario {
  from: Date;
  to: Date;
  events: DebugEventRecord[];
  hungIds: string[];
}

type Step = [component: ComponentRef, operation: string, message: string, level?: string];

function writer(to: number, seed: number) {
  const random = new Random(seed);
  const events: DebugEventRecord[] = [];
  const write = (id: string, at: number, steps: readonly Step[], gapMs: number) => {
    let t = at;
    for (const [component, operation, message, level] of steps) {
      events.push(
        scenarioEvent(
          { component, operation, message, level, correlationId: id },
          new Date(Math.min(Math.round(t), to - 1)),
        ),
      );
      t += random.duration(gapMs, 0.5);
    }
  };
  const done = () => {
    events.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
    assignPatterns(events);
    return events;
  };
  return { random, write, done };
}

export function sagaScenario(options: { now: Date; seed: number }): SagaScenario {
  const to = Math.floor(options.now.getTime() / MINUTE) * MINUTE;
  const start = to - 4 * 60 * MINUTE;
  const { random, write, done } = writer(to, options.seed);
  const S = SAGA_COMPONENTS;
  let sagas = 0;
  const saga = (at: number, ending: 'completed' | 'refused' | 'hung' | 'unscored') => {
    const n = 100_000 + ++sagas;
    const id = `ORD-${n}`;
    const items = random.int(1, 6);
    const steps: Step[] = [
      [S.checkout, 'SubmitOrder', `Order ${id} submitted: ${items} line item(s)`],
      [S.orchestrator, 'CheckoutSaga', `Checkout saga started for ${id}`],
      [S.inventory, 'ReserveStock', `Reserved ${items} item(s) for ${id} in warehouse FRA-2`],
    ];
    if (ending !== 'unscored')
      steps.push([
        S.fraud,
        'ScoreRisk',
        `Risk score 0.${random.int(10, 40)} for ${id} (rules=14) -> allow`,
      ]);
    steps.push([
      S.psp,
      'AuthorizePayment',
      `Sending authorization request for ${id} (${random.int(10, 300)}.00 EUR)`,
    ]);
    if (ending === 'refused')
      steps.push(
        [S.psp, 'AuthorizePayment', `Authorization refused for ${id}: Do not honor`, 'warning'],
        [S.inventory, 'ReleaseStock', `Released ${items} item(s) reserved for ${id}`],
        [
          S.orchestrator,
          'CheckoutSaga',
          `Checkout saga compensated for ${id}: payment refused by issuer`,
        ],
      );
    else if (ending !== 'hung')
      steps.push(
        [S.psp, 'AuthorizePayment', `Authorization approved for ${id}`],
        [S.ledger, 'PostLedgerEntry', `Posted ledger entry for ${id}`],
        [
          S.orchestrator,
          'CheckoutSaga',
          `Checkout saga completed for ${id} in ${random.int(2, 5)}.${random.int(0, 9)} s`,
        ],
      );
    write(id, at, steps, 400);
    return id;
  };
  for (let at = start, i = 0; at < to - 60 * MINUTE; at += 90_000, i++)
    saga(at + random.int(0, 30_000), i % 16 === 5 ? 'refused' : 'completed');
  // the scope: completed sagas, three refused, three hung and five that skipped the fraud check
  for (let at = to - 60 * MINUTE; at < to - 3 * MINUTE; at += 90_000)
    saga(at + random.int(0, 30_000), 'completed');
  const compensatedIds = [45, 32, 20].map((ago) => saga(to - ago * MINUTE, 'refused'));
  const hungIds = [38, 30, 24].map((ago) => saga(to - ago * MINUTE, 'hung'));
  const unscoredIds = [55, 44, 33, 22, 11].map((ago) => saga(to - ago * MINUTE, 'unscored'));
  let rides = 0;
  /** A ride; `quietMinutes` on the road (null: still riding, or hung, at the scope's end). */
  const ride = (at: number, quietMinutes: number | null) => {
    const id = `trip-${(++rides).toString(16).padStart(5, '0')}`;
    const write1 = (step: Step, time: number) => write(id, time, [step], 0);
    write1(
      [S.riders, 'POST /v1/trips', `POST /v1/trips 201 rider=r-${random.int(1000, 9999)}`],
      at,
    );
    const pickup = at + random.int(120, 180) * 1000;
    write1([S.drivers, 'trip.pickup', `driver reported pickup for ${id}`], pickup);
    write1([S.trips, 'trip.start', `${id} in progress, rider on board`], pickup + 40);
    if (quietMinutes === null) return id;
    const dropoff = pickup + quietMinutes * MINUTE;
    write1([S.drivers, 'trip.dropoff', `driver reported dropoff for ${id}`], dropoff);
    write1(
      [S.trips, 'trip.complete', `${id} completed: ${random.int(1, 9)}.${random.int(0, 9)} km`],
      dropoff + 50,
    );
    return id;
  };
  for (let at = start; at < to - 60 * MINUTE; at += 5 * MINUTE) ride(at, 6 + random.int(0, 3));
  const hungRideId = ride(to - 43 * MINUTE, null);
  const ridingId = ride(to - 15 * MINUTE, null);
  let requests = 0;
  const request = (at: number) =>
    write(
      `req-${(++requests).toString(16)}`,
      at,
      [[S.search, 'GET /v2/search', `GET /v2/search?q=drill 200 ${random.int(20, 60)}ms`]],
      0,
    );
  for (let at = start; at < to - 60 * MINUTE; at += 5_000) request(at);
  for (let i = 0; i < 4_000; i++) request(to - 60 * MINUTE + i * 900);
  return {
    from: new Date(to - 60 * MINUTE),
    to: new Date(to),
    events: done(),
    hungIds,
    unscoredIds,
    compensatedIds,
    ridingId,
    hungRideId,
  };
}

export function documentScenario(options: { now: Date; seed: number }): DocumentScenario {
  const to = Math.floor(options.now.getTime() / MINUTE) * MINUTE;
  const start = to - 3 * 60 * MINUTE;
  const { random, write, done } = writer(to, options.seed);
  const D = DOCUMENT_COMPONENTS;
  let documents = 0;
  const document = (at: number, hang: boolean) => {
    const id = `doc-${(++documents).toString(16).padStart(6, '0')}`;
    const pages = random.int(2, 60);
    const steps: Step[] = [
      [D.gateway, 'upload.receive', `received upload contract_${random.int(1000, 9999)}.pdf`],
      [D.ocr, 'ocr.extract', `starting OCR on ${pages} page(s)`],
    ];
    if (!hang)
      steps.push(
        [D.ocr, 'ocr.extract', `ocr done pages=${pages} chars=${pages * random.int(1500, 2500)}`],
        [D.classifier, 'doc.classify', `label=contract p=0.${random.int(80, 99)}`],
        [D.indexer, 'index.write', `indexed ${id} into shard ${random.int(1, 8)}`],
      );
    write(id, at, steps, 2_000);
    return id;
  };
  for (let at = start; at < to - 2 * MINUTE; at += MINUTE)
    document(at + random.int(0, 30_000), false);
  const hungIds = [48, 37, 29, 22].map((ago) => document(to - ago * MINUTE, true));
  // the window covers all of the store: there is no history before it
  return { from: new Date(start), to: new Date(to), events: done(), hungIds };
}
