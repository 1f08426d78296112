import { Injectable } from '@nestjs/common';
import { effectSizeFactor, recencyFactor, sampleSizeFactor } from '../confidence.js';
import type { ChainEventRow, ChainSummaryRow, KindEnds } from '../insight-aggregates.repository.js';
import { anyInstanceOf, recoveryKey } from '../recovery-key.js';
import { InsightSettings } from '../insight-settings.js';
import {
  componentKey,
  type ComponentRef,
  type InsightDraft,
  type InsightScope,
  type Severity,
} from '../insight.types.js';
import { round } from '../robust-stats.js';
import { type AnalysisContext, type Analyzer, describeComponents, formatTime } from './analyzer.js';
import {
  type FlowChain,
  judgeChains,
  type KindShape,
  type LearnedBroken,
  type LearnedStuck,
  learnShapes,
  type MaskValues,
} from './flow-shapes.js';

/** The stuck operations an insight lists in full (evidence.stuck_ids). */
const STUCK_IDS = 200;
const settings = InsightSettings.flow;

export interface FlowInput {
  scope: InsightScope;
  now: Date;
  chains: readonly ChainSummaryRow[];
  /** Error events of the chains that have errors, oldest first per chain. */
  errors: readonly ChainEventRow[];
  /** The last event of each stuck chain. */
  lastEvents: readonly ChainEventRow[];
  /** Spans, parents of some of the errors, that ended without an error (succeededSpans). */
  succeededParents?: ReadonlySet<string>;
  /** Per chain, component and operation, the time of the latest event when it went well (recoveryKey; latestGoodEvents). */
  latestGood?: ReadonlyMap<string, number>;
  /** Chains whose last event is older than this and that never ended are stuck. */
  stuckBefore: Date;
  /** The kind of each stuck chain, and how many earlier chains of the kind started and ended (evidence). */
  kindOf?: ReadonlyMap<string, string>;
  kindEnds?: ReadonlyMap<string, KindEnds>;
  /**
   * Chains a start marker left open that stopped where their kind's chains end (a saga
   * compensated, an order refused: judgeChains): they ended without an end marker.
   */
  endedUnmarked?: ReadonlySet<string>;
}

/** A chain the conventions call stuck: a start marker, no end marker, no error, quiet since `stuckBefore`. */
export function conventionStuck(chain: ChainSummaryRow, stuckBefore: Date): boolean {
  return startedUnended(chain, stuckBefore) && chain.errors === 0;
}

/**
 * A chain that started, has no end marker and has been quiet since before `stuckBefore`, errors
 * or not: stuck when it has none, or when every error it had was recovered from (handledErrors).
 */
function startedUnended(chain: ChainSummaryRow, stuckBefore: Date): boolean {
  return chain.hasStart && !chain.hasEnd && chain.lastAt < stuckBefore;
}

/**
 * How long a chain of a kind may be quiet before it is stuck: stuckAfterMs, or longer where the
 * kind's ended chains were normally quiet longer (conventionEnds.quietFactor × their p99).
 */
export function stuckAfterFor(ends: KindEnds | undefined): number {
  const usual = ends?.quietMs ?? null;
  return Math.max(
    settings.stuckAfterMs,
    usual === null ? 0 : usual * settings.conventionEnds.quietFactor,
  );
}

/**
 * Kinds whose earlier chains show that a start marker does not promise an end marker: at least
 * `minStarted` of them started and went quiet, and fewer than `minEndedFraction` of those had an
 * end marker. Their chains end some other way, so a missing end proves nothing: they are judged
 * against their learned shape, as chains without markers are.
 */
export function kindsWithoutEnds(
  kindEnds: ReadonlyMap<string, KindEnds>,
  rule: { minStarted: number; minEndedFraction: number } = settings.conventionEnds,
): Set<string> {
  const kinds = new Set<string>();
  for (const [kind, { started, ended }] of kindEnds)
    if (started >= rule.minStarted && ended < rule.minEndedFraction * started) kinds.add(kind);
  return kinds;
}

export interface Propagation {
  correlationId: string;
  root: ChainEventRow;
  /** Components in the order their first error appeared. */
  path: {
    component: ComponentRef;
    first_error_event_id: string;
    at: string;
    operation: string | null;
    message: string;
  }[];
}

/**
 * The earliest error of a chain is its probable root cause; the path is the order errors reached
 * components. Earliest in causal order: an error linked to another error of the chain by its
 * parent event is ordered by that link whatever their timestamps say (each component stamps
 * events with its own clock, and clocks a few seconds apart invert errors that follow each other
 * within milliseconds; a parent link does not depend on clocks). Errors not linked so are ordered
 * by timestamp. See causalOrder for which way a link points.
 *
 * A long chain (a session, a saga) can fail more than once: each episode of errors is its own
 * propagation, with its own root (see errorEpisodes).
 */
export function propagationsOf(
  errors: readonly ChainEventRow[],
  succeededParents: ReadonlySet<string> = new Set(),
  latestGood: ReadonlyMap<string, number> = new Map(),
): Propagation[] {
  if (errors.length === 0) return [];
  const ordered = causalOrder(
    withoutHandledCalls(
      [...errors].sort(
        (a, b) => a.timestamp.getTime() - b.timestamp.getTime() || a.id.localeCompare(b.id),
      ),
      succeededParents,
      latestGood,
    ),
  );
  return errorEpisodes(ordered).map(propagationOfEpisode);
}

/**
 * The errors without the calls their caller went on after. A failed span whose parent span
 * failed too, when another call under that parent failed after it, was handled (retried, fallen
 * back from): the caller went on and made that later call, and it is the later failure that the
 * caller's own failure reports. Such a call and everything under it are no root cause candidate
 * (a card-vault 503 retried successfully is not the cause of the fraud check's timeout a second
 * later). The parent's own exception events are not calls: they record its failure.
 */
