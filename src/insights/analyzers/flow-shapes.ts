import { InsightSettings } from '../insight-settings.js';
import type { ComponentRef } from '../insight.types.js';
import { binomialTail } from './performance.analyzer.js';

/*
 * Flow shapes learned from the chains' own history (docs/insights.md). A chain (events sharing
 * a correlation id) is a sequence of steps. From chains without errors that went quiet long ago,
 * per kind of chain, we learn which steps and which of their outcomes end chains, how long the
 * gap after each step normally is, and which steps nearly every chain passes. An open chain
 * without markers that stopped at a step that rarely ends its kind, for much longer than the gap
 * after that step normally lasts, is stuck; a chain that ended (an end marker, or a stop where
 * its kind's chains end) but skipped a step nearly every chain of its kind passes is broken.
 * Both rest only on the chains' history, not on names.
 */

export type ShapeSettings = typeof InsightSettings.flow.learned;

export interface ShapeEvent {
  id: string;
  /** When the step happened: its time, or the end of a span (a span is exported when it ends). */
  at: number;
  /** When the step began (a span's start): the first step of a chain is the one that began first. */
  startedAt: number;
  /** Position in the chain as read (gaps only between neighbours). */
  position: number;
  component: ComponentRef;
  operation: string | null;
  patternId: string | null;
  message: string;
  /** An OpenTelemetry span (its time is its start; `at` is its end). */
  span: boolean;
  /** A trace's root span (no parent): where the trace began, whatever the clocks say. */
  root?: boolean;
}

export interface FlowChain {
  correlationId: string;
  /** Ordered by `at`, then position. */
  events: ShapeEvent[];
  /** Events were left out of its middle (a long chain): no gap across the cut. */
  cut?: boolean;
  /**
   * A start marker whose promise of an end the conventions keep (flow.analyzer.ts): whether
   * such a chain is stuck is theirs to say; the shapes only tell when it ended all the same.
   */
  started?: boolean;
  /** An end marker on one of its events (of the chain, or of one of its steps). */
  ended?: boolean;
}

export interface StepShape {
  step: string;
  label: string;
  component: ComponentRef;
  operation: string | null;
  message: string;
  /** Completed chains that passed this step. */
  chains: number;
  /** …of which ended at it. */
  ends: number;
  endFraction: number;
  /**
   * The events at this step that the chains ending at it had, at the least (5th percentile):
   * a step passed twice (a notice on acceptance and on delivery) ends chains at its second pass
   * only. Null when fewer than 5 chains ended at it.
   */
  endPasses: number | null;
  /** Gaps (ms) after the step to the next one, sorted. */
  gaps: number[];
  p99GapMs: number | null;
  next: Map<string, number>;
  previous: Map<string, number>;
}

export interface KindShape {
  kind: string;
  component: ComponentRef;
  /** Completed chains the shape was learned from. */
  chains: number;
  steps: Map<string, StepShape>;
  /**
   * Step → the steps that normally come after it: in most of the chains holding both, the other
   * one's last occurrence is later (stopIndex).
   */
  follows: Map<string, Set<string>>;
  /**
   * What happened at a step (outcomeOfEvent: its message pattern) → completed chains that came
   * to it, and how many of them stopped at each step. A step goes on in most chains; after one
   * of the outcomes of a step (a refusal, a compensation) every chain may stop at the same
   * place: where the outcome itself was logged, or where the caller answered ("409"). `last`:
   * the chains in which nothing began after the outcome (a refusal ends the chain wherever it
   * stops: the claims of four lines refused at intake stop at four different requests).
   */
  outcomes: Map<string, { chains: number; stops: Map<string, number>; last: number }>;
  /**
   * Steps few enough chains pass to be a branch (under minPresence of the kind) → the other
   * branch steps → completed chains that passed both: the steps a branch brings with it (every
   * international shipment is screened, though most shipments are not international).
   */
  together: Map<string, Map<string, number>>;
}

