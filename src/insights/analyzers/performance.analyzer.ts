import { Injectable } from '@nestjs/common';
import { effectSizeFactor, recencyFactor, sampleSizeFactor } from '../confidence.js';
import type {
  ChainEventRow,
  DurationMomentsRow,
  DurationStatsRow,
} from '../insight-aggregates.repository.js';
import { InsightSettings } from '../insight-settings.js';
import {
  type ComponentRef,
  componentKey,
  type InsightDraft,
  type InsightScope,
  SEVERITY_RANK,
  type Severity,
} from '../insight.types.js';
import { round } from '../robust-stats.js';
import { type AnalysisContext, type Analyzer, formatTime } from './analyzer.js';

const settings = InsightSettings.performance;

export interface Regression {
  current: DurationStatsRow;
  previous: DurationStatsRow;
  p95Ratio: number;
  p50Ratio: number;
  /** Calls of the scope at or above the previous p95, and the chance of as many by luck (regressionChance). */
  above?: number;
  chance?: number;
  /** When it began inside the scope (onsetOf), and the calls since then. */
  onset?: { at: Date; count: number; p50: number; p95: number; p99: number };
  /** State changes of the component's type shortly before the onset (a release, a setting). */
  changes?: { component: ComponentRef; at: Date; changes: { path: string; value: unknown }[] }[];
}

/** "tariff-2 /version → "5.3.0", /quote_engine → "rules-v2" at 09:42:04 (also tariff-1, tariff-3)". */
function describeChanges(changes: NonNullable<Regression['changes']>): string {
  const [first] = changes;
  const paths = first.changes
    .slice(0, 3)
    .map((change) => `${change.path} → ${JSON.stringify(change.value)}`)
    .join(', ');
  const others = [
    ...new Set(
      changes
        .slice(1)
        .map((change) => change.component.component_id)
        .filter((id) => id !== first.component.component_id),
    ),
  ];
  return (
    `${first.component.component_id} ${paths} at ${formatTime(first.at)}` +
    (others.length ? ` (also ${others.slice(0, 4).join(', ')})` : '')
  );
}

/**
 * When calls above the previous p95 began to crowd, from per-minute counts of the scope: the
 * minute from which the calls above, less `share` of all calls, add up to the most (the
 * cumulative-sum change point). Before a regression about 5% of calls pass the old p95 (fewer
 * where durations repeat: strictly above, a p95 that is the usual maximum is passed by none);
 * after it, most do. Null when that is the scope's first minute (it began before the scope) or nothing
 * crowds.
 */
export function onsetOf(
  minutes: readonly { minute: Date; calls: number; above: number }[],
  share = settings.onsetShare,
): Date | null {
  let sum = 0;
  let best = 0;
  let at = -1;
  for (let index = minutes.length - 1; index >= 0; index--) {
    sum += minutes[index].above - share * minutes[index].calls;
    if (sum > best) [best, at] = [sum, index];
  }
  return at > 0 ? minutes[at].minute : null;
}

export interface CriticalPathStep {
  event_id: string;
  component_type: string;
  component_id: string;
  operation: string | null;
  duration_ms: number;
  share: number;
}

export interface CriticalPath {
  correlation_id: string;
  total_ms: number;
  elapsed_ms: number;
  steps: CriticalPathStep[];
  /** 'parent-links' when the chain's parent_event_id tree was followed, 'slowest-steps' otherwise. */
  method: 'parent-links' | 'slowest-steps';
}

/**
 * A regression whose slowest call spent at least half of its time in a deeper operation that is
 * itself reported slower in the same run is that operation's consequence: a slow database query
 * makes every request above it slow. Read from the chain's critical path by parent links (the
 * heaviest branch from the root): the regression's own operation must be on it, and the cause
 * is the last step below it, taking ≥ 1/2 of its duration. Such a regression is kept, at low
 * severity, naming where the time went; the deeper one carries the finding. Without parent
 * links (the chain's slowest steps) nothing says who waits on whom, and nothing is marked.
 */
