import { Injectable } from '@nestjs/common';
import { effectSizeFactor, recencyFactor, sampleSizeFactor } from '../confidence.js';
import type {
  BucketGrid,
  BucketSeries,
  ErrorPatternRow,
} from '../insight-aggregates.repository.js';
import { InsightSettings } from '../insight-settings.js';
import {
  componentKey,
  type ComponentRef,
  type InsightDraft,
  type Severity,
} from '../insight.types.js';
import { robustScorer, round } from '../robust-stats.js';
import {
  type AnalysisContext,
  type Analyzer,
  bucketStart,
  describeComponents,
  formatTime,
} from './analyzer.js';

export interface ErrorPatternInput {
  grid: BucketGrid;
  now: Date;
  /** Per pattern: events and errors per bucket over baseline + scope. */
  patternSeries: readonly BucketSeries[];
  /** Error events per pattern and component, in the scope and in the baseline. */
  rows: readonly ErrorPatternRow[];
  /** Patterns that have any event before the scope. */
  seenBefore: ReadonlySet<string>;
  /**
   * Where the store's events begin inside the grid (a store younger than the grid), the start of
   * the first bucket with events of each component type; empty when the store is older.
   */
  typeStarts?: ReadonlyMap<string, Date>;
}

/**
 * The component types' history starts (see ErrorPatternInput.typeStarts) from the series of a
 * grid that holds the store's first events: the first bucket with events of each type.
 */
export function typeStartsOf(
  componentSeries: readonly BucketSeries[],
  grid: BucketGrid,
): Map<string, Date> {
  const starts = new Map<string, Date>();
  for (const series of componentSeries) {
    const index = series.counts.findIndex((count) => count > 0);
    if (!series.component || index < 0) continue;
    const at = bucketStart(grid, index);
    const type = series.component.component_type;
    if (!starts.has(type) || at < starts.get(type)!) starts.set(type, at);
  }
  return starts;
}

/**
 * When a new pattern's components began sending no earlier than the store's first events, "never
 * stored before" says nothing: the start of its type's history, or null when that is older or
 * the pattern came later than its own rate explains. At its rate over the time since the types
 * began (count / time), an error present all along first shows within 3 mean gaps of the start
 * with probability 95% (Poisson: 1 − e⁻³); a first occurrence later than that began later.
 */
export function presentSinceStart(
  facts: Pick<PatternFacts, 'count' | 'firstAt' | 'scopeRows'>,
  grid: BucketGrid,
  typeStarts: ReadonlyMap<string, Date> | undefined,
): Date | null {
  if (!typeStarts || typeStarts.size === 0) return null;
  const starts = facts.scopeRows.map((row) => typeStarts.get(row.component.component_type));
  if (starts.some((start) => start === undefined)) return null;
  const start = new Date(Math.min(...starts.map((at) => at!.getTime())));
  const meanGapMs = (grid.to.getTime() - start.getTime()) / Math.max(facts.count, 1);
  return facts.firstAt.getTime() - start.getTime() <= settings.newPatternStartGaps * meanGapMs
    ? start
    : null;
}

const settings = InsightSettings.errorPattern;

export interface PatternFacts {
  patternId: string;
  sampleMessage: string;
  scopeRows: ErrorPatternRow[];
  baselineRows: ErrorPatternRow[];
  count: number;
  firstAt: Date;
  lastAt: Date;
  critical: boolean;
}

/**
 * Error insights per pattern: a burst (error count of a bucket far above the pattern's
 * baseline), a new pattern (never stored before the scope), and spreading (errors of a
 * known pattern on component types or replicas that did not have it in the baseline).
 */
export function detectErrorPatterns(input: ErrorPatternInput): InsightDraft[] {
  const drafts: InsightDraft[] = [];
  const seriesByPattern = new Map(input.patternSeries.map((series) => [series.patternId!, series]));
  const fresh: PatternFacts[] = [];
  for (const facts of groupByPattern(input.rows)) {
    const isNew = !input.seenBefore.has(facts.patternId) && facts.baselineRows.length === 0;
    if (isNew) {
      if (facts.count >= settings.newPatternMinCount) fresh.push(facts);
      continue;
    }
    const series = seriesByPattern.get(facts.patternId);
    if (series) {
      const burst = detectBurst(facts, series, input);
      if (burst) drafts.push(burst);
    }
    const spreading = detectSpreading(facts, input);
    if (spreading) drafts.push(spreading);
  }
  for (const [facts, ...twins] of loggedTwice(fresh)) drafts.push(newPattern(facts, input, twins));
  return drafts;
}