function withoutHandledCalls(
  errors: readonly ChainEventRow[],
  succeededParents: ReadonlySet<string>,
  latestGood: ReadonlyMap<string, number> = new Map(),
): ChainEventRow[] {
  const byId = new Map(errors.map((event) => [event.id, event]));
  const failedCalls = new Map<string, ChainEventRow[]>();
  for (const event of errors) {
    const parent = event.parentEventId ? byId.get(event.parentEventId) : undefined;
    if (!parent || !enclosesItsChildren(parent) || !enclosesItsChildren(event)) continue;
    const calls = failedCalls.get(parent.id) ?? [];
    calls.push(event);
    failedCalls.set(parent.id, calls);
  }
  const handled = new Set<string>();
  // a failure under a span that then ended well was handled by it (a retry, a fallback, a
  // caught exception): the span's success says so
  for (const event of errors)
    if (event.parentEventId && succeededParents.has(event.parentEventId)) handled.add(event.id);
  for (const calls of failedCalls.values()) {
    const last = Math.max(...calls.map((call) => call.timestamp.getTime()));
    for (const call of calls) if (call.timestamp.getTime() < last) handled.add(call.id);
  }
  for (const event of recoveredFailures(errors, latestGood)) handled.add(event.id);
  if (handled.size === 0) return [...errors];
  // everything under a handled call goes with it
  const isHandled = (event: ChainEventRow, seen = new Set<string>()): boolean => {
    if (handled.has(event.id)) return true;
    const parent = event.parentEventId ? byId.get(event.parentEventId) : undefined;
    if (!parent || seen.has(parent.id)) return false;
    seen.add(parent.id);
    return isHandled(parent, seen);
  };
  return errors.filter((event) => !isHandled(event));
}

/** The chains all of whose errors were handled or recovered from (nothing propagates). */
function recoveredChains(
  errors: readonly ChainEventRow[],
  succeededParents: ReadonlySet<string>,
  latestGood: ReadonlyMap<string, number>,
): Set<string> {
  const byChain = new Map<string, ChainEventRow[]>();
  for (const event of errors)
    byChain.set(event.correlationId, [...(byChain.get(event.correlationId) ?? []), event]);
  return new Set(
    [...byChain]
      .filter(([, chain]) => propagationsOf(chain, succeededParents, latestGood).length === 0)
      .map(([id]) => id),
  );
}

/**
 * Failures the failing step recovered from: the same component's latest event of the same
 * operation in the chain, after its failures, says all went well (info or debug: a deadlock
 * retried and committed, a connection reset retried and authorized; not a warning such as
 * "compensated" or "retrying"). A failure without an operation (an exception a Sentry SDK
 * reported) is recovered when the component's latest event in the chain says so.
 */
function recoveredFailures(
  errors: readonly ChainEventRow[],
  latestGood: ReadonlyMap<string, number>,
): ChainEventRow[] {
  if (latestGood.size === 0 || errors.length === 0) return [];
  // Once errors reached other components, only the first failing component can have recovered,
  // and only before any other failed: a supplier call retried successfully before the payment
  // failed on its own caused nothing. A gateway that logs "checkout finished" after its 502 did
  // not recover the ledger's failure under it: the ledger failed first, and did not recover.
  const byTime = [...errors].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  const first = componentKey(byTime[0].component);
  const othersFailAt =
    byTime.find((event) => componentKey(event.component) !== first)?.timestamp.getTime() ??
    Infinity;
  const own = byTime.filter((event) => event.timestamp.getTime() < othersFailAt);
  const lastError = new Map<string, number>();
  const note = (key: string, at: number) =>
    lastError.set(key, Math.max(lastError.get(key) ?? 0, at));
  const at = (event: ChainEventRow) => event.timestamp.getTime();
  for (const event of own) {
    note(recoveryKey(event.correlationId, event.component, event.operation), at(event));
    note(recoveryKey(event.correlationId, event.component, '*'), at(event));
    note(
      recoveryKey(event.correlationId, anyInstanceOf(event.component), event.operation),
      at(event),
    );
  }
  const wentWellAfter = (key: string) => {
    const good = latestGood.get(key) ?? -Infinity;
    return good > (lastError.get(key) ?? Infinity) && good < othersFailAt;
  };
  return own.filter(
    (event) =>
      wentWellAfter(
        recoveryKey(
          event.correlationId,
          event.component,
          event.operation === null ? '*' : event.operation,
        ),
      ) ||
      // the operation went well on another instance of the type (a message redelivered)
      (event.operation !== null &&
        wentWellAfter(
          recoveryKey(event.correlationId, anyInstanceOf(event.component), event.operation),
        )),
  );
}

/** The propagation of a chain's first episode of errors (see propagationsOf). */
export function propagationOf(errors: readonly ChainEventRow[]): Propagation | null {
  return propagationsOf(errors)[0] ?? null;
}

/**
 * Errors in causal order cut into episodes. A failure reaches the callers that wait on it within
 * their timeouts, retries included, so an error that comes more than `episodeGapMs` after every
 * error before it, and is not linked to one of them by a parent event, starts a new episode: the
 * earlier errors were handled or recovered from (a session that had a declined card at 10:02
 * and lost its database at 10:20 has two incidents, and the card is not the database's cause).
 */
export function errorEpisodes(
  ordered: readonly ChainEventRow[],
  gapMs: number = settings.episodeGapMs,
): ChainEventRow[][] {
  const episodes: ChainEventRow[][] = [];
  let current: ChainEventRow[] = [];
  let ids = new Set<string>();
  let latest = -Infinity;
  for (const event of ordered) {
    const at = event.timestamp.getTime();
    const linked =
      (event.parentEventId !== null && ids.has(event.parentEventId)) ||
      current.some((earlier) => earlier.parentEventId === event.id);
    if (current.length > 0 && at - latest > gapMs && !linked) {
      episodes.push(current);
      current = [];
      ids = new Set();
      latest = -Infinity;
    }
    current.push(event);
    ids.add(event.id);
    latest = Math.max(latest, at);
  }
  if (current.length > 0) episodes.push(current);
  return episodes;
}