export function markConsequences(drafts: InsightDraft[]): InsightDraft[] {
  const operationOf = (type: string, operation: unknown) => `${type}\u0000${String(operation)}`;
  const ownOperation = (draft: InsightDraft) =>
    operationOf(draft.affected[0]?.component_type ?? '', draft.evidence.operation);
  const reported = new Set(drafts.map(ownOperation));
  return drafts.map((draft) => {
    const path = draft.evidence.critical_path as CriticalPath | null | undefined;
    if (!path || path.method !== 'parent-links') return draft;
    const own = ownOperation(draft);
    const at = path.steps.findIndex(
      (step) => operationOf(step.component_type, step.operation) === own,
    );
    if (at < 0 || at === path.steps.length - 1) return draft;
    const deepest = path.steps[path.steps.length - 1];
    const share = deepest.duration_ms / Math.max(path.steps[at].duration_ms, 1e-9);
    const cause = operationOf(deepest.component_type, deepest.operation);
    if (share < 0.5 || cause === own || !reported.has(cause)) return draft;
    const where = `${deepest.component_type}/${deepest.component_id} ${deepest.operation}`;
    return {
      ...draft,
      severity: 'low',
      summary:
        `Most of the slowest call's time (${Math.round(Math.min(1, share) * 100)}%) was spent in ${where}, ` +
        `which it waits on and which is itself reported slower in this run: this is its consequence. ${draft.summary}`,
      evidence: {
        ...draft.evidence,
        explained_by: {
          component_type: deepest.component_type,
          component_id: deepest.component_id,
          operation: deepest.operation,
          share: round(Math.min(1, share), 3),
        },
      },
    };
  });
}

/**
 * Regressions of one operation on several instances of a component type are one finding: the
 * replicas of a service run the same code against the same dependencies, and when two or three
 * of them got slower at once the cause is one they share (a dependency, a release, the load), not
 * one host. The most severe (then the largest p95 ratio) leads; the others are listed in
 * `evidence.instances` with their numbers. A regression on one instance alone stays its own.
 */
export function groupReplicas(drafts: readonly InsightDraft[]): InsightDraft[] {
  const groups = new Map<string, InsightDraft[]>();
  for (const draft of drafts) {
    const key = `${draft.affected[0]?.component_type ?? ''}\u0000${String(draft.evidence.operation)}`;
    groups.set(key, [...(groups.get(key) ?? []), draft]);
  }
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0];
    const ratio = (draft: InsightDraft) =>
      Number(draft.evidence.p95_ratio ?? draft.evidence.ratio_to_baseline_p99 ?? 0);
    const ordered = [...group].sort(
      (a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || ratio(b) - ratio(a),
    );
    const [lead, ...others] = ordered;
    const type = lead.affected[0].component_type;
    const operation = String(lead.evidence.operation);
    const ids = others.map((draft) => draft.affected[0].component_id);
    return {
      ...lead,
      title: `${lead.title}; also on ${ids.join(', ')}`,
      summary:
        `${lead.summary} The same operation got slower on ${others.length} other instance(s) of ${type} ` +
        `(${others
          .map((draft) => {
            const current = draft.evidence.current as { p95_ms?: number } | undefined;
            return `${draft.affected[0].component_id}: p95 ${current?.p95_ms ?? '?'} ms, ${round(ratio(draft), 1)}×`;
          })
          .join('; ')}): a cause they share (a dependency, a release, the load), not one host.`,
      identity: [`${type}/*`, operation],
      affected: ordered.map((draft) => draft.affected[0]),
      evidence: {
        ...lead.evidence,
        instances: ordered.map((draft) => ({
          component: draft.affected[0],
          severity: draft.severity,
          p95_ratio: round(ratio(draft)),
          current: draft.evidence.current,
          previous: draft.evidence.previous,
          ...(draft.evidence.explained_by ? { explained_by: draft.evidence.explained_by } : {}),
        })),
      },
      firstSeen: new Date(Math.min(...group.map((draft) => draft.firstSeen.getTime()))),
      lastSeen: new Date(Math.max(...group.map((draft) => draft.lastSeen.getTime()))),
      subjects: [...new Set(group.flatMap((draft) => draft.subjects ?? []))],
    };
  });
}

/**
 * First pass: pairs whose mean, spread or mean + 2 standard deviations grew enough (against the
 * moments' previous window: the whole baseline) that their p95 may have; only those get exact
 * percentiles (a sort) against the window just before the scope in the second pass. Loose on
 * purpose: a tail-only regression moves the spread even when the mean barely moves.
 */
