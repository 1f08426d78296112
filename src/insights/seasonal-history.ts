import type { BucketGrid } from './insight-aggregates.repository.js';

export const DAY_MS = 24 * 3_600_000;

/**
 * The scope's time of day on earlier days: for day `daysBack` (1 = yesterday), the scope's
 * window moved back by whole days, with one bucket more on each side, [from, to) in ms.
 */
export interface SeasonalRange {
  daysBack: number;
  from: number;
  to: number;
}

export function seasonalRanges(grid: BucketGrid, days: number): SeasonalRange[] {
  return Array.from({ length: days }, (_, index) => {
    const end = grid.to.getTime() - (index + 1) * DAY_MS;
    return {
      daysBack: index + 1,
      from: end - (grid.windowBuckets + 1) * grid.bucketMs,
      to: end + grid.bucketMs,
    };
  });
}

/**
 * Counts per series at the scope's time of day on earlier days, filled minute by minute (an
 * event counts in the bucket where its minute starts, as in the rollups): `get(key)[d - 1]` holds
 * day d's window buckets with one more on each side (`windowBuckets + 2` values, oldest first).
 */
export class SeasonalHistory {
  private readonly byKey = new Map<string, number[][]>();

  constructor(
    private readonly grid: BucketGrid,
    readonly ranges: readonly SeasonalRange[],
  ) {}

  add(key: string, minuteMs: number, count: number): void {
    const range = this.ranges.find((one) => minuteMs >= one.from && minuteMs < one.to);
    if (!range || count === 0) return;
    const end = this.grid.to.getTime() - range.daysBack * DAY_MS;
    // bucket k of the day covers [end − (k+1)·size, end − k·size); k = −1 is the bucket after
    const back = Math.floor((end - 1 - minuteMs) / this.grid.bucketMs);
    const position = this.grid.windowBuckets - back;
    if (position < 0 || position > this.grid.windowBuckets + 1) return;
    let days = this.byKey.get(key);
    if (!days) {
      days = this.ranges.map(() => new Array(this.grid.windowBuckets + 2).fill(0));
      this.byKey.set(key, days);
    }
    days[range.daysBack - 1][position] += count;
  }

  get(key: string): number[][] | undefined {
    return this.byKey.get(key);
  }
}