function propagationOfEpisode(ordered: readonly ChainEventRow[]): Propagation {
  const seen = new Set<string>();
  const path: Propagation['path'] = [];
  for (const event of ordered) {
    const key = componentKey(event.component);
    if (seen.has(key)) continue;
    seen.add(key);
    path.push({
      component: event.component,
      first_error_event_id: event.id,
      at: event.timestamp.toISOString(),
      operation: event.operation,
      message: event.message,
    });
  }
  return { correlationId: ordered[0].correlationId, root: ordered[0], path };
}

/**
 * Events in timestamp order, except where a parent link says otherwise. A parent that is a span
 * (a `trace` event with a duration: OTel, Sentry, the SDK's traces) encloses what it calls and
 * fails when it ends, after the failure of a callee it reports: the child comes first. Any other
 * parent is what triggered the child, so it comes first.
 */
function causalOrder(byTime: readonly ChainEventRow[]): ChainEventRow[] {
  const byId = new Map(byTime.map((event) => [event.id, event]));
  const mustFollow = new Map<string, ChainEventRow[]>();
  for (const event of byTime) {
    const parent = event.parentEventId ? byId.get(event.parentEventId) : undefined;
    if (!parent) continue;
    const [first, then] = enclosesItsChildren(parent) ? [event, parent] : [parent, event];
    const earlier = mustFollow.get(then.id) ?? [];
    earlier.push(first);
    mustFollow.set(then.id, earlier);
  }
  const ordered: ChainEventRow[] = [];
  const placed = new Set<string>();
  const place = (event: ChainEventRow, visiting: Set<string>) => {
    if (placed.has(event.id) || visiting.has(event.id)) return; // a cycle of links (bad data) breaks where it closes
    visiting.add(event.id);
    for (const earlier of mustFollow.get(event.id) ?? []) place(earlier, visiting);
    placed.add(event.id);
    ordered.push(event);
  };
  for (const event of byTime) place(event, new Set());
  return ordered;
}

function enclosesItsChildren(event: ChainEventRow): boolean {
  return event.eventType === 'trace' && event.durationMs !== null;
}

/**
 * Execution flows over correlation chains: stuck flows (a start phase, no end phase, no
 * event for longer than the timeout), error propagation across components (root cause =
 * the earliest error of the chain) and failed steps confined to one component.
 */
export function detectFlows(input: FlowInput): InsightDraft[] {
  const drafts: InsightDraft[] = [];
  const errorsByChain = new Map<string, ChainEventRow[]>();
  for (const event of input.errors) {
    const list = errorsByChain.get(event.correlationId) ?? [];
    list.push(event);
    errorsByChain.set(event.correlationId, list);
  }

  // Error propagation and failed steps, grouped by their root cause.
  const propagations = new Map<string, Propagation[]>();
  const failures = new Map<string, Propagation[]>();
  for (const chain of input.chains) {
    if (chain.errors === 0) continue;
    for (const propagation of propagationsOf(
      errorsByChain.get(chain.correlationId) ?? [],
      input.succeededParents,
      input.latestGood,
    )) {
      const root = propagation.root;
      // replicas of a service that fail the same way are one cause: keyed by the component type
      const key = [
        root.component.component_type,
        root.patternId ?? root.operation ?? root.message.slice(0, 80),
      ].join('\u0000');
      const target = propagation.path.length >= 2 ? propagations : failures;
      const list = target.get(key) ?? [];
      // a chain counts once per root: its episodes with the same root keep the longest path
      const last = list.at(-1);
      if (last?.correlationId !== propagation.correlationId) list.push(propagation);
      else if (propagation.path.length > last.path.length) list[list.length - 1] = propagation;
      target.set(key, list);
    }
  }
  for (const group of propagations.values()) drafts.push(propagationDraft(group, input));
  for (const group of failures.values()) drafts.push(failedStepDraft(group, input));

  // Stuck flows, grouped by the step they stopped at.
  const lastByChain = new Map(input.lastEvents.map((event) => [event.correlationId, event]));
  const stuck = new Map<string, { chain: ChainSummaryRow; last: ChainEventRow }[]>();
  for (const chain of input.chains) {
    if (!conventionStuck(chain, stuckBeforeOf(chain, input))) continue;
    if (input.endedUnmarked?.has(chain.correlationId)) continue;
    const last = lastByChain.get(chain.correlationId);
    if (!last) continue;
    const key = [last.component.component_type, stepOf(last)].join('\u0000');
    const list = stuck.get(key) ?? [];
    list.push({ chain, last });
    stuck.set(key, list);
  }
  for (const group of stuck.values()) drafts.push(stuckDraft(group, input));
  return drafts;
}

/** The time before which a chain of the input is stuck: its kind's (stuckAfterFor), else the input's. */
function stuckBeforeOf(
  chain: ChainSummaryRow,
  input: Pick<FlowInput, 'scope' | 'stuckBefore' | 'kindOf' | 'kindEnds'>,
): Date {
  const kind = input.kindOf?.get(chain.correlationId);
  const ends = kind === undefined ? undefined : input.kindEnds?.get(kind);
  const afterMs = stuckAfterFor(ends);
  return afterMs > settings.stuckAfterMs
    ? new Date(input.scope.to.getTime() - afterMs)
    : input.stuckBefore;
}

/**
 * Whether what was read of the history before `cached.historyBefore` still stands for the history
 * before `historyBefore`: it moved on by less than relearnAfterMs (history moves slowly).
 */
function historyHolds(cached: { historyBefore: number }, historyBefore: Date): boolean {
  const movedMs = historyBefore.getTime() - cached.historyBefore;
  return movedMs >= 0 && movedMs < settings.learned.relearnAfterMs;
}