export function regressionCandidates(rows: readonly DurationMomentsRow[]): DurationMomentsRow[] {
  const describe = ({ n, sum, squares }: DurationMomentsRow['current']) => {
    const mean = sum / Math.max(n, 1);
    const sd = Math.sqrt(Math.max(0, squares / Math.max(n, 1) - mean * mean));
    return { mean, sd, high: mean + 2 * sd };
  };
  return rows.filter((row) => {
    if (row.current.n < settings.minSamples || row.previous.n < settings.minSamples) return false;
    const now = describe(row.current);
    const before = describe(row.previous);
    return (
      now.mean >= 1.2 * before.mean || now.sd >= 1.5 * before.sd || now.high >= 1.3 * before.high
    );
  });
}

/** Operations whose p95 in the scope grew past the ratio and delta against the window before. */
export function findRegressions(rows: readonly DurationStatsRow[]): Regression[] {
  const key = (row: DurationStatsRow) => `${componentKey(row.component)}\u0000${row.operation}`;
  const previous = new Map(rows.filter((row) => !row.current).map((row) => [key(row), row]));
  const regressions: Regression[] = [];
  for (const current of rows.filter((row) => row.current)) {
    const before = previous.get(key(current));
    if (!before || current.count < settings.minSamples || before.count < settings.minSamples)
      continue;
    const p95Ratio = current.p95 / Math.max(before.p95, 1e-9);
    if (
      p95Ratio < settings.regressionRatio ||
      current.p95 - before.p95 < settings.regressionMinDeltaMs
    )
      continue;
    regressions.push({
      current,
      previous: before,
      p95Ratio,
      p50Ratio: current.p50 / Math.max(before.p50, 1e-9),
    });
  }
  return regressions.sort((a, b) => b.p95Ratio - a.p95Ratio);
}

/**
 * The chance that `above` or more of the scope's `calls` reach the previous window's p95 if
 * nothing changed. A p95 of tens of calls is their second or third largest, and moves by half
 * between two windows of the same distribution now and then; what a real regression changes is
 * how many calls are that slow. Each call of an unchanged operation reaches the previous p95
 * with the share of previous calls at or above it, about 5% (add-one estimate over the previous
 * window's calls, so that a short window does not make it certain).
 */
export function regressionChance(regression: Regression, above: number): number {
  const m = regression.previous.count;
  const share = (Math.ceil(0.05 * m) + 1) / (m + 2);
  return binomialTail(regression.current.count, above, share);
}

/** P(X ≥ k) for X ~ Binomial(n, p): the chance that k or more of n calls exceed a level each exceeds with chance p. */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n || p <= 0) return 0;
  if (p >= 1) return 1;
  let logTerm = k * Math.log(p) + (n - k) * Math.log1p(-p);
  for (let i = 0; i < k; i++) logTerm += Math.log(n - i) - Math.log(i + 1);
  let term = Math.exp(logTerm);
  let sum = term;
  for (let i = k; i < n && term > sum * 1e-15; i++) {
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
    sum += term;
  }
  return Math.min(1, sum);
}

/** Mean and standard deviation from count, sum and sum of squares. */
export function momentsOf({ n, sum, squares }: DurationMomentsRow['current']): {
  mean: number;
  sd: number;
} {
  const mean = sum / Math.max(n, 1);
  return { mean, sd: Math.sqrt(Math.max(0, squares / Math.max(n, 1) - mean * mean)) };
}

/**
 * Pairs whose calls in the scope are too few for the percentile rule but whose mean at least
 * doubled against the whole baseline (the baseline must hold enough calls to describe).
 */
export function fewCallCandidates(rows: readonly DurationMomentsRow[]): DurationMomentsRow[] {
  return rows.filter((row) => {
    if (row.current.n < settings.fewCallsMin || row.previous.n < settings.fewCallsBaselineMin)
      return false;
    const now = momentsOf(row.current);
    const before = momentsOf(row.previous);
    return now.mean >= 2 * before.mean && now.mean - before.mean >= settings.regressionMinDeltaMs;
  });
}

