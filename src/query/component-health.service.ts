import { Injectable } from '@nestjs/common';
import { componentTag, TAG_ANY_EVENT, TAG_INSIGHTS } from '../cache/cache-tags.js';
import { QueryCacheService } from '../cache/query-cache.service.js';
import { DomainError } from '../common/errors/domain-error.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { ComponentRegistry } from './component-registry.service.js';
import { QueryRepository } from './query.repository.js';
import { InsightsService } from '../insights/insights.service.js';
import type { ComponentMetric } from '../metrics/component-metrics.js';
import { MetricsQueryService } from '../metrics/metrics-query.service.js';
import { insightsMentioning } from './insight-row.js';
import type { ComponentSelector, InsightRow, StateVersion, WindowStats } from './query.types.js';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy' | 'unknown';

export interface HealthReason {
  code:
    | 'error_rate'
    | 'latency'
    | 'metric_latency'
    | 'metric_errors'
    | 'open_insights'
    | 'silent'
    | 'stale'
    | 'not_found'
    | 'no_recent_data'
    | 'ok';
  message: string;
  value?: number | null;
  baseline?: number | null;
  /** Points this reason took off the score. */
  impact: number;
  /** metric_latency, metric_errors: the metric that gave it. */
  metric?: string;
}

export interface ComponentHealth {
  component: string;
  component_type: string | null;
  component_id: string | null;
  status: HealthStatus;
  score: number;
  reasons: HealthReason[];
  metrics: {
    events: number;
    errors: number;
    error_rate: number | null;
    baseline_events: number;
    baseline_error_rate: number | null;
    p95_ms: number | null;
    baseline_p95_ms: number | null;
    open_insights: number;
    last_seen: string | null;
    staleness_seconds: number | null;
    state_version: number | null;
    state_captured_at: string | null;
    instances: number;
  };
  open_insights: { id: string; severity: string; title: string; last_seen: string }[];
  /**
   * The metrics the component reported (POST /metrics, OTLP) in the window, with the same
   * numbers over the baseline; durations and error counters named by convention count in the
   * verdict, the others are shown only.
   */
  reported_metrics: ComponentMetric[];
  did_you_mean?: string[];
}

export interface HealthRequest {
  components?: string[];
  window_minutes?: number;
  baseline_hours?: number;
  at?: string;
  session_id?: string;
}

export interface HealthReport {
  evaluated_at: string;
  window: { from: string; to: string; minutes: number };
  /** The baseline before the window, read as `slices` slices of `sampled_minutes` in all. */
  baseline: { from: string; to: string; hours: number; slices: number; sampled_minutes: number };
  summary: string;
  components: ComponentHealth[];
}

/**
 * Points an open insight takes: one high insight makes a component degraded (a service whose
 * flows hang is not healthy, however fine its own numbers), one critical at most degraded, a
 * critical and a high unhealthy; lows are notes, and many of them only nudge the score.
 */
const SEVERITY_PENALTY: Record<string, number> = {
  critical: 50,
  high: 25,
  medium: 10,
  low: 2,
  info: 0,
};
const MAX_INSIGHT_PENALTY = 60;
/** Calls a window's p95 needs to be more than its slowest call. */
const P95_MIN_CALLS = 20;
/** With fewer calls, the median must have risen this much too for the latency to count. */
const FEW_CALLS_P50_RATIO = 1.5;
const MAX_COMPONENTS = 50;
const BASELINE_SLICES = 8;

/**
 * Component health from the warm store: error rate and p95 latency of the window against
 * the baseline before it, open insights, silence and staleness, and the latest state version.
 * Score 100 minus the impact of each reason; ≥ 80 healthy, ≥ 50 degraded, below unhealthy.
 */
@Injectable()
export class ComponentHealthService {
  constructor(
    private readonly repository: QueryRepository,
    private readonly registry: ComponentRegistry,
    private readonly cache: QueryCacheService,
    private readonly sessions: SessionsService,
    private readonly insights: InsightsService,
    private readonly metrics: MetricsQueryService,
  ) {}

  async health(
    request: HealthRequest,
  ): Promise<HealthReport & { cached: boolean; computed_at: string }> {
    const scoped = await this.scope(request);
    const tags = [TAG_INSIGHTS, ...scoped.types.map(componentTag)];
    if (scoped.everyComponent) tags.push(TAG_ANY_EVENT);
    const { value, cached, computed_at } = await this.cache.getOrCompute(
      'health',
      scoped.key,
      tags,
      () => this.compute(scoped),
    );
    return { ...value, cached, computed_at };
  }

