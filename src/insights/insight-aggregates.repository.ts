import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { errorEventSql, wentWellSql } from '../common/debug-event.js';
import { conventionalPhaseSql } from './flow-conventions.js';
import type { FlowChain, ShapeEvent } from './analyzers/flow-shapes.js';
import { componentsWhere, eventWhere } from '../database/sql/event-filter.js';
import type { ComponentRef, EvidenceSample, InsightScope } from './insight.types.js';
import { type Dialect } from '../database/sql/dialect.js';
import { toDate, toNumber } from '../database/sql/row-values.js';
import {
  distinctList,
  epochMs,
  firstOf,
  idText,
  minuteIndex,
  minuteOf,
  SqlBuilder,
} from '../database/sql/statement.js';
import type { SeasonalHistory, SeasonalRange } from './seasonal-history.js';
import { anyInstanceOf, recoveryKey } from './recovery-key.js';

export const START_PHASES = ['start', 'started', 'begin', 'begun'] as const;
export const END_PHASES = [
  'end',
  'ended',
  'complete',
  'completed',
  'finish',
  'finished',
  'success',
  'succeeded',
  'done',
  'failed',
  'failure',
  'error',
  'cancelled',
  'canceled',
  'aborted',
  'timeout',
  'timed_out',
] as const;

/**
 * The lower-cased flow phase of an event: `data.phase`, else `metadata.phase`, else what its
 * conventions imply ('start', 'end' or '': flow-conventions.ts; `tails`: from the columns of
 * conventionTailsSql, selected below).
 */
export function phaseOf(sql: SqlBuilder, options: { tails?: boolean } = {}): string {
  const explicit = `nullif(lower(coalesce(${sql.jsonText('data', 'phase')}, ${sql.jsonText('metadata', 'phase')})), '')`;
  return `coalesce(${explicit}, ${conventionalPhaseSql(sql.dialect, options)})`;
}

/** `<column> IN (start phases)` and `<column> IN (end phases)`, bound in that order. */
export function phaseTests(sql: SqlBuilder, column: string): { starts: string; ends: string } {
  // placeholders in the order they appear in the text (SQLite binds by position)
  const starts = startTest(sql, column);
  const ends = endTest(sql, column);
  return { starts, ends };
}

/** `<column> IN (end phases)`, bound. */
function endTest(sql: SqlBuilder, column: string): string {
  return `${column} IN (${END_PHASES.map((value) => sql.p(value)).join(', ')})`;
}

/** `<column> IN (start phases)`, bound. */
export function startTest(sql: SqlBuilder, column: string): string {
  return `${column} IN (${START_PHASES.map((value) => sql.p(value)).join(', ')})`;
}

/** Whether an event is an OpenTelemetry span (the OTLP mapping keeps its span id in `data`). */
export function spanSql(dialect: Dialect, prefix = ''): string {
  return dialect === 'postgres'
    ? `(${prefix}data->>'otel.span_id') IS NOT NULL`
    : `json_extract(${prefix}data, '$."otel.span_id"') IS NOT NULL`;
}

/**
 * The kind of the chain an event begins, as kindOfChain (flow-shapes.ts) names it: the service
 * of a span and ' (trace)', else the component type and the operation, else the component type.
 * kindOfChain calls a chain a trace when any of its events is a span; the chains the OTLP mapping
 * writes are spans (and span-linked logs and errors) throughout, so the first event says it.
 */
export function chainKindSql(dialect: Dialect): string {
  return `CASE WHEN ${spanSql(dialect)} THEN component_type || ' (trace)'
               WHEN operation IS NULL OR operation = '' THEN component_type
               ELSE component_type || ' ' || operation END`;
}

/**
 * When an event counts for the kind of its chain (the chain's kind is that of the event with the
 * least of these): its time, but a trace's root span comes before everything. Each service stamps
 * spans with its own clock: an archiver whose clock runs 8 s behind starts a fast claim's trace
 * "before" the gateway that received it, and a kind by the earliest span alone splits one flow in
 * two by how long it took. The root (a span without a parent) is where the trace began.
 */
export function kindAtSql(dialect: Dialect, prefix = ''): string {
  const origin =
    dialect === 'postgres' ? `TIMESTAMPTZ '1970-01-01 00:00:00+00'` : `'1970-01-01 00:00:00.000'`;
  return `CASE WHEN ${prefix}event_type = 'trace' AND ${prefix}parent_event_id IS NULL AND ${spanSql(dialect, prefix)}
               THEN ${origin} ELSE ${prefix}"timestamp" END`;
}

/**
 * The timed calls of one operation of one component instance in [from, to), as a WHERE clause
 * (its placeholders bound where it stands in the statement's text).
 */
function timedCallsOf(
  sql: SqlBuilder,
  component: ComponentRef,
  operation: string,
  from: Date,
  to: Date,
): string {
  return `component_type = ${sql.p(component.component_type)} AND component_id = ${sql.p(component.component_id)}
          AND operation = ${sql.p(operation)} AND "timestamp" >= ${sql.time(from)} AND "timestamp" < ${sql.time(to)}
          AND duration_ms IS NOT NULL`;
}

/** Bounds of the chains read for the flow shapes (flowChainIds). */
export interface FlowChainLimits {
  historyChains: number;
  judgedChains: number;
  /** Kinds of chain the history holds at most (those with the most chains). */
  maxKinds: number;
}

/**
 * The history chain ids among `chains` (a query of correlation_id, last_at and kind: the kind
 * of the chain's first event), shared out by kind. Within its kind each chain is ranked by
 * recency; chains are then taken rank by rank (every kind's most recent, then every kind's
 * second most recent, …) up to `historyChains`, from the `maxKinds` kinds with the most chains.
 * So every kind gets an equal share of the bound, and what a kind with fewer chains leaves goes
 * to the busier ones: a rare kind keeps its chains up to historyChains / kinds (30 with 50
 * kinds), a lone kind still gets the whole bound, and the chains read (their events: memory
 * and time) stay as many as before. The most recent chains of all kinds together would leave
 * a kind of 1% of the chains about 15 of the 1,500, too few to learn its shape (20); a fixed
 * quota per kind would waste the bound when there are few kinds or multiply it with many.
 */
export function historyByKind(sql: SqlBuilder, chains: string, limits: FlowChainLimits): string {
  return sharedByKind(sql, chains, limits.historyChains, limits.maxKinds);
}

/**
 * The judged chain ids among `chains` (as historyByKind reads them), shared out by kind the same
 * way, every kind kept: the scope's chains are judged against their kind's shape, and one busy
 * kind (single-request chains of an API: thousands an hour) would otherwise fill the bound and
 * leave the chains of the other kinds unjudged.
 */
export function judgedByKind(sql: SqlBuilder, chains: string, limits: FlowChainLimits): string {
  // no more kinds than chains can have one taken: every kind is kept
  return sharedByKind(sql, chains, limits.judgedChains, limits.judgedChains);
}