/**
 * New patterns grouped where one failure was logged twice: a span that failed and the exception
 * recorded in it, an error logged where it was thrown and again by the handler that caught it.
 * Such patterns have the same count on each component and begin and end together (first and
 * last occurrences within `twinToleranceMs`: a span is stamped at its end, its exception when it
 * was thrown). The first to occur leads each group; one insight, not one per layer.
 */
export function loggedTwice(fresh: readonly PatternFacts[]): PatternFacts[][] {
  const signature = (facts: PatternFacts) =>
    facts.scopeRows
      .map((row) => `${componentKey(row.component)}=${row.count}`)
      .sort()
      .join('\u0000');
  const close = (a: Date, b: Date) =>
    Math.abs(a.getTime() - b.getTime()) <= settings.twinToleranceMs;
  const ordered = [...fresh].sort(
    (a, b) => a.firstAt.getTime() - b.firstAt.getTime() || a.patternId.localeCompare(b.patternId),
  );
  const groups: PatternFacts[][] = [];
  for (const facts of ordered) {
    const group = groups.find(
      ([lead]) =>
        signature(lead) === signature(facts) &&
        close(lead.firstAt, facts.firstAt) &&
        close(lead.lastAt, facts.lastAt),
    );
    if (group) group.push(facts);
    else groups.push([facts]);
  }
  return groups;
}

function groupByPattern(rows: readonly ErrorPatternRow[]): PatternFacts[] {
  const byPattern = new Map<string, PatternFacts>();
  for (const row of rows) {
    let facts = byPattern.get(row.patternId);
    if (!facts) {
      facts = {
        patternId: row.patternId,
        sampleMessage: row.sampleMessage,
        scopeRows: [],
        baselineRows: [],
        count: 0,
        firstAt: row.firstAt,
        lastAt: row.lastAt,
        critical: false,
      };
      byPattern.set(row.patternId, facts);
    }
    if (!row.inScope) {
      facts.baselineRows.push(row);
      continue;
    }
    // the example is one the scope logged, not one hours before it (a burst quoted its
    // pattern's first deadlock, from before the store's first hour was over)
    if (facts.scopeRows.length === 0) facts.sampleMessage = row.sampleMessage;
    if (facts.scopeRows.length === 0 || row.firstAt < facts.firstAt) facts.firstAt = row.firstAt;
    if (facts.scopeRows.length === 0 || row.lastAt > facts.lastAt) facts.lastAt = row.lastAt;
    facts.scopeRows.push(row);
    facts.count += row.count;
    facts.critical ||= row.levels.includes('critical');
  }
  return [...byPattern.values()].filter((facts) => facts.scopeRows.length > 0);
}

function components(rows: readonly ErrorPatternRow[]): ComponentRef[] {
  return [...rows].sort((a, b) => b.count - a.count).map((row) => row.component);
}

function bump(severity: Severity, when: boolean): Severity {
  if (!when) return severity;
  return severity === 'info'
    ? 'low'
    : severity === 'low'
      ? 'medium'
      : severity === 'medium'
        ? 'high'
        : 'critical';
}

function quote(message: string): string {
  return message.length > 160 ? `"${message.slice(0, 157)}..."` : `"${message}"`;
}

function subjects(facts: PatternFacts): string[] {
  return [
    `pattern:${facts.patternId}`,
    ...facts.scopeRows.map((row) => `component:${componentKey(row.component)}`),
  ];
}

