import { PatternStatsService } from '../../patterns/pattern-stats.service.js';
import { InsightSettings } from '../insight-settings.js';
import { judgeLearnedFlows } from './flow.analyzer.js';
import {
  type FlowChain,
  judgeChains,
  kindOfChain,
  labelOfEvent,
  learnShapes,
  percentileOf,
  type ShapeEvent,
  stopIndex,
} from './flow-shapes.js';

const settings = InsightSettings.flow.learned;
const maskValues = (message: string) => PatternStatsService.prototype.maskValues(message);
const to = new Date('2026-01-01T12:00:00Z');
const T = to.getTime();
const MINUTE = 60_000;

type Step = [type: string, operation: string, gapBeforeMs: number];

/** A chain of log steps starting at `at`, each `gapBeforeMs` after the previous one. */
function chain(id: string, at: number, steps: readonly Step[]): FlowChain {
  let t = at;
  const events = steps.map(([type, operation, gap], index): ShapeEvent => {
    t += gap;
    return {
      id: `${id}-${index}`,
      at: t,
      startedAt: t,
      position: index + 1,
      component: { component_type: type, component_id: `${type}-1` },
      operation,
      patternId: null,
      message: `${operation} for ${id}`,
      span: false,
    };
  });
  return { correlationId: id, events };
}

/** Orders: pick → pack → (label) → ship, gaps of 20–40 s varying chain by chain. */
function order(id: string, at: number, options: { skipLabel?: boolean; stopAfter?: number } = {}) {
  const n = Number(id.replace(/\D/g, '')) || 0;
  const vary = (base: number) => base * (1 + ((n * 7) % 11) / 11);
  let steps: Step[] = [
    ['warehouse', 'pick', 0],
    ['warehouse', 'pack', vary(20_000)],
    ['labels', 'print-label', vary(5_000)],
    ['courier', 'ship', vary(20_000)],
  ];
  if (options.skipLabel) steps = steps.filter((step) => step[1] !== 'print-label');
  if (options.stopAfter) steps = steps.slice(0, options.stopAfter);
  return chain(id, at, steps);
}

const history = (
  count: number,
  make = (i: number) => order(`h${i}`, T - 3 * 3_600_000 + i * MINUTE),
) => Array.from({ length: count }, (_, i) => make(i));

describe('learnShapes', () => {
  it('learns per kind which steps end chains, the p99 gap after each step and what follows', () => {
    const shapes = learnShapes(history(100), settings, maskValues);
    const shape = shapes.get('warehouse pick')!;
    expect(shape.chains).toBe(100);
    const pack = shape.steps.get('warehouse\u0000pack')!;
    const ship = shape.steps.get('courier\u0000ship')!;
    expect(pack.endFraction).toBe(0);
    expect(ship.endFraction).toBe(1);
    expect(pack.p99GapMs).toBeGreaterThanOrEqual(5_000);
    expect(pack.p99GapMs).toBeLessThan(10_000);
    expect([...pack.next]).toEqual([['labels\u0000print-label', 100]]);
    expect(ship.p99GapMs).toBeNull();
  });

  it('keys a chain of spans by the service of its earliest span, with or without the root span', () => {
    const span = (id: string, type: string, operation: string, start: number, end: number) => ({
      id,
      at: end,
      startedAt: start,
      position: 0,
      component: { component_type: type, component_id: `${type}-1` },
      operation,
      patternId: null,
      message: operation,
      span: true,
    });
    const complete: FlowChain = {
      correlationId: 't1',
      events: [
        span('db', 'cart-api', 'SELECT', 5, 20),
        span('root', 'cart-api', 'GET /cart', 0, 30),
      ],
    };
    const open: FlowChain = {
      correlationId: 't2',
      events: [span('db', 'cart-api', 'SELECT', 5, 20)],
    };
    expect(kindOfChain(complete).kind).toBe('cart-api (trace)');
    expect(kindOfChain(open).kind).toBe('cart-api (trace)');
    // a service whose clock runs 8 s behind stamps its span before the root: the root decides
    const skewed: FlowChain = {
      correlationId: 't3',
      events: [
        span('archive', 'archiver', 'archive.bundle', -2_000, -1_900),
        { ...span('root', 'gateway', 'POST /claims', 0, 30), root: true },
      ],
    };
    expect(kindOfChain(skewed).kind).toBe('gateway (trace)');
  });

  it("names a step without an operation by its message with the values masked, not by one chain's ids", () => {
    const component = { component_type: 'payments', component_id: 'payments-2' };
    expect(
      labelOfEvent(
        {
          component,
          operation: null,
          message: 'charged order ord-5512 31.20 EUR (attempt 2)',
        },
        maskValues,
      ),
    ).toBe('payments "charged order <*> EUR (attempt <*>)"');
    expect(
      labelOfEvent(
        { component, operation: 'charge', message: 'charged order ord-5512' },
        maskValues,
      ),
    ).toBe('payments charge');
  });

  it('computes nearest-rank percentiles', () => {
    const values = Array.from({ length: 200 }, (_, i) => i + 1);
    expect(percentileOf(values, 0.99)).toBe(198);
    expect(percentileOf([7], 0.99)).toBe(7);
    expect(percentileOf([], 0.99)).toBeNull();
  });
});