function sharedByKind(sql: SqlBuilder, chains: string, limit: number, maxKinds: number): string {
  // placeholders in the order they appear in the text (SQLite binds by position)
  return `SELECT correlation_id FROM (
            SELECT correlation_id, last_at, kind_rank, dense_rank() OVER (ORDER BY kind_chains DESC, kind) AS kind_order
              FROM (SELECT correlation_id, last_at, kind,
                           row_number() OVER (PARTITION BY kind ORDER BY last_at DESC, correlation_id) AS kind_rank,
                           count(*) OVER (PARTITION BY kind) AS kind_chains
                      FROM (SELECT correlation_id, last_at, coalesce(kind, '') AS kind FROM (${chains}) AS chains) AS kinded
                   ) AS ranked) AS ordered
           WHERE kind_order <= ${sql.p(maxKinds)}
           ORDER BY kind_rank, last_at DESC, correlation_id LIMIT ${sql.p(limit)}`;
}

/** Event counts of one series (a component or a pattern), one per bucket, oldest first. */
export interface BucketSeries {
  key: string;
  counts: number[];
  errors: number[];
  lastAt: Date | null;
  component?: ComponentRef;
  patternId?: string;
  /** A pattern's: the components that logged it (patternComponents), once it has a finding. */
  components?: ComponentRef[];
}

/** The bucket layout of a run: `windowBuckets` buckets in the scope after `baselineBuckets` before it. */
export interface BucketGrid {
  bucketMs: number;
  windowBuckets: number;
  baselineBuckets: number;
  /** Start of the oldest baseline bucket. */
  origin: Date;
  to: Date;
}

export interface ErrorPatternRow {
  patternId: string;
  component: ComponentRef;
  inScope: boolean;
  count: number;
  firstAt: Date;
  lastAt: Date;
  sampleMessage: string;
  lastEventId: string;
  firstEventId: string;
  levels: string;
}

export interface DurationStatsRow {
  current: boolean;
  component: ComponentRef;
  operation: string;
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface DurationMomentsRow {
  component: ComponentRef;
  operation: string;
  current: { n: number; sum: number; squares: number };
  previous: { n: number; sum: number; squares: number };
}

export interface ChainEventRow {
  id: string;
  timestamp: Date;
  eventType: string;
  level: string;
  component: ComponentRef;
  operation: string | null;
  durationMs: number | null;
  parentEventId: string | null;
  message: string;
  patternId: string | null;
  phase: string | null;
  correlationId: string;
}

export interface ChainSummaryRow {
  correlationId: string;
  startedAt: Date;
  lastAt: Date;
  events: number;
  hasStart: boolean;
  hasEnd: boolean;
  errors: number;
}

/** Earlier chains of a kind that started (a start marker) and went quiet, and how many of them ended. */
export interface KindEnds {
  started: number;
  ended: number;
  /**
   * How long the kind's chains that ended were quiet at most before going on: of each ended
   * chain's longest gap between two events, the nearest-rank p99, in milliseconds (null with
   * fewer than MIN_ENDED_FOR_QUIET ended chains).
   */
  quietMs: number | null;
}

/** Ended chains a kind needs before their quiet gaps say how long it may be quiet. */
export const MIN_ENDED_FOR_QUIET = 10;

export interface SnapshotRow {
  id: string;
  component: ComponentRef;
  capturedAt: Date;
  version: number;
  hash: string;
  state: Record<string, unknown>;
}

export type Row = Record<string, unknown>;

/**
 * The SQL aggregations the analyzers read: every query groups in the database and
 * returns aggregates (or bounded samples), never the raw events of a time range.
 * One statement per question, spelled for PostgreSQL and SQLite by SqlBuilder.
 */
@Injectable()
export class InsightAggregatesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get dialect(): Dialect {
    return this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  private builder(): SqlBuilder {
    return new SqlBuilder(this.dialect);
  }

  private async run(sql: SqlBuilder, text: string): Promise<Row[]> {
    return this.dataSource.query(text, sql.params);
  }

  /** WHERE terms every event query of a scope shares (time range, components, session). */
  private scopeWhere(
    sql: SqlBuilder,
    scope: InsightScope,
    from: Date,
    to: Date,
    alias = '',
  ): string {
    return eventWhere(
      { from, to, components: scope.components, sessionId: scope.sessionId ?? undefined },
      sql,
      alias,
    );
  }

  private errorLevel(sql: SqlBuilder, alias = ''): string {
    return errorEventSql(alias);
  }

  /** Events and errors per component per bucket over baseline + scope. */
  async componentSeries(scope: InsightScope, grid: BucketGrid): Promise<BucketSeries[]> {
    const rows = await this.bucketCounts(scope, grid, 'component_type, component_id', '');
    return toSeries(rows, grid, (row) => {
      const component = {
        component_type: String(row.component_type),
        component_id: String(row.component_id),
      };
      return { key: `component:${component.component_type}/${component.component_id}`, component };
    });
  }

  /** Events and errors per pattern per bucket over baseline + scope. */
  async patternSeries(scope: InsightScope, grid: BucketGrid): Promise<BucketSeries[]> {
    const rows = await this.bucketCounts(scope, grid, 'pattern_id', ' AND pattern_id IS NOT NULL');
    return toSeries(rows, grid, (row) => ({
      key: `pattern:${String(row.pattern_id)}`,
      patternId: String(row.pattern_id),
    }));
  }

  /** Events, errors and the last time per `groupBy` and bucket over baseline + scope. */
  private bucketCounts(
    scope: InsightScope,
    grid: BucketGrid,
    groupBy: string,
    filter: string,
  ): Promise<Row[]> {
    const sql = this.builder();
    const bucket = sql.bucketBack('"timestamp"', grid.to, grid.bucketMs);
    const errors = this.errorLevel(sql);
    const where = this.scopeWhere(sql, scope, grid.origin, grid.to);
    return this.run(
      sql,
      `SELECT ${groupBy}, ${bucket} AS b, count(*) AS n,
              sum(CASE WHEN ${errors} THEN 1 ELSE 0 END) AS errors, max("timestamp") AS last_at
         FROM debug_events WHERE ${where}${filter}
        GROUP BY ${groupBy}, b`,
    );
  }

  /**
   * Adds the per-minute event counts of `series` (components and patterns) over `ranges` (the
   * scope's time of day on earlier days) to `history`, within the scope's components and
   * session: one statement whose two parts each read those series' events in those ranges only
   * (indexes on component and time, pattern and time).
   */
  async seasonalMinutes(
    scope: InsightScope,
    series: readonly BucketSeries[],
    ranges: readonly SeasonalRange[],
    history: SeasonalHistory,
  ): Promise<void> {
    const components = series.flatMap((one) => (one.component ? [one.component] : []));
    const patternIds = series.flatMap((one) => (one.patternId ? [one.patternId] : []));
    const sql = this.builder();
    // placeholders in the order they appear in the text (SQLite binds by position)
    const inRanges = () =>
      `(${ranges
        .map(
          (range) =>
            `("timestamp" >= ${sql.time(new Date(range.from))} AND "timestamp" < ${sql.time(new Date(range.to))})`,
        )
        .join(' OR ')})`;
    const inScope = () =>
      eventWhere(
        { components: scope.components, sessionId: scope.sessionId ?? undefined },
        sql,
        '',
      );
    const minute = minuteIndex(sql.dialect, '"timestamp"');
    const parts: string[] = [];
    if (components.length > 0)
      parts.push(
        `SELECT 'component:' || component_type || '/' || component_id AS series_key, ${minute} AS m, count(*) AS n
           FROM debug_events
          WHERE ${componentsWhere(components, sql)} AND ${inRanges()} AND ${inScope()}
          GROUP BY component_type, component_id, m`,
      );
    if (patternIds.length > 0)
      parts.push(
        `SELECT 'pattern:' || pattern_id AS series_key, ${minute} AS m, count(*) AS n
           FROM debug_events
          WHERE pattern_id IN ${sql.list(patternIds)} AND ${inRanges()} AND ${inScope()}
          GROUP BY pattern_id, m`,
      );
    if (parts.length === 0) return;
    const rows = await this.run(sql, parts.join(' UNION ALL '));
    for (const row of rows)
      history.add(String(row.series_key), toNumber(row.m) * 60_000, toNumber(row.n));
  }

