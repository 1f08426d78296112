import type { DataSource } from 'typeorm';
import type { Dialect } from '../database/sql/dialect.js';
import { toDate } from '../database/sql/row-values.js';
import type { Executor } from '../database/sql/sql-runner.js';
import { SqlBuilder } from '../database/sql/statement.js';
import type { Row } from './insight-aggregates.repository.js';

/*
 * The rollups an unscoped insight run reads instead of debug_events (docs/insights.md):
 * - debug_insight_series_hours: per component, per pattern (events, errors) and per component
 *   and operation (count, sum, sum of squares of duration_ms), one row per series and hour with
 *   the 60 per-minute values as arrays (PostgreSQL float8[], SQLite JSON text);
 * - debug_insight_error_minutes: error events per pattern, component and minute;
 * - debug_insight_chain_minutes: per correlation chain and minute, events, errors, first/last
 *   time and whether a start or end phase was seen.
 * InsightRollupRefresher writes them (insight-rollup.refresher.ts), InsightRollupReader reads
 * them (insight-rollup.reader.ts); this file holds what both know of the tables.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const SLOTS = 60;
/**
 * Minutes re-aggregated at every refresh, for events that arrive a little late. Events stored
 * more than half of this after their time mark their minute for the next refresh
 * (late-event-minutes.ts), so the overlap only has to cover the usual delay from a client to a
 * committed row (seconds) with the other half to spare (a clock difference between the writer
 * and the refresher); each minute of it is read from debug_events again by every refresh.
 */
export const ROLLUP_OVERLAP_MS = MINUTE_MS;
/** Rollups older than this are deleted. */
export const ROLLUP_RETENTION_MS = 8 * 24 * HOUR_MS;
/**
 * Runs whose scope ends longer ago than this aggregate debug_events directly: a look at the past
 * would otherwise move the rolled-up range away from the present and back (two rebuilds).
 */
export const ROLLUP_RECENT_MS = 15 * MINUTE_MS;

export type SeriesKind = 'component' | 'pattern' | 'duration';

/** The per-minute value columns of debug_insight_series_hours (SeriesHour's arrays). */
export const SERIES_VALUE_COLUMNS = ['counts', 'errors', 'sums', 'squares'] as const;

/** One row of debug_insight_series_hours: a series' per-minute values over one hour. */
export /** One row of debug_insight_series_hours: a series' per-minute values over one hour. */
interface SeriesHour {
  key: string;
  hourStart: number;
  componentType: string | null;
  componentId: string | null;
  patternId: string | null;
  operation: string | null;
  counts: number[];
  /** Errors per minute (component and pattern series). */
  errors: number[] | null;
  /** Sum and sum of squares of duration_ms per minute (duration series). */
  sums: number[] | null;
  squares: number[] | null;
}

/**
 * A time column as milliseconds since the epoch on PostgreSQL: the driver parses a number
 * much faster than a timestamp text, and these reads answer thousands of times.
 */
export function rollupEpochMs(dialect: Dialect, column: string): string {
  return dialect === 'postgres' ? `(extract(epoch FROM ${column}) * 1000)::float8` : column;
}

/** The hour rows over [from, to) of one kind of series (null: all kinds). */
export async function readSeriesHours(
  on: DataSource | Executor,
  dialect: Dialect,
  kind: SeriesKind | null,
  from: Date,
  to: Date,
): Promise<SeriesHour[]> {
  const sql = new SqlBuilder(dialect);
  const values = SERIES_VALUE_COLUMNS.map((column) => seriesValuesSql(dialect, column)).join(', ');
  let text = `SELECT series_key, ${rollupEpochMs(dialect, 'hour_start')} AS hour_start, component_type, component_id, pattern_id, operation, ${values}
       FROM debug_insight_series_hours
      WHERE hour_start >= ${sql.time(floorHour(from))} AND hour_start < ${sql.time(to)}`;
  if (kind) text += ` AND series_key >= ${sql.p(`${kind}:`)} AND series_key < ${sql.p(`${kind};`)}`;
  const rows = (await on.query(text, sql.params)) as Row[];
  return rows.map(toSeriesHour);
}

/** The versions of the hours that start in [floorHour(from), to) (debug_insight_hour_versions), by hour start. */
export async function readHourVersions(
  on: DataSource | Executor,
  dialect: Dialect,
  from: Date,
  to: Date,
): Promise<Map<number, string>> {
  const sql = new SqlBuilder(dialect);
  const rows = (await on.query(
    `SELECT ${rollupEpochMs(dialect, 'hour_start')} AS hour_start, version FROM debug_insight_hour_versions
      WHERE hour_start >= ${sql.time(floorHour(from))} AND hour_start < ${sql.time(to)}`,
    sql.params,
  )) as Row[];
  return new Map(rows.map((row) => [toDate(row.hour_start).getTime(), String(row.version)]));
}

/** The range the rollups are complete over (debug_insight_rollup_state), null before the first refresh. */
export interface RollupState {
  from: Date;
  until: Date;
}

export async function readRollupState(on: DataSource | Executor): Promise<RollupState | null> {
  const rows = (await on.query(
    'SELECT rolled_from, rolled_until FROM debug_insight_rollup_state WHERE id = 1',
  )) as Row[];
  if (rows.length === 0) return null;
  return { from: toDate(rows[0].rolled_from), until: toDate(rows[0].rolled_until) };
}

/**
 * A value column of debug_insight_series_hours as a select item: PostgreSQL sends float8[] as
 * JSON (the driver parses JSON natively, an array text element by element in JavaScript).
 */
export function seriesValuesSql(dialect: Dialect, column: string): string {
  return dialect === 'postgres' ? `array_to_json(${column}) AS ${column}` : column;
}

/** An hour row's array column: JSON arrives parsed (PostgreSQL), text does not (SQLite). */
export function valuesOf(value: unknown): number[] | null {
  return value == null
    ? null
    : ((typeof value === 'string' ? JSON.parse(value) : value) as number[]);
}

export function toSeriesHour(row: Row): SeriesHour {
  return {
    key: String(row.series_key),
    hourStart: toDate(row.hour_start).getTime(),
    componentType: row.component_type == null ? null : String(row.component_type),
    componentId: row.component_id == null ? null : String(row.component_id),
    patternId: row.pattern_id == null ? null : String(row.pattern_id),
    operation: row.operation == null ? null : String(row.operation),
    counts: valuesOf(row.counts)!,
    errors: valuesOf(row.errors),
    sums: valuesOf(row.sums),
    squares: valuesOf(row.squares),
  };
}

export function floorMinute(value: Date): Date {
  return new Date(Math.floor(value.getTime() / MINUTE_MS) * MINUTE_MS);
}

export function floorHour(value: Date): Date {
  return new Date(Math.floor(value.getTime() / HOUR_MS) * HOUR_MS);
}
