/** The quality measure of bench:patterns (Loghub's grouping accuracy, Zhu et al. 2019). */

/**
 * Grouping accuracy: a line is correct when the set of lines in its predicted group is
 * exactly the set of lines of its ground-truth group. Lines without a ground-truth key
 * are not scored.
 */
export function groupingAccuracy(
  truth: Map<string, string>,
  predicted: Map<string, string>,
): number {
  const truthSize = new Map<string, number>();
  for (const key of truth.values()) truthSize.set(key, (truthSize.get(key) ?? 0) + 1);
  const groups = new Map<string, Map<string, number>>();
  for (const [line, truthKey] of truth) {
    const key = predicted.get(line);
    if (key === undefined) continue;
    let inGroup = groups.get(key);
    if (!inGroup) groups.set(key, (inGroup = new Map()));
    inGroup.set(truthKey, (inGroup.get(truthKey) ?? 0) + 1);
  }
  let correct = 0;
  for (const inGroup of groups.values()) {
    if (inGroup.size !== 1) continue;
    const [truthKey, count] = inGroup.entries().next().value as [string, number];
    if (truthSize.get(truthKey) === count) correct += count;
  }
  return truth.size ? correct / truth.size : 0;
}