  /** Error events per pattern and component, split into baseline and scope. */
  async errorPatterns(scope: InsightScope, baselineFrom: Date): Promise<ErrorPatternRow[]> {
    const sql = this.builder();
    const id = idText(sql.dialect);
    // an error by its event type alone counts as level 'error', as the rollups count it
    const errorLevel = `CASE WHEN level = 'critical' THEN 'critical' ELSE 'error' END`;
    const levels = distinctList(sql.dialect, errorLevel);
    const inScope = `CASE WHEN "timestamp" >= ${sql.time(scope.from)} THEN 1 ELSE 0 END`;
    const where = this.scopeWhere(sql, scope, baselineFrom, scope.to);
    const errors = this.errorLevel(sql);
    const rows = await this.run(
      sql,
      `SELECT pattern_id, component_type, component_id, in_scope, count(*) AS n,
              min("timestamp") AS first_at, max("timestamp") AS last_at, min(message) AS sample_message,
              max(${id}) AS last_id, min(${id}) AS first_id, ${levels} AS levels
         FROM (SELECT *, ${inScope} AS in_scope FROM debug_events
                WHERE ${where} AND ${errors} AND pattern_id IS NOT NULL) AS scoped
        GROUP BY pattern_id, component_type, component_id, in_scope`,
    );
    return rows.map(errorPatternRow);
  }

  /** Which of `patternIds` have any event before `before` (in the whole warm store). */
  /** Whether the store holds any event before `at` (one row read by the time index). */
  async anyEventBefore(at: Date): Promise<boolean> {
    const sql = this.builder();
    const rows = await this.run(
      sql,
      `SELECT 1 AS found FROM debug_events WHERE "timestamp" < ${sql.time(at)} LIMIT 1`,
    );
    return rows.length > 0;
  }

  async patternsSeenBefore(patternIds: readonly string[], before: Date): Promise<Set<string>> {
    if (patternIds.length === 0) return new Set();
    const sql = this.builder();
    const candidates =
      sql.dialect === 'postgres'
        ? `unnest(${sql.p(patternIds)}::text[]) AS c(value)`
        : `json_each(${sql.p(JSON.stringify(patternIds))}) AS c`;
    const rows = await this.run(
      sql,
      `SELECT c.value AS pattern_id FROM ${candidates}
        WHERE EXISTS (SELECT 1 FROM debug_events e WHERE e.pattern_id = c.value AND e."timestamp" < ${sql.time(before)})`,
    );
    return new Set(rows.map((row) => String(row.pattern_id)));
  }

  /**
   * Count, sum and sum of squares of durations per component and operation, in the scope and in
   * the window before it: one hash aggregation, no sort (the cheap first pass of the performance analyzer).
   */
  async durationMoments(scope: InsightScope, previousFrom: Date): Promise<DurationMomentsRow[]> {
    const sql = this.builder();
    const flag = () => `"timestamp" >= ${sql.time(scope.from)}`;
    const moment = (current: boolean, expression: string) =>
      `sum(CASE WHEN ${current ? '' : 'NOT '}(${flag()}) THEN ${expression} ELSE 0 END)`;
    const columns = [
      `${moment(true, '1')} AS n_cur`,
      `${moment(true, 'duration_ms')} AS sum_cur`,
      `${moment(true, 'duration_ms * duration_ms')} AS sq_cur`,
      `${moment(false, '1')} AS n_prev`,
      `${moment(false, 'duration_ms')} AS sum_prev`,
      `${moment(false, 'duration_ms * duration_ms')} AS sq_prev`,
    ].join(', ');
    const where = `${this.scopeWhere(sql, scope, previousFrom, scope.to)} AND duration_ms IS NOT NULL AND operation IS NOT NULL`;
    const rows = await this.run(
      sql,
      `SELECT component_type, component_id, operation, ${columns}
         FROM debug_events WHERE ${where}
        GROUP BY component_type, component_id, operation`,
    );
    const window = (n: unknown, sum: unknown, squares: unknown) => ({
      n: toNumber(n),
      sum: toNumber(sum),
      squares: toNumber(squares),
    });
    return rows.map((row) => ({
      component: {
        component_type: String(row.component_type),
        component_id: String(row.component_id),
      },
      operation: String(row.operation),
      current: window(row.n_cur, row.sum_cur, row.sq_cur),
      previous: window(row.n_prev, row.sum_prev, row.sq_prev),
    }));
  }

  /**
   * Duration percentiles per component and operation, in the scope and in the window before it;
   * with `only`, just those component/operation pairs (read through the component index).
   */
  async durationStats(
    scope: InsightScope,
    previousFrom: Date,
    only?: readonly { component: ComponentRef; operation: string }[],
  ): Promise<DurationStatsRow[]> {
    if (only && only.length === 0) return [];
    const sql = this.builder();
    const current = `CASE WHEN "timestamp" >= ${sql.time(scope.from)} THEN 1 ELSE 0 END`;
    let where = `${this.scopeWhere(sql, scope, previousFrom, scope.to)} AND duration_ms IS NOT NULL AND operation IS NOT NULL`;
    if (only) where += ` AND ${this.pairs(sql, only)}`;
    let rows: Row[];
    if (sql.dialect === 'postgres') {
      rows = await this.run(
        sql,
        `SELECT ${current} AS cur, component_type, component_id, operation, count(*) AS n,
                percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms) AS pct,
                max(duration_ms) AS max_ms
           FROM debug_events WHERE ${where}
          GROUP BY cur, component_type, component_id, operation`,
      );
      return rows.map((row) => {
        const [p50, p95, p99] = (row.pct as number[]).map(Number);
        return durationRow(row, p50, p95, p99);
      });
    }
    // SQLite has no percentile aggregate: nearest-rank percentiles over window functions.
    const sqlite = this.builder();
    const flag = () => `CASE WHEN "timestamp" >= ${sqlite.time(scope.from)} THEN 1 ELSE 0 END`;
    const selectFlag = flag();
    const rankFlag = flag();
    const countFlag = flag();
    let sqliteWhere = `${this.scopeWhere(sqlite, scope, previousFrom, scope.to)} AND duration_ms IS NOT NULL AND operation IS NOT NULL`;
    if (only) sqliteWhere += ` AND ${this.pairs(sqlite, only)}`;
    rows = await this.run(
      sqlite,
      `WITH ranked AS (
         SELECT ${selectFlag} AS cur, component_type, component_id, operation, duration_ms, id,
                row_number() OVER (PARTITION BY ${rankFlag}, component_type, component_id, operation ORDER BY duration_ms) AS rn,
                count(*) OVER (PARTITION BY ${countFlag}, component_type, component_id, operation) AS n
           FROM debug_events WHERE ${sqliteWhere})
       SELECT cur, component_type, component_id, operation, max(n) AS n,
              max(CASE WHEN rn = max(1, CAST(ceil(0.50 * n) AS INTEGER)) THEN duration_ms END) AS p50,
              max(CASE WHEN rn = max(1, CAST(ceil(0.95 * n) AS INTEGER)) THEN duration_ms END) AS p95,
              max(CASE WHEN rn = max(1, CAST(ceil(0.99 * n) AS INTEGER)) THEN duration_ms END) AS p99,
              max(duration_ms) AS max_ms
         FROM ranked GROUP BY cur, component_type, component_id, operation`,
    );
    return rows.map((row) =>
      durationRow(row, toNumber(row.p50), toNumber(row.p95), toNumber(row.p99)),
    );
  }