function newPattern(
  facts: PatternFacts,
  input: ErrorPatternInput,
  twins: readonly PatternFacts[] = [],
): InsightDraft {
  const affected = components(facts.scopeRows);
  const names = affected.map(componentKey);
  const historyStart = presentSinceStart(facts, input.grid, input.typeStarts);
  // with no history before it, a new pattern is the store's first hour, not a change: low
  // (critical events one step up, as anywhere)
  const severity = bump(
    historyStart ? 'low' : facts.count >= 50 || affected.length >= 3 ? 'high' : 'medium',
    facts.critical,
  );
  return {
    analyzer: 'error-pattern',
    type: 'error',
    kind: 'new_pattern',
    severity,
    title: `New error pattern on ${describeComponents(names, 2)}: ${quote(facts.sampleMessage)}`,
    summary:
      `An error never stored before appeared ${facts.count} time(s) between ${formatTime(facts.firstAt)} and ` +
      `${formatTime(facts.lastAt)} on ${describeComponents(names)}. Example: ${quote(facts.sampleMessage)}. ` +
      (historyStart
        ? `The store has events of these components only since ${formatTime(historyStart)}, and at its rate the error ` +
          `may have been there from the start: with no earlier history, new does not mean changed.`
        : `Look at what was deployed or changed on ${describeComponents(names, 2)} just before ${formatTime(facts.firstAt)}.`) +
      (twins.length > 0
        ? ` The same failure is also logged as ${twins.map((twin) => quote(twin.sampleMessage)).join(', ')}, once per occurrence.`
        : ''),
    identity: [facts.patternId],
    affected,
    evidence: {
      pattern_id: facts.patternId,
      sample_message: facts.sampleMessage,
      count: facts.count,
      first_event_id: facts.scopeRows.reduce((first, row) =>
        row.firstAt <= first.firstAt ? row : first,
      ).firstEventId,
      per_component: facts.scopeRows.map((row) => ({ ...row.component, count: row.count })),
      first_at: facts.firstAt.toISOString(),
      last_at: facts.lastAt.toISOString(),
      ...(historyStart ? { history_since: historyStart.toISOString() } : {}),
      ...(twins.length > 0
        ? {
            also_logged_as: twins.map((twin) => ({
              pattern_id: twin.patternId,
              sample_message: twin.sampleMessage,
            })),
          }
        : {}),
    },
    suggestions: [
      `List the pattern's events: GET /api/debug/events?pattern_id=${facts.patternId}`,
      `Check deployments, configuration or dependency changes on ${describeComponents(names, 2)} around ${formatTime(facts.firstAt)}`,
      'If the error is expected, resolve this insight with a note so that a recurrence is flagged as a regression',
    ],
    factors: {
      sample_size: sampleSizeFactor(facts.count, 5),
      effect_size: 1,
      recency: recencyFactor(facts.lastAt, input.now, InsightSettings.confidence.recencyHalfLifeMs),
    },
    firstSeen: facts.firstAt,
    lastSeen: facts.lastAt,
    subjects: [...subjects(facts), ...twins.map((twin) => `pattern:${twin.patternId}`)],
    sample: {
      patternId: facts.patternId,
      errorsOnly: true,
      from: facts.firstAt,
      to: new Date(facts.lastAt.getTime() + 1),
    },
  };
}

function detectBurst(
  facts: PatternFacts,
  series: BucketSeries,
  input: ErrorPatternInput,
): InsightDraft | null {
  const { grid } = input;
  const baseline = series.errors.slice(0, grid.baselineBuckets);
  let best: {
    index: number;
    observed: number;
    expected: number;
    score: number;
    scale: number;
  } | null = null;
  const scoreOf = robustScorer(baseline);
  for (let index = grid.baselineBuckets; index < series.errors.length; index++) {
    const observed = series.errors[index];
    const { expected, score, scale } = scoreOf(observed);
    if (!best || score > best.score) best = { index, observed, expected, score, scale };
  }
  if (!best) return null;
  const ratio = best.observed / Math.max(best.expected, 1);
  if (
    best.observed < settings.burstMinCount ||
    ratio < settings.burstMinRatio ||
    best.score < settings.burstMinScore
  )
    return null;
  const affected = components(facts.scopeRows);
  const names = affected.map(componentKey);
  const start = bucketStart(grid, best.index);
  const minutes = round(grid.bucketMs / 60_000, 1);
  const severity = bump(ratio >= 10 || best.observed >= 100 ? 'high' : 'medium', facts.critical);
  return {
    analyzer: 'error-pattern',
    type: 'error',
    kind: 'burst',
    severity,
    title: `Error burst (${round(ratio, 1)}× baseline) on ${describeComponents(names, 2)}: ${quote(facts.sampleMessage)}`,
    summary:
      `${best.observed} errors of one pattern in the ${minutes}-minute bucket starting ${formatTime(start)}, against a ` +
      `baseline median of ${round(best.expected)} per bucket (robust score ${round(best.score, 1)}); ${facts.count} in the scope, ` +
      `on ${describeComponents(names)}. Example: ${quote(facts.sampleMessage)}. Start with the component that has the most errors ` +
      `(${names[0]}) and what it depends on.`,
    identity: [facts.patternId],
    affected,
    evidence: {
      pattern_id: facts.patternId,
      sample_message: facts.sampleMessage,
      bucket_start: start.toISOString(),
      bucket_ms: grid.bucketMs,
      observed: best.observed,
      expected: round(best.expected),
      score: round(best.score),
      ratio: round(ratio),
      count_in_scope: facts.count,
      window_counts: series.errors.slice(grid.baselineBuckets),
      per_component: facts.scopeRows.map((row) => ({ ...row.component, count: row.count })),
    },
    suggestions: [
      `List the pattern's events: GET /api/debug/events?pattern_id=${facts.patternId}`,
      `Check ${names[0]} and its dependencies around ${formatTime(start)} (deploys, upstream errors, resource limits)`,
      'Compare with the execution-flow insights of the same time: a propagated error names its root cause there',
    ],
    factors: {
      sample_size: sampleSizeFactor(best.observed, 20),
      effect_size: effectSizeFactor(ratio - 1, 5),
      recency: recencyFactor(facts.lastAt, input.now, InsightSettings.confidence.recencyHalfLifeMs),
    },
    firstSeen: start,
    lastSeen: facts.lastAt,
    subjects: subjects(facts),
    sample: {
      patternId: facts.patternId,
      errorsOnly: true,
      from: start,
      to: new Date(start.getTime() + grid.bucketMs),
    },
  };
}