describe('judgeChains', () => {
  const shapes = learnShapes(history(100), settings, maskValues);

  it('finds chains stopped at a step that rarely ends chains, idle past max(p99 gap × factor, floor)', () => {
    const stuck = [1, 2, 3].map((i) => order(`s${i}`, T - 30 * MINUTE, { stopAfter: 2 }));
    const recent = order('r1', T - 90_000, { stopAfter: 2 }); // idle < floor: still running
    const done = order('d1', T - 30 * MINUTE);
    const judgement = judgeChains([...stuck, recent, done], shapes, to, settings);
    expect(judgement.stuck).toHaveLength(1);
    const [group] = judgement.stuck;
    expect(group.shape.kind).toBe('warehouse pick');
    expect(group.step.step).toBe('warehouse\u0000pack');
    expect(group.usualNext!.label).toBe('labels print-label');
    expect(group.thresholdMs).toBe(settings.floorMs);
    expect(group.chains.map((item) => item.chain.correlationId).sort()).toEqual(['s1', 's2', 's3']);
    expect(judgement.broken).toEqual([]);
  });

  it('takes a chain that stopped after a refusal as ended, wherever the request that refused it closed', () => {
    // claims of four lines; 1 in 37 is refused at intake: the request span (one per line) ends
    // after the refusal is logged, so the refused chains stop at four different steps
    const lines = ['motor', 'travel', 'property', 'glass'];
    const claim = (id: string, at: number, line: string, ending: 'paid' | 'refused' | 'hung') => {
      const event = (
        index: number,
        type: string,
        operation: string | null,
        start: number,
        end: number,
        patternId: string | null = null,
      ): ShapeEvent => ({
        id: `${id}-${index}`,
        at: at + end,
        startedAt: at + start,
        position: index + 1,
        component: { component_type: type, component_id: `${type}-1` },
        operation,
        patternId,
        message: operation ?? `${patternId} ${id}`,
        span: true,
        root: index === 0,
      });
      const events = [
        event(0, 'gateway', `POST /claims/${line}`, 0, 9),
        event(1, 'gateway', null, 3, 3, 'received'),
      ];
      if (ending === 'refused') events.push(event(2, 'gateway', null, 7, 7, 'refused'));
      else {
        events.push(event(2, 'ocr', 'ocr.extract', 1_000, 3_000));
        if (ending === 'paid') events.push(event(3, 'payout', 'payout.transfer', 4_000, 4_500));
      }
      events.sort((a, b) => a.at - b.at);
      return { correlationId: id, events };
    };
    const learned = learnShapes(
      Array.from({ length: 240 }, (_, i) =>
        claim(
          `h${i}`,
          T - 3 * 3_600_000 + i * 30_000,
          lines[i % 4],
          i % 37 === 5 ? 'refused' : 'paid',
        ),
      ),
      settings,
      maskValues,
    );
    const judged = [
      claim('r1', T - 40 * MINUTE, 'travel', 'refused'),
      claim('r2', T - 30 * MINUTE, 'glass', 'refused'),
      claim('s1', T - 30 * MINUTE, 'motor', 'hung'),
    ];
    const { stuck } = judgeChains(judged, learned, to, settings);
    expect(stuck.flatMap((group) => group.chains.map((item) => item.chain.correlationId))).toEqual([
      's1',
    ]);
  });

  it('uses the learned gap when it is longer than the floor', () => {
    const slow = history(100, (i) =>
      chain(`slow${i}`, T - 3 * 3_600_000 + i * MINUTE, [
        ['batch', 'load', 0],
        ['batch', 'transform', 60_000 + (i % 10) * 30_000],
        ['batch', 'publish', 60_000],
      ]),
    );
    const slowShapes = learnShapes(slow, settings, maskValues);
    const p99 = slowShapes.get('batch load')!.steps.get('batch\u0000load')!.p99GapMs!;
    expect(p99).toBe(330_000);
    const waiting = chain('w1', T - 10 * MINUTE, [['batch', 'load', 0]]); // idle 10 min < 2 × 5.5 min
    const stuck = chain('w2', T - 12 * MINUTE, [['batch', 'load', 0]]); // idle 12 min > 11 min
    const judgement = judgeChains([waiting, stuck], slowShapes, to, settings);
    expect(
      judgement.stuck.flatMap((group) => group.chains.map((item) => item.chain.correlationId)),
    ).toEqual(['w2']);
    expect(judgement.stuck[0].thresholdMs).toBe(2 * p99);
  });

  it('does not learn that chains end at a step they were still waiting after', () => {
    // a delivery comes 20–45 min after the courier is assigned; history is the chains quiet 30
    // min and more, so the ones assigned 30–45 min ago, still waiting, are in it
    const delivery = (id: string, at: number, delivered: boolean) =>
      chain(id, at, [
        ['orders', 'create', 0],
        ['dispatch', 'assign', 10_000],
        ...(delivered
          ? [['orders', 'deliver', (20 + (Number(id.slice(1)) % 26)) * MINUTE] as Step]
          : []),
      ]);
    const past = Array.from({ length: 200 }, (_, i) => {
      const at = T - 6 * 3_600_000 + i * MINUTE;
      return delivery(`h${i}`, at, true);
    });
    const waiting = Array.from({ length: 60 }, (_, i) =>
      delivery(`w${i}`, T - 45 * MINUTE + i * 15_000, false),
    );
    const learned = learnShapes([...past, ...waiting], settings, maskValues, T);
    const assign = learned.get('orders create')!.steps.get('dispatch\u0000assign')!;
    expect(assign.endFraction).toBe(0);
    // without the time the history is read at, the waiting chains read as ended there
    const naive = learnShapes([...past, ...waiting], settings, maskValues);
    expect(
      naive.get('orders create')!.steps.get('dispatch\u0000assign')!.endFraction,
    ).toBeGreaterThan(0.2);
  });

  it('gives no judgement without enough history of the kind', () => {
    const few = learnShapes(history(settings.minChains - 1), settings, maskValues);
    const stuck = order('s1', T - 30 * MINUTE, { stopAfter: 2 });
    const judgement = judgeChains([stuck], few, to, settings);
    expect(judgement.stuck).toEqual([]);
    expect([...judgement.unjudged]).toEqual([['warehouse pick', 1]]);
  });

  it('reports chains that ended normally but skipped a step nearly every chain passes', () => {
    const normal = Array.from({ length: 50 }, (_, i) =>
      order(`n${i}`, T - 50 * MINUTE + i * 30_000),
    );
    const skipped = [1, 2, 3, 4, 5, 6].map((i) =>
      order(`b${i}`, T - 40 * MINUTE, { skipLabel: true }),
    );
    const judgement = judgeChains([...normal, ...skipped], shapes, to, settings);
    expect(judgement.stuck).toEqual([]);
    expect(judgement.broken).toHaveLength(1);
    const [broken] = judgement.broken;
    expect(broken.step.label).toBe('labels print-label');
    expect(broken.usualPrevious).toBe('warehouse pack');
    expect(broken.usualNext).toBe('courier ship');
    expect(broken.ended).toBe(56);
    expect(broken.chains).toHaveLength(6);
    expect(broken.presence).toBe(1);
    expect(broken.chance).toBeLessThan(settings.brokenMaxChance);
  });

  it('does not report a step skipped as often as before, an optional step, or a single skip', () => {
    // the label is skipped by 1 in 25 orders in the history and in the scope alike
    const usual = learnShapes(
      history(500, (i) =>
        order(`h${i}`, T - 3 * 3_600_000 + i * 20_000, { skipLabel: i % 25 === 0 }),
      ),
      settings,
      maskValues,
    );
    const scope = Array.from({ length: 100 }, (_, i) =>
      order(`n${i}`, T - 50 * MINUTE + i * 20_000, { skipLabel: i % 25 === 3 }),
    );
    expect(judgeChains(scope, usual, to, settings).broken).toEqual([]);
    // a step in 70% of the chains is not required at all
    const optional = learnShapes(
      history(100, (i) =>
        order(`h${i}`, T - 3 * 3_600_000 + i * MINUTE, { skipLabel: i % 10 < 3 }),
      ),
      settings,
      maskValues,
    );
    const skipping = [1, 2, 3, 4, 5, 6].map((i) =>
      order(`b${i}`, T - 40 * MINUTE, { skipLabel: true }),
    );
    expect(judgeChains(skipping, optional, to, settings).broken).toEqual([]);
    // one chain is not a pattern
    expect(
      judgeChains([order('b1', T - 40 * MINUTE, { skipLabel: true })], shapes, to, settings).broken,
    ).toEqual([]);
  });
});