  private pairs(
    sql: SqlBuilder,
    pairs: readonly { component: ComponentRef; operation: string }[],
  ): string {
    const terms = pairs.map(
      (pair) =>
        `(component_type = ${sql.p(pair.component.component_type)} AND component_id = ${sql.p(pair.component.component_id)} AND operation = ${sql.p(pair.operation)})`,
    );
    return `(${terms.join(' OR ')})`;
  }

  /** The slowest event of one operation in a time range, with its correlation id. */
  async slowestEventOf(
    component: ComponentRef,
    operation: string,
    from: Date,
    to: Date,
  ): Promise<{
    id: string;
    timestamp: Date;
    correlationId: string | null;
    durationMs: number;
  } | null> {
    const sql = this.builder();
    const rows = await this.run(
      sql,
      `SELECT id, "timestamp", correlation_id, duration_ms FROM debug_events
        WHERE ${timedCallsOf(sql, component, operation, from, to)}
        ORDER BY duration_ms DESC LIMIT 1`,
    );
    if (rows.length === 0) return null;
    return {
      id: String(rows[0].id),
      timestamp: toDate(rows[0].timestamp),
      correlationId: rows[0].correlation_id == null ? null : String(rows[0].correlation_id),
      durationMs: toNumber(rows[0].duration_ms),
    };
  }

  /** The largest durations of one operation in a time range, largest first (bounded). */
  async topDurations(
    component: ComponentRef,
    operation: string,
    from: Date,
    to: Date,
    limit: number,
  ): Promise<{ durationMs: number; at: Date }[]> {
    const sql = this.builder();
    const rows = await this.run(
      sql,
      `SELECT duration_ms, "timestamp" FROM debug_events
        WHERE ${timedCallsOf(sql, component, operation, from, to)}
        ORDER BY duration_ms DESC LIMIT ${sql.p(limit)}`,
    );
    return rows.map((row) => ({
      durationMs: toNumber(row.duration_ms),
      at: toDate(row.timestamp),
    }));
  }

  /** For each of `since`, how many calls (events with a duration) of an operation came in [since, to). */
  async callsSince(
    component: ComponentRef,
    operation: string,
    since: readonly Date[],
    to: Date,
  ): Promise<number[]> {
    if (since.length === 0) return [];
    const sql = this.builder();
    // placeholders in the order they appear in the text (SQLite binds by position)
    const counts = since
      .map(
        (time, index) =>
          `sum(CASE WHEN "timestamp" >= ${sql.time(time)} THEN 1 ELSE 0 END) AS n${index}`,
      )
      .join(', ');
    const earliest = new Date(Math.min(...since.map((time) => time.getTime())));
    const rows = await this.run(
      sql,
      `SELECT ${counts} FROM debug_events
        WHERE ${timedCallsOf(sql, component, operation, earliest, to)}`,
    );
    return since.map((_, index) => toNumber(rows[0]?.[`n${index}`] ?? 0));
  }

  /** How many calls of an operation in [from, to) took at least `levelMs`. */
  async durationsAtLeast(
    component: ComponentRef,
    operation: string,
    from: Date,
    to: Date,
    levelMs: number,
  ): Promise<number> {
    const sql = this.builder();
    const rows = await this.run(
      sql,
      `SELECT count(*) AS n FROM debug_events
        WHERE ${timedCallsOf(sql, component, operation, from, to)} AND duration_ms >= ${sql.p(levelMs)}`,
    );
    return toNumber(rows[0]?.n ?? 0);
  }

  /** Per minute of [from, to), an operation's calls and those that took longer than `levelMs`. */
  async minuteExceedances(
    component: ComponentRef,
    operation: string,
    from: Date,
    to: Date,
    levelMs: number,
  ): Promise<{ minute: Date; calls: number; above: number }[]> {
    const sql = this.builder();
    const minute = minuteOf(sql.dialect, '"timestamp"');
    const rows = await this.run(
      sql,
      `SELECT ${minute} AS minute, count(*) AS calls,
              sum(CASE WHEN duration_ms > ${sql.p(levelMs)} THEN 1 ELSE 0 END) AS above
         FROM debug_events
        WHERE ${timedCallsOf(sql, component, operation, from, to)}
        GROUP BY ${minute} ORDER BY 1`,
    );
    return rows.map((row) => ({
      minute: toDate(row.minute),
      calls: toNumber(row.calls),
      above: toNumber(row.above),
    }));
  }

  /** An operation's durations in [from, to), the newest `limit` (for percentiles of a part of the scope). */
  async durationsIn(
    component: ComponentRef,
    operation: string,
    from: Date,
    to: Date,
    limit: number,
  ): Promise<number[]> {
    const sql = this.builder();
    const rows = await this.run(
      sql,
      `SELECT duration_ms FROM debug_events
        WHERE ${timedCallsOf(sql, component, operation, from, to)}
        ORDER BY "timestamp" DESC LIMIT ${sql.p(limit)}`,
    );
    return rows.map((row) => toNumber(row.duration_ms));
  }

  /** The events of one correlation chain, oldest first (bounded). */
  async chainEvents(correlationId: string, limit: number): Promise<ChainEventRow[]> {
    const sql = this.builder();
    const phase = `coalesce(${sql.jsonText('data', 'phase')}, ${sql.jsonText('metadata', 'phase')})`;
    const rows = await this.run(
      sql,
      `SELECT id, "timestamp", event_type, level, component_type, component_id, operation, duration_ms,
              parent_event_id, message, pattern_id, correlation_id, ${phase} AS phase
         FROM debug_events WHERE correlation_id = ${sql.p(correlationId)}
        ORDER BY "timestamp", id LIMIT ${sql.p(limit)}`,
    );
    return rows.map(chainEventRow);
  }

  /**
   * Correlation chains of the scope that look wrong: started (a start phase) and not ended
   * with no event since `stuckBefore`, or holding errors. Oldest first, bounded.
   */
  async problemChains(
    scope: InsightScope,
    stuckBefore: Date,
    limit: number,
  ): Promise<ChainSummaryRow[]> {
    const sql = this.builder();
    // the phase is read from JSON once per row, in the inner query
    const phase = phaseOf(sql);
    const { starts, ends } = phaseTests(sql, 'phase');
    const errors = this.errorLevel(sql);
    const where = this.scopeWhere(sql, scope, scope.from, scope.to);
    const grouped = `SELECT correlation_id, min("timestamp") AS started_at, max("timestamp") AS last_at, count(*) AS n,
                max(CASE WHEN ${starts} THEN 1 ELSE 0 END) AS has_start,
                max(CASE WHEN ${ends} THEN 1 ELSE 0 END) AS has_end,
                sum(is_error) AS errors
           FROM (SELECT correlation_id, "timestamp", ${phase} AS phase,
                        CASE WHEN ${errors} THEN 1 ELSE 0 END AS is_error
                   FROM debug_events WHERE ${where} AND correlation_id IS NOT NULL) AS scoped
          GROUP BY correlation_id`;
    const problems = `chains.errors > 0 OR (chains.has_start = 1 AND chains.has_end = 0 AND chains.last_at < ${sql.time(stuckBefore)})
        ORDER BY chains.started_at LIMIT ${sql.p(limit)}`;
    const rows = await this.run(sql, `SELECT * FROM (${grouped}) AS chains WHERE ${problems}`);
    return rows.map(chainSummaryRow);
  }