function detectSpreading(facts: PatternFacts, input: ErrorPatternInput): InsightDraft | null {
  if (facts.baselineRows.length === 0) return null;
  const before = new Set(facts.baselineRows.map((row) => componentKey(row.component)));
  const typesBefore = new Set(facts.baselineRows.map((row) => row.component.component_type));
  const fresh = facts.scopeRows.filter(
    (row) => !before.has(componentKey(row.component)) && row.count >= 3,
  );
  const freshTypes = fresh.filter((row) => !typesBefore.has(row.component.component_type));
  const newTypeNames = [...new Set(freshTypes.map((row) => row.component.component_type))];
  if (newTypeNames.length === 0 && fresh.length < 2) return null;
  const affected = components(facts.scopeRows);
  const freshNames = fresh.map((row) => componentKey(row.component));
  const severity: Severity =
    newTypeNames.length > 0 ? (newTypeNames.length >= 2 ? 'high' : 'medium') : 'low';
  const firstAt = fresh.reduce(
    (first, row) => (row.firstAt < first ? row.firstAt : first),
    fresh[0].firstAt,
  );
  return {
    analyzer: 'error-pattern',
    type: 'error',
    kind: 'spreading',
    severity,
    title: `Error spreading to ${describeComponents(freshNames, 2)}: ${quote(facts.sampleMessage)}`,
    summary:
      `An error seen before only on ${describeComponents([...before])} now also occurs on ${describeComponents(freshNames)} ` +
      `(first at ${formatTime(firstAt)}; ${fresh.reduce((sum, row) => sum + row.count, 0)} errors there). ` +
      `Something these components share (a dependency, a configuration, a release) is the likely cause.`,
    identity: [facts.patternId],
    affected,
    evidence: {
      pattern_id: facts.patternId,
      sample_message: facts.sampleMessage,
      components_before: [...before],
      new_components: fresh.map((row) => ({
        ...row.component,
        count: row.count,
        first_at: row.firstAt.toISOString(),
        event_id: row.firstEventId,
      })),
      new_component_types: newTypeNames,
    },
    suggestions: [
      `Find what ${describeComponents([...new Set([...before, ...freshNames])], 3)} have in common that changed around ${formatTime(firstAt)}`,
      `List the pattern's events: GET /api/debug/events?pattern_id=${facts.patternId}`,
    ],
    factors: {
      sample_size: sampleSizeFactor(
        fresh.reduce((sum, row) => sum + row.count, 0),
        10,
      ),
      effect_size: effectSizeFactor(fresh.length / Math.max(before.size, 1), 1),
      recency: recencyFactor(facts.lastAt, input.now, InsightSettings.confidence.recencyHalfLifeMs),
    },
    firstSeen: firstAt,
    lastSeen: facts.lastAt,
    subjects: subjects(facts),
    sample: {
      patternId: facts.patternId,
      errorsOnly: true,
      from: firstAt,
      to: new Date(facts.lastAt.getTime() + 1),
    },
  };
}

