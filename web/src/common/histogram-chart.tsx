import { useMemo } from 'react';
import type { EventHistogram } from '../api/client';
import { formatTime } from './bits';
import { TimeChart } from './time-chart';

const EVENTS_COLOR = '#4f6bed';
const ERRORS_COLOR = '#d6336c';

/** A histogram's buckets as chart series: x in epoch seconds, events and errors. */
export function histogramSeries(histogram: EventHistogram) {
  return {
    x: histogram.buckets.map((bucket) => Date.parse(bucket.start) / 1000),
    series: [
      {
        label: 'events',
        values: histogram.buckets.map((bucket) => bucket.count),
        color: EVENTS_COLOR,
      },
      {
        label: 'errors',
        values: histogram.buckets.map((bucket) => bucket.errors),
        color: ERRORS_COLOR,
      },
    ],
  };
}

/** What the server could not count (a tier out of reach, an archive too large to read). */
export function PartialNotice(props: { histogram: EventHistogram }) {
  if (!props.histogram.partial) return null;
  const reasons = props.histogram.tiers
    .filter((tier) => !tier.counted)
    .map((tier) => `${tier.tier}: ${tier.reason ?? 'not counted'}`);
  return (
    <p className="notice small" role="note" data-testid="histogram-partial">
      Counts may be short — {reasons.join('; ')}
    </p>
  );
}

/**
 * Server-side counts over time drawn as bars (events and errors), with the counts per bucket in a
 * table for screen readers (and for anyone who wants the numbers).
 */
export function HistogramChart(props: {
  histogram: EventHistogram;
  height: number;
  label: string;
  onZoom?: (from: number, to: number) => void;
}) {
  const { x, series } = useMemo(() => histogramSeries(props.histogram), [props.histogram]);
  const nonEmpty = props.histogram.buckets.filter((bucket) => bucket.count > 0);
  return (
    <>
      <TimeChart
        x={x}
        series={series}
        height={props.height}
        bars
        label={props.label}
        onZoom={props.onZoom}
      />
      <PartialNotice histogram={props.histogram} />
      <details className="small">
        <summary>
          <span data-testid="histogram-total">{props.histogram.total}</span> events,{' '}
          {props.histogram.errors} errors in buckets of {stepText(props.histogram.step_ms)}
        </summary>
        <table
          className="bucket-counts"
          aria-label={`${props.label}: counts per bucket`}
          data-testid="histogram-table"
        >
          <thead>
            <tr>
              <th scope="col">from</th>
              <th scope="col">events</th>
              <th scope="col">errors</th>
            </tr>
          </thead>
          <tbody>
            {nonEmpty.map((bucket) => (
              <tr key={bucket.start}>
                <td>{formatTime(bucket.start)}</td>
                <td>{bucket.count}</td>
                <td>{bucket.errors}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

function stepText(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units)
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  return `${ms} ms`;
}