  /** The kind of each of these chains: its first event's in the scope (chainKindSql). */
  async chainKinds(
    scope: InsightScope,
    correlationIds: readonly string[],
  ): Promise<Map<string, string>> {
    if (correlationIds.length === 0) return new Map();
    const sql = this.builder();
    // placeholders in the order they appear in the text (SQLite binds by position)
    const where = this.scopeWhere(sql, scope, scope.from, scope.to);
    const ids = sql.list(correlationIds);
    const rows = await this.run(
      sql,
      `SELECT correlation_id, ${firstOf(sql.dialect, 'kind', 'kind_at', 'id')} AS kind
         FROM (SELECT correlation_id, "timestamp", id, ${chainKindSql(sql.dialect)} AS kind,
                      ${kindAtSql(sql.dialect)} AS kind_at
                 FROM debug_events WHERE ${where} AND correlation_id IN ${ids}) AS chained
        GROUP BY correlation_id`,
    );
    return new Map(rows.map((row) => [String(row.correlation_id), String(row.kind)]));
  }

  /**
   * For each of `kinds`, the chains of the scope's components read from `learnFrom` that began
   * with that kind, had a start marker and went quiet before `historyBefore`, and how many of
   * them had an end marker (a kind whose chains end without one: InsightSettings.flow.conventionEnds).
   */
  async startedChainEnds(
    scope: InsightScope,
    kinds: readonly string[],
    learnFrom: Date,
    historyBefore: Date,
    sample: number,
  ): Promise<Map<string, KindEnds>> {
    if (kinds.length === 0) return new Map();
    const sql = this.builder();
    // placeholders in the order they appear in the text (SQLite binds by position)
    const { starts, ends } = phaseTests(sql, 'phase');
    const lastEnd = endTest(sql, 'phase');
    const phase = phaseOf(sql);
    const where = this.scopeWhere(sql, scope, learnFrom, scope.to);
    const quiet = sql.time(historyBefore);
    const kindList = sql.list(kinds);
    const limit = sql.p(sample);
    const at = epochMs(sql.dialect, '"timestamp"');
    // The quiet a chain may keep before it is stuck is that of its work in progress: the gaps up
    // to its last end marker. What follows an end (an order waits half an hour for its delivery
    // after the courier's assignment ended) is not a wait inside the marked work.
    const rows = await this.run(
      sql,
      `SELECT kind, has_end, longest_gap FROM (
         SELECT max("timestamp") AS last_at, ${firstOf(sql.dialect, 'kind', 'kind_at', 'id')} AS kind,
                max(CASE WHEN ${starts} THEN 1 ELSE 0 END) AS has_start,
                max(CASE WHEN ${ends} THEN 1 ELSE 0 END) AS has_end,
                max(CASE WHEN at_ms <= end_at THEN gap END) AS longest_gap
           FROM (SELECT marked.*,
                        max(CASE WHEN ${lastEnd} THEN at_ms END) OVER (PARTITION BY correlation_id) AS end_at
                   FROM (SELECT correlation_id, "timestamp", id, ${phase} AS phase, ${chainKindSql(sql.dialect)} AS kind,
                                ${kindAtSql(sql.dialect)} AS kind_at, ${at} AS at_ms,
                                ${at} - lag(${at}) OVER (PARTITION BY correlation_id ORDER BY "timestamp", id) AS gap
                           FROM debug_events WHERE ${where} AND correlation_id IS NOT NULL) AS marked) AS scoped
          GROUP BY correlation_id) AS chains
        WHERE has_start = 1 AND last_at < ${quiet} AND kind IN ${kindList}
        ORDER BY last_at DESC LIMIT ${limit}`,
    );
    return kindEndsOf(rows);
  }

  /**
   * Chains without errors for the flow shapes (flow-shapes.ts): `history`, recent ones whose
   * last event is before `historyBefore`, read from `learnFrom`, shared out by kind
   * (historyByKind); `judged`, those whose last event lies in [scope.from, judgeBefore) and,
   * unless `judgeEnded`, that have no end marker, shared out by kind too (judgedByKind). Bounded
   * by `limits`. A chain without markers teaches its kind's shape and is judged against it; one
   * with them teaches the shape too, and is judged for an unmarked end (no end marker) or a
   * skipped step (`judgeEnded`: every ended chain of the scope is read then, which costs more).
   */
  async flowChainIds(
    scope: InsightScope,
    learnFrom: Date,
    historyBefore: Date,
    judgeBefore: Date,
    limits: FlowChainLimits,
    judgeEnded: boolean,
  ): Promise<{ history: string[]; judged: string[] }> {
    const sql = this.builder();
    // placeholders in the order they appear in the text (SQLite binds by position)
    const ends = judgeEnded ? '' : endTest(sql, 'phase');
    const phase = judgeEnded ? '' : `${phaseOf(sql)} AS phase, `;
    const errors = this.errorLevel(sql);
    const where = this.scopeWhere(sql, scope, learnFrom, scope.to);
    const history = historyByKind(
      sql,
      `SELECT correlation_id, last_at, kind FROM chains WHERE last_at < ${sql.time(historyBefore)}`,
      limits,
    );
    const judged = judgedByKind(
      sql,
      `SELECT correlation_id, last_at, kind FROM chains
        WHERE ${judgeEnded ? '' : 'has_end = 0 AND '}last_at >= ${sql.time(scope.from)} AND last_at < ${sql.time(judgeBefore)}`,
      limits,
    );
    const kind = firstOf(sql.dialect, 'kind', 'kind_at', 'id');
    const hasEnd = judgeEnded ? '' : `, max(CASE WHEN ${ends} THEN 1 ELSE 0 END) AS has_end`;
    const rows = await this.run(
      sql,
      `WITH grouped AS (
         SELECT correlation_id, max("timestamp") AS last_at, ${kind} AS kind, sum(is_error) AS errors${hasEnd}
           FROM (SELECT correlation_id, "timestamp", id, ${phase}${chainKindSql(sql.dialect)} AS kind, ${kindAtSql(sql.dialect)} AS kind_at,
                        CASE WHEN ${errors} THEN 1 ELSE 0 END AS is_error
                   FROM debug_events WHERE ${where} AND correlation_id IS NOT NULL) AS scoped
          GROUP BY correlation_id),
       chains AS (SELECT * FROM grouped WHERE errors = 0)
       SELECT correlation_id, 1 AS history FROM (${history}) AS h
       UNION ALL
       SELECT correlation_id, 0 AS history FROM (${judged}) AS j`,
    );
    return splitChainIds(rows);
  }

