export const AGGREGATIONS = ['avg', 'min', 'max', 'sum', 'count', 'p50', 'p95', 'p99'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export const GROUPINGS = ['component', 'component_type', 'none'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface MetricPoint {
  timeMs: number;
  value: number;
  componentType: string;
  componentId: string;
}

export interface AggregatedSeries {
  component_type: string | null;
  component_id: string | null;
  /** Points of the series in the range. */
  samples: number;
  /** One per step that holds at least one point: the step's start and the aggregate of its points. */
  points: { t: string; value: number }[];
}

/**
 * Cuts points into steps of `stepMs` from `fromMs` and aggregates each step per group.
 * Percentiles interpolate linearly between the two nearest ranks (numpy's default), so a
 * histogram's observations give p50/p95/p99 of the step. Steps with no point are left out.
 */
export function aggregateSeries(points: MetricPoint[], fromMs: number, stepMs: number, aggregation: Aggregation, grouping: Grouping): AggregatedSeries[] {
  const groups = new Map<string, { type: string | null; id: string | null; steps: Map<number, number[]>; samples: number }>();
  for (const point of points) {
    const type = grouping === 'none' ? null : point.componentType;
    const id = grouping === 'component' ? point.componentId : null;
    const key = `${type ?? ''}\u0000${id ?? ''}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { type, id, steps: new Map(), samples: 0 }));
    const step = Math.floor((point.timeMs - fromMs) / stepMs);
    const values = group.steps.get(step);
    if (values) values.push(point.value);
    else group.steps.set(step, [point.value]);
    group.samples++;
  }
  return [...groups.values()]
    .map((group) => ({
      component_type: group.type,
      component_id: group.id,
      samples: group.samples,
      points: [...group.steps.entries()]
        .sort(([a], [b]) => a - b)
        .map(([step, values]) => ({ t: new Date(fromMs + step * stepMs).toISOString(), value: aggregate(values, aggregation) })),
    }))
    .sort((a, b) => (a.component_type ?? '').localeCompare(b.component_type ?? '') || (a.component_id ?? '').localeCompare(b.component_id ?? ''));
}

export function aggregate(values: number[], aggregation: Aggregation): number {
  switch (aggregation) {
    case 'count':
      return values.length;
    case 'sum':
      return values.reduce((sum, value) => sum + value, 0);
    case 'avg':
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    case 'min':
      return values.reduce((min, value) => Math.min(min, value), Infinity);
    case 'max':
      return values.reduce((max, value) => Math.max(max, value), -Infinity);
    case 'p50':
      return quantile(values, 0.5);
    case 'p95':
      return quantile(values, 0.95);
    case 'p99':
      return quantile(values, 0.99);
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (sorted.length - 1) * q;
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

/** `30s`, `5m`, `1h`, `1d` or a number of seconds, in milliseconds; null when it is none of these. */
export function parseStep(step: string): number | null {
  const match = /^(\d{1,9})(s|m|h|d)?$/.exec(step.trim());
  if (!match) return null;
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unit * 1000;
  return ms > 0 ? ms : null;
}