describe('steps that come with a branch', () => {
  /** Shipments: pick → pack → (international: classify → screen → declare) → ship. */
  const shipment = (
    id: string,
    at: number,
    options: { abroad?: boolean; skipScreen?: boolean },
  ) => {
    const steps: Step[] = [
      ['warehouse', 'pick', 0],
      ['warehouse', 'pack', 20_000],
      ...(options.abroad
        ? ([
            ['customs', 'classify', 5_000],
            ['customs', 'screen-parties', 3_000],
            ['customs', 'declare', 4_000],
          ] as Step[])
        : []),
      ['courier', 'ship', 20_000],
    ];
    return chain(
      id,
      at,
      options.skipScreen ? steps.filter((step) => step[1] !== 'screen-parties') : steps,
    );
  };
  // a third of the shipments go abroad, every one of them screened
  const shapes = learnShapes(
    history(150, (i) => shipment(`h${i}`, T - 3 * 3_600_000 + i * MINUTE, { abroad: i % 3 === 0 })),
    settings,
    maskValues,
  );

  it('finds chains in a branch that skipped a step every chain of that branch passes', () => {
    const scope = [
      ...Array.from({ length: 30 }, (_, i) =>
        shipment(`n${i}`, T - 50 * MINUTE + i * 30_000, { abroad: i % 3 === 0 }),
      ),
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) =>
        shipment(`b${i}`, T - 40 * MINUTE + i * 10_000, { abroad: true, skipScreen: true }),
      ),
    ];
    const { broken } = judgeChains(scope, shapes, to, settings);
    expect(broken).toHaveLength(1);
    const [skipped] = broken;
    expect(skipped.step.label).toBe('customs screen-parties');
    expect(skipped.given?.label).toMatch(/^customs (classify|declare)$/);
    expect(skipped.chains.map((item) => item.correlationId).sort()).toEqual([
      'b1',
      'b2',
      'b3',
      'b4',
      'b5',
      'b6',
      'b7',
      'b8',
    ]);
    // the branch's chains: the 10 normal ones abroad and the 8 that skipped
    expect(skipped.ended).toBe(18);
    expect(skipped.presence).toBe(1);
    expect(skipped.chance).toBeLessThan(settings.brokenMaxChance);
  });

  it('reports a stage that logs two lines, skipped by the same chains, once', () => {
    // screening logs "screening 2 parties" and then "screening clear": both lines skipped
    const twoLines = (id: string, at: number, options: { abroad?: boolean; skip?: boolean }) => {
      const made = shipment(id, at, { abroad: options.abroad });
      const screen = made.events.findIndex((event) => event.operation === 'screen-parties');
      if (screen >= 0) {
        const clear = { ...made.events[screen], id: `${id}-clear`, operation: 'screen-clear' };
        made.events.splice(screen + 1, 0, { ...clear, at: clear.at + 200 });
        if (options.skip) made.events.splice(screen, 2);
      }
      return made;
    };
    const learned = learnShapes(
      history(150, (i) =>
        twoLines(`h${i}`, T - 3 * 3_600_000 + i * MINUTE, { abroad: i % 3 === 0 }),
      ),
      settings,
      maskValues,
    );
    const drafts = judgeLearnedFlows({
      scope: { from: new Date(T - 3_600_000), to },
      now: to,
      shapes: learned,
      judged: [
        ...Array.from({ length: 30 }, (_, i) =>
          twoLines(`n${i}`, T - 50 * MINUTE + i * 30_000, { abroad: i % 3 === 0 }),
        ),
        ...[1, 2, 3, 4, 5, 6].map((i) =>
          twoLines(`b${i}`, T - 40 * MINUTE + i * 10_000, { abroad: true, skip: true }),
        ),
      ],
    }).drafts;
    expect(drafts.map((draft) => draft.kind)).toEqual(['broken_flow']);
    const [draft] = drafts;
    expect(draft.title).toMatch(/^6 "warehouse pick" flow\(s\) skipped customs screen-/);
    expect(draft.evidence.also_skipped).toHaveLength(1);
    expect(draft.evidence.given_step).toMatchObject({
      operation: expect.stringMatching(/classify|declare/),
    });
    expect(draft.summary).toContain('The same chains also skipped customs screen-');
  });

  it('does not report the branch itself, taken or not, nor a branch step skipped as often as before', () => {
    const domestic = Array.from({ length: 30 }, (_, i) =>
      shipment(`d${i}`, T - 50 * MINUTE + i * 30_000, { abroad: i % 2 === 0 }),
    );
    expect(judgeChains(domestic, shapes, to, settings).broken).toEqual([]);
    // screening skipped by 1 in 5 shipments abroad, before and now
    const lax = learnShapes(
      history(150, (i) =>
        shipment(`h${i}`, T - 3 * 3_600_000 + i * MINUTE, {
          abroad: i % 3 === 0,
          skipScreen: i % 15 === 0,
        }),
      ),
      settings,
      maskValues,
    );
    const scope = Array.from({ length: 30 }, (_, i) =>
      shipment(`n${i}`, T - 50 * MINUTE + i * 30_000, { abroad: true, skipScreen: i % 5 === 0 }),
    );
    expect(judgeChains(scope, lax, to, settings).broken).toEqual([]);
  });
});