/** What a cache of history keeps apart: the scope's filters and its length. */
function scopeCacheKey(scope: InsightScope): string {
  return JSON.stringify([
    scope.components ?? [],
    scope.sessionId ?? null,
    scope.to.getTime() - scope.from.getTime(),
  ]);
}

/** What a step is: its operation, else its message pattern (messages of one step differ in their values), else its message. */
function stepOf(event: ChainEventRow): string {
  return event.operation ?? event.patternId ?? event.message.slice(0, 80);
}

function uniqueComponents(components: readonly ComponentRef[]): ComponentRef[] {
  const byKey = new Map(components.map((component) => [componentKey(component), component]));
  return [...byKey.values()];
}

function propagationDraft(group: Propagation[], input: FlowInput): InsightDraft {
  const longest = group.reduce((best, item) => (item.path.length > best.path.length ? item : best));
  const root = longest.root;
  const roots = uniqueComponents(group.map((item) => item.root.component));
  // several replicas at the root: the chains are named by component type
  const byType = roots.length > 1;
  const rootName = byType
    ? `${root.component.component_type} (${roots.length} instances)`
    : componentKey(root.component);
  const pathNames = byType
    ? [...new Set(longest.path.map((step) => step.component.component_type))]
    : longest.path.map((step) => componentKey(step.component));
  const affected = uniqueComponents(
    group.flatMap((item) => item.path.map((step) => step.component)),
  );
  // where the chains' errors went, besides the root: one outage reaches several callers
  const reachedBy = new Map<string, number>();
  for (const item of group)
    for (const type of new Set(item.path.slice(1).map((step) => step.component.component_type)))
      if (type !== root.component.component_type)
        reachedBy.set(type, (reachedBy.get(type) ?? 0) + 1);
  const reached = [...reachedBy].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const others = reached
    .map(([type]) => type)
    .filter((type) => !longest.path.some((step) => step.component.component_type === type));
  // One or two requests whose error passed through their callers are an anecdote in any system
  // where a caller marks a callee's 4xx as its own error (OpenTelemetry's HTTP client spans do):
  // a propagation is worth attention when it repeats.
  const severity: Severity =
    group.length < settings.minPropagationChains
      ? 'low'
      : longest.path.length >= 3 || group.length >= 10
        ? 'high'
        : 'medium';
  const firstAt = new Date(Math.min(...group.map((item) => item.root.timestamp.getTime())));
  const lastAt = new Date(
    Math.max(...group.flatMap((item) => item.path.map((step) => Date.parse(step.at)))),
  );
  return {
    analyzer: 'flow',
    type: 'flow',
    kind: 'error_propagation',
    severity,
    title: `Error propagated ${pathNames.join(' → ')}${others.length ? ` (and to ${describeComponents(others, 2)})` : ''}; probable root cause in ${rootName}${root.operation ? ` ${root.operation}` : ''}`,
    summary:
      `In ${group.length} correlation chain(s) the first error was on ${rootName} ("${root.message.slice(0, 160)}") and ` +
      `errors then reached ${
        reached.length > 1
          ? reached.map(([type, chains]) => `${type} (${chains} chain(s))`).join(', ')
          : describeComponents(pathNames.slice(1))
      }. Fix ${rootName} first: the downstream errors are ` +
      `probably consequences. Example chain ${longest.correlationId} at ${formatTime(root.timestamp)}.`,
    identity: [rootName, root.patternId ?? root.operation ?? root.message.slice(0, 80)],
    affected,
    evidence: {
      root_cause: {
        event_id: root.id,
        component: root.component,
        operation: root.operation,
        message: root.message,
        pattern_id: root.patternId,
        at: root.timestamp.toISOString(),
      },
      chain: { correlation_id: longest.correlationId, path: longest.path },
      ...(byType ? { root_instances: roots } : {}),
      chains: group.length,
      reached: reached.map(([component_type, chains]) => ({ component_type, chains })),
      correlation_ids: group.slice(0, settings.evidenceChains).map((item) => item.correlationId),
      event_ids: longest.path.map((step) => step.first_error_event_id),
    },
    suggestions: [
      `Start with ${componentKey(root.component)}: GET /api/debug/events/${root.id}`,
      `Follow the chain: GET /api/debug/operations/${longest.correlationId}`,
      `Make ${describeComponents(pathNames.slice(1), 2)} degrade gracefully when ${rootName} fails (timeouts, fallbacks, circuit breakers)`,
    ],
    factors: {
      sample_size: sampleSizeFactor(group.length, 3),
      effect_size: effectSizeFactor(longest.path.length - 1, 1),
      recency: recencyFactor(lastAt, input.now, InsightSettings.confidence.recencyHalfLifeMs),
    },
    firstSeen: firstAt,
    lastSeen: lastAt,
    subjects: [
      ...affected.map((component) => `component:${componentKey(component)}`),
      ...(root.patternId ? [`pattern:${root.patternId}`] : []),
    ],
  };
}