export interface FewCallsRegression {
  current: DurationStatsRow;
  baseline: DurationStatsRow;
  baselineMean: number;
  baselineSd: number;
  /** The slow calls: how many of the scope's calls reached `thresholdMs`. */
  slowCalls: number;
  calls: number;
  thresholdMs: number;
  /** Bound on the chance that one baseline-like call reaches the threshold. */
  perCallChance: number;
  /** Bound on the chance that `slowCalls` of `calls` baseline-like calls reach it (corrected for the levels tried). */
  chance: number;
  /** thresholdMs / baseline p99. */
  ratio: number;
}

/**
 * A large effect on few calls. Under "nothing changed", each call of the scope is another draw
 * of the baseline's distribution, so the chance that it reaches a level d is at most
 *  - 1 − 0.99 (or 1/(m+1) for a baseline of m calls) when d is above the baseline p99, and
 *  - 1/(1 + t²) with t = (d − mean)/sd (Cantelli's inequality: any distribution with that mean and sd);
 * and the chance that k of the scope's n calls reach it is a binomial tail. Trying each of the
 * largest calls as the level d (the k-th largest with k calls at or above it), the smallest tail
 * times the number of levels tried is the chance by luck. Reported when it is ≤ 1e-4, the slow
 * calls are ≥ 2 and each is ≥ 2× the baseline p99, and they are ≥ 5% of the calls made since
 * the first of them (`callsSince[k − 1]` for the k largest; without it, of the scope's calls): a
 * regression sets in and then holds most calls, wherever in the scope it began, while outliers
 * spread over the scope stay a small share of the calls around them.
 */
export function fewCallsRegression(
  moments: DurationMomentsRow,
  current: DurationStatsRow,
  baseline: DurationStatsRow,
  largest: readonly number[],
  callsSince?: readonly number[],
): FewCallsRegression | null {
  const { mean, sd } = momentsOf(moments.previous);
  // a near-constant baseline would make any change infinitely unlikely: at least 10% of its mean, 1 ms
  const spread = Math.max(sd, 0.1 * mean, 1);
  const calls = Math.max(moments.current.n, largest.length);
  const m = baseline.count;
  let best: FewCallsRegression | null = null;
  for (let k = settings.fewCallsMin; k <= largest.length; k++) {
    const level = largest[k - 1];
    if (k < 0.05 * (callsSince?.[k - 1] ?? calls)) continue;
    if (
      level < settings.fewCallsMinRatio * baseline.p99 ||
      level - baseline.p99 < settings.regressionMinDeltaMs
    )
      break;
    const t = (level - mean) / spread;
    const quantileBound = Math.max(0.01, 1 / (m + 1));
    const perCallChance = Math.min(quantileBound, t > 0 ? 1 / (1 + t * t) : 1);
    const chance = Math.min(1, binomialTail(calls, k, perCallChance) * largest.length);
    if (!best || chance < best.chance) {
      best = {
        current,
        baseline,
        baselineMean: mean,
        baselineSd: sd,
        slowCalls: k,
        calls,
        thresholdMs: level,
        perCallChance,
        chance,
        ratio: level / Math.max(baseline.p99, 1e-9),
      };
    }
  }
  return best && best.chance <= settings.fewCallsMaxChance ? best : null;
}