describe('clock skew between the hosts of a flow', () => {
  /**
   * Orders whose packing host's clock runs 50 s ahead in a third of them (a replica with a bad
   * clock): its pack event is stamped after the label and the courier steps that came after it.
   */
  const skewed = (id: string, at: number, options: { stopAfter?: number } = {}) => {
    const made = order(id, at, options);
    const n = Number(id.replace(/\D/g, '')) || 0;
    if (n % 3 === 0)
      made.events = made.events
        .map((event) => (event.operation === 'pack' ? { ...event, at: event.at + 50_000 } : event))
        .sort((a, b) => a.at - b.at);
    return made;
  };
  const shapes = learnShapes(
    history(99, (i) => skewed(`h${i}`, T - 3 * 3_600_000 + i * MINUTE)),
    settings,
    maskValues,
  );
  const shape = shapes.get('warehouse pick')!;

  it('learns the order most chains show and where each chain really ended', () => {
    expect(shape.follows.get('warehouse\u0000pack')).toEqual(
      new Set(['labels\u0000print-label', 'courier\u0000ship']),
    );
    // stamped last in a third of the chains, it still ends none of them
    expect(shape.steps.get('warehouse\u0000pack')!.endFraction).toBe(0);
    expect(shape.steps.get('courier\u0000ship')!.endFraction).toBe(1);
    const late = skewed('x3', T - 30 * MINUTE);
    expect(late.events[late.events.length - 1].operation).toBe('pack');
    expect(late.events[stopIndex(late.events, shape.follows)].operation).toBe('ship');
  });

  it('finds chains stuck at the step, and takes skewed complete chains as ended', () => {
    const stuck = [3, 6, 9].map((i) => skewed(`s${i}`, T - 30 * MINUTE, { stopAfter: 2 }));
    const done = [3, 4].map((i) => skewed(`d${i}`, T - 30 * MINUTE));
    const judgement = judgeChains([...stuck, ...done], shapes, to, settings);
    expect(judgement.stuck.map((group) => [group.step.step, group.chains.length])).toEqual([
      ['warehouse\u0000pack', 3],
    ]);
    expect(judgement.broken).toEqual([]);
  });
});

