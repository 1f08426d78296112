import {
  type ChainEventRow,
  type ChainSummaryRow,
  type KindEnds,
  kindEndsOf,
} from '../insight-aggregates.repository.js';
import {
  detectFlows,
  kindsWithoutEnds,
  propagationOf,
  propagationsOf,
  stuckSeverity,
  stuckAfterFor,
} from './flow.analyzer.js';
import { recoveryKey } from '../recovery-key.js';

const to = new Date('2026-01-01T12:00:00Z');
const scope = { from: new Date(to.getTime() - 3_600_000), to };
const stuckBefore = new Date(to.getTime() - 300_000);

function error(
  correlationId: string,
  component: string,
  offsetMs: number,
  id = `${correlationId}-${component}`,
): ChainEventRow {
  const [component_type, component_id] = component.split('/');
  return {
    id,
    timestamp: new Date(to.getTime() - 600_000 + offsetMs),
    eventType: 'error',
    level: 'error',
    component: { component_type, component_id },
    operation: `${component_type}-op`,
    durationMs: null,
    parentEventId: null,
    message: `${component_type} failed`,
    patternId: `pattern-${component_type}`,
    phase: null,
    correlationId,
  };
}

function chain(correlationId: string, overrides: Partial<ChainSummaryRow> = {}): ChainSummaryRow {
  return {
    correlationId,
    startedAt: new Date(to.getTime() - 1_800_000),
    lastAt: new Date(to.getTime() - 1_700_000),
    events: 4,
    hasStart: true,
    hasEnd: true,
    errors: 0,
    ...overrides,
  };
}