  private async scope(request: HealthRequest) {
    let names = request.components ?? [];
    let at = request.at ? new Date(request.at) : undefined;
    if (request.session_id) {
      const session = await this.sessions.get(request.session_id);
      if (names.length === 0) names = session.filters.components ?? [];
      at ??= this.sessions.windowOf(session).to ?? undefined;
    }
    const everyComponent = names.length === 0;
    if (everyComponent) names = (await this.registry.types()).slice(0, MAX_COMPONENTS);
    if (names.length > MAX_COMPONENTS) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `at most ${MAX_COMPONENTS} components per request`,
        { field: 'components' },
      );
    }
    const resolved = await Promise.all(names.map((name) => this.registry.resolve(name)));
    const types = new Set<string>();
    for (const resolution of resolved) {
      if (resolution.found)
        for (const selector of resolution.selectors) types.add(selector.component_type);
    }
    const windowMinutes = request.window_minutes ?? 15;
    const baselineHours = request.baseline_hours ?? 24;
    return {
      resolved,
      everyComponent,
      types: [...types],
      windowMinutes,
      baselineHours,
      at,
      key: {
        names: [...names].sort(),
        windowMinutes,
        baselineHours,
        at: request.at ?? null,
        session: request.session_id ?? null,
      },
    };
  }

  private async compute(
    scope: Awaited<ReturnType<ComponentHealthService['scope']>>,
  ): Promise<HealthReport> {
    const to = scope.at ?? new Date();
    const from = new Date(to.getTime() - scope.windowMinutes * 60_000);
    const baselineFrom = new Date(from.getTime() - scope.baselineHours * 3_600_000);
    const components: ComponentHealth[] = [];
    for (const resolution of scope.resolved) {
      if (!resolution.found) {
        components.push(unknownComponent(resolution.selector, resolution.did_you_mean));
        continue;
      }
      for (const selector of resolution.selectors) {
        components.push(
          await this.evaluate(
            selector,
            { from, to },
            { from: baselineFrom, to: from },
            scope.windowMinutes,
          ),
        );
      }
    }
    components.sort((a, b) => a.score - b.score);
    return {
      evaluated_at: to.toISOString(),
      window: { from: from.toISOString(), to: to.toISOString(), minutes: scope.windowMinutes },
      baseline: {
        from: baselineFrom.toISOString(),
        to: from.toISOString(),
        hours: scope.baselineHours,
        slices: baselineSlices({ from: baselineFrom, to: from }, scope.windowMinutes).length,
        sampled_minutes: Math.min(scope.baselineHours * 60, BASELINE_SLICES * scope.windowMinutes),
      },
      summary: summarize(components),
      components,
    };
  }

  private async evaluate(
    selector: ComponentSelector,
    window: { from: Date; to: Date },
    baselineWindow: { from: Date; to: Date },
    windowMinutes: number,
  ): Promise<ComponentHealth> {
    // A component younger than the baseline is judged on the time it has existed: its rate over
    // slices from before its first event would be diluted by them (a replica silent for 26
    // minutes in a 3-hour-old store was "healthy" against a 24-hour baseline).
    const instanceIds =
      selector.component_id === null ? await this.registry.idsOf(selector.component_type) : [];
    const firstSeen = await this.repository.firstSeenSince(
      selector,
      instanceIds,
      baselineWindow.from,
      baselineWindow.to,
    );
    const slices =
      firstSeen && firstSeen > baselineWindow.from
        ? baselineSlices({ from: firstSeen, to: baselineWindow.to }, windowMinutes)
        : baselineSlices(baselineWindow, windowMinutes);
    const [current, baseline, states, insights, reported] = await Promise.all([
      this.repository.windowStats(selector, window),
      this.repository.windowStats(selector, slices),
      this.repository.latestStates(selector, 50),
      insightsMentioning(
        this.insights,
        [selector.component_id ?? selector.component_type],
        ['open', 'regressed'],
        20,
      ),
      this.metrics.ofComponent(selector, window, slices),
    ]);
    // Silent in the window: look further back, one index probe per instance.
    const lastSeen =
      current.last_seen ?? (await this.repository.lastSeen(selector, instanceIds, window.to));
    const instances = new Set([...current.component_ids, ...baseline.component_ids]).size;
    // a window in the past is judged by what was known of it: insights first seen after it are
    // of later problems
    const relevant = insights.filter(
      (insight) =>
        touches(insight, selector) && Date.parse(String(insight.first_seen)) <= window.to.getTime(),
    );
    const sampledMinutes = slices.reduce(
      (sum, slice) => sum + (slice.to.getTime() - slice.from.getTime()) / 60_000,
      0,
    );
    return assess(selector, {
      current,
      baseline,
      lastSeen,
      states,
      insights: relevant,
      instances,
      window,
      windowMinutes,
      sampledMinutes,
      metrics: reported.metrics,
    });
  }
}