export function fewCallsDraft(
  regression: FewCallsRegression,
  context: RegressionContext,
): InsightDraft {
  const { current, baseline } = regression;
  const name = `${componentKey(current.component)} ${current.operation}`;
  const severity: Severity =
    regression.chance <= settings.fewCallsHighChance && regression.ratio >= 3 ? 'high' : 'medium';
  const chanceText =
    regression.chance < 1e-12 ? '< 1e-12' : `≈ ${regression.chance.toExponential(1)}`;
  return {
    analyzer: 'performance',
    type: 'performance',
    kind: 'regression',
    severity,
    title:
      `Latency regression: ${name} ${regression.slowCalls} of ${regression.calls} call(s) took ≥ ${round(regression.thresholdMs)} ms ` +
      `(baseline p99 ${round(baseline.p99)} ms, ${round(regression.ratio, 1)}×)`,
    summary:
      `${name} got much slower on few calls: ${regression.slowCalls} of its ${regression.calls} call(s) in the scope took ` +
      `${round(regression.thresholdMs)} ms or more, against a p50 of ${round(baseline.p50)} ms and a p99 of ${round(baseline.p99)} ms ` +
      `over ${baseline.count} calls before (mean ${round(regression.baselineMean)} ms, sd ${round(regression.baselineSd)} ms). ` +
      `If nothing had changed, the chance of so many calls that slow is ${chanceText} (each at most ` +
      `${regression.perCallChance.toExponential(1)}); the finding rests on ${regression.slowCalls} call(s). ` +
      `Look at what changed in ${componentKey(current.component)} or the dependency it waits on.`,
    identity: [componentKey(current.component), current.operation],
    affected: [current.component],
    evidence: {
      operation: current.operation,
      method: 'few_calls',
      current: statsOf(current),
      previous: statsOf(baseline),
      baseline: {
        ...statsOf(baseline),
        mean_ms: round(regression.baselineMean),
        sd_ms: round(regression.baselineSd),
      },
      slow_calls: regression.slowCalls,
      calls: regression.calls,
      threshold_ms: round(regression.thresholdMs),
      ratio_to_baseline_p99: round(regression.ratio),
      per_call_chance: regression.perCallChance,
      chance: regression.chance,
      slowest_event_id: context.slowestEventId ?? null,
      critical_path: context.path ?? null,
      ...(context.slowestEventId ? { event_ids: [context.slowestEventId] } : {}),
    },
    suggestions: [
      `Open the slowest call${context.path ? ` and its chain: GET /api/debug/operations/${context.path.correlation_id}` : ''}`,
      `Compare ${componentKey(current.component)}'s dependencies (database, downstream calls) over ${formatTime(context.scope.from)} – ${formatTime(context.scope.to)}`,
    ],
    factors: {
      // few calls: a low sample-size factor says how little the finding rests on
      sample_size: sampleSizeFactor(regression.slowCalls, 5),
      effect_size: effectSizeFactor(regression.ratio - 1, 1),
      recency: recencyFactor(
        context.slowestAt ?? context.scope.to,
        context.now,
        InsightSettings.confidence.recencyHalfLifeMs,
      ),
    },
    firstSeen: context.scope.from,
    lastSeen: context.slowestAt ?? context.scope.to,
    subjects: [`component:${componentKey(current.component)}`],
    sample: { component: current.component, from: context.scope.from, to: context.scope.to },
  };
}

/**
 * The critical path of a chain: following parent_event_id from the roots (or from one call of
 * it), the branch with the largest total duration. Without parent links, the slowest steps of
 * the chain.
 */
export function criticalPath(
  events: readonly ChainEventRow[],
  /** The call to follow down from (the regression's slowest), when it is in the chain; else the roots. */
  fromId?: string,
): CriticalPath | null {
  const timed = events.filter((event) => event.durationMs !== null);
  if (timed.length === 0) return null;
  const byId = new Map(events.map((event) => [event.id, event]));
  const children = new Map<string, ChainEventRow[]>();
  for (const event of events) {
    if (event.parentEventId && byId.has(event.parentEventId)) {
      const list = children.get(event.parentEventId) ?? [];
      list.push(event);
      children.set(event.parentEventId, list);
    }
  }
  const first = events[0].timestamp.getTime();
  const elapsed =
    Math.max(...events.map((event) => event.timestamp.getTime() + (event.durationMs ?? 0))) - first;
  const toStep = (event: ChainEventRow, total: number): CriticalPathStep => ({
    event_id: event.id,
    component_type: event.component.component_type,
    component_id: event.component.component_id,
    operation: event.operation,
    duration_ms: round(event.durationMs ?? 0),
    share: round((event.durationMs ?? 0) / Math.max(total, 1e-9), 3),
  });

  if (children.size > 0) {
    const best = new Map<string, { total: number; path: ChainEventRow[] }>();
    const walk = (
      event: ChainEventRow,
      depth: number,
    ): { total: number; path: ChainEventRow[] } => {
      const known = best.get(event.id);
      if (known) return known;
      let heaviest = { total: 0, path: [] as ChainEventRow[] };
      if (depth < 200) {
        for (const child of children.get(event.id) ?? []) {
          const candidate = walk(child, depth + 1);
          if (candidate.total > heaviest.total) heaviest = candidate;
        }
      }
      // A parent's duration includes its children's when both are spans; count the larger.
      const own = event.durationMs ?? 0;
      const result =
        own >= heaviest.total
          ? { total: own, path: [event, ...heaviest.path] }
          : { total: heaviest.total, path: [event, ...heaviest.path] };
      best.set(event.id, result);
      return result;
    };
    // from the slow call itself: the chain's heaviest branch from its root may not pass it (an
    // event-driven trace's root ends at intake, and its longest branch waits for a person)
    const start = fromId !== undefined ? byId.get(fromId) : undefined;
    const roots = start
      ? [start]
      : events.filter((event) => !event.parentEventId || !byId.has(event.parentEventId));
    let top = { total: 0, path: [] as ChainEventRow[] };
    for (const root of roots) {
      const candidate = walk(root, 0);
      if (candidate.total > top.total) top = candidate;
    }
    const path = top.path.filter((event) => event.durationMs !== null);
    return {
      correlation_id: events[0].correlationId,
      total_ms: round(top.total),
      elapsed_ms: round(elapsed),
      steps: path.map((event) => toStep(event, top.total)),
      method: 'parent-links',
    };
  }
  const slowest = [...timed].sort((a, b) => (b.durationMs ?? 0) - (a.durationMs ?? 0)).slice(0, 5);
  const total = timed.reduce((sum, event) => sum + (event.durationMs ?? 0), 0);
  return {
    correlation_id: events[0].correlationId,
    total_ms: round(total),
    elapsed_ms: round(elapsed),
    steps: slowest.map((event) => toStep(event, total)),
    method: 'slowest-steps',
  };
}