function failedStepDraft(group: Propagation[], input: FlowInput): InsightDraft {
  const root = group[0].root;
  const roots = uniqueComponents(group.map((item) => item.root.component));
  const rootName =
    roots.length > 1
      ? `${root.component.component_type} (${roots.length} instances)`
      : componentKey(root.component);
  const firstAt = new Date(Math.min(...group.map((item) => item.root.timestamp.getTime())));
  const lastAt = new Date(Math.max(...group.map((item) => item.root.timestamp.getTime())));
  const step = `${rootName}${root.operation ? ` ${root.operation}` : ''}`;
  return {
    analyzer: 'flow',
    type: 'flow',
    kind: 'failed_step',
    severity: 'low',
    title: `Step failed in ${group.length} flow(s): ${step}`,
    summary:
      `${group.length} correlation chain(s) failed at ${step} ("${root.message.slice(0, 160)}"), ` +
      `between ${formatTime(firstAt)} and ${formatTime(lastAt)}; the error stayed in that component.`,
    identity: [rootName, root.patternId ?? root.operation ?? root.message.slice(0, 80)],
    affected: roots,
    evidence: {
      step: {
        component: root.component,
        operation: root.operation,
        pattern_id: root.patternId,
        message: root.message,
      },
      chains: group.length,
      correlation_ids: group.slice(0, settings.evidenceChains).map((item) => item.correlationId),
      event_ids: group.slice(0, InsightSettings.evidenceEventIds).map((item) => item.root.id),
    },
    suggestions: [
      `Open a failed step: GET /api/debug/events/${root.id}`,
      `Check whether callers of ${step} retry or give up`,
    ],
    factors: {
      sample_size: sampleSizeFactor(group.length, 5),
      effect_size: effectSizeFactor(group.length, 10),
      recency: recencyFactor(lastAt, input.now, InsightSettings.confidence.recencyHalfLifeMs),
    },
    firstSeen: firstAt,
    lastSeen: lastAt,
    subjects: [
      ...roots.map((component) => `component:${componentKey(component)}`),
      ...(root.patternId ? [`pattern:${root.patternId}`] : []),
    ],
  };
}

/** High with many stuck chains, or with several held far past their timeout (settings.stuckHigh). */
export function stuckSeverity(idleMs: readonly number[], timeoutMs: number): Severity {
  const rule = settings.stuckHigh;
  if (idleMs.length >= rule.chains) return 'high';
  const sorted = [...idleMs].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  return idleMs.length >= rule.stalledChains && median >= rule.stalledFactor * timeoutMs
    ? 'high'
    : 'medium';
}

function stuckDraft(
  group: { chain: ChainSummaryRow; last: ChainEventRow }[],
  input: FlowInput,
): InsightDraft {
  const last = group[0].last;
  const stepName = `${last.component.component_type} ${last.operation ?? `"${last.message.slice(0, 80)}"`}`;
  const affected = uniqueComponents(group.map((item) => item.last.component));
  const oldest = group.reduce((best, item) =>
    item.chain.startedAt < best.chain.startedAt ? item : best,
  );
  const waitedMs = input.scope.to.getTime() - oldest.chain.lastAt.getTime();
  const kind = input.kindOf?.get(oldest.chain.correlationId) ?? null;
  const earlier = kind !== null ? input.kindEnds?.get(kind) : undefined;
  const timeoutMs = stuckAfterFor(earlier);
  const severity = stuckSeverity(
    group.map((item) => input.scope.to.getTime() - item.chain.lastAt.getTime()),
    timeoutMs,
  );
  const lastAt = new Date(Math.max(...group.map((item) => item.chain.lastAt.getTime())));
  return {
    analyzer: 'flow',
    type: 'flow',
    kind: 'stuck_flow',
    severity,
    title: `${group.length} flow(s) stuck after ${stepName}`,
    summary:
      `${group.length} correlation chain(s) started and never finished: each last did ${stepName} ` +
      `(on ${describeComponents(affected.map(componentKey))}) and then nothing for over ${round(timeoutMs / 60_000, 1)} min ` +
      `(the oldest has waited ${round(waitedMs / 60_000, 1)} min). Look at what ${stepName} hands work to next: a lost message, ` +
      `a hung call without timeout, or a crashed worker.` +
      (earlier
        ? ` Of ${earlier.started} earlier chains of kind "${kind}" that started, ${earlier.ended} ended with an end marker` +
          (timeoutMs > settings.stuckAfterMs
            ? `, quiet ${round((earlier.quietMs ?? 0) / 60_000, 1)} min at most (p99) before going on: the timeout is ${settings.conventionEnds.quietFactor}× that.`
            : '.')
        : ''),
    identity: [last.component.component_type, stepOf(last)],
    affected,
    evidence: {
      last_step: { component: last.component, operation: last.operation, message: last.message },
      chains: group.length,
      timeout_ms: timeoutMs,
      flow_kind: kind,
      earlier_chains_of_kind: earlier
        ? { started: earlier.started, ended: earlier.ended, longest_quiet_ms: earlier.quietMs }
        : null,
      // every stuck operation, not only the examples: they are what someone has to go and fix
      stuck_ids: group.slice(0, STUCK_IDS).map((item) => item.chain.correlationId),
      examples: group.slice(0, settings.evidenceChains).map((item) => ({
        correlation_id: item.chain.correlationId,
        started_at: item.chain.startedAt.toISOString(),
        last_event_at: item.chain.lastAt.toISOString(),
        last_event_id: item.last.id,
        events: item.chain.events,
      })),
      event_ids: group.slice(0, InsightSettings.evidenceEventIds).map((item) => item.last.id),
    },
    suggestions: [
      `Follow a stuck flow: GET /api/debug/operations/${oldest.chain.correlationId}`,
      `Check the consumer after ${stepName} (queue depth, worker health) and add a timeout that records a failure`,
    ],
    factors: {
      sample_size: sampleSizeFactor(group.length, 3),
      effect_size: effectSizeFactor(waitedMs / timeoutMs, 2),
      recency: recencyFactor(lastAt, input.now, InsightSettings.confidence.recencyHalfLifeMs),
    },
    firstSeen: oldest.chain.startedAt,
    lastSeen: lastAt,
    subjects: affected.map((component) => `component:${componentKey(component)}`),
  };
}

@Injectable()
export class FlowAnalyzer implements Analyzer {
  readonly name = 'flow' as const;

