import { Injectable } from '@nestjs/common';
import { componentTag } from '../cache/cache-tags.js';
import { QueryCacheService } from '../cache/query-cache.service.js';
import { DomainError } from '../common/errors/domain-error.js';
import type { ComponentMetric, MetricMeaning } from '../metrics/component-metrics.js';
import { MetricsQueryService } from '../metrics/metrics-query.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { ComponentRegistry, notFound } from './component-registry.service.js';
import { QueryRepository } from './query.repository.js';
import type { ComponentSelector, StateVersion } from './query.types.js';

export interface CompareRequest {
  components?: string[];
  window_minutes?: number;
  at?: string;
  session_id?: string;
}

export interface ComparedComponent {
  component: string;
  component_type: string;
  component_id: string | null;
  events: number;
  errors: number;
  error_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null; samples: number };
  top_patterns: {
    pattern_id: string;
    occurrences: number;
    sample_message: string;
    last_seen: string | null;
  }[];
  state: { version: number; captured_at: string; hash: string } | null;
  /** The metrics the component reported in the window (POST /metrics, OTLP). */
  reported_metrics: ComponentMetric[];
}

/** One metric several components reported, side by side: the statistic its meaning makes comparable. */
export interface MetricDifference {
  name: string;
  unit: string | null;
  /** p95_ms for durations, increase for error counters, avg otherwise. */
  statistic: 'p95_ms' | 'increase' | 'avg';
  values: Record<string, number | null>;
  /** Largest minus smallest value. */
  spread: number;
  /** Largest over smallest; null when the smallest is not above 0. */
  ratio: number | null;
}

export interface StateDifference {
  path: string;
  values: Record<string, unknown>;
}

const MAX_COMPARED = 20;
/** A type named alone compares this many of its instances at most (the others are listed as left out). */
const MAX_TYPE_INSTANCES = 60;
const MAX_PATHS = 2000;
const MAX_METRIC_DIFFERENCES = 50;

/** Components side by side: volume, errors, latency, top patterns and where their states differ. */
@Injectable()
export class CompareService {
  constructor(
    private readonly repository: QueryRepository,
    private readonly registry: ComponentRegistry,
    private readonly cache: QueryCacheService,
    private readonly sessions: SessionsService,
    private readonly metrics: MetricsQueryService,
  ) {}

  async compare(request: CompareRequest) {
    let names = request.components ?? [];
    let at = request.at ? new Date(request.at) : undefined;
    if (request.session_id) {
      const session = await this.sessions.get(request.session_id);
      if (names.length === 0) names = session.filters.components ?? [];
      at ??= this.sessions.windowOf(session).to ?? undefined;
    }
    if (names.length === 0) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'components: name at least one component type (its instances are compared) or two components',
        { field: 'components' },
      );
    }
    const { selectors, unknown, omitted } = await this.selectorsFor(names);
    const windowMinutes = request.window_minutes ?? 60;
    const key = {
      names: [...names].sort(),
      windowMinutes,
      at: request.at ?? null,
      session: request.session_id ?? null,
    };
    const tags = [...new Set(selectors.map((selector) => componentTag(selector.component_type)))];
    const { value, cached, computed_at } = await this.cache.getOrCompute(
      'compare',
      key,
      tags,
      async () => {
        const to = at ?? new Date();
        const from = new Date(to.getTime() - windowMinutes * 60_000);
        const compared = await Promise.all(
          selectors.map((selector) => this.describe(selector, { from, to })),
        );
        const differences = stateDifferences(
          compared.map(({ row, states }) => ({ label: row.component, states })),
        );
        const rows = compared.map(({ row }) => row);
        const metricDifferences = metricDifferencesOf(rows);
        const unnamed = unknown.length
          ? ` Not compared: ${unknown.map((item) => `"${item.component}" has sent no events${item.did_you_mean.length ? ` (did you mean ${item.did_you_mean.join(', ')}?)` : ''}`).join('; ')}.`
          : '';
        const left = omitted.length
          ? ` Left out: ${omitted.length} more instance(s) (${omitted.slice(0, 5).join(', ')}${omitted.length > 5 ? ', …' : ''}); name them to compare them.`
          : '';
        return {
          window: { from: from.toISOString(), to: to.toISOString(), minutes: windowMinutes },
          summary: summaryOf(rows, differences, metricDifferences) + unnamed + left,
          unknown,
          omitted,
          components: rows,
          state_differences: differences,
          metric_differences: metricDifferences,
        };
      },
    );
    return { ...value, cached, computed_at };
  }

  /** One type alone compares its instances; several names compare those names. */
  private async selectorsFor(names: string[]): Promise<{
    selectors: ComponentSelector[];
    unknown: { component: string; did_you_mean: string[] }[];
    /** Instances of a type named alone past MAX_TYPE_INSTANCES, not compared. */
    omitted: string[];
  }> {
    // an unknown name is reported beside the comparison of the others (docs/query.md); with
    // none known there is nothing to compare
    const { selectors, unknown } = await this.registry.resolveAll(names);
    if (selectors.length === 0) throw notFound(unknown[0]);
    if (selectors.length === 1 && selectors[0].component_id === null) {
      const type = selectors[0].component_type;
      const ids = await this.registry.idsOf(type);
      if (ids.length > 1) {
        return {
          selectors: ids
            .slice(0, MAX_TYPE_INSTANCES)
            .map((id) => ({ selector: `${type}/${id}`, component_type: type, component_id: id })),
          unknown,
          omitted: ids.slice(MAX_TYPE_INSTANCES).map((id) => `${type}/${id}`),
        };
      }
    }
    if (selectors.length > MAX_COMPARED) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `at most ${MAX_COMPARED} components can be compared`,
        { field: 'components' },
      );
    }
    return { selectors, unknown, omitted: [] };
  }

  private async describe(selector: ComponentSelector, window: { from: Date; to: Date }) {
    const [stats, patterns, states, reported] = await Promise.all([
      this.repository.windowStats(selector, window),
      this.repository.topPatterns(selector, window, 5, false),
      this.repository.latestStates(selector, 1),
      this.metrics.ofComponent(selector, window),
    ]);
    const latest = states[0];
    const row: ComparedComponent = {
      component: selector.selector,
      component_type: selector.component_type,
      component_id: selector.component_id,
      events: stats.events,
      errors: stats.errors,
      error_rate:
        stats.events > 0 ? Math.round((stats.errors / stats.events) * 10_000) / 10_000 : null,
      latency_ms: {
        p50: stats.p50_ms,
        p95: stats.p95_ms,
        p99: stats.p99_ms,
        samples: stats.latency_samples,
      },
      top_patterns: patterns,
      state: latest
        ? { version: latest.version, captured_at: latest.captured_at, hash: latest.hash }
        : null,
      reported_metrics: reported.metrics,
    };
    return { row, states };
  }
}

