import { Injectable } from '@nestjs/common';
import { effectSizeFactor, recencyFactor, sampleSizeFactor } from '../confidence.js';
import type { BucketGrid, BucketSeries } from '../insight-aggregates.repository.js';
import { InsightSettings } from '../insight-settings.js';
import {
  type ComponentRef,
  componentKey,
  type InsightDraft,
  type Severity,
} from '../insight.types.js';
import { median, robustScore, robustScorer, round, scaledMad } from '../robust-stats.js';
import {
  type AnalysisContext,
  type Analyzer,
  bucketStart,
  describeComponents,
  formatTime,
} from './analyzer.js';

const settings = InsightSettings.anomaly;

export interface AnomalyInput {
  grid: BucketGrid;
  now: Date;
  componentSeries: readonly BucketSeries[];
  patternSeries: readonly BucketSeries[];
  /** Example message per pattern id, for titles. */
  patternMessages?: ReadonlyMap<string, string>;
  /** Counts at the scope's time of day on earlier days, per series key (SeasonalHistory). */
  seasonalHistory?: (key: string) => readonly (readonly number[])[] | undefined;
}

type Kind = 'spike' | 'drop' | 'silence';

export interface Finding {
  kind: Kind;
  index: number;
  observed: number;
  expected: number;
  score: number;
  baseline: number[];
  /** Median bucket of the scope: the volume level of its hour. */
  scopeMedian: number;
  /** The same time of day on earlier days, when it was consulted (spikes only). */
  seasonal?: {
    /** Earlier days with history of the series (the seasonal level needs at least 2). */
    days: number;
    /** Median over those days of the highest count within one bucket of this one; null with too few days. */
    level: number | null;
    /** That highest count on each of the days, yesterday first. */
    dayLevels: number[];
  };
  /**
   * A silence only: a new instance of the same component type that began sending about when
   * this one stopped (a rolling deploy, or a crashed pod replaced), and the bucket it began in.
   */
  replacedBy?: { component: ComponentRef; index: number };
  /** A pattern's spike only: how many of its components are new in the scope, when most are. */
  newcomers?: { count: number; of: number };
}

/**
 * What the same time of day brought a series on earlier days, from the counts of
 * SeasonalHistory (per day, yesterday first: the window's buckets with one more on each side).
 */
export interface SeasonalBaseline {
  /** Earlier days with history: up to the farthest day on which the series had events then. */
  days: number;
  /** Per window bucket and day: the day's highest count within one bucket of it. */
  dayLevels: number[][];
  /** Per window bucket: the median of `dayLevels` (0 without days). */
  levels: number[];
}

/**
 * The seasonal baseline of one series. A day counts from yesterday back to the farthest day on
 * which the series sent events at this time of day: the store keeps a contiguous recent past, so
 * the series existed on the days in between, and a quiet day among them is a real zero (a
 * routine that runs on some days only is not made normal by them). Within one bucket either
 * way, because a daily routine starts at about the same time, not to the minute; the median over
 * the days, so that one unusual day (a holiday, an incident) neither makes nor breaks the level.
 */
export function seasonalBaseline(
  days: readonly (readonly number[])[] | undefined,
  windowBuckets: number,
): SeasonalBaseline {
  let counted = 0;
  (days ?? []).forEach((counts, index) => {
    if (counts.some((count) => count > 0)) counted = index + 1;
  });
  const history = (days ?? []).slice(0, counted);
  const dayLevels = Array.from({ length: windowBuckets }, (_, offset) =>
    history.map((counts) => Math.max(counts[offset], counts[offset + 1], counts[offset + 2])),
  );
  return { days: counted, dayLevels, levels: dayLevels.map((values) => median(values)) };
}

/**
 * The spikes found judged again with the seasonal baseline of their series (the first
 * `maxSeries` of them; the others and every other finding kept as they are): a rise that stays
 * within what the same time of day brought on earlier days is the daily cycle, not an anomaly.
 * Buckets longer than `seasonalMaxBucketMs` average the daily cycle away: nothing changes.
 */