/**
 * What a step is: the component type and the operation, else the message pattern (the messages
 * of one step differ only in their values), else the start of the message. The component id is
 * left out: replicas of a service run the same steps.
 */
export function stepOfEvent(
  event: Pick<ShapeEvent, 'component' | 'operation' | 'patternId' | 'message'>,
): string {
  const what =
    event.operation ??
    (event.patternId ? `pattern:${event.patternId}` : event.message.slice(0, 80));
  return `${event.component.component_type}\u0000${what}`;
}

/**
 * What happened at a step: the step and the pattern of its message (the outcome it reports);
 * without a pattern, the step (a message's own text holds its values: no two chains share it).
 */
export function outcomeOfEvent(
  event: Pick<ShapeEvent, 'component' | 'operation' | 'patternId' | 'message'>,
): string {
  const step = stepOfEvent(event);
  return event.patternId ? `${step}\u0000${event.patternId}` : step;
}

/**
 * Whether a chain that stopped at `last` ended there because of an outcome it came to: of the
 * completed chains of its kind that came to one of its outcomes (minOutcomeChains at least),
 * endedMinFraction stopped at the step it stopped at, or began nothing after the outcome when
 * this chain began nothing after it either and is not a trace waiting for its root span.
 */
export function endedByOutcome(
  shape: KindShape,
  chain: FlowChain,
  last: ShapeEvent,
  settings: ShapeSettings,
): boolean {
  const stop = stepOfEvent(last);
  const lastBegan = Math.max(...chain.events.map((event) => event.startedAt));
  // a trace without its root span is open, whatever began after its last span (nothing: the
  // root began first, and ends last)
  const open = chain.events.some((event) => event.span) && !chain.events.some((e) => e.root);
  for (const event of chain.events) {
    const outcome = shape.outcomes.get(outcomeOfEvent(event));
    if (outcome === undefined || outcome.chains < settings.minOutcomeChains) continue;
    const enough = settings.endedMinFraction * outcome.chains;
    // where the others stopped, or after nothing else began, as this one did after it
    if ((outcome.stops.get(stop) ?? 0) >= enough) return true;
    if (!open && event.at >= lastBegan && outcome.last >= enough) return true;
  }
  return false;
}

/**
 * A step as a person reads it: its component type and operation, else its message with the values
 * masked. The message is one chain's (the first seen at the step): its ids and amounts would read as
 * those of the chains an insight is about.
 */
export function labelOfEvent(
  event: Pick<ShapeEvent, 'component' | 'operation' | 'message'>,
  maskValues: MaskValues,
): string {
  if (event.operation) return `${event.component.component_type} ${event.operation}`;
  return `${event.component.component_type} "${maskValues(event.message.slice(0, 400)).slice(0, 80)}"`;
}

/** A message with its values (ids, amounts) masked: the patterns module's, passed in. */
export type MaskValues = (message: string) => string;

/**
 * The kind of a chain: the step that began first (its operation, else its component type). A
 * trace's root span arrives last and is missing from the traces we want to judge, so the kind of
 * a chain of spans is the component (service) of its earliest span, present either way; but its
 * root span's service when the root is there, since clocks differ between services
 * (kindAtSql: the SQL that shares chains out by kind reads it the same way).
 */
export function kindOfChain(chain: FlowChain): { kind: string; component: ComponentRef } {
  const first =
    chain.events.find((event) => event.root) ??
    chain.events.reduce((best, event) =>
      event.startedAt < best.startedAt ||
      (event.startedAt === best.startedAt && event.position < best.position)
        ? event
        : best,
    );
  const type = first.component.component_type;
  if (chain.events.some((event) => event.span))
    return { kind: `${type} (trace)`, component: first.component };
  return {
    kind: first.operation ? `${type} ${first.operation}` : type,
    component: first.component,
  };
}