export interface RegressionContext {
  scope: InsightScope;
  now: Date;
  slowestEventId?: string | null;
  /** When the slowest call of the scope happened: the evidence time of the regression. */
  slowestAt?: Date | null;
  path?: CriticalPath | null;
}

export function regressionDraft(regression: Regression, context: RegressionContext): InsightDraft {
  const { current, previous } = regression;
  const name = `${componentKey(current.component)} ${current.operation}`;
  const severity: Severity =
    regression.p95Ratio >= 3 ? 'high' : regression.p95Ratio >= 2 ? 'medium' : 'low';
  const pathText =
    context.path && context.path.steps.length > 0
      ? ` On the slowest chain (${context.path.correlation_id}) the time goes to ` +
        context.path.steps
          .slice(0, 3)
          .map(
            (step) =>
              `${step.component_type}/${step.component_id} ${step.operation ?? '?'} ${step.duration_ms} ms`,
          )
          .join(', ') +
        '.'
      : '';
  return {
    analyzer: 'performance',
    type: 'performance',
    kind: 'regression',
    severity,
    title: `Latency regression: ${name} p95 ${round(current.p95)} ms (was ${round(previous.p95)} ms, ${round(regression.p95Ratio, 1)}×)`,
    summary:
      `${name} got slower: p50 ${round(previous.p50)} → ${round(current.p50)} ms, p95 ${round(previous.p95)} → ` +
      `${round(current.p95)} ms, p99 ${round(previous.p99)} → ${round(current.p99)} ms over ${current.count} calls ` +
      `(${previous.count} in the window before)` +
      (regression.onset
        ? `; it began about ${formatTime(regression.onset.at)}: since then p50 ${round(regression.onset.p50)} ms, ` +
          `p95 ${round(regression.onset.p95)} ms, p99 ${round(regression.onset.p99)} ms over ${regression.onset.count} calls`
        : '') +
      (regression.changes
        ? `; the state of ${current.component.component_type} changed then: ${describeChanges(regression.changes)}`
        : '') +
      (regression.above !== undefined
        ? `; ${regression.above} call(s) reached the previous p95 (about 5% would by chance, ` +
          `chance of as many ${(regression.chance ?? 1).toExponential(1)})`
        : '') +
      `.${pathText} Look at what changed in ${componentKey(current.component)} ` +
      `or the dependency it waits on.`,
    identity: [componentKey(current.component), current.operation],
    affected: [current.component],
    evidence: {
      operation: current.operation,
      current: statsOf(current),
      previous: statsOf(previous),
      p95_ratio: round(regression.p95Ratio),
      p50_ratio: round(regression.p50Ratio),
      ...(regression.onset
        ? {
            ...(regression.changes
              ? {
                  state_changes: regression.changes.map((change) => ({
                    component: change.component,
                    at: change.at.toISOString(),
                    changes: change.changes.slice(0, 10),
                  })),
                }
              : {}),
            onset: {
              at: regression.onset.at.toISOString(),
              since: {
                count: regression.onset.count,
                p50_ms: round(regression.onset.p50),
                p95_ms: round(regression.onset.p95),
                p99_ms: round(regression.onset.p99),
              },
            },
          }
        : {}),
      ...(regression.above !== undefined
        ? { calls_at_or_above_previous_p95: regression.above, chance: regression.chance }
        : {}),
      slowest_event_id: context.slowestEventId ?? null,
      critical_path: context.path ?? null,
      ...(context.slowestEventId ? { event_ids: [context.slowestEventId] } : {}),
    },
    suggestions: [
      `Open the slowest call${context.path ? ` and its chain: GET /api/debug/operations/${context.path.correlation_id}` : ''}`,
      `Compare ${componentKey(current.component)}'s dependencies (database, downstream calls) over ${formatTime(context.scope.from)} – ${formatTime(context.scope.to)}`,
      regression.changes
        ? `Undo the change of ${regression.changes[0].component.component_type} at ${formatTime(regression.changes[0].at)} (${regression.changes[0].changes
            .slice(0, 2)
            .map((change) => change.path)
            .join(', ')}) and see whether the latency returns`
        : 'If a release went out in this window, compare it with the previous one',
    ],
    factors: {
      sample_size: sampleSizeFactor(Math.min(current.count, previous.count), 50),
      effect_size: effectSizeFactor(regression.p95Ratio - 1, 1),
      recency: recencyFactor(
        context.slowestAt ?? context.scope.to,
        context.now,
        InsightSettings.confidence.recencyHalfLifeMs,
      ),
    },
    firstSeen: regression.onset?.at ?? context.scope.from,
    lastSeen: context.slowestAt ?? context.scope.to,
    subjects: [`component:${componentKey(current.component)}`],
    sample: { component: current.component, from: context.scope.from, to: context.scope.to },
  };
}