export function judgeSeasonally(
  found: readonly { series: BucketSeries; finding: Finding }[],
  grid: BucketGrid,
  history: (key: string) => readonly (readonly number[])[] | undefined,
  maxSeries = settings.seasonalMaxSeries,
): { series: BucketSeries; finding: Finding }[] {
  if (grid.bucketMs > settings.seasonalMaxBucketMs) return [...found];
  const judged: { series: BucketSeries; finding: Finding }[] = [];
  let spikes = 0;
  for (const entry of found) {
    if (entry.finding.kind !== 'spike' || spikes++ >= maxSeries) {
      judged.push(entry);
      continue;
    }
    const seasonal = seasonalBaseline(history(entry.series.key), grid.windowBuckets);
    const finding = judge(entry.series, grid, entry.series.component !== undefined, seasonal);
    if (finding) judged.push({ series: entry.series, finding });
  }
  return judged;
}

/** The longest run of empty buckets in `counts`. */
export function longestZeroRun(counts: readonly number[]): number {
  let longest = 0;
  let run = 0;
  for (const count of counts) {
    run = count === 0 ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/**
 * Volume anomalies per component and per pattern: each bucket of the scope against the
 * median and MAD of the series' baseline buckets (robust to the outliers a mean would chase).
 * Spikes and drops need a large robust score and a large ratio; silence is a component with
 * a steady baseline that sent nothing in the last buckets.
 */
export function detectAnomalies(input: AnomalyInput): InsightDraft[] {
  const found = findAnomalies(input);
  const judged = input.seasonalHistory
    ? judgeSeasonally(found, input.grid, input.seasonalHistory)
    : found;
  return withNewcomers(judged, input.componentSeries, input.grid).map(({ series, finding }) =>
    toDraft(series, finding, input),
  );
}

/** The series with an anomaly and what was found, before drafts are written. */
export function findAnomalies(
  input: Omit<AnomalyInput, 'patternMessages' | 'seasonalHistory'>,
): { series: BucketSeries; finding: Finding }[] {
  const found: { series: BucketSeries; finding: Finding }[] = [];
  for (const series of input.componentSeries) {
    const finding = judge(series, input.grid, true);
    if (finding) found.push({ series, finding });
  }
  for (const series of input.patternSeries) {
    const finding = judge(series, input.grid, false);
    if (finding) found.push({ series, finding });
  }
  markReplacements(found, input.componentSeries, input.grid);
  return found;
}

/**
 * Instances come and go under new ids where an orchestrator runs them: a rolling deploy starts a
 * new pod and stops an old one, a crashed pod comes back as another. So a silent instance is
 * marked replaced when an instance of the same component type that had sent nothing before
 * began sending within `replacementWindowMs` of the silence's start, is still sending and carries a
 * replacement's share of the work (takesOver); each
 * new instance replaces one silent one, in the order they stopped and started. A silent instance with no
 * newcomer (a dead replica, a connector gone quiet) stays a silence.
 */
export function markReplacements(
  found: readonly { series: BucketSeries; finding: Finding }[],
  componentSeries: readonly BucketSeries[],
  grid: BucketGrid,
): void {
  const silent = found.filter(
    ({ series, finding }) => finding.kind === 'silence' && series.component,
  );
  if (silent.length === 0) return;
  const tolerance = Math.max(1, Math.ceil(settings.replacementWindowMs / grid.bucketMs));
  const newcomers = componentSeries.flatMap((series) => {
    const index = series.counts.findIndex((count) => count > 0);
    const sending = series.counts.slice(-settings.silenceBuckets).some((count) => count > 0);
    return series.component && index > 0 && sending ? [{ series, index }] : [];
  });
  // in time order, each silence takes the earliest newcomer of its type still free within the
  // tolerance: a rolling deploy replaces pods one after another, so the first to stop was
  // replaced by the first to start (nearest-first pairing stole the later ones' newcomers)
  const bySilence = [...silent].sort((a, b) => a.finding.index - b.finding.index);
  const byStart = [...newcomers].sort((a, b) => a.index - b.index);
  const taken = new Set<BucketSeries>();
  for (const entry of bySilence) {
    const newcomer = byStart.find(
      ({ series, index }) =>
        !taken.has(series) &&
        series.component!.component_type === entry.series.component!.component_type &&
        Math.abs(index - entry.finding.index) <= tolerance &&
        takesOver(series.counts.slice(index), entry.series.counts, entry.finding.index),
    );
    if (!newcomer) continue;
    taken.add(newcomer.series);
    entry.finding.replacedBy = { component: newcomer.series.component!, index: newcomer.index };
  }
}

/**
 * Whether a newcomer carries a replacement's share of the work: since it began, at least
 * `replacementMinShare` of what the silent instance sent per bucket before it stopped. A pod that
 * crash-loops or never gets traffic also starts under a new id, and the work it should have taken
 * is lost all the same. Too few events expected to tell: taken as a replacement.
 */
function takesOver(
  newcomerCounts: readonly number[],
  silentCounts: readonly number[],
  stoppedAt: number,
) {
  const firstActive = silentCounts.findIndex((count) => count > 0);
  const before = silentCounts.slice(firstActive, stoppedAt);
  if (firstActive < 0 || before.length === 0 || newcomerCounts.length === 0) return true;
  const perBucket = before.reduce((sum, count) => sum + count, 0) / before.length;
  const expected = perBucket * newcomerCounts.length;
  if (expected < settings.replacementMinExpected) return true;
  const sent = newcomerCounts.reduce((sum, count) => sum + count, 0);
  return sent >= settings.replacementMinShare * expected;
}

/**
 * The most significant anomaly of one series, or null. With a seasonal baseline of at least
 * `seasonalMinDays` days, a spike must also stand out from what the same time of day brought on
 * those days (the same ratio and excess as against the hours before).
 */
export function judge(
  series: BucketSeries,
  grid: BucketGrid,
  canGoSilent: boolean,
  seasonal?: SeasonalBaseline,
): Finding | null {
  const firstActive = series.counts.findIndex((count) => count > 0);
  if (firstActive < 0 || firstActive >= grid.baselineBuckets) return null; // new series: nothing to compare with
  const baseline = series.counts.slice(firstActive, grid.baselineBuckets);
  if (baseline.length < settings.minBaselineBuckets) return null;
  const expected = median(baseline);
  const window = series.counts.slice(grid.baselineBuckets);

  if (canGoSilent && expected >= settings.minBaselineMedian) {
    const tail = window.slice(-settings.silenceBuckets);
    let start = series.counts.length;
    while (start > 0 && series.counts[start - 1] === 0) start--;
    // a series that went as long without an event in its baseline sends in bursts (a request
    // that logs several events, a job every few minutes): its quiet now is one more such gap
    const silent =
      tail.length === settings.silenceBuckets &&
      tail.every((count) => count === 0) &&
      series.counts.length - start > longestZeroRun(baseline);
    if (silent) {
      const { score } = robustScore(0, baseline);
      return {
        kind: 'silence',
        index: start,
        observed: 0,
        expected,
        score,
        baseline,
        scopeMedian: median(window),
      };
    }
  }

  let best: Finding | null = null;
  const scoreOf = robustScorer(baseline);
  const burstHeight = earlierBurstHeight(series.counts, grid);
  let scopeMedian: number | undefined; // only series with a finding need it
  const usual = seasonal && seasonal.days >= settings.seasonalMinDays ? seasonal : null;
  window.forEach((observed, offset) => {
    const index = grid.baselineBuckets + offset;
    const { score } = scoreOf(observed);
    const ratio = observed / Math.max(expected, 1);
    const seasonalLevel = usual?.levels[offset];
    const aboveUsual =
      seasonalLevel === undefined ||
      (observed >= settings.spikeMinRatio * Math.max(seasonalLevel, 1) &&
        observed - seasonalLevel >= settings.spikeMinExcess);
    const spike =
      aboveUsual &&
      score >= settings.minScore &&
      ratio >= settings.spikeMinRatio &&
      observed - expected >= settings.spikeMinExcess &&
      // recurring bursts (a batch job, a cron, traffic surges): the baseline already burst to this
      // height more than once, measured at the volume level of the scope
      baseline.filter(
        (count, index) =>
          burstHeight(firstActive + index, count) * settings.spikeRecurringFactor >= observed,
      ).length < 2;
    const drop =
      score <= -settings.minScore &&
      expected >= settings.minBaselineMedian &&
      observed <= settings.dropMaxRatio * expected;
    if (!spike && !drop) return;
    if (!best || Math.abs(score) > Math.abs(best.score)) {
      best = {
        kind: spike ? 'spike' : 'drop',
        index,
        observed,
        expected,
        score,
        baseline,
        scopeMedian: (scopeMedian ??= median(window)),
        ...(seasonal && spike
          ? {
              seasonal: {
                days: seasonal.days,
                level: seasonalLevel ?? null,
                dayLevels: seasonal.dayLevels[offset] ?? [],
              },
            }
          : {}),
      };
    }
  });
  return best;
}

/**
 * The height of an earlier burst at the volume level of the scope: a baseline bucket that stands
 * out from the scope-long baseline window it lies in (≥ 1.5× that window's median bucket) scaled
 * by the scope's median bucket over that window's (both at least 1); 0 for a bucket that is no
 * burst in its own hour. Traffic that follows the time of day (×10 between night and afternoon)
 * carries its bursts along: a surge of 5× the traffic of the moment is as high, relative to its
 * hour, at 6 in the morning as at 9, though three times smaller in events. Medians, so that the
 * bursts themselves barely move the levels; only bursts count, so that a level that rose through
 * the scope does not make every ordinary baseline bucket look like an earlier burst.
 */
export function earlierBurstHeight(
  counts: readonly number[],
  grid: BucketGrid,
): (index: number, count: number) => number {
  const levelOf = (from: number) =>
    Math.max(1, median(counts.slice(from, from + grid.windowBuckets)));
  // computed on first use: most series never get this far
  const levels = new Map<number, number>();
  const levelAt = (from: number) => {
    let level = levels.get(from);
    if (level === undefined) levels.set(from, (level = levelOf(from)));
    return level;
  };
  return (index, count) => {
    const level = levelAt(Math.floor(index / grid.windowBuckets) * grid.windowBuckets);
    return count >= settings.spikeRecurringFactor * level
      ? (count * levelAt(grid.baselineBuckets)) / level
      : 0;
  };
}

function severityOf(finding: Finding): Severity {
  // a replaced instance is the deploy or restart working; it is noted, since a crash looks the same
  if (finding.kind === 'silence') return finding.replacedBy ? 'low' : 'high';
  if (finding.kind === 'spike' && finding.newcomers) return 'low';
  if (finding.kind === 'spike') {
    // against the level of the scope's own hour too: where traffic follows the time of day, the
    // baseline median of the hours before understates it (the morning ramp triples it), and a
    // bucket at 3× its hour is the traffic's ordinary burstiness, not a medium problem
    // and against the same time of day on earlier days, when there were enough of them
    const ratio =
      finding.observed /
      Math.max(finding.expected, finding.scopeMedian, finding.seasonal?.level ?? 0, 1);
    return ratio >= 10 ? 'high' : ratio >= 4 ? 'medium' : 'low';
  }
  const ratio = finding.observed / Math.max(finding.expected, 1);
  return finding.observed === 0 || ratio <= 0.1 ? 'medium' : 'low';
}

function toDraft(series: BucketSeries, finding: Finding, input: AnomalyInput): InsightDraft {
  const { grid } = input;
  const start = bucketStart(grid, finding.index);
  const minutes = round(grid.bucketMs / 60_000, 1);
  const isComponent = series.component !== undefined;
  const label = isComponent
    ? componentKey(series.component!)
    : `pattern ${series.patternId}${input.patternMessages?.get(series.patternId!) ? ` ("${input.patternMessages.get(series.patternId!)!.slice(0, 80)}")` : ''}`;
  const ratio = finding.observed / Math.max(finding.expected, 1);
  const replacedBy = finding.replacedBy;
  const newcomer = replacedBy ? componentKey(replacedBy.component) : '';
  // a silence lasts to the end of the scope (its last event is in the evidence)
  const lastSeen =
    finding.kind === 'silence' ? grid.to : new Date(start.getTime() + grid.bucketMs - 1);
  const evidence = {
    series: series.key,
    ...(isComponent ? { component: series.component } : { pattern_id: series.patternId }),
    bucket_start: start.toISOString(),
    bucket_ms: grid.bucketMs,
    expected: round(finding.expected),
    observed: finding.observed,
    score: round(finding.score),
    baseline_median: round(median(finding.baseline)),
    baseline_mad: round(scaledMad(finding.baseline)),
    baseline_buckets: finding.baseline.length,
    scope_median: round(finding.scopeMedian),
    window_counts: series.counts.slice(grid.baselineBuckets),
    ...(finding.seasonal
      ? {
          seasonal_days: finding.seasonal.days,
          seasonal_level: finding.seasonal.level === null ? null : round(finding.seasonal.level),
          seasonal_day_levels: finding.seasonal.dayLevels,
        }
      : {}),
    ...(finding.kind === 'silence' ? { last_event_at: series.lastAt?.toISOString() ?? null } : {}),
    ...(finding.newcomers
      ? { new_components: finding.newcomers.count, components: finding.newcomers.of }
      : {}),
    ...(replacedBy
      ? {
          replaced_by: {
            component: replacedBy.component,
            first_bucket_start: bucketStart(grid, replacedBy.index).toISOString(),
          },
        }
      : {}),
  };
  const what =
    finding.kind === 'spike'
      ? `Volume spike on ${label}: ${finding.observed} events in ${minutes} min, expected ~${round(finding.expected)}`
      : finding.kind === 'drop'
        ? `Volume drop on ${label}: ${finding.observed} events in ${minutes} min, expected ~${round(finding.expected)}`
        : replacedBy
          ? `${label} stopped sending events; a new instance, ${newcomer}, took over`
          : `${label} stopped sending events`;
  // the last event when it is known (buckets are coarser, and rollups place it by its minute)
  const quietSince = series.lastAt
    ? `its last event at ${formatTime(series.lastAt)}`
    : `${formatTime(start)} (last event unknown)`;
  const summary =
    finding.kind === 'silence' && replacedBy
      ? `${label} sent about ${round(finding.expected)} events per ${minutes} min in the baseline and none since ` +
        `${quietSince}; ` +
        `${newcomer}, of the same type and new, began sending at ${formatTime(bucketStart(grid, replacedBy.index))}. ` +
        `That is how a rolling deploy or a restarted pod looks; if neither happened, look for why the old one stopped.`
      : finding.kind === 'silence'
        ? `${label} sent about ${round(finding.expected)} events per ${minutes} min in the baseline and none since ` +
          `${quietSince}. ` +
          `Check whether it is running, reachable, and able to reach this collector.`
        : `${finding.observed} events in the ${minutes}-minute bucket starting ${formatTime(start)} against a baseline ` +
          `median of ${round(finding.expected)} (robust score ${round(finding.score, 1)}, ${round(ratio, 2)}× normal)` +
          (finding.seasonal?.level != null
            ? `; the same time on the ${finding.seasonal.days} previous days brought about ${round(finding.seasonal.level)} ` +
              `(${round(finding.observed / Math.max(finding.seasonal.level, 1), 2)}× that). `
            : '. ') +
          (finding.kind === 'spike' && finding.newcomers
            ? `${finding.newcomers.count} of the ${finding.newcomers.of} components that log it sent nothing in the baseline: new members arriving (provisioned devices, scaled-out pods) say this as they start.`
            : finding.kind === 'spike'
              ? `Look at what ${label} logged most in that bucket: a retry loop, a flood of errors or a traffic surge.`
              : `Fewer events than normal usually means less traffic reaching ${label}, or a part of it stalled.`);
  const suggestions =
    finding.kind === 'silence' && replacedBy
      ? [
          `Check whether a deploy or restart of ${series.component!.component_type} happened at ${formatTime(start)}`,
          `If not, read the last events of ${label} for a crash: GET /api/debug/events?component_type=${series.component!.component_type}&component_id=${series.component!.component_id}`,
        ]
      : finding.kind === 'silence'
        ? [
            `Check the process or pod of ${label} (crashed, hung, scaled to zero, network partition)`,
            `Check the SDK/agent on ${label}: a full client buffer or rejected batches also look like silence`,
          ]
        : finding.kind === 'spike'
          ? [
              isComponent
                ? `List the events: GET /api/debug/events?component_type=${series.component!.component_type}&component_id=${series.component!.component_id}`
                : `List the pattern's events: GET /api/debug/events?pattern_id=${series.patternId}`,
              'Look for error-pattern insights on the same component in the same bucket',
            ]
          : [`Check upstream traffic to ${label} and whether it is blocked on a dependency`];
  const baselineTotal = finding.baseline.reduce((sum, count) => sum + count, 0);
  return {
    analyzer: 'anomaly',
    type: 'anomaly',
    kind: finding.kind,
    severity: severityOf(finding),
    title: what,
    summary,
    identity: [series.key],
    affected: isComponent ? [series.component!] : (series.components ?? []),
    evidence,
    suggestions,
    factors: {
      sample_size: sampleSizeFactor(baselineTotal + finding.observed, 100),
      effect_size:
        finding.kind === 'silence'
          ? effectSizeFactor(finding.expected, settings.minBaselineMedian)
          : effectSizeFactor(Math.abs(finding.score) - settings.minScore + 1, 5),
      recency: recencyFactor(lastSeen, input.now, InsightSettings.confidence.recencyHalfLifeMs),
    },
    firstSeen: start,
    lastSeen,
    subjects: [series.key],
    sample:
      finding.kind === 'silence'
        ? undefined
        : {
            component: series.component,
            patternId: series.patternId,
            from: start,
            to: new Date(start.getTime() + grid.bucketMs),
          },
  };
}

/**
 * Without the drops of patterns whose every component went silent: a silent mailer's "sent …"
 * lines drop to nothing because the mailer did, and the silence already says so (two blind tests
 * had a medium "volume drop" beside a high silence, about no component).
 */
export function withoutSilencedPatterns(
  found: readonly { series: BucketSeries; finding: Finding }[],
): { series: BucketSeries; finding: Finding }[] {
  const silent = new Set(
    found
      .filter(({ series, finding }) => finding.kind === 'silence' && series.component)
      .map(({ series }) => componentKey(series.component!)),
  );
  return found.filter(
    ({ series, finding }) =>
      !(
        series.patternId &&
        finding.kind === 'drop' &&
        series.components?.length &&
        series.components.every((component) => silent.has(componentKey(component)))
      ),
  );
}

/**
 * Pattern spikes marked `newcomers` when most of the pattern's components sent nothing in the
 * baseline: new members announcing themselves (a batch of devices provisioned, pods scaled out)
 * is growth, not a surge of the system's own traffic.
 */
export function withNewcomers(
  found: { series: BucketSeries; finding: Finding }[],
  componentSeries: readonly BucketSeries[],
  grid: BucketGrid,
  /** Per pattern, the components that logged it in its spike's bucket (else its components). */
  spikeComponents: ReadonlyMap<string, readonly ComponentRef[]> = new Map(),
): { series: BucketSeries; finding: Finding }[] {
  const seenBefore = new Set(
    componentSeries
      .filter(
        (series) =>
          series.component && series.counts.slice(0, grid.baselineBuckets).some((n) => n > 0),
      )
      .map((series) => componentKey(series.component!)),
  );
  for (const { series, finding } of found) {
    if (!series.patternId || finding.kind !== 'spike') continue;
    const components = spikeComponents.get(series.patternId) ?? series.components ?? [];
    if (components.length === 0) continue;
    const count = components.filter((c) => !seenBefore.has(componentKey(c))).length;
    if (count >= settings.newcomerShare * components.length)
      finding.newcomers = { count, of: components.length };
  }
  return found;
}

/**
 * Silences of several instances of one type that went quiet together, one draft each group (a
 * site or a zone that went dark is one problem, not six): settings.silenceGroupMin instances or
 * more whose last events lie within settings.silenceGroupWindowMs of the group's first.
 */
export function groupSilences(
  drafts: InsightDraft[],
  componentSeries: readonly BucketSeries[],
): InsightDraft[] {
  const silent = drafts.filter(
    (draft) => draft.kind === 'silence' && !draft.evidence.replaced_by && draft.evidence.component,
  );
  const byType = new Map<string, InsightDraft[]>();
  for (const draft of silent) {
    const type = (draft.evidence.component as ComponentRef).component_type;
    byType.set(type, [...(byType.get(type) ?? []), draft]);
  }
  const grouped = new Set<InsightDraft>();
  const groups: InsightDraft[] = [];
  const lastOf = (draft: InsightDraft) =>
    Date.parse(String(draft.evidence.last_event_at ?? draft.firstSeen.toISOString()));
  for (const [type, members] of byType) {
    const ordered = [...members].sort((a, b) => lastOf(a) - lastOf(b));
    let start = 0;
    while (start < ordered.length) {
      let end = start;
      while (
        end + 1 < ordered.length &&
        lastOf(ordered[end + 1]) - lastOf(ordered[start]) <= settings.silenceGroupWindowMs
      )
        end++;
      const group = ordered.slice(start, end + 1);
      if (group.length >= settings.silenceGroupMin) {
        group.forEach((draft) => grouped.add(draft));
        const instances = componentSeries.filter(
          (series) => series.component?.component_type === type,
        ).length;
        groups.push(silenceGroupDraft(type, group, instances, lastOf));
      }
      start = end + 1;
    }
  }
  return [...drafts.filter((draft) => !grouped.has(draft)), ...groups];
}

function silenceGroupDraft(
  type: string,
  group: readonly InsightDraft[],
  instances: number,
  lastOf: (draft: InsightDraft) => number,
): InsightDraft {
  const components = group.map((draft) => draft.evidence.component as ComponentRef);
  const keys = components.map(componentKey).sort();
  const [first, last] = [lastOf(group[0]), lastOf(group[group.length - 1])];
  const expected = group.reduce((sum, draft) => sum + Number(draft.evidence.expected ?? 0), 0);
  // the member that sent the most stands for the group's factors and bucket
  const strongest = group.reduce((best, draft) =>
    Number(draft.evidence.expected ?? 0) > Number(best.evidence.expected ?? 0) ? draft : best,
  );
  return {
    ...strongest,
    title: `${group.length} of ${instances} ${type} instances stopped sending events: ${describeComponents(keys, 3)}`,
    summary:
      `${describeComponents(keys)} went quiet together: their last events lie between ${formatTime(new Date(first))} ` +
      `and ${formatTime(new Date(last))}, and together they sent about ${round(expected)} events per bucket in the baseline. ` +
      `Instances that stop together share something: a site, a zone, a network path, a deploy or a dependency. ` +
      `Check what they have in common before each one.`,
    identity: [`silence:${type}`, ...keys],
    affected: components,
    evidence: {
      component_type: type,
      instances,
      silent: group.map((draft) => ({
        component: draft.evidence.component,
        last_event_at: draft.evidence.last_event_at,
        expected: draft.evidence.expected,
      })),
      bucket_ms: strongest.evidence.bucket_ms,
    },
    suggestions: [
      `Find what ${describeComponents(keys, 3)} share (site, zone, network, version) and check it`,
      `Read their last events: GET /api/debug/events?component_type=${type}&component_id=${components[0].component_id}`,
    ],
    firstSeen: new Date(Math.min(...group.map((draft) => draft.firstSeen.getTime()))),
    subjects: keys.map((key) => `component:${key}`),
  };
}

@Injectable()
export class AnomalyAnalyzer implements Analyzer {
  readonly name = 'anomaly' as const;

  async analyze(context: AnalysisContext): Promise<InsightDraft[]> {
    const [componentSeries, patternSeries] = await Promise.all([
      context.componentSeries(),
      context.patternSeries(),
    ]);
    const input = { grid: context.grid, now: context.now, componentSeries, patternSeries };
    const found = await this.withSeasonalBaseline(context, findAnomalies(input));
    // rolled-up series carry no last event time; a silence reports it, so it is read for those few
    await Promise.all(
      found
        .filter(
          ({ series, finding }) => finding.kind === 'silence' && !series.lastAt && series.component,
        )
        .map(async ({ series }) => {
          series.lastAt = await context.aggregates.lastEventAt(
            series.component!,
            context.scope,
            context.grid.origin,
            context.scope.to,
          );
        }),
    );
    const patternIds = found
      .map(({ series }) => series.patternId)
      .filter((id): id is string => id !== undefined);
    const components = await context.aggregates.patternComponents(
      patternIds,
      context.grid.origin,
      context.scope.to,
    );
    for (const { series } of found)
      if (series.patternId) series.components = components.get(series.patternId) ?? [];
    const spikes = found.filter(
      ({ series, finding }) => series.patternId && finding.kind === 'spike',
    );
    const spikeComponents = new Map(
      await Promise.all(
        spikes.map(async ({ series, finding }) => {
          const start = bucketStart(context.grid, finding.index);
          const end = new Date(start.getTime() + context.grid.bucketMs);
          const read = await context.aggregates.patternComponents([series.patternId!], start, end);
          return [series.patternId!, read.get(series.patternId!) ?? []] as const;
        }),
      ),
    );
    const kept = withNewcomers(
      withoutSilencedPatterns(found),
      componentSeries,
      context.grid,
      spikeComponents,
    );
    const patternMessages = await context.aggregates.sampleMessages(
      patternIds,
      context.grid.origin,
      context.scope.to,
    );
    return groupSilences(
      kept.map(({ series, finding }) => toDraft(series, finding, { ...input, patternMessages })),
      componentSeries,
    );
  }

  /**
   * The spikes judged again against the same time of day on earlier days: one bounded read of
   * those series' counts at that time (from the rollups for the days they cover), none when
   * nothing rose or the buckets are too long for a daily cycle to show.
   */
  private async withSeasonalBaseline(
    context: AnalysisContext,
    found: { series: BucketSeries; finding: Finding }[],
  ): Promise<{ series: BucketSeries; finding: Finding }[]> {
    if (context.grid.bucketMs > settings.seasonalMaxBucketMs) return found;
    const rising = found
      .filter(({ finding }) => finding.kind === 'spike')
      .slice(0, settings.seasonalMaxSeries)
      .map(({ series }) => series);
    if (rising.length === 0) return found;
    const history = await context.seasonalHistory(rising, settings.seasonalDays);
    return judgeSeasonally(found, context.grid, (key) => history.get(key));
  }
}
