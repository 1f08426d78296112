import { Injectable } from '@nestjs/common';
import { effectSizeFactor, recencyFactor, sampleSizeFactor } from '../confidence.js';
import type { ChainEventRow, DurationMomentsRow, DurationStatsRow } from '../insight-aggregates.repository.js';
import { InsightSettings } from '../insight-settings.js';
import { componentKey, type InsightDraft, type InsightScope, type Severity } from '../insight.types.js';
import { round } from '../robust-stats.js';
import { type AnalysisContext, type Analyzer, formatTime } from './analyzer.js';

const settings = InsightSettings.performance;

export interface Regression {
  current: DurationStatsRow;
  previous: DurationStatsRow;
  p95Ratio: number;
  p50Ratio: number;
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
 * First pass: pairs whose mean, spread or mean + 2 standard deviations grew enough that their
 * p95 may have; only those get exact percentiles (a sort) in the second pass. Loose on purpose:
 * a tail-only regression moves the spread even when the mean barely moves.
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
    return now.mean >= 1.2 * before.mean || now.sd >= 1.5 * before.sd || now.high >= 1.3 * before.high;
  });
}

/** Operations whose p95 in the scope grew past the ratio and delta against the window before. */
export function findRegressions(rows: readonly DurationStatsRow[]): Regression[] {
  const key = (row: DurationStatsRow) => `${componentKey(row.component)}\u0000${row.operation}`;
  const previous = new Map(rows.filter((row) => !row.current).map((row) => [key(row), row]));
  const regressions: Regression[] = [];
  for (const current of rows.filter((row) => row.current)) {
    const before = previous.get(key(current));
    if (!before || current.count < settings.minSamples || before.count < settings.minSamples) continue;
    const p95Ratio = current.p95 / Math.max(before.p95, 1e-9);
    if (p95Ratio < settings.regressionRatio || current.p95 - before.p95 < settings.regressionMinDeltaMs) continue;
    regressions.push({ current, previous: before, p95Ratio, p50Ratio: current.p50 / Math.max(before.p50, 1e-9) });
  }
  return regressions.sort((a, b) => b.p95Ratio - a.p95Ratio);
}

/**
 * The critical path of a chain: following parent_event_id from the roots, the branch with
 * the largest total duration. Without parent links, the slowest steps of the chain.
 */
export function criticalPath(events: readonly ChainEventRow[]): CriticalPath | null {
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
  const elapsed = Math.max(...events.map((event) => event.timestamp.getTime() + (event.durationMs ?? 0))) - first;
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
    const walk = (event: ChainEventRow, depth: number): { total: number; path: ChainEventRow[] } => {
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
      const result = own >= heaviest.total
        ? { total: own, path: [event, ...heaviest.path] }
        : { total: heaviest.total, path: [event, ...heaviest.path] };
      best.set(event.id, result);
      return result;
    };
    const roots = events.filter((event) => !event.parentEventId || !byId.has(event.parentEventId));
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
  const severity: Severity = regression.p95Ratio >= 3 ? 'high' : regression.p95Ratio >= 2 ? 'medium' : 'low';
  const pathText = context.path && context.path.steps.length > 0
    ? ` On the slowest chain (${context.path.correlation_id}) the time goes to ` +
      context.path.steps
        .slice(0, 3)
        .map((step) => `${step.component_type}/${step.component_id} ${step.operation ?? '?'} ${step.duration_ms} ms`)
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
      `(${previous.count} in the window before).${pathText} Look at what changed in ${componentKey(current.component)} ` +
      `or the dependency it waits on.`,
    identity: [componentKey(current.component), current.operation],
    affected: [current.component],
    evidence: {
      operation: current.operation,
      current: statsOf(current),
      previous: statsOf(previous),
      p95_ratio: round(regression.p95Ratio),
      p50_ratio: round(regression.p50Ratio),
      slowest_event_id: context.slowestEventId ?? null,
      critical_path: context.path ?? null,
      ...(context.slowestEventId ? { event_ids: [context.slowestEventId] } : {}),
    },
    suggestions: [
      `Open the slowest call${context.path ? ` and its chain: GET /api/debug/operations/${context.path.correlation_id}` : ''}`,
      `Compare ${componentKey(current.component)}'s dependencies (database, downstream calls) over ${formatTime(context.scope.from)} – ${formatTime(context.scope.to)}`,
      'If a release went out in this window, compare it with the previous one',
    ],
    factors: {
      sample_size: sampleSizeFactor(Math.min(current.count, previous.count), 50),
      effect_size: effectSizeFactor(regression.p95Ratio - 1, 1),
      recency: recencyFactor(context.slowestAt ?? context.scope.to, context.now, InsightSettings.confidence.recencyHalfLifeMs),
    },
    firstSeen: context.scope.from,
    lastSeen: context.slowestAt ?? context.scope.to,
    subjects: [`component:${componentKey(current.component)}`],
    sample: { component: current.component, from: context.scope.from, to: context.scope.to },
  };
}

function statsOf(row: DurationStatsRow) {
  return { count: row.count, p50_ms: round(row.p50), p95_ms: round(row.p95), p99_ms: round(row.p99), max_ms: round(row.max) };
}

@Injectable()
export class PerformanceAnalyzer implements Analyzer {
  readonly name = 'performance' as const;

  async analyze(context: AnalysisContext): Promise<InsightDraft[]> {
    const { scope } = context;
    const span = scope.to.getTime() - scope.from.getTime();
    const previousFrom = new Date(scope.from.getTime() - span);
    const candidates = regressionCandidates(await context.durationMoments(previousFrom));
    if (candidates.length === 0) return [];
    const rows = await context.aggregates.durationStats(scope, previousFrom, candidates.slice(0, 200));
    const drafts: InsightDraft[] = [];
    for (const regression of findRegressions(rows)) {
      const slowest = await context.aggregates.slowestEventOf(
        regression.current.component,
        regression.current.operation,
        scope.from,
        scope.to,
      );
      let path: CriticalPath | null = null;
      if (slowest?.correlationId) {
        path = criticalPath(await context.aggregates.chainEvents(slowest.correlationId, settings.chainEventLimit));
      }
      drafts.push(regressionDraft(regression, { scope, now: context.now, slowestEventId: slowest?.id, slowestAt: slowest?.timestamp, path }));
    }
    return drafts;
  }
}