/**
 * The baseline, read as up to 8 slices as long as the window spread evenly over it (the first
 * just before the window), so that its cost does not grow with its length; one slice when the
 * window is long enough to cover it in 8.
 */
export function baselineSlices(
  baseline: { from: Date; to: Date },
  windowMinutes: number,
): { from: Date; to: Date }[] {
  const length = baseline.to.getTime() - baseline.from.getTime();
  const windowMs = windowMinutes * 60_000;
  if (windowMs * BASELINE_SLICES >= length) return [baseline];
  const step = length / BASELINE_SLICES;
  return Array.from({ length: BASELINE_SLICES }, (_, index) => {
    const to = baseline.to.getTime() - index * step;
    return { from: new Date(to - windowMs), to: new Date(to) };
  });
}

interface Evidence {
  current: WindowStats;
  baseline: WindowStats;
  lastSeen: string | null;
  states: StateVersion[];
  insights: InsightRow[];
  instances: number;
  window: { from: Date; to: Date };
  windowMinutes: number;
  /** Minutes of baseline actually read (the slices). */
  sampledMinutes: number;
  /** The metrics the component reported; none when it reports none. */
  metrics?: ComponentMetric[];
}

/** The scoring itself: pure, so the unit tests can pin it down. */
export function assess(selector: ComponentSelector, evidence: Evidence): ComponentHealth {
  const { current, baseline } = evidence;
  const reasons: HealthReason[] = [];
  const errorRate = current.events > 0 ? current.errors / current.events : null;
  const baselineErrorRate = baseline.events > 0 ? baseline.errors / baseline.events : null;

  if (errorRate !== null && current.errors >= 3) {
    const reference = baselineErrorRate ?? 0;
    const threshold = Math.max(2 * reference, reference + 0.05, 0.02);
    if (errorRate > threshold) {
      const impact = Math.round(Math.min(70, 20 + 100 * (errorRate - reference)));
      reasons.push({
        code: 'error_rate',
        message: `error rate ${percent(errorRate)} (${current.errors}/${current.events}) vs baseline ${baselineErrorRate === null ? 'n/a (no earlier events)' : percent(reference)}`,
        value: round4(errorRate),
        baseline: baselineErrorRate === null ? null : round4(reference),
        impact,
      });
    }
  }

  // the p95 of fewer than 20 calls is their slowest: one retried timeout among 11 calls is no
  // slower component unless its typical call got slower too
  const typicalSlower =
    current.latency_samples >= P95_MIN_CALLS ||
    (current.p50_ms !== null &&
      baseline.p50_ms !== null &&
      current.p50_ms >= FEW_CALLS_P50_RATIO * baseline.p50_ms);
  if (
    current.p95_ms !== null &&
    current.latency_samples >= 5 &&
    baseline.p95_ms !== null &&
    baseline.latency_samples >= 5 &&
    typicalSlower
  ) {
    const ratio = baseline.p95_ms > 0 ? current.p95_ms / baseline.p95_ms : Infinity;
    if (ratio >= 2 && current.p95_ms - baseline.p95_ms >= 50) {
      const impact = Math.round(Math.min(40, 15 + 5 * (Math.min(ratio, 100) - 2)));
      reasons.push({
        code: 'latency',
        message: `p95 latency ${current.p95_ms} ms vs baseline ${baseline.p95_ms} ms (${ratio === Infinity ? '∞' : ratio.toFixed(1)}×)`,
        value: current.p95_ms,
        baseline: baseline.p95_ms,
        impact,
      });
    }
  }

  reasons.push(...metricReasons(evidence.metrics ?? [], reasons, evidence.windowMinutes));

  if (evidence.insights.length > 0) {
    const impact = Math.min(
      MAX_INSIGHT_PENALTY,
      evidence.insights.reduce(
        (sum, insight) => sum + (SEVERITY_PENALTY[insight.severity] ?? 5),
        0,
      ),
    );
    const worst = [...evidence.insights].sort(
      (a, b) => (SEVERITY_PENALTY[b.severity] ?? 0) - (SEVERITY_PENALTY[a.severity] ?? 0),
    )[0];
    reasons.push({
      code: 'open_insights',
      message: `${evidence.insights.length} open insight(s), worst ${worst.severity}: ${worst.title}`,
      value: evidence.insights.length,
      impact,
    });
  }

  const expectedInWindow =
    evidence.sampledMinutes > 0
      ? (baseline.events / evidence.sampledMinutes) * evidence.windowMinutes
      : 0;
  const stalenessSeconds =
    evidence.lastSeen === null
      ? null
      : Math.max(0, (evidence.window.to.getTime() - Date.parse(evidence.lastSeen)) / 1000);
  if (current.events === 0 && expectedInWindow >= 3) {
    reasons.push({
      code: 'silent',
      message: `no events in the last ${evidence.windowMinutes} min, where the baseline rate predicts ~${Math.round(expectedInWindow)}; last seen ${evidence.lastSeen}`,
      value: 0,
      baseline: Math.round(expectedInWindow),
      impact: 30,
    });
  } else if (current.events === 0) {
    reasons.push({
      code: 'no_recent_data',
      message: evidence.lastSeen
        ? `no events in the last ${evidence.windowMinutes} min (last seen ${evidence.lastSeen}); too little history to call it silent`
        : 'no events at all',
      value: 0,
      impact: 0,
    });
  }

  const score = Math.max(0, 100 - reasons.reduce((sum, reason) => sum + reason.impact, 0));
  const status: HealthStatus = score >= 80 ? 'healthy' : score >= 50 ? 'degraded' : 'unhealthy';
  if (reasons.length === 0) {
    reasons.push({
      code: 'ok',
      message: `error rate ${errorRate === null ? 'n/a' : percent(errorRate)}, p95 ${current.p95_ms ?? 'n/a'} ms, no open insights`,
      impact: 0,
    });
  }
  const latestState = [...evidence.states].sort((a, b) =>
    b.captured_at.localeCompare(a.captured_at),
  )[0];
  return {
    component: selector.selector,
    component_type: selector.component_type,
    component_id: selector.component_id,
    status,
    score,
    reasons,
    metrics: {
      events: current.events,
      errors: current.errors,
      error_rate: errorRate === null ? null : round4(errorRate),
      baseline_events: baseline.events,
      baseline_error_rate: baselineErrorRate === null ? null : round4(baselineErrorRate),
      p95_ms: current.p95_ms,
      baseline_p95_ms: baseline.p95_ms,
      open_insights: evidence.insights.length,
      last_seen: evidence.lastSeen,
      staleness_seconds: stalenessSeconds === null ? null : Math.round(stalenessSeconds),
      state_version: latestState?.version ?? null,
      state_captured_at: latestState?.captured_at ?? null,
      instances: evidence.instances,
    },
    open_insights: evidence.insights.map((insight) => ({
      id: insight.id,
      severity: insight.severity,
      title: insight.title,
      last_seen: insight.last_seen,
    })),
    reported_metrics: evidence.metrics ?? [],
  };
}

