import { aggregate } from './metric-aggregation.js';

/**
 * What a metric's name says it measures, by the OTel and Prometheus naming conventions:
 * - `duration`: the name says duration or latency (`http.server.duration`,
 *   `http_request_duration_seconds`, `db.latency_ms`) and the unit (or the name's suffix) is a
 *   time. Each point is one observation (what `POST /metrics` stores), so its p95 is a latency
 *   percentile and higher is slower, whatever the component.
 * - `error_count`: a Prometheus counter of errors (`*_errors_total`, `*_failures_total`,
 *   `*_exceptions_total`): `_total` marks a monotonic cumulative counter, so its increase over a
 *   window is the errors in it (a drop is a restart: the new value is the increase, as
 *   Prometheus' `increase()` reads it).
 * - `other`: everything else (gauges, counters of anything, the `.count`/`.sum`/`.bucket` rows
 *   of exported histograms): reported, never judged, since its good direction is unknown.
 */
export type MetricMeaning = 'duration' | 'error_count' | 'other';

export interface MetricObservation {
  name: string;
  unit: string | null;
  componentId: string;
  /** The series within a name: the component instance and the tags, as text. */
  series: string;
  timeMs: number;
  value: number;
}

export interface MetricWindowStats {
  samples: number;
  last: number | null;
  min: number | null;
  max: number | null;
  avg: number | null;
  p95: number | null;
  /** error_count: the counter's increase in the range, summed over its series. */
  increase: number | null;
}

export interface ComponentMetric extends MetricWindowStats {
  name: string;
  unit: string | null;
  meaning: MetricMeaning;
  /** duration: p95 converted to milliseconds. */
  p95_ms: number | null;
  baseline: MetricWindowStats & { p95_ms: number | null; increase_per_minute: number | null };
}

const TIME_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  sec: 1000,
  seconds: 1000,
  milliseconds: 1,
  microseconds: 1e-3,
  min: 60_000,
};
const EXPORTED_HISTOGRAM_PART = /([._])(bucket|count|sum|min|max)$/i;

/** Milliseconds per unit of a duration metric, from its unit or its name's suffix; null when neither is a time. */
export function millisecondsPerUnit(name: string, unit: string | null): number | null {
  const fromUnit = unit ? TIME_UNITS_MS[unit.trim().toLowerCase()] : undefined;
  if (fromUnit !== undefined) return fromUnit;
  const suffix = /[._](seconds|ms|milliseconds|microseconds)$/i.exec(name)?.[1]?.toLowerCase();
  return suffix ? (TIME_UNITS_MS[suffix] ?? null) : null;
}

export function meaningOf(name: string, unit: string | null): MetricMeaning {
  if (EXPORTED_HISTOGRAM_PART.test(name)) return 'other';
  if (/(^|[._])(duration|latency)([._]|$)/i.test(name) && millisecondsPerUnit(name, unit) !== null)
    return 'duration';
  if (/(^|_)(errors?|failures?|exceptions?)_total$/i.test(name)) return 'error_count';
  return 'other';
}

/** Pure: the metrics of one component in the window, each with the same numbers over the baseline. */
export function summarizeComponentMetrics(
  window: MetricObservation[],
  baseline: MetricObservation[],
  baselineMinutes: number,
): ComponentMetric[] {
  const byName = (points: MetricObservation[]) => {
    const names = new Map<string, MetricObservation[]>();
    for (const point of points) {
      const list = names.get(point.name);
      if (list) list.push(point);
      else names.set(point.name, [point]);
    }
    return names;
  };
  const current = byName(window);
  const before = byName(baseline);
  return [...current.entries()]
    .map(([name, points]) => {
      const unit = points.find((point) => point.unit !== null)?.unit ?? null;
      const meaning = meaningOf(name, unit);
      const toMs = meaning === 'duration' ? millisecondsPerUnit(name, unit) : null;
      const ms = (value: number | null) =>
        value === null || toMs === null ? null : round(value * toMs);
      const now = statsOf(points, meaning);
      const then = statsOf(before.get(name) ?? [], meaning);
      return {
        name,
        unit,
        meaning,
        ...now,
        p95_ms: ms(now.p95),
        baseline: {
          ...then,
          p95_ms: ms(then.p95),
          increase_per_minute:
            then.increase === null || baselineMinutes <= 0
              ? null
              : round(then.increase / baselineMinutes),
        },
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

function statsOf(points: MetricObservation[], meaning: MetricMeaning): MetricWindowStats {
  if (points.length === 0)
    return { samples: 0, last: null, min: null, max: null, avg: null, p95: null, increase: null };
  const values = points.map((point) => point.value);
  const latest = points.reduce((a, b) => (b.timeMs >= a.timeMs ? b : a));
  return {
    samples: points.length,
    last: latest.value,
    min: aggregate(values, 'min'),
    max: aggregate(values, 'max'),
    avg: round(aggregate(values, 'avg')),
    p95: round(aggregate(values, 'p95')),
    increase: meaning === 'error_count' ? counterIncrease(points) : null,
  };
}

/** Increase of a cumulative counter, per series in time order: a drop is a reset, after which the new value counts whole. */
export function counterIncrease(points: MetricObservation[]): number | null {
  const series = new Map<string, MetricObservation[]>();
  for (const point of points) {
    const list = series.get(point.series);
    if (list) list.push(point);
    else series.set(point.series, [point]);
  }
  let increase = 0;
  let pairs = 0;
  for (const list of series.values()) {
    list.sort((a, b) => a.timeMs - b.timeMs);
    for (let index = 1; index < list.length; index++) {
      const step = list[index].value - list[index - 1].value;
      increase += step >= 0 ? step : list[index].value;
      pairs++;
    }
  }
  return pairs === 0 ? null : increase;
}

const round = (value: number) => Math.round(value * 1000) / 1000;