describe('flow analyzer', () => {
  it('names the earliest error as the root cause, whatever order rows come in', () => {
    const propagation = propagationOf([
      error('c', 'api/a', 9),
      error('c', 'db/d', 0),
      error('c', 'svc/s', 4),
      error('c', 'db/d', 12, 'again'),
    ])!;
    expect(propagation.root.component).toEqual({ component_type: 'db', component_id: 'd' });
    expect(propagation.path.map((step) => step.component.component_type)).toEqual([
      'db',
      'svc',
      'api',
    ]);
  });

  it('orders errors by their parent links when clocks a few seconds apart invert their timestamps', () => {
    // the db fails; pay (clock 2 s slow) and api (clock 1 s fast) fail within milliseconds after it
    const db = error('c', 'db/d', 2000);
    const pay = { ...error('c', 'pay/p', -1993), parentEventId: db.id };
    const api = { ...error('c', 'api/a', 1009), parentEventId: pay.id };
    const propagation = propagationOf([api, pay, db])!;
    expect(propagation.root.id).toBe(db.id);
    expect(propagation.path.map((step) => step.component.component_type)).toEqual([
      'db',
      'pay',
      'api',
    ]);
    // without links the timestamps decide, and with a skew larger than the gap they are wrong
    const unlinked = propagationOf([
      { ...api, parentEventId: null },
      { ...pay, parentEventId: null },
      db,
    ])!;
    expect(unlinked.root.component.component_type).toBe('pay');
  });

  it('puts a callee before the failed span that called it: a span fails at its end', () => {
    // OTel: the gateway's root span started first and failed last; its child span in payments
    // failed inside it, with an exception event recorded in that span.
    const span = (component: string, offsetMs: number, durationMs: number) => ({
      ...error('t', component, offsetMs),
      eventType: 'trace',
      durationMs,
    });
    const gateway = span('gateway/g', 0, 40);
    const payments = { ...span('payments/p', 5, 20), parentEventId: gateway.id };
    const exception = { ...error('t', 'payments/p', 20, 't-exc'), parentEventId: payments.id };
    const propagation = propagationOf([gateway, payments, exception])!;
    expect(propagation.root.id).toBe(exception.id);
    expect(propagation.path.map((step) => step.component.component_type)).toEqual([
      'payments',
      'gateway',
    ]);
  });

  it('gives each episode of errors in a long chain its own root: an error handled minutes before is not the cause', () => {
    // a charging session: a card declined at 0 s (handled), 8 minutes later the db pool fails
    // and the error reaches the api and the gateway within a second
    const declined = error('s', 'payments/p', 0);
    const db = error('s', 'db/d', 480_000);
    const api = error('s', 'api/a', 480_300);
    const gateway = error('s', 'gateway/g', 480_700);
    const episodes = propagationsOf([gateway, declined, api, db]);
    expect(episodes.map((episode) => episode.root.component.component_type)).toEqual([
      'payments',
      'db',
    ]);
    expect(episodes[1].path.map((step) => step.component.component_type)).toEqual([
      'db',
      'api',
      'gateway',
    ]);
    // three sessions like it: one propagation rooted in the db, the declines are failed steps
    const chains = ['s1', 's2', 's3'].map((id) => chain(id, { errors: 4 }));
    const drafts = detectFlows({
      scope,
      now: to,
      chains,
      errors: chains.flatMap(({ correlationId: id }) => [
        error(id, 'payments/p', 0),
        error(id, 'db/d', 480_000),
        error(id, 'api/a', 480_300),
        error(id, 'gateway/g', 480_700),
      ]),
      lastEvents: [],
      stuckBefore,
    });
    const propagation = drafts.filter((draft) => draft.kind === 'error_propagation');
    expect(propagation).toHaveLength(1);
    expect(propagation[0].evidence).toMatchObject({
      chains: 3,
      root_cause: { component: { component_type: 'db', component_id: 'd' } },
    });
    expect(drafts.find((draft) => draft.kind !== 'error_propagation')?.affected).toEqual([
      { component_type: 'payments', component_id: 'p' },
    ]);
  });

  it('keeps errors linked by their parent events in one episode, however far apart', () => {
    // a span that failed at its end, 5 minutes after its callee's error (a long timeout)
    const callee = error('t', 'worker/w', 0);
    const caller = {
      ...error('t', 'scheduler/s', 300_000),
      eventType: 'trace',
      durationMs: 300_500,
    };
    const episodes = propagationsOf([{ ...callee, parentEventId: caller.id }, caller]);
    expect(episodes).toHaveLength(1);
    expect(episodes[0].root.component.component_type).toBe('worker');
    // and a same-root second episode of one chain counts the chain once
    const again = propagationsOf([
      error('r', 'db/d', 0, 'r-1'),
      error('r', 'api/a', 10, 'r-2'),
      error('r', 'db/d', 600_000, 'r-3'),
      error('r', 'api/a', 600_010, 'r-4'),
    ]);
    expect(again).toHaveLength(2);
    const [draft] = detectFlows({
      scope,
      now: to,
      chains: [chain('r', { errors: 4 })],
      errors: [
        error('r', 'db/d', 0, 'r-1'),
        error('r', 'api/a', 10, 'r-2'),
        error('r', 'db/d', 600_000, 'r-3'),
        error('r', 'api/a', 600_010, 'r-4'),
      ],
      lastEvents: [],
      stuckBefore,
    });
    expect(draft.evidence).toMatchObject({ chains: 1 });
  });

  it('does not blame a call its caller went on after: a retried card-vault 503 before a fraud timeout', () => {
    // OTel: gateway → payments (span) → card-vault call (failed at 100 ms, retried) and then the
    // fraud call (failed at 2.1 s) → fraud-scoring → its redis call timed out (2 s)
    const span = (component: string, id: string, endMs: number, parent: string | null) => ({
      ...error('t', component, endMs, id),
      eventType: 'trace',
      durationMs: 50,
      parentEventId: parent,
    });
    const gateway = span('gateway/g', 'gw', 2300, null);
    const payments = span('payments/p', 'pay', 2250, 'gw');
    const vault = span('payments/p', 'vault-call', 100, 'pay');
    const vaultServer = span('card-vault/v', 'vault', 90, 'vault-call');
    const fraudCall = span('payments/p', 'fraud-call', 2150, 'pay');
    const fraud = span('fraud/f', 'fraud', 2120, 'fraud-call');
    const redis = span('fraud/f', 'redis', 2100, 'fraud');
    const own = { ...error('t', 'payments/p', 2200, 'pay-exception'), parentEventId: 'pay' };
    const [propagation] = propagationsOf([
      gateway,
      payments,
      vault,
      vaultServer,
      fraudCall,
      fraud,
      redis,
      own,
    ]);
    expect(propagation.root.id).toBe('redis');
    expect(propagation.path.map((step) => step.component.component_type)).toEqual([
      'fraud',
      'payments',
      'gateway',
    ]);
    // the parent's own exception is no call: a failed call before it stays the cause
    const [single] = propagationsOf([gateway, payments, fraudCall, fraud, redis, own]);
    expect(single.root.id).toBe('redis');
  });

  it('does not blame a failure under a span that then ended well (handled), nor its exception', () => {
    // payments' span retried its detokenize call and succeeded; notifications failed later
    const call = {
      ...error('t', 'payments/p', 0, 'detokenize'),
      eventType: 'trace',
      durationMs: 20,
      parentEventId: 'pay-span',
    };
    const exception = {
      ...error('t', 'payments/p', 10, 'detokenize-exc'),
      parentEventId: 'detokenize',
    };
    const notify = error('t', 'notifications/n', 30_000, 'render');
    const [propagation] = propagationsOf([call, exception, notify], new Set(['pay-span']));
    expect(propagation.root.id).toBe('render');
    expect(propagation.path.map((step) => step.component.component_type)).toEqual([
      'notifications',
    ]);
    // without the parent's success it is the earliest error, as before
    expect(propagationsOf([call, exception, notify])[0].root.id).toBe('detokenize-exc');
  });

  it('does not blame a failure its component recovered from: the same operation later went well', () => {
    // the ledger writer deadlocked twice, retried and committed; the run finished
    const first = error('run', 'ledger/l1', 0, 'deadlock-1');
    const second = error('run', 'ledger/l1', 2_000, 'deadlock-2');
    const committed = to.getTime() - 600_000 + 5_000;
    const good = new Map([[recoveryKey('run', first.component, first.operation), committed]]);
    expect(propagationsOf([first, second], new Set(), good)).toEqual([]);
    // the retry failed again after the last success: not recovered
    const third = error('run', 'ledger/l1', 9_000, 'deadlock-3');
    expect(propagationsOf([first, second, third], new Set(), good)[0].root.id).toBe('deadlock-1');
    // another operation of the component going well says nothing about this one
    const other = new Map([[recoveryKey('run', first.component, 'ledger-report'), committed]]);
    expect(propagationsOf([first], new Set(), other)).toHaveLength(1);
    // an exception without an operation (a Sentry SDK's): recovered when the component's latest
    // event in the chain went well
    const exception = { ...error('run', 'payments/p1', 0, 'econnreset'), operation: null };
    const afterwards = new Map([[recoveryKey('run', exception.component, '*'), committed]]);
    expect(propagationsOf([exception], new Set(), afterwards)).toEqual([]);
    expect(propagationsOf([exception])).toHaveLength(1);
    // a failure that reached another component propagated: the caller's "checkout finished"
    // after its 502 recovers nothing
    const ledger = error('run', 'ledger/l1', 0, 'locked');
    const gateway = error('run', 'gateway/g1', 500, 'bad-gateway');
    const finished = new Map([
      [recoveryKey('run', gateway.component, gateway.operation), committed],
    ]);
    expect(
      propagationsOf([ledger, gateway], new Set(), finished)[0].path.map(
        (step) => step.component.component_type,
      ),
    ).toEqual(['ledger', 'gateway']);
  });

  it('does not blame the first failing component when it recovered before any other failed', () => {
    // a supplier call failed once and its retry went through; a minute later the payment failed on its own
    const supplier = error('bkg', 'supplier/s1', 0, 'upstream-502');
    const payment = error('bkg', 'payments/p2', 60_000, 'psp-422');
    const booking = error('bkg', 'booking/b1', 60_200, 'booking-failed');
    const retried = to.getTime() - 600_000 + 3_000;
    const good = new Map([[recoveryKey('bkg', supplier.component, supplier.operation), retried]]);
    const [propagation] = propagationsOf([supplier, payment, booking], new Set(), good);
    expect(propagation.root.id).toBe('psp-422');
    expect(propagation.path.map((step) => step.component.component_type)).toEqual([
      'payments',
      'booking',
    ]);
    // went well only after the payment failed: the supplier's failure stands as the root
    const late = new Map([
      [recoveryKey('bkg', supplier.component, supplier.operation), retried + 120_000],
    ]);
    expect(propagationsOf([supplier, payment, booking], new Set(), late)[0].root.id).toBe(
      'upstream-502',
    );
  });

  it('rates stuck flows high when many, or when several are held far past their timeout', () => {
    const minute = 60_000;
    expect(stuckSeverity(Array(10).fill(3 * minute), 2 * minute)).toBe('high');
    // nine payouts hung 9 to 25 minutes where the next step normally follows within seconds
    const hung = [9, 11, 13, 15, 17, 19, 21, 23, 25].map((m) => m * minute);
    expect(stuckSeverity(hung, 2 * minute)).toBe('high');
    // the same nine just past a 5-minute timeout, or only four held long: medium
    expect(stuckSeverity(Array(9).fill(6 * minute), 5 * minute)).toBe('medium');
    expect(stuckSeverity(hung.slice(5), 2 * minute)).toBe('medium');
  });

  it('groups chains whose roots are replicas of one service into one propagation', () => {
    const chains = ['c1', 'c2', 'c3', 'c4'].map((id) => chain(id, { errors: 2 }));
    const errors = chains.flatMap((item, index) => [
      error(item.correlationId, `db/d${index % 2}`, 0),
      error(item.correlationId, `api/a${index % 2}`, 3),
    ]);
    const drafts = detectFlows({ scope, now: to, chains, errors, lastEvents: [], stuckBefore });
    expect(drafts).toHaveLength(1);
    expect(drafts[0].title).toMatch(
      /^Error propagated db → api; probable root cause in db \(2 instances\)/,
    );
    expect(drafts[0].evidence).toMatchObject({
      chains: 4,
      root_instances: [
        { component_type: 'db', component_id: 'd0' },
        { component_type: 'db', component_id: 'd1' },
      ],
    });
  });

  it('says every component type the grouped chains reached, with how many chains reached each', () => {
    const chains = ['c1', 'c2', 'c3', 'c4'].map((id) => chain(id, { errors: 2 }));
    const errors = chains.flatMap((item, index) => [
      error(item.correlationId, 'policy/p1', 0),
      error(item.correlationId, index < 3 ? 'payout/o1' : 'gateway/g1', 3),
    ]);
    const [draft] = detectFlows({ scope, now: to, chains, errors, lastEvents: [], stuckBefore });
    expect(draft.title).toMatch(
      /^Error propagated policy\/p1 → payout\/o1 \(and to gateway\); probable root cause/,
    );
    expect(draft.summary).toContain(
      'errors then reached payout (3 chain(s)), gateway (1 chain(s))',
    );
    expect(draft.evidence.reached).toEqual([
      { component_type: 'payout', chains: 3 },
      { component_type: 'gateway', chains: 1 },
    ]);
  });

  it('takes a failure as recovered when its operation went well on another instance (a redelivery)', () => {
    const failed = error('m', 'ocr/ocr-1', 0, 'ocr-137');
    const redelivered = to.getTime() - 600_000 + 30_000;
    const elsewhere = new Map([
      [
        recoveryKey('m', { component_type: 'ocr', component_id: '*' }, failed.operation),
        redelivered,
      ],
    ]);
    expect(propagationsOf([failed], new Set(), elsewhere)).toEqual([]);
    expect(propagationsOf([failed])).toHaveLength(1);
  });

  it('survives a cycle of parent links (bad data) and keeps every error once', () => {
    const first = { ...error('c', 'db/d', 0), parentEventId: 'c-api/a' };
    const second = { ...error('c', 'api/a', 5), parentEventId: first.id };
    const propagation = propagationOf([first, second])!;
    expect(propagation.path).toHaveLength(2);
  });

  it('groups chains with the same root into one propagation insight', () => {
    const chains = ['c1', 'c2', 'c3'].map((id) => chain(id, { errors: 3 }));
    const errors = chains.flatMap((item) => [
      error(item.correlationId, 'db/d', 0),
      error(item.correlationId, 'svc/s', 3),
      error(item.correlationId, 'api/a', 6),
    ]);
    const drafts = detectFlows({ scope, now: to, chains, errors, lastEvents: [], stuckBefore });
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({ type: 'flow', kind: 'error_propagation', severity: 'high' });
    expect(drafts[0].evidence).toMatchObject({
      chains: 3,
      root_cause: { component: { component_type: 'db', component_id: 'd' } },
    });
    expect(drafts[0].affected.map((component) => component.component_type)).toEqual([
      'db',
      'svc',
      'api',
    ]);
  });

  it('reports a propagation seen in one or two chains at low severity', () => {
    const propagated = (ids: string[]) => {
      const chains = ids.map((id) => chain(id, { errors: 3 }));
      const errors = chains.flatMap((item) => [
        error(item.correlationId, 'db/d', 0),
        error(item.correlationId, 'svc/s', 3),
        error(item.correlationId, 'api/a', 6),
      ]);
      return detectFlows({ scope, now: to, chains, errors, lastEvents: [], stuckBefore });
    };
    expect(propagated(['c1']).map((draft) => [draft.kind, draft.severity])).toEqual([
      ['error_propagation', 'low'],
    ]);
    expect(propagated(['c1', 'c2']).map((draft) => draft.severity)).toEqual(['low']);
    expect(propagated(['c1', 'c2', 'c3']).map((draft) => draft.severity)).toEqual(['high']);
  });

  it('reports an error confined to one component as a low-severity failed step', () => {
    const drafts = detectFlows({
      scope,
      now: to,
      chains: [chain('c1', { errors: 1 })],
      errors: [error('c1', 'pay/p', 0)],
      lastEvents: [],
      stuckBefore,
    });
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({ kind: 'failed_step', severity: 'low' });
  });

  it('reports flows that started, never ended and went quiet past the timeout', () => {
    const stuck = ['s1', 's2'].map((id) => chain(id, { hasEnd: false }));
    const lastEvents = stuck.map((item) => ({
      ...error(item.correlationId, 'worker/w-2', 0),
      level: 'info',
      operation: 'render-page',
    }));
    const finished = chain('done');
    const recent = chain('recent', { hasEnd: false, lastAt: new Date(to.getTime() - 60_000) });
    const drafts = detectFlows({
      scope,
      now: to,
      chains: [...stuck, finished, recent],
      errors: [],
      lastEvents,
      stuckBefore,
    });
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      kind: 'stuck_flow',
      severity: 'medium',
      identity: ['worker', 'render-page'],
    });
    expect(drafts[0].evidence.chains).toBe(2);
  });

  it('groups stuck chains whose last step has no operation by its message pattern, not its text', () => {
    const stuck = ['m1', 'm2', 'm3'].map((id) => chain(id, { hasEnd: false }));
    const lastEvents = stuck.map((item, index) => ({
      ...error(item.correlationId, 'mailer/mail-1', 0),
      level: 'info',
      operation: null,
      patternId: 'p-queued',
      message: `newsletter ${index} batch 4 queued`,
    }));
    const drafts = detectFlows({
      scope,
      now: to,
      chains: stuck,
      errors: [],
      lastEvents,
      stuckBefore,
    });
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({ kind: 'stuck_flow', identity: ['mailer', 'p-queued'] });
    expect(drafts[0].evidence.chains).toBe(3);
  });

  it("says how often earlier chains of the stuck chains' kind ended with an end marker", () => {
    const stuck = ['k1', 'k2'].map((id) => chain(id, { hasEnd: false }));
    const lastEvents = stuck.map((item) => ({
      ...error(item.correlationId, 'exporter/e-1', 0),
      level: 'info',
      operation: 'render-page',
    }));
    const [draft] = detectFlows({
      scope,
      now: to,
      chains: stuck,
      errors: [],
      lastEvents,
      stuckBefore,
      kindOf: new Map(stuck.map((item) => [item.correlationId, 'exporter'])),
      kindEnds: new Map([['exporter', { started: 40, ended: 39, quietMs: null }]]),
    });
    expect(draft.evidence).toMatchObject({
      flow_kind: 'exporter',
      earlier_chains_of_kind: { started: 40, ended: 39 },
    });
    expect(draft.summary).toContain(
      'Of 40 earlier chains of kind "exporter" that started, 39 ended',
    );
  });
});