describe('judgeLearnedFlows', () => {
  it('names the kind, the step, what normally follows, how many chains and the numbers compared', () => {
    const drafts = judgeLearnedFlows({
      scope: { from: new Date(T - 3_600_000), to },
      now: to,
      shapes: learnShapes(history(100), settings, maskValues),
      judged: [1, 2, 3].map((i) => order(`s${i}`, T - 30 * MINUTE, { stopAfter: 2 })),
    }).drafts;
    expect(drafts).toHaveLength(1);
    const [draft] = drafts;
    expect(draft.kind).toBe('stuck_flow');
    expect(draft.title).toBe('3 "warehouse pick" flow(s) stuck after warehouse pack');
    expect(draft.summary).toContain('Normally next: labels print-label');
    expect(draft.evidence).toMatchObject({
      method: 'learned_shape',
      flow_kind: 'warehouse pick',
      chains: 3,
      end_fraction: 0,
      step_chains: 100,
      history_chains: 100,
      threshold_ms: settings.floorMs,
      usual_next: { step: 'labels print-label', share: 1 },
    });
    expect((draft.evidence.idle_ms as number) / MINUTE).toBeCloseTo(29.4, 0);
    expect(draft.factors.sample_size).toBeGreaterThan(0);
    expect(draft.factors.effect_size).toBeGreaterThan(0.9);
  });
});

