import { median, robustScore, scaledMad } from './robust-stats.js';

describe('robust statistics', () => {
  it('takes medians of odd and even samples', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
    // numeric order, not text order; negatives and fractions; the input is left as it was
    const values = [10, 9, 100, -5, 2.5];
    expect(median(values)).toBe(9);
    expect(values).toEqual([10, 9, 100, -5, 2.5]);
    expect(median([100, 20, 3, 1000])).toBe(60);
  });

  it('ignores a single outlier that would drag a mean', () => {
    const baseline = [10, 11, 9, 10, 12, 10, 500];
    expect(median(baseline)).toBe(10);
    expect(scaledMad(baseline)).toBeCloseTo(1.4826);
  });

  it('scores with at least the Poisson spread, so sparse counts are not infinitely surprising', () => {
    expect(robustScore(3, [0, 0, 0, 0]).score).toBe(3);
    const { expected, scale, score } = robustScore(100, new Array(12).fill(25));
    expect(expected).toBe(25);
    expect(scale).toBe(5);
    expect(score).toBe(15);
  });
});
