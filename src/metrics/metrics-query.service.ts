import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { summarizeComponentMetrics, type ComponentMetric } from './component-metrics.js';
import {
  aggregateSeries,
  parseStep,
  type AggregatedSeries,
  type Aggregation,
  type Grouping,
} from './metric-aggregation.js';
import { MetricRepository, type MetricSeriesRow } from './metric.repository.js';

const DAY_MS = 86_400_000;
const MAX_SERIES = 1000;
/** Metrics listed per component in health and compare answers (by name). */
const MAX_METRICS_PER_COMPONENT = 50;
/** Most points one query reads (aggregated in this process, so both warm stores agree). */
export const MAX_POINTS = 200_000;
const MAX_STEPS = 10_000;
const DEFAULT_STEPS = 60;

export interface MetricRange {
  from?: string;
  to?: string;
  component_type?: string;
  component_id?: string;
}

export interface MetricQuery extends MetricRange {
  name: string;
  step?: string;
  aggregation?: Aggregation;
  group_by?: Grouping;
}

export interface MetricSeriesList {
  items: MetricSeriesRow[];
  next_cursor: null;
  from: string;
  to: string;
  truncated: boolean;
}

export interface MetricQueryAnswer {
  items: AggregatedSeries[];
  next_cursor: null;
  name: string;
  unit: string | null;
  from: string;
  to: string;
  step_seconds: number;
  aggregation: Aggregation;
  group_by: Grouping;
}

/** The metric points `POST /metrics` stores, read back: which series exist, and a series over a range by step. */
@Injectable()
export class MetricsQueryService {
  constructor(private readonly metrics: MetricRepository) {}

  async series(request: MetricRange & { name?: string }): Promise<MetricSeriesList> {
    const { from, to } = rangeOf(request);
    const rows = await this.metrics.series(
      {
        from,
        to,
        name: request.name,
        componentType: request.component_type,
        componentId: request.component_id,
      },
      MAX_SERIES + 1,
    );
    return {
      items: rows.slice(0, MAX_SERIES),
      next_cursor: null,
      from: from.toISOString(),
      to: to.toISOString(),
      truncated: rows.length > MAX_SERIES,
    };
  }

  /**
   * The metrics a component (a type, or one instance) reported in the window, each with the
   * same numbers over the baseline ranges: for health and compare.
   */
  async ofComponent(
    component: { component_type: string; component_id: string | null },
    window: { from: Date; to: Date },
    baseline: readonly { from: Date; to: Date }[] = [],
  ): Promise<ComponentMetricsAnswer> {
    const selector = {
      componentType: component.component_type,
      componentId: component.component_id,
    };
    const [current, before] = await Promise.all([
      this.metrics.componentPoints(selector, [window], MAX_COMPONENT_POINTS + 1),
      this.metrics.componentPoints(selector, baseline, MAX_COMPONENT_POINTS + 1),
    ]);
    const baselineMinutes = baseline.reduce(
      (sum, range) => sum + (range.to.getTime() - range.from.getTime()) / 60_000,
      0,
    );
    return {
      metrics: summarizeComponentMetrics(
        current.slice(0, MAX_COMPONENT_POINTS),
        before.slice(0, MAX_COMPONENT_POINTS),
        baselineMinutes,
      ).slice(0, MAX_METRICS_PER_COMPONENT),
      truncated: current.length > MAX_COMPONENT_POINTS || before.length > MAX_COMPONENT_POINTS,
    };
  }

  async query(request: MetricQuery): Promise<MetricQueryAnswer> {
    const { from, to } = rangeOf(request);
    const span = to.getTime() - from.getTime();
    const stepMs =
      request.step === undefined
        ? Math.max(1000, Math.ceil(span / DEFAULT_STEPS / 1000) * 1000)
        : parseStep(request.step);
    if (stepMs === null)
      throw new DomainError(
        'VALIDATION_FAILED',
        'step must be a duration such as 30s, 5m, 1h, 1d (or seconds)',
        { field: 'step' },
      );
    if (span / stepMs > MAX_STEPS) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `step ${request.step} cuts the range into more than ${MAX_STEPS} steps: use a longer step or a shorter range`,
        { field: 'step' },
      );
    }
    const { points, unit } = await this.metrics.points(
      {
        from,
        to,
        name: request.name,
        componentType: request.component_type,
        componentId: request.component_id,
      },
      MAX_POINTS + 1,
    );
    if (points.length > MAX_POINTS) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `more than ${MAX_POINTS} points of ${request.name} in the range: narrow the range or the components`,
        { field: 'from' },
      );
    }
    const aggregation = request.aggregation ?? 'avg';
    const groupBy = request.group_by ?? 'component';
    return {
      items: aggregateSeries(points, from.getTime(), stepMs, aggregation, groupBy),
      next_cursor: null,
      name: request.name,
      unit,
      from: from.toISOString(),
      to: to.toISOString(),
      step_seconds: stepMs / 1000,
      aggregation,
      group_by: groupBy,
    };
  }
}

/** Points one component's metrics read per range set (window, baseline): the newest are kept. */
const MAX_COMPONENT_POINTS = 20_000;

export interface ComponentMetricsAnswer {
  metrics: ComponentMetric[];
  /** More points than were read: the oldest of the window or baseline were left out. */
  truncated: boolean;
}
/** `to` defaults to now, `from` to a day before `to`. */
function rangeOf(request: MetricRange): { from: Date; to: Date } {
  const to = request.to ? new Date(request.to) : new Date();
  const from = request.from ? new Date(request.from) : new Date(to.getTime() - DAY_MS);
  if (from >= to)
    throw new DomainError('VALIDATION_FAILED', 'from must be before to', { field: 'from' });
  return { from, to };
}