/** Nearest-rank percentile of sorted values. */
export function percentileOf(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Which outcome of a step (outcomeOfEvent) normally comes after which, from the chains of one
 * kind: b follows a when, in more of the chains holding both than not, b's last occurrence comes
 * after a's. Each host stamps its events with its own clock, and clocks a few seconds apart
 * invert steps that follow each other within seconds (a worker whose clock runs ahead logs its
 * step after the steps that came after it); the order most chains show is the order the flow
 * runs in. Outcomes, not steps: an operation that logs when it begins and when it ends ("saga
 * started" … "saga completed") wraps the others, and only its end comes after them.
 */
export function learnOrder(chains: readonly FlowChain[]): Map<string, Set<string>> {
  // steps numbered, and the pairs counted in one array (a chain of k steps has k² pairs)
  const ids = new Map<string, number>();
  const lasts = chains.map((chain) => {
    const last = lastOccurrences(chain.events);
    for (const step of last.keys()) if (!ids.has(step)) ids.set(step, ids.size);
    return [...last].sort((a, b) => a[1] - b[1]).map(([step]) => ids.get(step)!);
  });
  const size = ids.size;
  const dense = size * size <= 4_000_000;
  const table = dense ? new Uint32Array(size * size) : null;
  const sparse = dense ? null : new Map<number, number>();
  for (const order of lasts)
    for (let i = 0; i < order.length; i++)
      for (let j = i + 1; j < order.length; j++) {
        const key = order[i] * size + order[j];
        if (table) table[key]++;
        else sparse!.set(key, (sparse!.get(key) ?? 0) + 1);
      }
  const later = (a: number, b: number) =>
    table ? table[a * size + b] : (sparse!.get(a * size + b) ?? 0);
  const names = [...ids.keys()];
  const follows = new Map<string, Set<string>>();
  for (let a = 0; a < size; a++)
    for (let b = 0; b < size; b++) {
      if (a === b || later(a, b) <= later(b, a)) continue;
      const set = follows.get(names[a]) ?? new Set<string>();
      set.add(names[b]);
      follows.set(names[a], set);
    }
  return follows;
}

function lastOccurrences(events: readonly ShapeEvent[]): Map<string, number> {
  const last = new Map<string, number>();
  events.forEach((event, index) => last.set(outcomeOfEvent(event), index));
  return last;
}

/**
 * Where a chain stands: the index of its latest event whose outcome no other outcome of the
 * chain normally follows (learnOrder), else its last event. Without clock skew that is the last event;
 * with it, a step stamped after the steps that normally come after it is not where the chain
 * stopped (it ended at the last of those).
 */
export function stopIndex(
  events: readonly ShapeEvent[],
  follows: ReadonlyMap<string, ReadonlySet<string>>,
): number {
  const last = lastOccurrences(events);
  const steps = [...last.keys()];
  let stop = -1;
  for (const [step, index] of last) {
    if (index <= stop) continue;
    const after = follows.get(step);
    if (after && steps.some((other) => other !== step && after.has(other))) continue;
    stop = index;
  }
  return stop >= 0 ? stop : events.length - 1;
}

/** Shapes per kind from completed chains, for at most `settings.maxKinds` kinds (the most frequent). */
export function learnShapes(
  history: readonly FlowChain[],
  settings: ShapeSettings,
  maskValues: MaskValues,
  learnedAt?: number,
): Map<string, KindShape> {
  const byKind = new Map<string, { component: ComponentRef; chains: FlowChain[] }>();
  for (const chain of history) {
    if (chain.events.length === 0) continue;
    const { kind, component } = kindOfChain(chain);
    const entry = byKind.get(kind) ?? { component, chains: [] };
    entry.chains.push(chain);
    byKind.set(kind, entry);
  }
  const kinds = [...byKind.entries()]
    .sort((a, b) => b[1].chains.length - a[1].chains.length || a[0].localeCompare(b[0]))
    .slice(0, settings.maxKinds);
  const shapes = new Map<string, KindShape>();
  for (const [kind, { component, chains: all }] of kinds) {
    const steps = new Map<string, StepShape>();
    const outcomes: KindShape['outcomes'] = new Map();
    const follows = learnOrder(all);
    const chains = learnedAt === undefined ? all : decidedChains(all, follows, learnedAt);
    // per step, the events at it of each chain that ended there (StepShape.endPasses)
    const endPassCounts = new Map<string, number[]>();
    for (const chain of chains) {
      const seen = new Set<string>();
      const stop = stopIndex(chain.events, follows);
      const stepsOf = chain.events.map(stepOfEvent);
      const lastBegan = Math.max(...chain.events.map((event) => event.startedAt));
      const lastAt = new Map<string, number>();
      for (const event of chain.events) {
        const key = outcomeOfEvent(event);
        lastAt.set(key, Math.max(lastAt.get(key) ?? -Infinity, event.at));
      }
      for (const [key, at] of lastAt) {
        const outcome = outcomes.get(key) ?? {
          chains: 0,
          stops: new Map<string, number>(),
          last: 0,
        };
        outcomes.set(key, outcome);
        outcome.chains++;
        count(outcome.stops, stepsOf[stop]);
        if (lastBegan <= at) outcome.last++;
      }
      chain.events.forEach((event, index) => {
        const step = stepsOf[index];
        let shape = steps.get(step);
        if (!shape) {
          shape = {
            step,
            label: labelOfEvent(event, maskValues),
            component: event.component,
            operation: event.operation,
            message: event.message,
            chains: 0,
            ends: 0,
            endFraction: 0,
            endPasses: null,
            gaps: [],
            p99GapMs: null,
            next: new Map(),
            previous: new Map(),
          };
          steps.set(step, shape);
        }
        if (!seen.has(step)) shape.chains++;
        seen.add(step);
        const following = chain.events[index + 1];
        // what comes before and after the step: another step (a step that logs its start and
        // its end is not its own neighbour)
        if (index > 0 && stepsOf[index - 1] !== step) count(shape.previous, stepsOf[index - 1]);
        if (index === stop) {
          shape.ends++;
          const counts = endPassCounts.get(step) ?? [];
          counts.push(stepsOf.filter((other) => other === step).length);
          endPassCounts.set(step, counts);
        }
        if (!following) return;
        if (stepsOf[index + 1] !== step) count(shape.next, stepsOf[index + 1]);
        // events dropped from the middle of a long chain leave no gap to learn
        if (!chain.cut || following.position === event.position + 1)
          shape.gaps.push(Math.max(0, following.at - event.at));
      });
    }
    const kept = [...steps.values()]
      .sort((a, b) => b.chains - a.chains)
      .slice(0, settings.maxStepsPerKind);
    const shape: KindShape = {
      kind,
      component,
      chains: chains.length,
      steps: new Map(),
      follows,
      outcomes,
      together: branchesTogether(chains, kept, settings),
    };
    for (const step of kept) {
      step.gaps.sort((a, b) => a - b);
      step.p99GapMs = percentileOf(step.gaps, 0.99);
      step.endFraction = step.ends / Math.max(1, step.chains);
      const passes = (endPassCounts.get(step.step) ?? []).sort((a, b) => a - b);
      step.endPasses =
        passes.length >= settings.minOutcomeChains ? percentileOf(passes, 0.05) : null;
      shape.steps.set(step.step, step);
    }
    shapes.set(kind, shape);
  }
  return shapes;
}

/**
 * The chains known to have ended where they stopped: quiet (at `learnedAt`) for longer than the
 * longest usual gap (p99) after their last step, as measured on the kind's chains that went on
 * from it. An order that waits 20 to 45 minutes for its delivery after the courier is assigned
 * has not ended at the assignment after 30 quiet minutes: taken as ended, it taught that orders
 * end there, and the next ones were read as ended without their delivery (a blind test).
 */
function decidedChains(
  chains: readonly FlowChain[],
  follows: KindShape['follows'],
  learnedAt: number,
): FlowChain[] {
  const gapsAfter = new Map<string, number[]>();
  for (const chain of chains)
    chain.events.forEach((event, index) => {
      const following = chain.events[index + 1];
      if (!following || (chain.cut && following.position !== event.position + 1)) return;
      const step = stepOfEvent(event);
      if (stepOfEvent(following) === step) return;
      const gaps = gapsAfter.get(step) ?? [];
      gaps.push(Math.max(0, following.at - event.at));
      gapsAfter.set(step, gaps);
    });
  const p99 = new Map(
    [...gapsAfter].map(([step, gaps]) => [
      step,
      percentileOf(
        gaps.sort((a, b) => a - b),
        0.99,
      ) ?? 0,
    ]),
  );
  return chains.filter((chain) => {
    const last = chain.events[stopIndex(chain.events, follows)];
    const quietMs = learnedAt - Math.max(...chain.events.map((event) => event.at));
    return quietMs > (p99.get(stepOfEvent(last)) ?? 0);
  });
}

/**
 * KindShape.together: for the branch steps (passed by fewer than minPresence of the chains, and
 * by at least minChains of them), how many chains passed each pair.
 */
function branchesTogether(
  chains: readonly FlowChain[],
  steps: readonly StepShape[],
  settings: ShapeSettings,
): Map<string, Map<string, number>> {
  const branch = new Set(
    steps
      .filter(
        (step) =>
          step.chains >= settings.minChains && step.chains / chains.length < settings.minPresence,
      )
      .map((step) => step.step),
  );
  const together = new Map<string, Map<string, number>>();
  if (branch.size < 2) return together;
  for (const chain of chains) {
    const passed = [...new Set(chain.events.map(stepOfEvent))].filter((step) => branch.has(step));
    for (const a of passed) {
      const withA = together.get(a) ?? new Map<string, number>();
      together.set(a, withA);
      for (const b of passed) if (a !== b) count(withA, b);
    }
  }
  return together;
}

export interface StuckChain {
  chain: FlowChain;
  last: ShapeEvent;
  idleMs: number;
}

export interface LearnedStuck {
  shape: KindShape;
  step: StepShape;
  /** The step that most often follows, and its share of what followed. */
  usualNext: { step: StepShape | null; label: string; share: number } | null;
  thresholdMs: number;
  chains: StuckChain[];
}

export interface LearnedBroken {
  shape: KindShape;
  /** The step the chains skipped. */
  step: StepShape;
  /** Share of the completed chains of the kind that passed it. */
  presence: number;
  usualPrevious: string | null;
  usualNext: string | null;
  /**
   * The branch step the skipped one comes with (KindShape.together), when it is required only
   * in the chains that pass that step; `presence` and `ended` are then of those chains.
   */
  given?: StepShape;
  /** Chains of the scope that ended normally, and how many of them skipped the step. */
  ended: number;
  chains: FlowChain[];
  expectedMissRate: number;
  chance: number;
}

export interface ShapeJudgement {
  stuck: LearnedStuck[];
  broken: LearnedBroken[];
  /**
   * Chains left open by a start marker that stopped at an outcome ending their kind's chains
   * (a saga compensated, an order refused): they ended, unmarked.
   */
  endedUnmarked: Set<string>;
  /** Chains whose kind has too little history to judge (kind → chains). */
  unjudged: Map<string, number>;
}

/**
 * Judges the chains of the scope against the learned shapes. `to` is the end of the scope (idle
 * times are measured up to it).
 */
export function judgeChains(
  chains: readonly FlowChain[],
  shapes: ReadonlyMap<string, KindShape>,
  to: Date,
  settings: ShapeSettings,
): ShapeJudgement {
  const stuck = new Map<string, LearnedStuck>();
  const endedByKind = new Map<string, FlowChain[]>();
  const unjudged = new Map<string, number>();
  const endedUnmarked = new Set<string>();
  const ended = (kind: string, chain: FlowChain) => {
    const list = endedByKind.get(kind) ?? [];
    list.push(chain);
    endedByKind.set(kind, list);
  };
  for (const chain of chains) {
    if (chain.events.length === 0) continue;
    const { kind } = kindOfChain(chain);
    const shape = shapes.get(kind);
    if (!shape || shape.chains < settings.minChains) {
      unjudged.set(kind, (unjudged.get(kind) ?? 0) + 1);
      continue;
    }
    const stop = stopIndex(chain.events, shape.follows);
    // stopped at a step its kind's chains pass twice, before the pass that ends them: on its way
    if (beforeEndingPass(chain, chain.events[stop], shape)) continue;
    // an ending outcome often ends at a step of its own few chains pass (a refund, a void):
    // where the chain stopped, before the steps most chains pass are looked for
    if (endedByOutcome(shape, chain, chain.events[stop], settings)) {
      // the conventions may call it stuck (a start marker, no end marker of their reading)
      if (chain.started) endedUnmarked.add(chain.correlationId);
      ended(kind, chain);
      continue;
    }
    // A start marker without an end marker: the conventions judge whether it is stuck. An end
    // marker does not say the chain ended where its kind's chains end: steps that each log
    // "started" and "finished" mark an end at every step, so such a chain is judged by where
    // it stopped, as a chain without markers is.
    if (chain.started && !chain.ended) continue;
    const last = knownStop(chain.events, stop, shape);
    const step = shape.steps.get(stepOfEvent(last));
    if (!step || step.chains < settings.minStepChains) continue;
    // idle since its latest event, whatever the step it stands at
    const idleMs = to.getTime() - Math.max(...chain.events.map((event) => event.at));
    if (idleMs < settings.floorMs) continue;
    if (step.endFraction < settings.maxEndFraction) {
      const thresholdMs = Math.max((step.p99GapMs ?? 0) * settings.gapFactor, settings.floorMs);
      if (idleMs <= thresholdMs) continue;
      const group = stuck.get(`${kind}\u0000${step.step}`) ?? {
        shape,
        step,
        usualNext: usualNext(shape, step),
        thresholdMs,
        chains: [],
      };
      group.chains.push({ chain, last, idleMs });
      stuck.set(`${kind}\u0000${step.step}`, group);
    } else if (step.endFraction >= settings.endedMinFraction) ended(kind, chain);
  }
  const broken: LearnedBroken[] = [];
  for (const [kind, ended] of endedByKind) {
    const shape = shapes.get(kind)!;
    const required = [...shape.steps.values()].filter(
      (step) => step.chains / shape.chains >= settings.minPresence,
    );
    for (const step of required) {
      const skipped = ended.filter(
        (chain) => !chain.events.some((event) => stepOfEvent(event) === step.step),
      );
      if (skipped.length < settings.minBrokenChains) continue;
      // a step missing from none of the history still may be skipped now and then: add-one estimate
      const expectedMissRate = (shape.chains - step.chains + 1) / (shape.chains + 2);
      // corrected for the steps tried
      const chance = Math.min(
        1,
        binomialTail(ended.length, skipped.length, expectedMissRate) * required.length,
      );
      if (chance > settings.brokenMaxChance) continue;
      broken.push({
        shape,
        step,
        presence: step.chains / shape.chains,
        usualPrevious: mostCommon(step.previous, shape),
        usualNext: mostCommon(step.next, shape),
        ended: ended.length,
        chains: skipped,
        expectedMissRate,
        chance,
      });
    }
  }
  for (const [kind, ended] of endedByKind)
    broken.push(...brokenBranches(shapes.get(kind)!, ended, settings));
  return { stuck: [...stuck.values()], broken, unjudged, endedUnmarked };
}

/**
 * Steps skipped within a branch: a step that nearly every completed chain passing another branch
 * step passes (minPresence of at least minChains of them), missing from ended chains that passed
 * that step, more often than chance gives (binomial, corrected for the pairs tried). Of the
 * branch steps a skipped step comes with, the one that makes its skipping least likely by chance
 * is named.
 */
function brokenBranches(
  shape: KindShape,
  ended: readonly FlowChain[],
  settings: ShapeSettings,
): LearnedBroken[] {
  const pairs: { given: StepShape; step: StepShape; both: number }[] = [];
  for (const [givenKey, withGiven] of shape.together) {
    const given = shape.steps.get(givenKey);
    if (!given) continue;
    for (const [stepKey, both] of withGiven) {
      const step = shape.steps.get(stepKey);
      if (step && both / given.chains >= settings.minPresence) pairs.push({ given, step, both });
    }
  }
  if (pairs.length === 0) return [];
  const stepsOf = new Map(ended.map((chain) => [chain, new Set(chain.events.map(stepOfEvent))]));
  const best = new Map<string, LearnedBroken>();
  for (const { given, step, both } of pairs) {
    const passed = ended.filter((chain) => stepsOf.get(chain)!.has(given.step));
    const skipped = passed.filter((chain) => !stepsOf.get(chain)!.has(step.step));
    if (skipped.length < settings.minBrokenChains) continue;
    const expectedMissRate = (given.chains - both + 1) / (given.chains + 2);
    const chance = Math.min(
      1,
      binomialTail(passed.length, skipped.length, expectedMissRate) * pairs.length,
    );
    if (chance > settings.brokenMaxChance) continue;
    const known = best.get(step.step);
    if (known && known.chance <= chance) continue;
    best.set(step.step, {
      shape,
      step,
      given,
      presence: both / given.chains,
      usualPrevious: mostCommon(step.previous, shape),
      usualNext: mostCommon(step.next, shape),
      ended: passed.length,
      chains: skipped,
      expectedMissRate,
      chance,
    });
  }
  return [...best.values()];
}

/**
 * Whether a chain stopped at a step with fewer events there than the chains that ended at it had
 * (StepShape.endPasses): the step ends chains on a later pass.
 */
function beforeEndingPass(chain: FlowChain, stopEvent: ShapeEvent, shape: KindShape): boolean {
  const step = stepOfEvent(stopEvent);
  const endPasses = shape.steps.get(step)?.endPasses ?? null;
  if (endPasses === null || endPasses <= 1) return false;
  return chain.events.filter((event) => stepOfEvent(event) === step).length < endPasses;
}

/**
 * Where a chain stands among the steps its kind knows: the event at `stop`, or, when its step is
 * one no completed chain of the kind passed, the latest earlier event whose step one did. A
 * chain that hangs often ends in lines no completed chain writes (a client polling, a connection
 * warning): they are not a step to judge it at, and its idle time still runs from them. A step
 * few completed chains passed (a rare ending of their own) stays where the chain stopped: too
 * little is known of it to judge (minStepChains), as before.
 */
function knownStop(events: readonly ShapeEvent[], stop: number, shape: KindShape): ShapeEvent {
  for (let index = stop; index >= 0; index--)
    if (shape.steps.has(stepOfEvent(events[index]))) return events[index];
  return events[stop];
}

function usualNext(shape: KindShape, step: StepShape): LearnedStuck['usualNext'] {
  let best: [string, number] | null = null;
  let total = 0;
  for (const entry of step.next) {
    total += entry[1];
    if (!best || entry[1] > best[1]) best = entry;
  }
  if (!best) return null;
  const next = shape.steps.get(best[0]) ?? null;
  return {
    step: next,
    label: next?.label ?? best[0].replace('\u0000', ' '),
    share: best[1] / total,
  };
}

function mostCommon(counts: ReadonlyMap<string, number>, shape: KindShape): string | null {
  let best: [string, number] | null = null;
  for (const entry of counts) if (!best || entry[1] > best[1]) best = entry;
  if (!best) return null;
  return shape.steps.get(best[0])?.label ?? best[0].replace('\u0000', ' ');
}

function count(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