  async analyze(context: AnalysisContext): Promise<InsightDraft[]> {
    const { scope } = context;
    const stuckBefore = new Date(scope.to.getTime() - settings.stuckAfterMs);
    const judgeBefore = new Date(scope.to.getTime() - settings.learned.floorMs);
    const found = await context.problemChains(stuckBefore, settings.chainLimit);
    // a start marker promises an end only where earlier chains of the kind kept the promise
    const kindOf = await context.chainKinds(
      found
        .filter((chain) => startedUnended(chain, stuckBefore))
        .map((chain) => chain.correlationId),
    );
    const kindEnds = await this.kindEnds(context, [...new Set(kindOf.values())]);
    const unpromised = kindsWithoutEnds(kindEnds);
    const chains = found.filter((chain) => {
      const kind = kindOf.get(chain.correlationId);
      return kind === undefined || !unpromised.has(kind);
    });
    const failing = chains.filter((chain) => chain.errors > 0).map((chain) => chain.correlationId);
    const input = { scope, stuckBefore, kindOf, kindEnds };
    // a chain that had errors is stuck too when it recovered from them all (seen below)
    const stuck = chains
      .filter((chain) => startedUnended(chain, stuckBeforeOf(chain, input)))
      .map((chain) => chain.correlationId);
    // chains of kinds whose start promises no end are judged as chains without markers are
    const startedKinds = [...unpromised].sort();
    const [errors, lastEvents, learned] = await Promise.all([
      context.aggregates.chainErrors(failing, scope.from, scope.to, settings.errorEventLimit),
      context.aggregates.lastEvents(stuck, scope.from, scope.to),
      this.learnedFlows(context, judgeBefore, startedKinds),
    ]);
    // the parents of the errors that are not errors themselves: spans that may have ended well
    const errorIds = new Set(errors.map((event) => event.id));
    const parents = [
      ...new Set(
        errors
          .map((event) => event.parentEventId)
          .filter((id): id is string => id !== null && !errorIds.has(id)),
      ),
    ];
    const [succeededParents, latestGood] = await Promise.all([
      context.aggregates.succeededSpans(parents),
      context.aggregates.latestGoodEvents(
        [...new Set(errors.map((event) => event.correlationId))],
        [...new Set(errors.map((event) => event.component.component_type))],
        scope.from,
        scope.to,
      ),
    ]);
    const stuckIds = new Set(stuck);
    const recovered = recoveredChains(
      errors.filter((event) => stuckIds.has(event.correlationId)),
      succeededParents,
      latestGood,
    );
    return [
      ...detectFlows({
        scope,
        now: context.now,
        chains: chains.map((chain) =>
          recovered.has(chain.correlationId) ? { ...chain, errors: 0 } : chain,
        ),
        errors,
        lastEvents,
        succeededParents,
        latestGood,
        stuckBefore,
        kindOf,
        kindEnds,
        endedUnmarked: learned.endedUnmarked,
      }),
      ...learned.drafts,
    ];
  }

  /** Shapes learned by the last runs, per scope filter: history moves slowly, relearned every few minutes. */
  private readonly shapeCache = new Map<
    string,
    { historyBefore: number; shapes: Map<string, KindShape> }
  >();

  /** Earlier chains per kind by the last runs, per scope filter: history moves slowly, as for the shapes. */
  private readonly kindEndsCache = new Map<
    string,
    { historyBefore: number; kindEnds: Map<string, KindEnds>; asked: Set<string> }
  >();

  /** How earlier chains of these kinds ended (startedChainEnds), read again when the history moved on. */
  private async kindEnds(
    context: AnalysisContext,
    kinds: readonly string[],
  ): Promise<Map<string, KindEnds>> {
    if (kinds.length === 0) return new Map();
    const historyBefore = this.historyBefore(context.scope);
    const key = scopeCacheKey(context.scope);
    const cached = this.kindEndsCache.get(key);
    if (cached && historyHolds(cached, historyBefore) && kinds.every((k) => cached.asked.has(k)))
      return cached.kindEnds;
    const kindEnds = await context.startedChainEnds(
      kinds,
      historyBefore,
      settings.conventionEnds.sampleChains,
    );
    // A kind with too few chains before the scope (a new store, a window over all of it) is
    // judged by its chains in the scope that went quiet long ago as well: 90 chains that all
    // started, went on and fell quiet without an end marker show how the kind ends as well as
    // 90 older ones. Only then: with history before the scope, a long outage inside it would
    // count its own hung chains as the kind's normal ends.
    const quietInScope = this.quietInScope(context.scope);
    const young = kinds.filter(
      (kind) => (kindEnds.get(kind)?.started ?? 0) < settings.conventionEnds.minStarted,
    );
    if (young.length > 0 && quietInScope > historyBefore) {
      const inScope = await context.startedChainEnds(
        young,
        quietInScope,
        settings.conventionEnds.sampleChains,
      );
      for (const [kind, ends] of inScope) kindEnds.set(kind, ends);
    }
    if (this.kindEndsCache.size >= 20) this.kindEndsCache.clear();
    this.kindEndsCache.set(key, {
      historyBefore: historyBefore.getTime(),
      kindEnds,
      asked: new Set(kinds),
    });
    return kindEnds;
  }

  /** Chains of the scope quiet before this went quiet long ago: what a new store learns from. */
  private quietInScope(scope: InsightScope): Date {
    return new Date(scope.to.getTime() - settings.learned.historyQuietMs);
  }

  /** Chains quiet before this are history: before the scope, and quiet for historyQuietMs at least. */
  private historyBefore(scope: InsightScope): Date {
    return new Date(
      Math.min(scope.from.getTime(), scope.to.getTime() - settings.learned.historyQuietMs),
    );
  }

