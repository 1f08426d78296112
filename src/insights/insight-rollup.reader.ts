import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  type BucketGrid,
  type BucketSeries,
  type ChainSummaryRow,
  chainSummaryRow,
  historyByKind,
  judgedByKind,
  type KindEnds,
  kindEndsOf,
  type FlowChainLimits,
  splitChainIds,
  type DurationMomentsRow,
  type ErrorPatternRow,
  type Row,
} from './insight-aggregates.repository.js';
import {
  floorHour,
  HOUR_MS,
  MINUTE_MS,
  readRollupState,
  rollupEpochMs,
  type SeriesHour,
  seriesValuesSql,
  valuesOf,
  SLOTS,
} from './insight-rollup-tables.js';
import { codePointLess, type ErrorMinute, RollupHourCache } from './insight-hour-cache.js';
import type { SeasonalHistory, SeasonalRange } from './seasonal-history.js';
import { type Dialect, dialectOf, timeValue } from '../database/sql/dialect.js';
import { toDate } from '../database/sql/row-values.js';
import { epochMs, firstOf, SqlBuilder } from '../database/sql/statement.js';

/**
 * Reads the insight rollups (insight-rollup-tables.ts) in the shapes the analyzers take from
 * the raw aggregates (InsightAggregatesRepository), once InsightRollupRefresher made them
 * complete over the range. Boundaries are whole minutes: an event counts in the bucket (or
 * window) where its minute starts.
 */
@Injectable()
export class InsightRollupReader {
  readonly dialect: Dialect;