/**
 * Rows and series of merged patterns counted under the pattern they were merged into. Rows come
 * one per pattern, component and side of the scope (as both readers give them), so only the
 * rows of a pattern that others were merged into are summed.
 */
export function mergeByRoot(
  rows: readonly ErrorPatternRow[],
  series: readonly BucketSeries[],
  rootOf: ReadonlyMap<string, string>,
): { rows: ErrorPatternRow[]; series: BucketSeries[] } {
  const root = (id: string) => rootOf.get(id) ?? id;
  const mergedInto = new Set<string>();
  for (const [id, into] of rootOf) if (id !== into) mergedInto.add(into);
  const mergedRows: ErrorPatternRow[] = [];
  const at = new Map<string, number>();
  for (const row of rows) {
    const patternId = root(row.patternId);
    if (!mergedInto.has(patternId)) {
      mergedRows.push(row);
      continue;
    }
    const key = `${patternId}\u0000${componentKey(row.component)}\u0000${row.inScope ? 1 : 0}`;
    const index = at.get(key);
    if (index === undefined) {
      at.set(key, mergedRows.length);
      mergedRows.push({ ...row, patternId });
      continue;
    }
    // a copy made above: the caller's rows are never changed
    const known = mergedRows[index];
    known.count += row.count;
    if (row.firstAt < known.firstAt)
      [known.firstAt, known.firstEventId] = [row.firstAt, row.firstEventId];
    if (row.lastAt > known.lastAt)
      [known.lastAt, known.lastEventId] = [row.lastAt, row.lastEventId];
    known.levels = [...new Set([...known.levels.split(','), ...row.levels.split(',')])]
      .filter(Boolean)
      .join(',');
  }
  const mergedSeries = new Map<string, BucketSeries>();
  for (const item of series) {
    const patternId = root(item.patternId!);
    const known = mergedSeries.get(patternId);
    if (!known) {
      mergedSeries.set(patternId, {
        ...item,
        key: `pattern:${patternId}`,
        patternId,
        counts: [...item.counts],
        errors: [...item.errors],
      });
      continue;
    }
    item.counts.forEach((count, index) => (known.counts[index] += count));
    item.errors.forEach((count, index) => (known.errors[index] += count));
    if (item.lastAt && (!known.lastAt || item.lastAt > known.lastAt)) known.lastAt = item.lastAt;
  }
  return { rows: mergedRows, series: [...mergedSeries.values()] };
}

@Injectable()
export class ErrorPatternAnalyzer implements Analyzer {
  readonly name = 'error-pattern' as const;

  async analyze(context: AnalysisContext): Promise<InsightDraft[]> {
    const [rawRows, rawSeries] = await Promise.all([
      context.errorPatterns(),
      context.patternSeries(),
    ]);
    const errorPatternIds = [...new Set(rawRows.map((row) => row.patternId))];
    const lineage = await context.patternLineage(errorPatternIds);
    const { rows, series } = mergeByRoot(
      rawRows,
      rawSeries.filter((item) => lineage.rootOf.has(item.patternId!)),
      lineage.rootOf,
    );
    // a pattern is new when neither it nor anything merged into it was stored before the scope
    const seenBefore = new Set<string>(
      rows.filter((row) => !row.inScope).map((row) => row.patternId),
    );
    const candidates = [
      ...new Set(rows.filter((row) => row.inScope).map((row) => row.patternId)),
    ].filter((id) => !seenBefore.has(id));
    const unknown: string[] = [];
    for (const id of candidates) {
      const family = lineage.roots.get(id);
      if (family?.firstSeen && family.firstSeen < context.scope.from) seenBefore.add(id);
      else unknown.push(id);
    }
    const members = unknown.flatMap((id) => [...(lineage.roots.get(id)?.members ?? [id])]);
    const seenMembers = await context.aggregates.patternsSeenBefore(members, context.scope.from);
    for (const id of unknown) {
      if ([...(lineage.roots.get(id)?.members ?? [id])].some((member) => seenMembers.has(member)))
        seenBefore.add(id);
    }
    const needsHistory = rows.some((row) => row.inScope && !seenBefore.has(row.patternId));
    return detectErrorPatterns({
      grid: context.grid,
      now: context.now,
      patternSeries: series,
      rows,
      seenBefore,
      typeStarts:
        needsHistory && !(await context.aggregates.anyEventBefore(context.grid.origin))
          ? typeStartsOf(await context.componentSeries(), context.grid)
          : undefined,
    });
  }
}