  /**
   * The events of some chains over [from, scope.to) as flow-shape chains: each chain's first
   * `head` and last `tail` events, with whether a start marker (but in a chain of one of
   * `startedKinds`: kinds whose start promises no end) or an end marker is on any of them; a
   * chain with an error on any of them is left out (the ids may come from per-minute rollups
   * that saw only part of it).
   */
  async shapeChains(
    scope: InsightScope,
    correlationIds: readonly string[],
    from: Date,
    head: number,
    tail: number,
    startedKinds: readonly string[] = [],
  ): Promise<FlowChain[]> {
    if (correlationIds.length === 0) return [];
    const sql = this.builder();
    // placeholders in the order they appear in the text (SQLite binds by position)
    const span = spanSql(sql.dialect, 'e.');
    // one table: the phase expression's unqualified columns are e's
    const phase = phaseOf(sql);
    const errors = errorEventSql('e.');
    const starts = startTest(sql, 'kinded.phase');
    // the chain's kind is its first event's, as flowChainIds reads it (the start marker is
    // often on a later event: "received upload …", then "starting OCR …")
    const started =
      startedKinds.length > 0
        ? `(${starts} AND kinded.chain_kind NOT IN ${sql.list(startedKinds)})`
        : starts;
    const ends = endTest(sql, 'kinded.phase');
    const ids = sql.list(correlationIds);
    const where = this.scopeWhere(sql, scope, from, scope.to, 'e.');
    const headLimit = sql.p(head);
    const tailLimit = sql.p(tail);
    const rows = await this.run(
      sql,
      `SELECT * FROM (
         SELECT kinded.*,
                max(CASE WHEN ${started} THEN 1 ELSE 0 END) OVER (PARTITION BY kinded.correlation_id) AS has_start,
                max(CASE WHEN ${ends} THEN 1 ELSE 0 END) OVER (PARTITION BY kinded.correlation_id) AS has_end,
                max(kinded.is_error) OVER (PARTITION BY kinded.correlation_id) AS has_error
           FROM (SELECT ranked.*,
                        first_value(ranked.kind) OVER (PARTITION BY ranked.correlation_id ORDER BY ranked.kind_at, ranked.id) AS chain_kind
           FROM (SELECT e.id, e.correlation_id, e."timestamp", e.component_type, e.component_id, e.operation,
                        e.pattern_id, e.message, e.duration_ms, CASE WHEN ${span} THEN 1 ELSE 0 END AS span,
                        ${phase} AS phase, CASE WHEN ${errors} THEN 1 ELSE 0 END AS is_error,
                        ${chainKindSql(sql.dialect)} AS kind, ${kindAtSql(sql.dialect, 'e.')} AS kind_at,
                        CASE WHEN e.event_type = 'trace' AND e.parent_event_id IS NULL AND ${span} THEN 1 ELSE 0 END AS root,
                        row_number() OVER (PARTITION BY e.correlation_id ORDER BY e."timestamp", e.id) AS rn,
                        row_number() OVER (PARTITION BY e.correlation_id ORDER BY e."timestamp" DESC, e.id DESC) AS rd
                   FROM debug_events e WHERE e.correlation_id IN ${ids} AND ${where}) AS ranked) AS kinded) AS chains
        WHERE has_error = 0 AND (rn <= ${headLimit} OR rd <= ${tailLimit})
        ORDER BY correlation_id, rn`,
    );
    const byChain = new Map<string, ShapeEvent[]>();
    const startedChains = new Set<string>();
    const endedChains = new Set<string>();
    for (const row of rows) {
      const correlationId = String(row.correlation_id);
      if (toNumber(row.has_start) === 1) startedChains.add(correlationId);
      if (toNumber(row.has_end) === 1) endedChains.add(correlationId);
      const events = byChain.get(correlationId) ?? [];
      byChain.set(correlationId, events);
      const startedAt = toDate(row.timestamp).getTime();
      const isSpan = toNumber(row.span) === 1;
      events.push({
        id: String(row.id),
        startedAt,
        // a span is placed at its end, when it was exported (a root span ends last)
        at: isSpan
          ? startedAt + (row.duration_ms == null ? 0 : toNumber(row.duration_ms))
          : startedAt,
        position: toNumber(row.rn),
        component: {
          component_type: String(row.component_type),
          component_id: String(row.component_id),
        },
        operation: row.operation == null ? null : String(row.operation),
        patternId: row.pattern_id == null ? null : String(row.pattern_id),
        message: String(row.message),
        span: isSpan,
        root: toNumber(row.root) === 1,
      });
    }
    return [...byChain].map(([correlationId, events]) => {
      const cut = Math.max(...events.map((event) => event.position)) > events.length;
      events.sort((a, b) => a.at - b.at || a.position - b.position);
      return {
        correlationId,
        events,
        cut,
        started: startedChains.has(correlationId),
        ended: endedChains.has(correlationId),
      };
    });
  }

  /** The time of the last event of a component in [from, to) (read through the component index). */
  async lastEventAt(
    component: ComponentRef,
    scope: InsightScope,
    from: Date,
    to: Date,
  ): Promise<Date | null> {
    const sql = this.builder();
    const terms = [
      `component_type = ${sql.p(component.component_type)}`,
      `component_id = ${sql.p(component.component_id)}`,
      `"timestamp" >= ${sql.time(from)}`,
      `"timestamp" < ${sql.time(to)}`,
    ];
    if (scope.sessionId) terms.push(`session_id = ${sql.p(scope.sessionId)}`);
    const rows = await this.run(
      sql,
      `SELECT max("timestamp") AS last_at FROM debug_events WHERE ${terms.join(' AND ')}`,
    );
    return rows.length === 0 || rows[0].last_at == null ? null : toDate(rows[0].last_at);
  }

  /**
   * The components that logged each pattern, from its latest `sample` events before `to` (one
   * index range each): who a pattern's spike or drop is about.
   */
  async patternComponents(
    patternIds: readonly string[],
    from: Date,
    to: Date,
    sample = 200,
  ): Promise<Map<string, ComponentRef[]>> {
    const read = async (patternId: string): Promise<[string, ComponentRef[]]> => {
      const sql = this.builder();
      const rows = await this.run(
        sql,
        `SELECT DISTINCT component_type, component_id FROM (
           SELECT component_type, component_id FROM debug_events
            WHERE pattern_id = ${sql.p(patternId)} AND "timestamp" >= ${sql.time(from)} AND "timestamp" < ${sql.time(to)}
            ORDER BY "timestamp" DESC LIMIT ${sql.p(sample)}) AS latest`,
      );
      return [
        patternId,
        rows.map((row) => ({
          component_type: String(row.component_type),
          component_id: String(row.component_id),
        })),
      ];
    };
    return new Map(await Promise.all(patternIds.slice(0, 50).map(read)));
  }

  /** The error events of some chains, oldest first per chain (bounded). */
  async chainErrors(
    correlationIds: readonly string[],
    from: Date,
    to: Date,
    limit: number,
  ): Promise<ChainEventRow[]> {
    if (correlationIds.length === 0) return [];
    const sql = this.builder();
    const phase = `coalesce(${sql.jsonText('data', 'phase')}, ${sql.jsonText('metadata', 'phase')})`;
    const ids = sql.list(correlationIds);
    const errors = this.errorLevel(sql);
    const rows = await this.run(
      sql,
      `SELECT id, "timestamp", event_type, level, component_type, component_id, operation, duration_ms,
              parent_event_id, message, pattern_id, correlation_id, ${phase} AS phase
         FROM debug_events
        WHERE correlation_id IN ${ids} AND ${errors}
          AND "timestamp" >= ${sql.time(from)} AND "timestamp" < ${sql.time(to)}
        ORDER BY correlation_id, "timestamp", id LIMIT ${sql.p(limit)}`,
    );
    return rows.map(chainEventRow);
  }