  /**
   * Stuck and broken flows judged against the shapes learned from the chains' history
   * (flow-shapes.ts), and the chains a start marker left open that ended all the same.
   */
  private async learnedFlows(
    context: AnalysisContext,
    judgeBefore: Date,
    startedKinds: readonly string[],
  ): Promise<{ drafts: InsightDraft[]; endedUnmarked: ReadonlySet<string> }> {
    const { scope } = context;
    const learned = settings.learned;
    const historyBefore = this.historyBefore(scope);
    const cacheKey = scopeCacheKey(scope);
    const cached = this.shapeCache.get(cacheKey);
    const fresh = cached && historyHolds(cached, historyBefore);
    // without the patterns module (a bare context), a step without an operation reads as its text
    const maskValues: MaskValues = (message) => context.patterns?.maskValues(message) ?? message;
    const limits = (history: boolean, judged: boolean) => ({
      historyChains: history ? learned.historyChains : 0,
      judgedChains: judged ? learned.judgedChains : 0,
      maxKinds: learned.maxKinds,
    });
    // Chains with an end marker are judged (for a skipped step) when the shapes are learned
    // again, every relearnAfterMs: that reads every ended chain of the scope. Those without
    // one (stuck or ended unmarked) are judged on every run: few, where chains mark their ends.
    const judgeEnded = !fresh;
    const ids = await context.flowChainIds(
      historyBefore,
      judgeBefore,
      limits(!fresh, true),
      judgeEnded,
    );
    if (ids.judged.length === 0) return { drafts: [], endedUnmarked: new Set() };
    const read = (correlationIds: readonly string[]) =>
      context.aggregates.shapeChains(
        scope,
        correlationIds,
        context.baselineFrom,
        learned.eventsHead,
        learned.eventsTail,
        startedKinds,
      );
    const [history, judged] = await Promise.all([
      fresh ? null : read(ids.history),
      read(ids.judged),
    ]);
    let shapes = cached?.shapes;
    if (!fresh || !shapes) {
      shapes = learnShapes(history ?? [], learned, maskValues, scope.to.getTime());
      // Nothing before the scope to learn from (a new store, a window over all of it): the
      // scope's own chains that went quiet long ago teach the shapes. A hang of a minority of
      // a kind's chains still stops where few chains end (maxEndFraction).
      const quietInScope = this.quietInScope(scope);
      const learnable = [...shapes.values()].some((shape) => shape.chains >= learned.minChains);
      if (!learnable && quietInScope > historyBefore) {
        const inScope = await context.flowChainIds(
          quietInScope,
          judgeBefore,
          limits(true, false),
          false,
        );
        shapes = learnShapes(await read(inScope.history), learned, maskValues, scope.to.getTime());
      }
      if (this.shapeCache.size >= 20) this.shapeCache.clear();
      this.shapeCache.set(cacheKey, { historyBefore: historyBefore.getTime(), shapes });
    }
    return judgeLearnedFlows({ scope, now: context.now, shapes, judged });
  }
}

export interface LearnedFlowInput {
  scope: InsightScope;
  now: Date;
  /** Shapes learned from chains without errors that went quiet long ago (learnShapes). */
  shapes: ReadonlyMap<string, KindShape>;
  /** Chains without errors whose last event is in the scope. */
  judged: readonly FlowChain[];
}

/**
 * Stuck and broken flows against the learned shapes, and the chains a start marker left open
 * that ended where their kind's chains end.
 */
export function judgeLearnedFlows(input: LearnedFlowInput): {
  drafts: InsightDraft[];
  endedUnmarked: ReadonlySet<string>;
} {
  const judgement = judgeChains(input.judged, input.shapes, input.scope.to, settings.learned);
  return {
    drafts: [
      ...judgement.stuck.map((group) => learnedStuckDraft(group, input)),
      ...skippedTogether(judgement.broken).map(([group, ...also]) =>
        brokenDraft(group, input, also),
      ),
    ],
    endedUnmarked: judgement.endedUnmarked,
  };
}

/**
 * Skipped steps grouped where the same chains skipped them: a stage that logs two lines ("screening
 * 2 parties" … "screening clear") skipped once is one finding, not one per line. The most
 * present step leads each group.
 */
function skippedTogether(broken: readonly LearnedBroken[]): LearnedBroken[][] {
  const groups = new Map<string, LearnedBroken[]>();
  for (const group of [...broken].sort((a, b) => b.presence - a.presence)) {
    const key = [group.shape.kind, ...group.chains.map((chain) => chain.correlationId).sort()].join(
      '\u0000',
    );
    groups.set(key, [...(groups.get(key) ?? []), group]);
  }
  return [...groups.values()];
}

const minutes = (ms: number) => round(ms / 60_000, 1);

