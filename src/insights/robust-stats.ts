/** Small robust statistics used by the analyzers on aggregates the database computed. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  // a typed array sorts numbers without calling a comparator (the analyzers take medians of
  // every series' buckets at every run)
  const sorted = Float64Array.from(values).sort();
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median absolute deviation, scaled (×1.4826) to estimate a standard deviation under normality. */
export function scaledMad(values: readonly number[], center = median(values)): number {
  if (values.length === 0) return 0;
  return 1.4826 * median(values.map((value) => Math.abs(value - center)));
}

/**
 * How unusual `observed` is against a baseline of counts: (observed - median) / scale, where
 * the scale is the larger of the MAD and the Poisson spread √median (counts of rare events
 * have a MAD of 0, which would make every blip infinite), and never below 1.
 */
export function robustScore(
  observed: number,
  baseline: readonly number[],
): { expected: number; scale: number; score: number } {
  return robustScorer(baseline)(observed);
}

/** robustScore against one baseline for many observations: the median and MAD are computed once. */
export function robustScorer(
  baseline: readonly number[],
): (observed: number) => { expected: number; scale: number; score: number } {
  const expected = median(baseline);
  const scale = Math.max(scaledMad(baseline, expected), Math.sqrt(expected), 1);
  return (observed) => ({ expected, scale, score: (observed - expected) / scale });
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