/** Pure: the JSON paths whose values differ between the components that have a state. */
export function stateDifferences(
  items: { label: string; states: StateVersion[] }[],
): StateDifference[] {
  const withState = items.filter((item) => item.states.length > 0);
  if (withState.length < 2) return [];
  const flat = withState.map((item) => ({
    label: item.label,
    values: flatten(item.states[0].state),
  }));
  const paths = new Set<string>();
  for (const item of flat)
    for (const path of item.values.keys()) if (paths.size < MAX_PATHS) paths.add(path);
  const differences: StateDifference[] = [];
  for (const path of [...paths].sort()) {
    const values: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const item of flat) {
      const value = item.values.has(path) ? item.values.get(path) : null;
      values[item.label] = value ?? null;
      seen.add(JSON.stringify(value ?? null));
    }
    if (seen.size > 1) differences.push({ path, values });
  }
  return differences;
}

function flatten(
  value: unknown,
  prefix = '',
  into = new Map<string, unknown>(),
  depth = 0,
): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < 8) {
    for (const [key, item] of Object.entries(value as Record<string, unknown>))
      flatten(item, `${prefix}/${key}`, into, depth + 1);
  } else {
    into.set(prefix || '/', value);
  }
  return into;
}

const STATISTIC: Record<MetricMeaning, MetricDifference['statistic']> = {
  duration: 'p95_ms',
  error_count: 'increase',
  other: 'avg',
};

/** Pure: every metric at least two components reported, with each one's value, the widest apart first. */
export function metricDifferencesOf(
  rows: readonly Pick<ComparedComponent, 'component' | 'reported_metrics'>[],
): MetricDifference[] {
  const byName = new Map<
    string,
    { unit: string | null; meaning: MetricMeaning; values: Record<string, number | null> }
  >();
  for (const row of rows) {
    for (const metric of row.reported_metrics) {
      let entry = byName.get(metric.name);
      if (!entry)
        byName.set(
          metric.name,
          (entry = { unit: metric.unit, meaning: metric.meaning, values: {} }),
        );
      entry.values[row.component] = metric[STATISTIC[entry.meaning]];
    }
  }
  const differences: MetricDifference[] = [];
  for (const [name, entry] of byName) {
    const numbers = Object.values(entry.values).filter((value): value is number => value !== null);
    if (numbers.length < 2) continue;
    const low = Math.min(...numbers);
    const high = Math.max(...numbers);
    differences.push({
      name,
      unit: entry.meaning === 'duration' ? 'ms' : entry.unit,
      statistic: STATISTIC[entry.meaning],
      values: entry.values,
      spread: Math.round((high - low) * 1000) / 1000,
      ratio: low > 0 ? Math.round((high / low) * 1000) / 1000 : null,
    });
  }
  return differences
    .sort((a, b) => (b.ratio ?? Infinity) - (a.ratio ?? Infinity) || b.spread - a.spread)
    .slice(0, MAX_METRIC_DIFFERENCES);
}

function summaryOf(
  rows: ComparedComponent[],
  differences: StateDifference[],
  metricDifferences: MetricDifference[] = [],
): string {
  const worst = [...rows].sort((a, b) => (b.error_rate ?? 0) - (a.error_rate ?? 0))[0];
  const slowest = [...rows].sort((a, b) => (b.latency_ms.p95 ?? 0) - (a.latency_ms.p95 ?? 0))[0];
  const parts = [`${rows.length} components compared`];
  if (worst && (worst.error_rate ?? 0) > 0)
    parts.push(
      `highest error rate: ${worst.component} (${((worst.error_rate ?? 0) * 100).toFixed(1)}%)`,
    );
  if (slowest && slowest.latency_ms.p95 !== null)
    parts.push(`slowest p95: ${slowest.component} (${slowest.latency_ms.p95} ms)`);
  parts.push(
    differences.length === 0
      ? 'their latest states agree'
      : `their states differ at ${differences.length} path(s): ${differences
          .slice(0, 3)
          .map((difference) => difference.path)
          .join(', ')}`,
  );
  const widest = metricDifferences.find((difference) => difference.spread > 0);
  if (widest) {
    const values = Object.entries(widest.values).filter(
      (entry): entry is [string, number] => entry[1] !== null,
    );
    const [highName, high] = values.reduce((a, b) => (b[1] > a[1] ? b : a));
    const [lowName, low] = values.reduce((a, b) => (b[1] < a[1] ? b : a));
    parts.push(
      `${widest.name} (${widest.statistic}) differs most: ${highName} ${high}${widest.unit ? ` ${widest.unit}` : ''} vs ${lowName} ${low}`,
    );
  }
  return `${parts.join('; ')}.`;
}