function statsOf(row: DurationStatsRow) {
  return {
    count: row.count,
    p50_ms: round(row.p50),
    p95_ms: round(row.p95),
    p99_ms: round(row.p99),
    max_ms: round(row.max),
  };
}

@Injectable()
export class PerformanceAnalyzer implements Analyzer {
  readonly name = 'performance' as const;

  async analyze(context: AnalysisContext): Promise<InsightDraft[]> {
    const { scope } = context;
    const span = scope.to.getTime() - scope.from.getTime();
    const previousFrom = new Date(scope.from.getTime() - span);
    // one moments pass over the whole baseline serves both rules: the loose first pass of the
    // percentile rule (its exact pass compares with the window just before) and the few-calls rule
    const moments = await context.durationMoments(context.baselineFrom);
    const candidates = regressionCandidates(moments);
    const drafts: InsightDraft[] = [];
    const reported = new Set<string>();
    const rows =
      candidates.length === 0
        ? []
        : await context.aggregates.durationStats(scope, previousFrom, candidates.slice(0, 200));
    for (const regression of findRegressions(rows)) {
      const above = await context.aggregates.durationsAtLeast(
        regression.current.component,
        regression.current.operation,
        scope.from,
        scope.to,
        regression.previous.p95,
      );
      const chance = regressionChance(regression, above);
      if (chance > settings.regressionMaxChance) continue;
      Object.assign(regression, { above, chance });
      regression.onset = await this.onset(context, regression);
      if (regression.onset) regression.changes = await this.changesBefore(context, regression);
      reported.add(pairKey(regression.current));
      drafts.push(
        regressionDraft(regression, await this.slowestContext(context, regression.current)),
      );
    }
    drafts.push(...(await this.fewCalls(context, moments, reported)));
    return groupReplicas(markConsequences(drafts));
  }

