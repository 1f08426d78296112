import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: number[];
  color: string;
}

/** Counts of timestamps in `buckets` equal slices of [from, to]. */
export function bucketize(
  timestamps: string[],
  from: number,
  to: number,
  buckets = 60,
): { starts: number[]; counts: number[] } {
  const width = Math.max(1, (to - from) / buckets);
  const counts = new Array<number>(buckets).fill(0);
  for (const timestamp of timestamps) {
    const index = Math.floor((Date.parse(timestamp) - from) / width);
    if (index >= 0 && index < buckets) counts[index] += 1;
  }
  return { starts: counts.map((_, index) => (from + index * width) / 1000), counts };
}

/**
 * A uPlot chart of series over time (x in epoch seconds). `compact` draws a sparkline;
 * `onZoom` makes a click-drag select a range (epoch ms).
 */
export function TimeChart(props: {
  x: number[];
  series: Series[];
  height: number;
  compact?: boolean;
  bars?: boolean;
  label: string;
  onZoom?: (from: number, to: number) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const zoom = useRef(props.onZoom);
  zoom.current = props.onZoom;
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    let chart: uPlot | null = null;
    let resize: ResizeObserver | null = null;
    let cancelled = false;
    // uPlot loads with the first chart, not with the first view's script.
    void import('uplot').then(({ default: UPlot }) => {
      if (cancelled) return;
      const style = getComputedStyle(document.documentElement);
      const axisColor = style.getPropertyValue('--muted').trim() || '#666';
      const options: uPlot.Options = {
        width: Math.max(120, element.clientWidth),
        height: props.height,
        legend: { show: !props.compact },
        cursor: props.compact ? { show: false } : { drag: { x: true, y: false, setScale: false } },
        select: { show: Boolean(props.onZoom), left: 0, top: 0, width: 0, height: 0 },
        axes: props.compact
          ? [{ show: false }, { show: false }]
          : [
              { stroke: axisColor, grid: { stroke: 'rgba(128,128,128,0.15)' } },
              { stroke: axisColor, grid: { stroke: 'rgba(128,128,128,0.15)' }, size: 40 },
            ],
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        series: [
          {},
          ...props.series.map((series) => ({
            label: series.label,
            stroke: series.color,
            fill: `${series.color}33`,
            width: 1.5,
            points: { show: false },
            paths: props.bars ? UPlot.paths.bars!({ size: [0.9, 40] }) : undefined,
          })),
        ],
        hooks: {
          setSelect: [
            (chart) => {
              if (!zoom.current || chart.select.width < 4) return;
              const from = chart.posToVal(chart.select.left, 'x') * 1000;
              const to = chart.posToVal(chart.select.left + chart.select.width, 'x') * 1000;
              chart.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              zoom.current(Math.round(from), Math.round(to));
            },
          ],
        },
      };
      chart = new UPlot(
        options,
        [props.x, ...props.series.map((series) => series.values)],
        element,
      );
      const drawn = chart;
      resize = new ResizeObserver(() =>
        drawn.setSize({ width: Math.max(120, element.clientWidth), height: props.height }),
      );
      resize.observe(element);
    });
    return () => {
      cancelled = true;
      resize?.disconnect();
      chart?.destroy();
    };
  }, [props.x, props.series, props.height, props.compact, props.bars, props.onZoom]);
  return (
    <div
      ref={host}
      className={props.compact ? 'sparkline' : 'chart'}
      role="img"
      aria-label={props.label}
    />
  );
}