/**
 * Reasons from the metrics whose names say what they measure (component-metrics.ts):
 * - a duration's p95 judged as the events' latency is (≥ 2 × the baseline p95 and ≥ 50 ms more,
 *   ≥ 5 observations each): higher is slower for any duration;
 * - an error counter's increase in the window against what its baseline rate predicts for the
 *   window (≥ 3 errors and more than twice the prediction, with a baseline to predict from):
 *   more errors than usual is worse for any component.
 * The events can show the same problem: one reason per kind, the events' first, so that one
 * slowdown seen twice does not cost twice.
 */
export function metricReasons(
  metrics: readonly ComponentMetric[],
  fromEvents: readonly HealthReason[],
  windowMinutes: number,
): HealthReason[] {
  const reasons: HealthReason[] = [];
  if (!fromEvents.some((reason) => reason.code === 'latency')) {
    const slowest = metrics
      .filter(
        (metric) =>
          metric.meaning === 'duration' &&
          metric.samples >= 5 &&
          metric.baseline.samples >= 5 &&
          metric.p95_ms !== null &&
          metric.baseline.p95_ms !== null,
      )
      .map((metric) => ({
        metric,
        ratio: metric.baseline.p95_ms! > 0 ? metric.p95_ms! / metric.baseline.p95_ms! : Infinity,
      }))
      .filter(({ metric, ratio }) => ratio >= 2 && metric.p95_ms! - metric.baseline.p95_ms! >= 50)
      .sort((a, b) => b.ratio - a.ratio)[0];
    if (slowest) {
      const { metric, ratio } = slowest;
      reasons.push({
        code: 'metric_latency',
        metric: metric.name,
        message: `${metric.name} p95 ${metric.p95_ms} ms vs baseline ${metric.baseline.p95_ms} ms (${ratio === Infinity ? '∞' : ratio.toFixed(1)}×, ${metric.samples} observations)`,
        value: metric.p95_ms,
        baseline: metric.baseline.p95_ms,
        impact: Math.round(Math.min(40, 15 + 5 * (Math.min(ratio, 100) - 2))),
      });
    }
  }
  if (!fromEvents.some((reason) => reason.code === 'error_rate')) {
    const worst = metrics
      .filter(
        (metric) =>
          metric.meaning === 'error_count' &&
          metric.increase !== null &&
          metric.baseline.increase_per_minute !== null,
      )
      .map((metric) => ({
        metric,
        expected: metric.baseline.increase_per_minute! * windowMinutes,
      }))
      .filter(({ metric, expected }) => metric.increase! >= 3 && metric.increase! > 2 * expected)
      .sort((a, b) => b.metric.increase! - b.expected - (a.metric.increase! - a.expected))[0];
    if (worst) {
      const { metric, expected } = worst;
      reasons.push({
        code: 'metric_errors',
        metric: metric.name,
        message: `${metric.name} rose by ${metric.increase} in the last ${windowMinutes} min, where its baseline rate predicts ~${Math.round(expected * 10) / 10}`,
        value: metric.increase,
        baseline: Math.round(expected * 1000) / 1000,
        impact: 20,
      });
    }
  }
  return reasons;
}