  /** When the regression began inside the scope, and the percentiles of the calls since then. */
  private async onset(
    context: AnalysisContext,
    regression: Regression,
  ): Promise<Regression['onset']> {
    const { component, operation } = regression.current;
    const { scope } = context;
    const minutes = await context.aggregates.minuteExceedances(
      component,
      operation,
      scope.from,
      scope.to,
      regression.previous.p95,
    );
    const at = onsetOf(minutes);
    if (!at) return undefined;
    const since = (
      await context.aggregates.durationsIn(component, operation, at, scope.to, settings.onsetSample)
    ).sort((a, b) => a - b);
    if (since.length === 0) return undefined;
    const pick = (q: number) => since[Math.min(since.length - 1, Math.ceil(q * since.length) - 1)];
    return { at, count: since.length, p50: pick(0.5), p95: pick(0.95), p99: pick(0.99) };
  }

  /**
   * The state changes of the regressed component's type from settings.changesBeforeMs before its
   * onset to the end of the minute after it (snapshots are sent as the change rolls out).
   */
  private async changesBefore(
    context: AnalysisContext,
    regression: Regression,
  ): Promise<Regression['changes']> {
    const at = regression.onset!.at.getTime();
    const changes = await context.aggregates.stateChangesOf(
      regression.current.component.component_type,
      new Date(at - settings.changesBeforeMs),
      new Date(at + 120_000),
    );
    return changes.length > 0 ? changes : undefined;
  }

  /** Large effects on few calls, against the whole baseline (3 windows before the scope). */
  private async fewCalls(
    context: AnalysisContext,
    all: readonly DurationMomentsRow[],
    reported: ReadonlySet<string>,
  ): Promise<InsightDraft[]> {
    const { scope } = context;
    const baselineFrom = context.baselineFrom;
    const moments = fewCallCandidates(all)
      .filter((row) => !reported.has(pairKey(row)))
      .sort(
        (a, b) =>
          momentsOf(b.current).mean / Math.max(momentsOf(b.previous).mean, 1e-9) -
          momentsOf(a.current).mean / Math.max(momentsOf(a.previous).mean, 1e-9),
      )
      .slice(0, settings.fewCallsCandidates);
    if (moments.length === 0) return [];
    const stats = new Map<string, DurationStatsRow>();
    for (const row of await context.aggregates.durationStats(scope, baselineFrom, moments)) {
      stats.set(`${row.current ? 'now' : 'before'}\u0000${pairKey(row)}`, row);
    }
    const drafts: InsightDraft[] = [];
    for (const row of moments) {
      const current = stats.get(`now\u0000${pairKey(row)}`);
      const baseline = stats.get(`before\u0000${pairKey(row)}`);
      if (!current || !baseline) continue;
      const largest = await context.aggregates.topDurations(
        row.component,
        row.operation,
        scope.from,
        scope.to,
        settings.fewCallsFetch,
      );
      // no level the rule could take (the fewCallsMin-th largest under fewCallsMinRatio × p99):
      // nothing to count the calls since
      const least = largest[settings.fewCallsMin - 1]?.durationMs ?? 0;
      if (least < settings.fewCallsMinRatio * baseline.p99) continue;
      // the first of the k largest calls, for each k: when the slow calls may have set in
      let earliest = Infinity;
      const onsets = largest.map(
        (call) => new Date((earliest = Math.min(earliest, call.at.getTime()))),
      );
      const callsSince = await context.aggregates.callsSince(
        row.component,
        row.operation,
        onsets,
        scope.to,
      );
      const regression = fewCallsRegression(
        row,
        current,
        baseline,
        largest.map((call) => call.durationMs),
        callsSince,
      );
      if (regression)
        drafts.push(fewCallsDraft(regression, await this.slowestContext(context, current)));
    }
    return drafts;
  }

  private async slowestContext(
    context: AnalysisContext,
    row: DurationStatsRow,
  ): Promise<RegressionContext> {
    const { scope } = context;
    const slowest = await context.aggregates.slowestEventOf(
      row.component,
      row.operation,
      scope.from,
      scope.to,
    );
    let path: CriticalPath | null = null;
    if (slowest?.correlationId) {
      path = criticalPath(
        await context.aggregates.chainEvents(slowest.correlationId, settings.chainEventLimit),
        slowest.id,
      );
    }
    return {
      scope,
      now: context.now,
      slowestEventId: slowest?.id,
      slowestAt: slowest?.timestamp,
      path,
    };
  }
}

function pairKey(row: { component: DurationStatsRow['component']; operation: string }): string {
  return `${componentKey(row.component)}\u0000${row.operation}`;
}