  /**
   * Of some chains, per component and operation, and per component whatever the operation
   * (recoveryKey): the time of the latest event when it says all went well (info or debug, not an
   * error). A failure its component then recovered from is no cause (flow.analyzer.ts,
   * propagationsOf); one followed by a warning ("compensated", "retrying") is not recovered.
   */
  async latestGoodEvents(
    correlationIds: readonly string[],
    componentTypes: readonly string[],
    from: Date,
    to: Date,
  ): Promise<Map<string, number>> {
    if (correlationIds.length === 0 || componentTypes.length === 0) return new Map();
    const sql = this.builder();
    // placeholders in the order they appear in the text (SQLite binds by position)
    const at = epochMs(sql.dialect, '"timestamp"');
    const ids = sql.list(correlationIds);
    const types = sql.list(componentTypes);
    // one aggregate, no sort: the latest event and the latest that went well, per component and
    // operation; the latest went well when the two are the same time
    const rows = await this.run(
      sql,
      `SELECT correlation_id, component_type, component_id, operation, max(${at}) AS last_ms,
              max(CASE WHEN ${wentWellSql()} THEN ${at} END) AS good_ms
         FROM debug_events
        WHERE correlation_id IN ${ids} AND component_type IN ${types}
          AND "timestamp" >= ${sql.time(from)} AND "timestamp" < ${sql.time(to)}
        GROUP BY correlation_id, component_type, component_id, operation`,
    );
    // per key the latest event's time and the latest good one's: it went well when they meet
    const times = new Map<string, { last: number; good: number }>();
    const note = (key: string, last: number, good: number) => {
      const seen = times.get(key) ?? { last: -Infinity, good: -Infinity };
      times.set(key, { last: Math.max(seen.last, last), good: Math.max(seen.good, good) });
    };
    for (const row of rows) {
      const component = {
        component_type: String(row.component_type),
        component_id: String(row.component_id),
      };
      const correlationId = String(row.correlation_id);
      const last = Math.round(toNumber(row.last_ms));
      const good = row.good_ms == null ? -Infinity : Math.round(toNumber(row.good_ms));
      const operation = row.operation == null ? null : String(row.operation);
      note(recoveryKey(correlationId, component, operation), last, good);
      note(recoveryKey(correlationId, component, '*'), last, good);
      // a retry another instance of the type served (a message redelivered to another pod)
      note(recoveryKey(correlationId, anyInstanceOf(component), operation), last, good);
    }
    return new Map(
      [...times].filter(([, { last, good }]) => good >= last).map(([key, { good }]) => [key, good]),
    );
  }

  /**
   * Of some event ids, those of tracing spans (OpenTelemetry, Sentry) that ended without an error:
   * a failure under such a span was handled by it (flow.analyzer.ts, propagationsOf).
   */
  async succeededSpans(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const sql = this.builder();
    // PostgreSQL keeps ids as uuid: the list is cast to it (the id index serves the lookup)
    const list =
      sql.dialect === 'postgres' ? `(SELECT unnest(${sql.p(ids)}::uuid[]))` : sql.list(ids);
    // tracing spans only (an OpenTelemetry or Sentry span id in data), whose status says how
    // they ended; a REST event of type trace may record less than the whole operation
    const traced =
      sql.dialect === 'postgres'
        ? `(jsonb_exists(data, 'otel.span_id') OR jsonb_exists(data, 'span_id'))`
        : `(json_extract(data, '$."otel.span_id"') IS NOT NULL OR json_extract(data, '$.span_id') IS NOT NULL)`;
    // a producer span ends when its message is sent: the consumers under it run after it ended,
    // and its success says nothing of theirs
    const kind =
      sql.dialect === 'postgres'
        ? `(data->>'otel.span_kind')`
        : `json_extract(data, '$."otel.span_kind"')`;
    const producer = `coalesce(${kind}, '') = 'producer'`;
    const rows = await this.run(
      sql,
      `SELECT id FROM debug_events
        WHERE id IN ${list} AND event_type = 'trace' AND duration_ms IS NOT NULL
          AND ${traced} AND NOT (${this.errorLevel(sql)}) AND NOT (${producer})`,
    );
    return new Set(rows.map((row) => String(row.id)));
  }

  /** The last event of each of some chains: the latest, a span placed at its end (when it was exported). */
  async lastEvents(
    correlationIds: readonly string[],
    from: Date,
    to: Date,
  ): Promise<ChainEventRow[]> {
    if (correlationIds.length === 0) return [];
    const sql = this.builder();
    const phase = `coalesce(${sql.jsonText('data', 'phase')}, ${sql.jsonText('metadata', 'phase')})`;
    const placed = `${epochMs(sql.dialect, '"timestamp"')} + CASE WHEN ${spanSql(sql.dialect)} THEN coalesce(duration_ms, 0) ELSE 0 END`;
    const ids = sql.list(correlationIds);
    const rows = await this.run(
      sql,
      `SELECT * FROM (
         SELECT id, "timestamp", event_type, level, component_type, component_id, operation, duration_ms,
                parent_event_id, message, pattern_id, correlation_id, ${phase} AS phase,
                row_number() OVER (PARTITION BY correlation_id ORDER BY ${placed} DESC, id DESC) AS rn
           FROM debug_events
          WHERE correlation_id IN ${ids} AND "timestamp" >= ${sql.time(from)} AND "timestamp" < ${sql.time(to)}) AS ranked
        WHERE rn = 1`,
    );
    return rows.map(chainEventRow);
  }

  /** The state changes (non-empty diffs) of a component type's instances captured in [from, to), oldest first (bounded). */
  async stateChangesOf(
    componentType: string,
    from: Date,
    to: Date,
    limit = 20,
  ): Promise<{ component: ComponentRef; at: Date; changes: { path: string; value: unknown }[] }[]> {
    const sql = this.builder();
    const rows = await this.run(
      sql,
      `SELECT component_type, component_id, captured_at, diff_from_previous FROM debug_state_snapshots
        WHERE component_type = ${sql.p(componentType)} AND captured_at >= ${sql.time(from)} AND captured_at < ${sql.time(to)}
        ORDER BY captured_at LIMIT ${sql.p(limit)}`,
    );
    return rows.flatMap((row) => {
      const diff = (
        typeof row.diff_from_previous === 'string'
          ? JSON.parse(row.diff_from_previous)
          : (row.diff_from_previous ?? [])
      ) as { path?: unknown; value?: unknown }[];
      const changes = (Array.isArray(diff) ? diff : [])
        .filter((item) => typeof item.path === 'string')
        .map((item) => ({ path: String(item.path), value: item.value }));
      return changes.length === 0
        ? []
        : [
            {
              component: {
                component_type: String(row.component_type),
                component_id: String(row.component_id),
              },
              at: toDate(row.captured_at),
              changes,
            },
          ];
    });
  }