  /** Per side of the scope (baseline, scope): the last run's whole hours and their sum. */
  private readonly wholeHours: ({
    hours: HourErrorGroups[];
    sum: Map<string, ErrorGroup>;
  } | null)[] = [null, null];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hourCache: RollupHourCache,
  ) {
    this.dialect = dialectOf(dataSource);
  }

  async componentSeries(grid: BucketGrid): Promise<BucketSeries[]> {
    return this.volumeSeries(grid, 'component');
  }

  async patternSeries(grid: BucketGrid): Promise<BucketSeries[]> {
    return this.volumeSeries(grid, 'pattern');
  }

  /** Start of the range the rollups are complete over (null before the first refresh). */
  async rolledFrom(): Promise<Date | null> {
    return (await readRollupState(this.dataSource))?.from ?? null;
  }

  /**
   * Adds the per-minute counts of the series `keys` over `ranges` (the scope's time of day on
   * earlier days) to `history`: the hour rows of those series and hours only, by primary key.
   */
  async seasonalMinutes(
    keys: readonly string[],
    ranges: readonly SeasonalRange[],
    history: SeasonalHistory,
  ): Promise<void> {
    const sql = new SqlBuilder(this.dialect);
    const hours = new Set<number>();
    for (const range of ranges)
      for (let hour = floorHour(new Date(range.from)).getTime(); hour < range.to; hour += HOUR_MS)
        hours.add(hour);
    // placeholders in the order they appear in the text (SQLite binds by position)
    const rows: Row[] = await this.dataSource.query(
      `SELECT series_key, ${rollupEpochMs(this.dialect, 'hour_start')} AS hour_start, ${seriesValuesSql(this.dialect, 'counts')}
         FROM debug_insight_series_hours
        WHERE series_key IN ${sql.list(keys)}
          AND hour_start IN ${sql.in([...hours].map((hour) => timeValue(this.dialect, new Date(hour))))}`,
      sql.params,
    );
    for (const row of rows) {
      const hourStart = toDate(row.hour_start).getTime();
      valuesOf(row.counts)?.forEach((count, slot) =>
        history.add(String(row.series_key), hourStart + slot * MINUTE_MS, count),
      );
    }
  }

  /**
   * Duration moments per component and operation in [previousFrom, from) and [from, to) (whole
   * minutes), summed from the hour rows (most from memory: RollupHourCache).
   */
  async durationMoments(from: Date, to: Date, previousFrom: Date): Promise<DurationMomentsRow[]> {
    const slot = (hourStart: number, at: Date) =>
      Math.min(SLOTS, Math.max(0, Math.ceil((at.getTime() - hourStart) / MINUTE_MS)));
    const byKey = new Map<string, DurationMomentsRow>();
    for (const { series } of await this.hourCache.hours(previousFrom, to)) {
      for (const hour of series.duration) {
        const lo = slot(hour.hourStart, previousFrom);
        const mid = slot(hour.hourStart, from);
        const hi = slot(hour.hourStart, to);
        if (lo === hi) continue;
        let moments = byKey.get(hour.key);
        if (!moments) {
          moments = {
            component: { component_type: hour.componentType!, component_id: hour.componentId! },
            operation: hour.operation!,
            current: { n: 0, sum: 0, squares: 0 },
            previous: { n: 0, sum: 0, squares: 0 },
          };
          byKey.set(hour.key, moments);
        }
        addMinutes(moments.previous, hour, lo, mid);
        addMinutes(moments.current, hour, mid, hi);
      }
    }
    const rows: DurationMomentsRow[] = [];
    for (const moments of byKey.values()) {
      if (moments.current.n > 0 || moments.previous.n > 0) rows.push(moments);
    }
    return rows;
  }

  /** Error events per pattern and component over [baselineFrom, to), split at `from` (whole minutes). */
  async errorPatterns(from: Date, to: Date, baselineFrom: Date): Promise<ErrorPatternRow[]> {
    const [lo, mid, hi] = [baselineFrom.getTime(), from.getTime(), to.getTime()];
    // each side, in time order: the minutes of an hour cut by a boundary, and the hours wholly on
    // that side, summed once for as long as the same hours are whole there (a run a minute later
    // moves only the boundaries)
    const segments: (Map<string, ErrorGroup> | HourErrorGroups[])[][] = [[], []];
    for (const { errorMinutes } of await this.hourCache.hours(baselineFrom, to)) {
      if (errorMinutes.length === 0) continue;
      const hour = hourGroupsOf(errorMinutes);
      const wholeSide =
        hour.first >= lo && hour.last < mid ? 0 : hour.first >= mid && hour.last < hi ? 1 : -1;
      if (wholeSide >= 0) {
        const side = segments[wholeSide];
        const last = side[side.length - 1];
        if (Array.isArray(last)) last.push(hour);
        else side.push([hour]);
        continue;
      }
      const cut: [Map<string, ErrorGroup>, Map<string, ErrorGroup>] = [new Map(), new Map()];
      for (const minute of errorMinutes) {
        if (minute.bucketStart < lo || minute.bucketStart >= hi) continue;
        mergeInto(cut[minute.bucketStart >= mid ? 1 : 0], minute.groupKey, minute);
      }
      for (const side of [0, 1]) if (cut[side].size > 0) segments[side].push(cut[side]);
    }
    const [baseline, scope] = segments.map((side, index) =>
      combineSegments(
        side.map((segment) =>
          Array.isArray(segment) ? this.wholeHoursSum(index, segment) : segment,
        ),
      ),
    );
    const rows: ErrorPatternRow[] = [];
    for (const [groups, inScope] of [
      [baseline, false],
      [scope, true],
    ] as const) {
      for (const group of groups.values())
        rows.push({
          patternId: group.patternId,
          component: { component_type: group.componentType, component_id: group.componentId },
          inScope,
          count: group.errors,
          firstAt: new Date(group.firstAt),
          lastAt: new Date(group.lastAt),
          sampleMessage: group.sampleMessage,
          lastEventId: group.lastId,
          firstEventId: group.firstId,
          // the distinct levels as the raw query spells them (string_agg of DISTINCT level: sorted)
          levels:
            group.criticals === 0
              ? 'error'
              : group.criticals === group.errors
                ? 'critical'
                : 'critical,error',
        });
    }
    return rows;
  }

  /**
   * Chains of [from, to) with errors, or started and not ended with no event since `stuckBefore`
   * (whole minutes).
   */
  async problemChains(
    from: Date,
    to: Date,
    stuckBefore: Date,
    limit: number,
  ): Promise<ChainSummaryRow[]> {
    const sql = new SqlBuilder(this.dialect);
    // placeholders in the order they appear in the text (SQLite binds by position)
    const scoped = () => `bucket_start >= ${sql.time(from)} AND bucket_start < ${sql.time(to)}`;
    const inScope = scoped();
    // Only chains with an error, or with a start and no end in the same minute, can qualify (a
    // stuck chain has such a start row): most chains start and end within a minute and are
    // filtered out before grouping.
    const candidates = scoped();
    const grouped = `SELECT correlation_id, min(first_at) AS started_at, max(last_at) AS last_at, sum(events) AS n,
                max(has_start) AS has_start, max(has_end) AS has_end, sum(errors) AS errors
           FROM debug_insight_chain_minutes
          WHERE ${inScope}
            AND correlation_id IN (SELECT correlation_id FROM debug_insight_chain_minutes
                                    WHERE ${candidates} AND (errors > 0 OR (has_start = 1 AND has_end = 0)))
          GROUP BY correlation_id`;
    const problems = `chains.errors > 0 OR (chains.has_start = 1 AND chains.has_end = 0 AND chains.last_at < ${sql.time(stuckBefore)})
        ORDER BY chains.started_at LIMIT ${sql.p(limit)}`;
    const columns = `correlation_id, ${rollupEpochMs(this.dialect, 'started_at')} AS started_at, ${rollupEpochMs(this.dialect, 'last_at')} AS last_at,
              n, has_start, has_end, errors`;
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${columns} FROM (${grouped}) AS chains WHERE ${problems}`,
      sql.params,
    );
    return rows.map(chainSummaryRow);
  }

  /** The kind of each of these chains: its earliest minute's in [from, to) (the kind its first event there begins). */
  async chainKinds(
    correlationIds: readonly string[],
    from: Date,
    to: Date,
  ): Promise<Map<string, string>> {
    if (correlationIds.length === 0) return new Map();
    const sql = new SqlBuilder(this.dialect);
    // placeholders in the order they appear in the text (SQLite binds by position)
    const inRange = `bucket_start >= ${sql.time(from)} AND bucket_start < ${sql.time(to)}`;
    const ids = sql.list(correlationIds);
    const rows: Row[] = await this.dataSource.query(
      `SELECT correlation_id, ${firstOf(this.dialect, 'kind', 'first_at', 'correlation_id')} AS kind
         FROM debug_insight_chain_minutes
        WHERE ${inRange} AND correlation_id IN ${ids}
        GROUP BY correlation_id`,
      sql.params,
    );
    return new Map(rows.map((row) => [String(row.correlation_id), String(row.kind)]));
  }

  /**
   * For each of `kinds`, the most recent `sample` chains of the minutes in [learnFrom,
   * historyBefore) that began with one of those kinds and had a start marker, those that went
   * quiet before `historyBefore`, and how many of them had an end marker
   * (InsightAggregatesRepository.startedChainEnds, from the chain minutes). The sample bounds
   * the read: the start minutes are found newest first on the primary key, and only the minutes
   * from the oldest of them on are grouped.
   */
  async startedChainEnds(
    kinds: readonly string[],
    learnFrom: Date,
    to: Date,
    historyBefore: Date,
    sample: number,
  ): Promise<Map<string, KindEnds>> {
    if (kinds.length === 0) return new Map();
    const sql = new SqlBuilder(this.dialect);
    // placeholders in the order they appear in the text (SQLite binds by position)
    // the chains with a start marker whose kind (their earliest minute's) is asked for: the
    // marker is often in a later minute than the chain's first event ("trip created" … "trip.start")
    const inRange = () =>
      `bucket_start >= ${sql.time(learnFrom)} AND bucket_start < ${sql.time(historyBefore)}`;
    const started = `SELECT correlation_id, max(bucket_start) AS bucket_start FROM debug_insight_chain_minutes
                      WHERE ${inRange()}
                        AND correlation_id IN (SELECT correlation_id FROM debug_insight_chain_minutes
                                                WHERE ${inRange()} AND has_start = 1)
                      GROUP BY correlation_id
                     HAVING ${firstOf(this.dialect, 'kind', 'first_at', 'correlation_id')} IN ${sql.list(kinds)}
                      ORDER BY 2 DESC LIMIT ${sql.p(sample)}`;
    const from = sql.time(learnFrom);
    const before = sql.time(to);
    const quiet = sql.time(historyBefore);
    // a chain's longest quiet gap from its minutes: between one minute's last event and the next
    // minute's first (a gap inside a minute is under a minute, below any timeout), up to the
    // minute of its last end marker: what follows an end (an order waits half an hour for its
    // delivery after the courier's assignment ended) is not a wait inside the marked work
    const gap = `${epochMs(this.dialect, 'first_at')} - lag(${epochMs(this.dialect, 'last_at')}) OVER (PARTITION BY correlation_id ORDER BY bucket_start)`;
    const endMinute = `max(CASE WHEN has_end = 1 THEN bucket_start END) OVER (PARTITION BY correlation_id)`;
    const rows: Row[] = await this.dataSource.query(
      `WITH started AS (${started})
       SELECT kind, has_end, longest_gap FROM (
         SELECT max(last_at) AS last_at, max(has_start) AS has_start, max(has_end) AS has_end,
                ${firstOf(this.dialect, 'kind', 'first_at', 'correlation_id')} AS kind,
                max(CASE WHEN bucket_start <= end_minute THEN gap END) AS longest_gap
           FROM (SELECT *, ${gap} AS gap, ${endMinute} AS end_minute FROM debug_insight_chain_minutes
                  WHERE bucket_start >= ${from} AND bucket_start < ${before}
                    AND correlation_id IN (SELECT correlation_id FROM started)) AS minutes
          GROUP BY correlation_id) AS chains
        WHERE has_start = 1 AND last_at < ${quiet} AND kind IN ${sql.list(kinds)}`,
      sql.params,
    );
    return kindEndsOf(rows);
  }

  /**
   * Chains without errors for the flow shapes, from the chain minutes: `history`, recent ones
   * whose last event is before `historyBefore` (minutes from `learnFrom`), and `judged`, those
   * whose last event lies in [scopeFrom, judgeBefore) (minutes from `scopeFrom`) and, unless
   * `judgeEnded`, that have no end marker, each shared out by kind (a chain's kind is its
   * earliest minute's); as InsightAggregatesRepository.flowChainIds.
   */
  async flowChainIds(
    learnFrom: Date,
    scopeFrom: Date,
    to: Date,
    historyBefore: Date,
    judgeBefore: Date,
    limits: FlowChainLimits,
    judgeEnded: boolean,
  ): Promise<{ history: string[]; judged: string[] }> {
    const sql = new SqlBuilder(this.dialect);
    // placeholders in the order they appear in the text (SQLite binds by position)
    const chains = (from: Date, before: Date, after?: Date) => {
      const unended = after !== undefined && !judgeEnded;
      // a chain's kind is its earliest minute's (the kind its first event begins)
      const chainKind = firstOf(this.dialect, 'kind', 'first_at', 'correlation_id');
      const inRange = `bucket_start >= ${sql.time(from)} AND bucket_start < ${sql.time(to)}`;
      // a chain without an end marker has a minute without one: most chains, started and
      // ended within a minute, are left out before grouping
      const candidates = unended
        ? ` AND correlation_id IN (SELECT correlation_id FROM debug_insight_chain_minutes
                                    WHERE bucket_start >= ${sql.time(from)} AND bucket_start < ${sql.time(to)}
                                      AND has_end = 0 AND errors = 0)`
        : '';
      const last = `max(last_at) < ${sql.time(before)}${after ? ` AND max(last_at) >= ${sql.time(after)}` : ''}`;
      return `SELECT correlation_id, max(last_at) AS last_at, ${chainKind} AS kind FROM debug_insight_chain_minutes
                WHERE ${inRange}${candidates}
                GROUP BY correlation_id
               HAVING ${unended ? 'max(has_end) = 0 AND ' : ''}sum(errors) = 0 AND ${last}`;
    };
    const history = historyByKind(sql, chains(learnFrom, historyBefore), limits);
    const judged = judgedByKind(sql, chains(scopeFrom, judgeBefore, scopeFrom), limits);
    const rows: Row[] = await this.dataSource.query(
      `SELECT correlation_id, 1 AS history FROM (${history}) AS h
       UNION ALL
       SELECT correlation_id, 0 AS history FROM (${judged}) AS j`,
      sql.params,
    );
    return splitChainIds(rows);
  }

  /** The groups of consecutive whole hours summed, kept while the same hours come again. */
  private wholeHoursSum(side: number, hours: HourErrorGroups[]): Map<string, ErrorGroup> {
    if (hours.length === 1) return hours[0].groups;
    const last = this.wholeHours[side];
    if (last && last.hours.length === hours.length && last.hours.every((h, i) => h === hours[i]))
      return last.sum;
    const sum = combineSegments(hours.map((hour) => hour.groups));
    this.wholeHours[side] = { hours, sum };
    return sum;
  }

  private async volumeSeries(
    grid: BucketGrid,
    kind: 'component' | 'pattern',
  ): Promise<BucketSeries[]> {
    const rows = (await this.hourCache.hours(grid.origin, grid.to)).flatMap(
      (hour) => hour.series[kind],
    );
    const total = grid.windowBuckets + grid.baselineBuckets;
    const end = grid.to.getTime() - 1;
    // the bucket of each minute of an hour (-1: outside the grid), the same for every series
    // of that hour
    const bucketsOfHour = new Map<number, Int32Array>();
    const bucketsOf = (hourStart: number): Int32Array => {
      let buckets = bucketsOfHour.get(hourStart);
      if (buckets) return buckets;
      buckets = new Int32Array(SLOTS).fill(-1);
      for (let slot = 0; slot < SLOTS; slot++) {
        const minute = hourStart + slot * MINUTE_MS;
        if (minute < grid.origin.getTime() || minute > end) continue;
        // bucket k covers [to − (k+1)·size, to − k·size); a minute counts where it starts
        const back = Math.floor((end - minute) / grid.bucketMs);
        if (back >= 0 && back < total) buckets[slot] = total - 1 - back;
      }
      bucketsOfHour.set(hourStart, buckets);
      return buckets;
    };
    const byKey = new Map<string, BucketSeries>();
    for (const hour of rows) {
      let series = byKey.get(hour.key);
      const buckets = bucketsOf(hour.hourStart);
      for (let slot = 0; slot < SLOTS; slot++) {
        const count = hour.counts[slot];
        if (!count) continue;
        const bucket = buckets[slot];
        if (bucket < 0) continue;
        if (!series) {
          series = {
            key: hour.key,
            ...(kind === 'component'
              ? {
                  component: {
                    component_type: hour.componentType!,
                    component_id: hour.componentId!,
                  },
                }
              : { patternId: hour.patternId! }),
            counts: new Array(total).fill(0),
            errors: new Array(total).fill(0),
            // the last event time is not rolled up: the anomaly analyzer asks for it when it needs it
            lastAt: null,
          };
          byKey.set(hour.key, series);
        }
        series.counts[bucket] += count;
        series.errors[bucket] += hour.errors![slot];
      }
    }
    return [...byKey.values()];
  }
}

/** Adds minutes [lo, hi) of a duration hour row to a window's moments. */
function addMinutes(
  window: { n: number; sum: number; squares: number },
  hour: SeriesHour,
  lo: number,
  hi: number,
): void {
  // summed in locals: a double stored in an object field is a new heap number at every addition
  let n = 0;
  let sum = 0;
  let squares = 0;
  const sums = hour.sums!;
  const squareSums = hour.squares!;
  for (let slot = lo; slot < hi; slot++) {
    n += hour.counts[slot];
    sum += sums[slot];
    squares += squareSums[slot];
  }
  window.n += n;
  window.sum += sum;
  window.squares += squares;
}

/** Error minutes summed per pattern and component: an ErrorMinute whose bucketStart is its first. */
type ErrorGroup = ErrorMinute;

/** The error minutes of an hour grouped, with the first and last minute they cover. */
interface HourErrorGroups {
  first: number;
  last: number;
  groups: Map<string, ErrorGroup>;
}

/** Kept while the hour's (shared, unchanged) array of error minutes lives. */
const hourGroups = new WeakMap<readonly ErrorMinute[], HourErrorGroups>();

function hourGroupsOf(minutes: readonly ErrorMinute[]): HourErrorGroups {
  let hour = hourGroups.get(minutes);
  if (!hour) {
    hour = { first: Infinity, last: -Infinity, groups: new Map() };
    for (const minute of minutes) {
      hour.first = Math.min(hour.first, minute.bucketStart);
      hour.last = Math.max(hour.last, minute.bucketStart);
      mergeInto(hour.groups, minute.groupKey, minute);
    }
    hourGroups.set(minutes, hour);
  }
  return hour;
}

/**
 * Groups of several segments (in time order) summed per key, in the order keys first appear. A
 * group found in one segment only is the segment's own object (shared, never changed): the
 * result is read, not written.
 */
function combineSegments(segments: readonly Map<string, ErrorGroup>[]): Map<string, ErrorGroup> {
  if (segments.length === 1) return segments[0];
  const combined = new Map<string, ErrorGroup>();
  const owned = new Set<ErrorGroup>();
  for (const segment of segments)
    for (const [key, group] of segment) {
      let known = combined.get(key);
      if (!known) {
        combined.set(key, group);
        continue;
      }
      if (!owned.has(known)) {
        known = { ...known };
        owned.add(known);
        combined.set(key, known);
      }
      addGroup(known, group);
    }
  return combined;
}

/** Adds minutes (or a group of them) to their group; never changes `minute`, which is shared. */
function mergeInto(groups: Map<string, ErrorGroup>, key: string, minute: ErrorMinute): void {
  const group = groups.get(key);
  if (!group) groups.set(key, { ...minute });
  else addGroup(group, minute);
}

/** Adds `minute` (or a group of minutes) to `group`, which the caller owns. */
function addGroup(group: ErrorGroup, minute: ErrorMinute): void {
  group.errors += minute.errors;
  group.criticals += minute.criticals;
  if (minute.firstAt < group.firstAt) group.firstAt = minute.firstAt;
  if (minute.lastAt > group.lastAt) group.lastAt = minute.lastAt;
  if (codePointLess(minute.sampleMessage, group.sampleMessage))
    group.sampleMessage = minute.sampleMessage;
  if (codePointLess(group.lastId, minute.lastId)) group.lastId = minute.lastId;
  if (codePointLess(minute.firstId, group.firstId)) group.firstId = minute.firstId;
}