describe('how long a chain of a kind may be quiet', () => {
  const MINUTE = 60_000;
  const ends = (quietMs: number | null): KindEnds => ({ started: 40, ended: 40, quietMs });

  it('is 5 minutes, or twice the p99 of the longest quiet gap of the kind’s ended chains when that is longer', () => {
    expect(stuckAfterFor(undefined)).toBe(5 * MINUTE);
    expect(stuckAfterFor(ends(null))).toBe(5 * MINUTE);
    expect(stuckAfterFor(ends(MINUTE))).toBe(5 * MINUTE);
    expect(stuckAfterFor(ends(20 * MINUTE))).toBe(40 * MINUTE);
  });

  it('reads the p99 from the ended chains only, and none from fewer than 10', () => {
    const rows = [
      // a nightly job: 100 runs that ended, quiet 1..100 s at most; 5 that never ended, quiet for hours
      ...Array.from({ length: 100 }, (_, i) => ({
        kind: 'backup',
        has_end: 1,
        longest_gap: (i + 1) * 1000,
      })),
      ...Array.from({ length: 5 }, () => ({ kind: 'backup', has_end: 0, longest_gap: 7_200_000 })),
      ...Array.from({ length: 9 }, () => ({ kind: 'report', has_end: 1, longest_gap: 600_000 })),
      { kind: 'report', has_end: 1, longest_gap: null }, // one event: no gap
    ];
    const kinds = kindEndsOf(rows);
    expect(kinds.get('backup')).toEqual({ started: 105, ended: 100, quietMs: 99_000 });
    expect(kinds.get('report')).toEqual({ started: 10, ended: 10, quietMs: 600_000 });
    expect(kindEndsOf(rows.slice(0, 9)).get('backup')!.quietMs).toBeNull();
  });

  it('holds a long job that is quiet as its kind normally is, and reports one quiet longer, with its timeout', () => {
    const kindEnds = new Map([['backup', ends(20 * MINUTE)]]);
    const quietFor = (id: string, minutes: number) =>
      chain(id, { hasEnd: false, lastAt: new Date(to.getTime() - minutes * MINUTE) });
    const chains = [quietFor('running', 30), quietFor('hung', 50)];
    const drafts = detectFlows({
      scope,
      now: to,
      chains,
      errors: [],
      lastEvents: chains.map((item) => ({
        ...error(item.correlationId, 'backup-agent/b-1', 0),
        level: 'info',
        operation: 'copy-volume',
      })),
      stuckBefore,
      kindOf: new Map(chains.map((item) => [item.correlationId, 'backup'])),
      kindEnds,
    });
    expect(drafts).toHaveLength(1);
    expect(drafts[0].evidence).toMatchObject({
      chains: 1,
      timeout_ms: 40 * MINUTE,
      earlier_chains_of_kind: { started: 40, ended: 40, longest_quiet_ms: 20 * MINUTE },
    });
    expect((drafts[0].evidence.examples as { correlation_id: string }[])[0].correlation_id).toBe(
      'hung',
    );
    expect(drafts[0].summary).toContain('nothing for over 40 min');
  });
});

describe('kinds whose start markers promise no end marker', () => {
  const rule = { minStarted: 10, minEndedFraction: 0.5 };

  it('are those whose earlier started chains mostly went quiet without an end marker', () => {
    const kinds = kindsWithoutEnds(
      new Map([
        ['uploader', { started: 120, ended: 3, quietMs: null }], // ends some other way ("upload stored")
        ['exporter', { started: 120, ended: 118, quietMs: 2_000 }], // keeps its promise: its stuck chains are stuck
        ['importer', { started: 20, ended: 10, quietMs: 2_000 }], // half ended: still promised
        ['mailer', { started: 9, ended: 0, quietMs: null }], // too few earlier chains to say
      ]),
      rule,
    );
    expect([...kinds]).toEqual(['uploader']);
  });

  it('are none without earlier chains', () => {
    expect(kindsWithoutEnds(new Map(), rule).size).toBe(0);
  });
});
