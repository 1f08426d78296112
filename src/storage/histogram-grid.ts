import { DomainError } from '../common/errors/domain-error.js';

/** The most buckets one histogram answer has. */
export const MAX_HISTOGRAM_BUCKETS = 500;
export const DEFAULT_HISTOGRAM_BUCKETS = 60;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Bucket widths a chart reads at a glance; past a day, whole days. */
const ROUND_STEPS_MS = [
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
];

const UNIT_MS = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY } as const;
/** `step` as the query spells it: milliseconds, or a number with ms, s, m, h or d. */
export const STEP_PATTERN = /^([1-9][0-9]{0,11})(ms|s|m|h|d)?$/;

/**
 * Buckets of `stepMs` that start at whole multiples of the step since the epoch (UTC), so that a
 * range moved by a little keeps the same bucket starts; bucket k covers
 * [originMs + k·stepMs, originMs + (k+1)·stepMs). Together they cover [from, to], both inclusive.
 */
export interface HistogramGrid {
  originMs: number;
  stepMs: number;
  buckets: number;
}

export function gridWithStep(fromMs: number, toMs: number, stepMs: number): HistogramGrid {
  const originMs = Math.floor(fromMs / stepMs) * stepMs;
  const lastMs = Math.floor(toMs / stepMs) * stepMs;
  return { originMs, stepMs, buckets: (lastMs - originMs) / stepMs + 1 };
}

/** The finest round step whose grid over [from, to] has at most `maxBuckets` buckets. */
export function gridForBuckets(fromMs: number, toMs: number, maxBuckets: number): HistogramGrid {
  for (const stepMs of ROUND_STEPS_MS) {
    const grid = gridWithStep(fromMs, toMs, stepMs);
    if (grid.buckets <= maxBuckets) return grid;
  }
  // Whole days: at most one more bucket than the span needs, from the alignment.
  let days = Math.max(1, Math.ceil((toMs - fromMs) / DAY / Math.max(1, maxBuckets - 1)));
  for (;;) {
    const grid = gridWithStep(fromMs, toMs, days * DAY);
    if (grid.buckets <= maxBuckets) return grid;
    days++;
  }
}

/** Milliseconds of a `step` that matches STEP_PATTERN; null otherwise. */
export function parseStep(text: string): number | null {
  const match = STEP_PATTERN.exec(text);
  if (!match) return null;
  return Number(match[1]) * UNIT_MS[(match[2] ?? 'ms') as keyof typeof UNIT_MS];
}

/** The bucket of a time on the grid, or -1 when it falls outside. */
export function bucketOf(grid: HistogramGrid, timeMs: number): number {
  const index = Math.floor((timeMs - grid.originMs) / grid.stepMs);
  return index >= 0 && index < grid.buckets ? index : -1;
}

/**
 * The grid a request asks for over [from, to]: `step` or `buckets` (DEFAULT_HISTOGRAM_BUCKETS
 * when neither). 400 naming the field when both are given or the step makes too many buckets.
 */
export function requestedGrid(
  from: Date,
  to: Date,
  request: { buckets?: number; step?: string },
): HistogramGrid {
  if (from > to)
    throw new DomainError('VALIDATION_FAILED', 'from must not be after to', { field: 'from' });
  if (request.step !== undefined && request.buckets !== undefined)
    throw new DomainError('VALIDATION_FAILED', 'give either step or buckets, not both', {
      field: 'step',
    });
  if (request.step === undefined)
    return gridForBuckets(
      from.getTime(),
      to.getTime(),
      request.buckets ?? DEFAULT_HISTOGRAM_BUCKETS,
    );
  const stepMs = parseStep(request.step);
  if (stepMs === null)
    throw new DomainError('VALIDATION_FAILED', 'step must be a whole number of ms, s, m, h or d', {
      field: 'step',
    });
  const grid = gridWithStep(from.getTime(), to.getTime(), stepMs);
  if (grid.buckets > MAX_HISTOGRAM_BUCKETS)
    throw new DomainError(
      'VALIDATION_FAILED',
      `step ${request.step} cuts the range into ${grid.buckets} buckets, more than ${MAX_HISTOGRAM_BUCKETS}: use a wider step or a shorter range`,
      { field: 'step', buckets: grid.buckets, max: MAX_HISTOGRAM_BUCKETS },
    );
  return grid;
}