describe('outcomes and markers', () => {
  type Outcome = [type: string, operation: string, pattern: string, gapBeforeMs: number];
  /** A chain whose events carry message patterns (what the miner gives every logged message). */
  const logged = (
    id: string,
    at: number,
    steps: readonly Outcome[],
    markers: { started?: boolean; ended?: boolean } = {},
  ): FlowChain => {
    const made = chain(
      id,
      at,
      steps.map(([type, operation, , gap]) => [type, operation, gap]),
    );
    made.events.forEach((event, index) => (event.patternId = steps[index][2]));
    return { ...made, ...markers };
  };

  /** A saga that logs its start and its end under one operation; 1 in 20 is refused and compensated. */
  const saga = (
    id: string,
    at: number,
    variant: 'done' | 'refused' | 'hung' | 'unscored' = 'done',
  ): FlowChain => {
    const start: Outcome[] = [
      ['checkout-api', 'SubmitOrder', 'submitted', 0],
      ['orchestrator', 'CheckoutSaga', 'saga-started', 50],
      ['inventory', 'ReserveStock', 'reserved', 40],
    ];
    const score: Outcome[] = [['fraud', 'ScoreRisk', 'scored', 30]];
    const request: Outcome = ['psp', 'AuthorizePayment', 'auth-requested', 30];
    if (variant === 'hung') return logged(id, at, [...start, ...score, request], { started: true });
    if (variant === 'refused')
      return logged(
        id,
        at,
        [
          ...start,
          ...score,
          request,
          ['psp', 'AuthorizePayment', 'auth-refused', 800],
          ['inventory', 'ReleaseStock', 'released', 40],
          ['orchestrator', 'CheckoutSaga', 'saga-compensated', 20],
        ],
        { started: true },
      );
    return logged(
      id,
      at,
      [
        ...start,
        ...(variant === 'unscored' ? [] : score),
        request,
        ['psp', 'AuthorizePayment', 'auth-approved', 800],
        ['ledger', 'PostEntry', 'posted', 40],
        ['orchestrator', 'CheckoutSaga', 'saga-completed', 20],
      ],
      { started: true, ended: true },
    );
  };
  const sagaHistory = learnShapes(
    Array.from({ length: 200 }, (_, i) =>
      saga(`h${i}`, T - 3 * 3_600_000 + i * 40_000, i % 20 === 7 ? 'refused' : 'done'),
    ),
    settings,
    maskValues,
  );

  it('learns where a wrapping operation really ends: its end, not its start', () => {
    const shape = sagaHistory.get('checkout-api SubmitOrder')!;
    const hung = saga('x1', T - 30 * MINUTE, 'hung');
    expect(hung.events[stopIndex(hung.events, shape.follows)].operation).toBe('AuthorizePayment');
    const refusals = shape.outcomes.get('psp\u0000AuthorizePayment\u0000auth-refused')!;
    expect(refusals.chains).toBe(10);
    expect(refusals.stops.get('orchestrator\u0000CheckoutSaga')).toBe(10);
  });

  it('takes a chain left open by its start marker as ended where its kind ends, and leaves a hung one to the conventions', () => {
    const judged = [
      saga('r1', T - 40 * MINUTE, 'refused'),
      saga('r2', T - 20 * MINUTE, 'refused'),
      saga('s1', T - 30 * MINUTE, 'hung'),
      saga('s2', T - 25 * MINUTE, 'hung'),
    ];
    const judgement = judgeChains(judged, sagaHistory, to, settings);
    expect([...judgement.endedUnmarked].sort()).toEqual(['r1', 'r2']);
    // an ending whose last step only the few chains of that ending pass (fewer than
    // minStepChains: a void after a cancellation) ends the chain all the same
    const voided = (id: string, at: number, cancelled: boolean) =>
      logged(
        id,
        at,
        [
          ['app', 'remote_start', 'start-requested', 0],
          ['sessions', 'charging_session', cancelled ? 'cancelled' : 'session-started', 60_000],
          cancelled
            ? ['payments', 'void', 'voided', 500]
            : ['sessions', 'charging_session', 'session-finished', 600_000],
        ],
        { started: true, ended: !cancelled },
      );
    const sessions = learnShapes(
      Array.from({ length: 160 }, (_, i) =>
        voided(`h${i}`, T - 3 * 3_600_000 + i * MINUTE, i % 20 === 3),
      ),
      settings,
      maskValues,
    );
    expect(sessions.get('app remote_start')!.steps.get('payments\u0000void')!.chains).toBeLessThan(
      settings.minStepChains,
    );
    expect([
      ...judgeChains([voided('c1', T - 20 * MINUTE, true)], sessions, to, settings).endedUnmarked,
    ]).toEqual(['c1']);
    // with an end marker somewhere in it (a step's own), a chain the conventions may still
    // call open is vetoed all the same
    const marked = { ...saga('r3', T - 20 * MINUTE, 'refused'), ended: true };
    expect([...judgeChains([marked], sagaHistory, to, settings).endedUnmarked]).toEqual(['r3']);
    // a start marker makes whether it is stuck the conventions' question
    expect(judgement.stuck).toEqual([]);
  });

  it('finds chains with markers that skipped a step every chain of their kind passes', () => {
    const judged = Array.from({ length: 60 }, (_, i) =>
      saga(`n${i}`, T - 55 * MINUTE + i * 40_000, i % 10 === 4 ? 'unscored' : 'done'),
    );
    const { broken } = judgeChains(judged, sagaHistory, to, settings);
    expect(broken.map((group) => [group.step.step, group.chains.length])).toEqual([
      ['fraud\u0000ScoreRisk', 6],
    ]);
    // the refused sagas of the history skipped the later steps: as often now, no finding
    const refused = Array.from({ length: 60 }, (_, i) =>
      saga(`q${i}`, T - 55 * MINUTE + i * 40_000, i % 20 === 7 ? 'refused' : 'done'),
    );
    expect(judgeChains(refused, sagaHistory, to, settings).broken).toEqual([]);
  });

  it('judges a chain that ends in lines no completed chain wrote at its last known step', () => {
    const offered = (id: string, at: number, hung: boolean) =>
      logged(id, at, [
        ['trips', 'create', 'created', 0],
        ['trips', 'offer', 'offered', 100],
        ...(hung
          ? ([
              ['rider-api', 'GET /trips/:id', 'poll', 20_000],
              ['driver-api', 'ws', 'ws-closed', 5_000],
            ] as Outcome[])
          : ([
              ['trips', 'accept', 'accepted', 15_000],
              ['trips', 'complete', 'completed', 300_000],
            ] as Outcome[])),
      ]);
    const shapes = learnShapes(
      Array.from({ length: 60 }, (_, i) => offered(`h${i}`, T - 3 * 3_600_000 + i * MINUTE, false)),
      settings,
      maskValues,
    );
    const { stuck } = judgeChains(
      [1, 2, 3].map((i) => offered(`s${i}`, T - 30 * MINUTE, true)),
      shapes,
      to,
      settings,
    );
    expect(stuck.map((group) => [group.step.step, group.chains.length])).toEqual([
      ['trips\u0000offer', 3],
    ]);
  });

  it('names the steps around a step that logs its start and its end, not the step itself', () => {
    const document = (id: string, at: number, skipOcr = false) =>
      logged(id, at, [
        ['gateway', 'upload', 'received', 0],
        ...(skipOcr
          ? []
          : ([
              ['ocr', 'extract', 'ocr-started', 100],
              ['ocr', 'extract', 'ocr-done', 5_000],
            ] as Outcome[])),
        ['indexer', 'index', 'indexed', 200],
      ]);
    const shapes = learnShapes(
      Array.from({ length: 100 }, (_, i) => document(`h${i}`, T - 3 * 3_600_000 + i * MINUTE)),
      settings,
      maskValues,
    );
    const ocr = shapes.get('gateway upload')!.steps.get('ocr\u0000extract')!;
    expect([...ocr.next.keys()]).toEqual(['indexer\u0000index']);
    expect([...ocr.previous.keys()]).toEqual(['gateway\u0000upload']);
    const { broken } = judgeChains(
      Array.from({ length: 30 }, (_, i) => document(`n${i}`, T - 50 * MINUTE + i * MINUTE, i < 5)),
      shapes,
      to,
      settings,
    );
    expect(broken.map((group) => [group.usualPrevious, group.usualNext])).toEqual([
      ['gateway upload', 'indexer index'],
    ]);
  });

  it('takes a chain that stopped after an outcome that ends its kind where the caller answers as ended', () => {
    // the reservation is refused in 1 of 25 checkouts: the gateway answers 409 (the same
    // pattern as its 201) and no confirmation mail follows
    const checkout = (id: string, at: number, variant: 'done' | 'refused' | 'unmailed') =>
      logged(id, at, [
        ['auth', 'verify', 'token-ok', 0],
        ['inventory', 'reserve', variant === 'refused' ? 'reserve-refused' : 'reserved', 20],
        ['gateway', 'POST /checkout', 'status', 30],
        ...(variant === 'done' ? [['mailer', 'send', 'sent', 4_000] as Outcome] : []),
      ]);
    const shapes = learnShapes(
      Array.from({ length: 250 }, (_, i) =>
        checkout(`h${i}`, T - 3 * 3_600_000 + i * 30_000, i % 25 === 3 ? 'refused' : 'done'),
      ),
      settings,
      maskValues,
    );
    const judgement = judgeChains(
      [
        ...[1, 2, 3].map((i) => checkout(`r${i}`, T - 20 * MINUTE, 'refused')),
        ...[1, 2, 3].map((i) => checkout(`u${i}`, T - 20 * MINUTE, 'unmailed')),
      ],
      shapes,
      to,
      settings,
    );
    expect(
      judgement.stuck.map((group) => [
        group.step.step,
        group.chains.map((item) => item.chain.correlationId),
      ]),
    ).toEqual([['gateway\u0000POST /checkout', ['u1', 'u2', 'u3']]]);
    // fewer than minOutcomeChains refusals in the history: not yet known as an ending
    const young = learnShapes(
      Array.from({ length: 100 }, (_, i) =>
        checkout(`h${i}`, T - 3 * 3_600_000 + i * 30_000, i === 50 ? 'refused' : 'done'),
      ),
      settings,
      maskValues,
    );
    expect(
      judgeChains([checkout('r9', T - 20 * MINUTE, 'refused')], young, to, settings).stuck,
    ).toHaveLength(1);
  });
});