function unknownComponent(name: string, didYouMean: string[]): ComponentHealth {
  return {
    component: name,
    component_type: null,
    component_id: null,
    status: 'unknown',
    score: 0,
    reasons: [
      { code: 'not_found', message: `no component named "${name}" has sent events`, impact: 0 },
    ],
    metrics: {
      events: 0,
      errors: 0,
      error_rate: null,
      baseline_events: 0,
      baseline_error_rate: null,
      p95_ms: null,
      baseline_p95_ms: null,
      open_insights: 0,
      last_seen: null,
      staleness_seconds: null,
      state_version: null,
      state_captured_at: null,
      instances: 0,
    },
    open_insights: [],
    reported_metrics: [],
    did_you_mean: didYouMean,
  };
}

/** Does an insight name this component (its type, and its id when the selector has one)? */
function touches(insight: InsightRow, selector: ComponentSelector): boolean {
  return insight.affected_components.some(
    (component) =>
      component.component_type === selector.component_type &&
      (selector.component_id === null ||
        !component.component_id ||
        component.component_id === selector.component_id),
  );
}

export function summarize(components: readonly ComponentHealth[]): string {
  if (components.length === 0) return 'no components matched';
  const counts = new Map<HealthStatus, number>();
  for (const component of components)
    counts.set(component.status, (counts.get(component.status) ?? 0) + 1);
  const worst = components.filter(
    (component) => component.status === 'unhealthy' || component.status === 'degraded',
  );
  const head = [...counts.entries()].map(([status, count]) => `${count} ${status}`).join(', ');
  if (worst.length === 0) return `${head}.`;
  return `${head}. ${worst
    .slice(0, 3)
    .map(
      (component) =>
        `${component.component} is ${component.status} (score ${component.score}): ${component.reasons[0].message}`,
    )
    .join('; ')}.`;
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const round4 = (value: number) => Math.round(value * 10_000) / 10_000;