  /**
   * Each component's latest snapshot (within the scope's filters) captured in [from, before)
   * (before: the scope's end), or its earliest.
   */
  async latestSnapshots(
    scope: InsightScope,
    from: Date,
    before: Date = scope.to,
    which: 'latest' | 'earliest' = 'latest',
  ): Promise<SnapshotRow[]> {
    const order = which === 'latest' ? 'DESC' : 'ASC';
    const sql = this.builder();
    const terms = [`captured_at >= ${sql.time(from)}`, `captured_at < ${sql.time(before)}`];
    const components = componentsWhere(scope.components, sql);
    if (components) terms.push(components);
    const rows = await this.run(
      sql,
      `SELECT * FROM (
         SELECT id, component_type, component_id, captured_at, version, hash, state,
                row_number() OVER (PARTITION BY component_type, component_id ORDER BY captured_at ${order}, version ${order}) AS rn
           FROM debug_state_snapshots WHERE ${terms.join(' AND ')}) AS ranked
        WHERE rn = 1 ORDER BY component_type, component_id`,
    );
    return rows.map((row) => ({
      id: String(row.id),
      component: {
        component_type: String(row.component_type),
        component_id: String(row.component_id),
      },
      capturedAt: toDate(row.captured_at),
      version: toNumber(row.version),
      hash: String(row.hash),
      state: (typeof row.state === 'string' ? JSON.parse(row.state) : row.state) as Record<
        string,
        unknown
      >,
    }));
  }

  /** One example message per pattern (the newest in the range), for titles. */
  async sampleMessages(
    patternIds: readonly string[],
    from: Date,
    to: Date,
  ): Promise<Map<string, string>> {
    const messages = new Map<string, string>();
    for (const patternId of patternIds.slice(0, 50)) {
      const sql = this.builder();
      const rows = await this.run(
        sql,
        `SELECT message FROM debug_events
          WHERE pattern_id = ${sql.p(patternId)} AND "timestamp" >= ${sql.time(from)} AND "timestamp" < ${sql.time(to)}
          ORDER BY "timestamp" DESC LIMIT 1`,
      );
      if (rows.length > 0) messages.set(patternId, String(rows[0].message));
    }
    return messages;
  }

  /** Up to `limit` event ids that show an insight, newest first. */
  async sampleEventIds(
    sample: EvidenceSample,
    scope: InsightScope,
    limit: number,
  ): Promise<string[]> {
    const sql = this.builder();
    const where = eventWhere(
      {
        from: sample.from,
        to: sample.to,
        patternIds: sample.patternId ? [sample.patternId] : undefined,
        components: sample.component ? [sample.component] : undefined,
        correlationIds: sample.correlationId ? [sample.correlationId] : undefined,
        errorsOnly: sample.errorsOnly,
        sessionId: scope.sessionId ?? undefined,
      },
      sql,
      '',
    );
    const rows = await this.run(
      sql,
      `SELECT id FROM debug_events WHERE ${where} ORDER BY "timestamp" DESC LIMIT ${sql.p(limit)}`,
    );
    return rows.map((row) => String(row.id));
  }
}

function durationRow(row: Row, p50: number, p95: number, p99: number): DurationStatsRow {
  return {
    current: toNumber(row.cur) === 1,
    component: {
      component_type: String(row.component_type),
      component_id: String(row.component_id),
    },
    operation: String(row.operation),
    count: toNumber(row.n),
    p50,
    p95,
    p99,
    max: toNumber(row.max_ms),
  };
}

/** A chain summary as the raw and the rollup queries answer it. */
export function chainSummaryRow(row: Row): ChainSummaryRow {
  return {
    correlationId: String(row.correlation_id),
    startedAt: toDate(row.started_at),
    lastAt: toDate(row.last_at),
    events: toNumber(row.n),
    hasStart: toNumber(row.has_start) === 1,
    hasEnd: toNumber(row.has_end) === 1,
    errors: toNumber(row.errors),
  };
}

/** Started chains as rows of kind, has_end and longest_gap (startedChainEnds), by kind. */
export function kindEndsOf(rows: readonly Row[]): Map<string, KindEnds> {
  const byKind = new Map<string, { started: number; gaps: number[] }>();
  for (const row of rows) {
    const kind = String(row.kind);
    const entry = byKind.get(kind) ?? { started: 0, gaps: [] };
    byKind.set(kind, entry);
    entry.started++;
    if (toNumber(row.has_end) === 1)
      // whole milliseconds: SQLite's julianday() arithmetic leaves a few microseconds either way
      entry.gaps.push(
        row.longest_gap == null ? 0 : Math.max(0, Math.round(toNumber(row.longest_gap))),
      );
  }
  return new Map(
    [...byKind].map(([kind, { started, gaps }]) => {
      gaps.sort((a, b) => a - b);
      const quietMs =
        gaps.length >= MIN_ENDED_FOR_QUIET ? gaps[Math.ceil(gaps.length * 0.99) - 1] : null;
      return [kind, { started, ended: gaps.length, quietMs }];
    }),
  );
}

/** An error-pattern group as the raw and the rollup queries answer it. */
export function errorPatternRow(row: Row): ErrorPatternRow {
  return {
    patternId: String(row.pattern_id),
    component: {
      component_type: String(row.component_type),
      component_id: String(row.component_id),
    },
    inScope: toNumber(row.in_scope) === 1,
    count: toNumber(row.n),
    firstAt: toDate(row.first_at),
    lastAt: toDate(row.last_at),
    sampleMessage: String(row.sample_message ?? ''),
    lastEventId: String(row.last_id),
    firstEventId: String(row.first_id),
    levels: String(row.levels ?? ''),
  };
}

/** Rows of (correlation_id, history) as the history and the judged chain ids. */
export function splitChainIds(rows: readonly Row[]): { history: string[]; judged: string[] } {
  const history: string[] = [];
  const judged: string[] = [];
  for (const row of rows)
    (toNumber(row.history) === 1 ? history : judged).push(String(row.correlation_id));
  return { history, judged };
}

function chainEventRow(row: Row): ChainEventRow {
  return {
    id: String(row.id),
    timestamp: toDate(row.timestamp),
    eventType: String(row.event_type),
    level: String(row.level),
    component: {
      component_type: String(row.component_type),
      component_id: String(row.component_id),
    },
    operation: row.operation == null ? null : String(row.operation),
    durationMs: row.duration_ms == null ? null : toNumber(row.duration_ms),
    parentEventId: row.parent_event_id == null ? null : String(row.parent_event_id),
    message: String(row.message),
    patternId: row.pattern_id == null ? null : String(row.pattern_id),
    phase: row.phase == null ? null : String(row.phase),
    correlationId: String(row.correlation_id),
  };
}

function toSeries(
  rows: Row[],
  grid: BucketGrid,
  identify: (row: Row) => Pick<BucketSeries, 'key' | 'component' | 'patternId'>,
): BucketSeries[] {
  const total = grid.windowBuckets + grid.baselineBuckets;
  const byKey = new Map<string, BucketSeries>();
  for (const row of rows) {
    const back = toNumber(row.b);
    if (back < 0 || back >= total) continue;
    const identity = identify(row);
    let series = byKey.get(identity.key);
    if (!series) {
      series = {
        ...identity,
        counts: new Array(total).fill(0),
        errors: new Array(total).fill(0),
        lastAt: null,
      };
      byKey.set(identity.key, series);
    }
    const index = total - 1 - back;
    series.counts[index] += toNumber(row.n);
    series.errors[index] += toNumber(row.errors);
    const lastAt = toDate(row.last_at);
    if (!series.lastAt || lastAt > series.lastAt) series.lastAt = lastAt;
  }
  return [...byKey.values()];
}

export type { EvidenceSample };