function learnedStuckDraft(group: LearnedStuck, input: LearnedFlowInput): InsightDraft {
  const { shape, step, usualNext } = group;
  const oldest = group.chains.reduce((best, item) => (item.idleMs > best.idleMs ? item : best));
  const affected = uniqueComponents(group.chains.map((item) => item.last.component));
  const lastAt = new Date(Math.max(...group.chains.map((item) => item.last.at)));
  const firstAt = new Date(
    Math.min(...group.chains.map((item) => Math.min(...item.chain.events.map((e) => e.startedAt)))),
  );
  const next = usualNext
    ? `${usualNext.label} (after ${round(usualNext.share * 100)}% of the passes)`
    : 'nothing recorded';
  return {
    analyzer: 'flow',
    type: 'flow',
    kind: 'stuck_flow',
    severity: stuckSeverity(
      group.chains.map((item) => item.idleMs),
      group.thresholdMs,
    ),
    title: `${group.chains.length} "${shape.kind}" flow(s) stuck after ${step.label}`,
    summary:
      `${group.chains.length} correlation chain(s) of kind "${shape.kind}" last did ${step.label} and then nothing for ` +
      `${minutes(oldest.idleMs)} min at most (threshold ${minutes(group.thresholdMs)} min: the p99 gap after this step, ` +
      `${round((step.p99GapMs ?? 0) / 1000, 1)} s, × ${settings.learned.gapFactor}, at least ${minutes(settings.learned.floorMs)} min). ` +
      `Of ${step.chains} earlier chains that passed this step, ${round(step.endFraction * 100, 1)}% ended there ` +
      `(learned from ${shape.chains} completed chains of the kind). Normally next: ${next}.`,
    identity: ['learned', shape.kind, step.step],
    affected,
    evidence: {
      method: 'learned_shape',
      flow_kind: shape.kind,
      // a stuck chain's own last event: the shape's step is one earlier chain's, on any instance
      last_step: {
        component: oldest.last.component,
        operation: oldest.last.operation,
        message: oldest.last.message,
      },
      usual_next: usualNext ? { step: usualNext.label, share: round(usualNext.share, 3) } : null,
      chains: group.chains.length,
      idle_ms: Math.round(oldest.idleMs),
      threshold_ms: Math.round(group.thresholdMs),
      p99_gap_ms: step.p99GapMs,
      gap_factor: settings.learned.gapFactor,
      floor_ms: settings.learned.floorMs,
      end_fraction: round(step.endFraction, 4),
      step_chains: step.chains,
      history_chains: shape.chains,
      stuck_ids: group.chains.slice(0, STUCK_IDS).map((item) => item.chain.correlationId),
      examples: group.chains.slice(0, settings.evidenceChains).map((item) => ({
        correlation_id: item.chain.correlationId,
        last_event_id: item.last.id,
        last_event_at: new Date(item.last.at).toISOString(),
        idle_ms: Math.round(item.idleMs),
        events: item.chain.events.length,
      })),
      event_ids: group.chains
        .slice(0, InsightSettings.evidenceEventIds)
        .map((item) => item.last.id),
    },
    suggestions: [
      `Follow a stuck flow: GET /api/debug/operations/${oldest.chain.correlationId}`,
      usualNext
        ? `Check why ${usualNext.label} did not follow ${step.label} (a lost message, a hung call, a crashed worker)`
        : `Check what ${step.label} hands work to next`,
    ],
    factors: {
      sample_size: sampleSizeFactor(group.chains.length, 3),
      effect_size: effectSizeFactor(oldest.idleMs / group.thresholdMs - 1, 1),
      recency: recencyFactor(lastAt, input.now, InsightSettings.confidence.recencyHalfLifeMs),
    },
    firstSeen: firstAt,
    lastSeen: lastAt,
    subjects: affected.map((component) => `component:${componentKey(component)}`),
  };
}

function brokenDraft(
  group: LearnedBroken,
  input: LearnedFlowInput,
  also: readonly LearnedBroken[] = [],
): InsightDraft {
  const { shape, step } = group;
  const chains = group.chains;
  const affected = uniqueComponents([shape.component, step.component]);
  const times = chains.flatMap((chain) => chain.events.map((event) => event.at));
  const lastEvents = chains.map((chain) => chain.events[chain.events.length - 1]);
  const where = [
    group.usualPrevious ? `after ${group.usualPrevious}` : null,
    group.usualNext ? `before ${group.usualNext}` : null,
  ]
    .filter(Boolean)
    .join(', ');
  const observedRate = chains.length / group.ended;
  return {
    analyzer: 'flow',
    type: 'flow',
    kind: 'broken_flow',
    severity: chains.length >= 10 ? 'high' : 'medium',
    title: `${chains.length} "${shape.kind}" flow(s) skipped ${step.label}${group.given ? ` (a step that comes with ${group.given.label})` : ''}`,
    summary:
      `${chains.length} of ${group.ended} chain(s) of kind "${shape.kind}" that ended normally` +
      `${group.given ? ` and passed ${group.given.label}` : ''} never did ${step.label}` +
      `${where ? ` (normally ${where})` : ''}, a step ${round(group.presence * 100, 1)}% of ` +
      `${group.given ? `the ${group.given.chains} earlier completed chains that passed ${group.given.label}` : `${shape.chains} earlier completed chains`} ` +
      `passed. Expected skip rate ${round(group.expectedMissRate * 100, 2)}%, observed ` +
      `${round(observedRate * 100, 1)}%: chance by luck ${group.chance.toExponential(1)}. ` +
      (also.length > 0
        ? `The same chains also skipped ${also.map((other) => other.step.label).join(', ')}. `
        : '') +
      `A branch that returns early, a swallowed error or a skipped check.`,
    identity: ['learned-broken', shape.kind, step.step],
    affected,
    evidence: {
      method: 'learned_shape',
      flow_kind: shape.kind,
      skipped_step: { component: step.component, operation: step.operation, message: step.message },
      ...(also.length > 0
        ? {
            also_skipped: also.map((other) => ({
              component: other.step.component,
              operation: other.step.operation,
              message: other.step.message,
            })),
          }
        : {}),
      usual_previous: group.usualPrevious,
      usual_next: group.usualNext,
      presence: round(group.presence, 4),
      ...(group.given
        ? {
            given_step: {
              component: group.given.component,
              operation: group.given.operation,
              message: group.given.message,
              history_chains: group.given.chains,
            },
          }
        : {}),
      history_chains: shape.chains,
      ended_chains: group.ended,
      chains: chains.length,
      expected_skip_rate: round(group.expectedMissRate, 5),
      observed_skip_rate: round(observedRate, 4),
      chance: group.chance,
      correlation_ids: chains.slice(0, settings.evidenceChains).map((chain) => chain.correlationId),
      event_ids: lastEvents.slice(0, InsightSettings.evidenceEventIds).map((event) => event.id),
    },
    suggestions: [
      `Compare a broken flow with a normal one: GET /api/debug/operations/${chains[0].correlationId}`,
      `Look for a path that skips ${step.label}${group.usualPrevious ? ` after ${group.usualPrevious}` : ''}`,
    ],
    factors: {
      sample_size: sampleSizeFactor(chains.length, 5),
      effect_size: effectSizeFactor(
        Math.log10(settings.learned.brokenMaxChance / Math.max(group.chance, 1e-300)),
        3,
      ),
      recency: recencyFactor(
        new Date(Math.max(...times)),
        input.now,
        InsightSettings.confidence.recencyHalfLifeMs,
      ),
    },
    firstSeen: new Date(Math.min(...times)),
    lastSeen: new Date(Math.max(...times)),
    subjects: affected.map((component) => `component:${componentKey(component)}`),
  };
}
