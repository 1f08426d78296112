import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type QueryRunner } from 'typeorm';
import { errorEventSql } from '../common/debug-event.js';
import { type Dialect, dialectOf } from '../database/sql/dialect.js';
import { toDate, toNumber } from '../database/sql/row-values.js';
import { inTransaction } from '../database/sql/sql-runner.js';
import { firstOf, idText, minuteIndex, minuteOf, SqlBuilder } from '../database/sql/statement.js';
import {
  type ErrorMinute,
  errorMinuteOf,
  RollupHourCache,
  type WrittenRollupHour,
} from './insight-hour-cache.js';
import {
  chainKindSql,
  kindAtSql,
  phaseOf,
  phaseTests,
  type Row,
} from './insight-aggregates.repository.js';
import { conventionTailsSql } from './flow-conventions.js';
import type { ComponentRef } from './insight.types.js';
import {
  floorHour,
  floorMinute,
  HOUR_MS,
  MINUTE_MS,
  readRollupState,
  readHourVersions,
  readSeriesHours,
  rollupEpochMs,
  ROLLUP_OVERLAP_MS,
  type RollupState,
  ROLLUP_RETENTION_MS,
  type SeriesHour,
  SERIES_VALUE_COLUMNS,
  type SeriesKind,
  SLOTS,
} from './insight-rollup-tables.js';

/**
 * Chain minutes are kept this long (hourly): the flow analyzer reads only the scope, and the
 * rollups serve scopes up to about a quarter of their retention (the baseline is 3 scopes).
 */
const CHAIN_RETENTION_MS = ROLLUP_RETENTION_MS / 4 + HOUR_MS;
/** A long missing range is aggregated in pieces of this size (bounds the rows held in memory). */
const AGGREGATE_PIECE_MS = 6 * HOUR_MS;
/** Ranges up to this long aggregate the three kinds of series in one pass over the events. */
const COMBINED_PASS_MAX_MS = 20 * MINUTE_MS;
const HOUR_ROWS_PER_INSERT = 200;
/** PostgreSQL hour rows per upsert (sent as arrays; bounds one statement's parameters). */
const UNNESTED_ROWS_PER_INSERT = 5000;
/**
 * A minute's duration sum (and sum of squares) that moved less than this is no change: the same
 * events' sum can differ in its last bits with the order PostgreSQL adds them in.
 */
const SUM_TOLERANCE = 1e-3;
const SQUARE_TOLERANCE = 1e-1;

/**
 * Keeps the insight rollups (insight-rollup-tables.ts) complete. Insight generation refreshes
 * them before reading: only the minutes since the last refresh (plus the overlap, ROLLUP_OVERLAP_MS, for
 * events that arrive a little late) are aggregated from debug_events, so a run reads minutes
 * of raw events and hours of rollups. Events stored more than 30 seconds after their time are
 * marked by the ingest write path (late-event-minutes.ts, in debug_insight_late_minutes) and
 * their minutes aggregated again at the next refresh.
 */
@Injectable()
export class InsightRollupRefresher {
  private readonly logger = new Logger(InsightRollupRefresher.name);
  readonly dialect: Dialect;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hourCache: RollupHourCache,
  ) {
    this.dialect = dialectOf(dataSource);
  }

  /**
   * Makes the rollups complete over [from, to): aggregates whatever part is missing, the
   * overlap before the last refresh again, and every minute that received events late since the last refresh.
   */
  async ensure(
    from: Date,
    to: Date,
    clock = new Date(),
  ): Promise<{ aggregated: { from: string; to: string }[] }> {
    const aggregated: { from: string; to: string }[] = [];
    // hours rolled up by this call, handed to the readers' memory once the transaction committed
    const pending = new Map<number, WrittenRollupHour>();
    const rolledMs = await inTransaction(this.dataSource, async (runner) => {
      if (this.dialect === 'postgres') {
        await runner.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['ads:insight-rollups']);
        // The rollups are derived from debug_events: a crash may lose this commit (never corrupt
        // the tables), and the next refresh aggregates the same minutes again. Not waiting for
        // the WAL flush saves a disk sync on every refresh.
        await runner.query('SET LOCAL synchronous_commit = off');
      }
      const state = await readRollupState(runner);
      const lateMinutes = await this.takeLateMinutes(runner);
      const start = floorMinute(from);
      const disjoint =
        !state || state.until.getTime() < start.getTime() || state.from.getTime() > to.getTime();
      const missing: [number, number][] = [];
      if (disjoint) {
        missing.push([start.getTime(), to.getTime()]);
      } else {
        if (start.getTime() < state.from.getTime())
          missing.push([start.getTime(), state.from.getTime()]);
        if (to.getTime() > state.until.getTime())
          missing.push([
            floorMinute(new Date(state.until.getTime() - ROLLUP_OVERLAP_MS)).getTime(),
            to.getTime(),
          ]);
        for (const minute of lateMinutes) {
          if (minute >= state.from.getTime() && minute < state.until.getTime())
            missing.push([minute, minute + MINUTE_MS]);
        }
      }
      const ranges = coalesce(missing);
      if (disjoint && state) await this.clear(runner);
      for (const [rangeFrom, rangeTo] of ranges) {
        for (let pieceFrom = rangeFrom; pieceFrom < rangeTo; pieceFrom += AGGREGATE_PIECE_MS) {
          await this.aggregate(
            runner,
            pending,
            new Date(pieceFrom),
            new Date(Math.min(pieceFrom + AGGREGATE_PIECE_MS, rangeTo)),
          );
        }
      }
      for (const [rangeFrom, rangeTo] of ranges)
        aggregated.push({
          from: new Date(rangeFrom).toISOString(),
          to: new Date(rangeTo).toISOString(),
        });
      if (ranges.length > 0) {
        // never complete beyond the clock: minutes still to come are aggregated again next time
        const reached = Math.min(to.getTime(), Math.max(clock.getTime(), start.getTime()));
        const next: RollupState = disjoint
          ? { from: start, until: new Date(reached) }
          : {
              from: new Date(Math.min(state.from.getTime(), start.getTime())),
              until: new Date(Math.max(state.until.getTime(), reached)),
            };
        const horizon = new Date(next.until.getTime() - ROLLUP_RETENTION_MS);
        if (next.from < horizon) {
          next.from = floorHour(horizon);
          await this.deleteBefore(runner, next.from);
        }
        if (!state || floorHour(state.until) < floorHour(next.until)) {
          const chainHorizon = new Date(floorHour(next.until).getTime() - CHAIN_RETENTION_MS);
          const sql = new SqlBuilder(this.dialect);
          await runner.query(
            `DELETE FROM debug_insight_chain_minutes WHERE bucket_start < ${sql.time(chainHorizon)}`,
            sql.params,
          );
        }
        await this.writeState(runner, next);
      }
      return ranges.reduce((sum, [rangeFrom, rangeTo]) => sum + rangeTo - rangeFrom, 0);
    });
    // the readers' memory takes what was written instead of reading it back, and the next
    // refresh here merges into it
    for (const hour of pending.values()) await this.hourCache.adopt(hour);
    // planner statistics after a large build (the first run, or after a long pause)
    if (rolledMs > 30 * MINUTE_MS && this.dialect === 'postgres') {
      await this.dataSource.query(
        'ANALYZE debug_insight_series_hours, debug_insight_error_minutes, debug_insight_chain_minutes',
      );
    }
    if (aggregated.length > 0)
      this.logger.debug(
        `rolled up ${aggregated.map((range) => `${range.from} – ${range.to}`).join(', ')}`,
      );
    return { aggregated };
  }

  /** Rolls up [from, to): replaces every rollup minute in the range with what debug_events holds now. */
  private async aggregate(
    runner: QueryRunner,
    pending: Map<number, WrittenRollupHour>,
    from: Date,
    to: Date,
  ): Promise<void> {
    const errorMinutes = await this.aggregateErrors(runner, from, to);
    // PostgreSQL: a refresh's few minutes are read once for the chains and the hour rows
    const chainsWithHours =
      this.dialect === 'postgres' && to.getTime() - from.getTime() <= COMBINED_PASS_MAX_MS;
    await this.clearChains(runner, from, to);
    if (!chainsWithHours) await this.aggregateChains(runner, from, to);
    await this.aggregateHours(runner, pending, from, to, chainsWithHours);
    for (let hour = floorHour(from).getTime(); hour < to.getTime(); hour += HOUR_MS) {
      const written = pending.get(hour);
      if (!written) continue;
      written.replaced.push([
        Math.max(hour, from.getTime()),
        Math.min(hour + HOUR_MS, to.getTime()),
      ]);
      written.errorMinutes.push(
        ...errorMinutes.filter(
          (minute) => floorHour(new Date(minute.bucketStart)).getTime() === hour,
        ),
      );
    }
    await this.stampHours(runner, pending, from, to);
  }

  /**
   * A new version for every hour of [from, to) (debug_insight_hour_versions), in the transaction
   * that rewrote its rows: readers keep hours in memory until their version moves.
   */
  private async stampHours(
    runner: QueryRunner,
    pending: Map<number, WrittenRollupHour>,
    from: Date,
    to: Date,
  ): Promise<void> {
    const sql = new SqlBuilder(this.dialect);
    const values: string[] = [];
    for (let hour = floorHour(from).getTime(); hour < to.getTime(); hour += HOUR_MS) {
      const version = randomUUID();
      const written = pending.get(hour);
      if (written) written.version = version;
      values.push(`(${sql.time(new Date(hour))}, ${sql.p(version)})`);
    }
    await runner.query(
      `INSERT INTO debug_insight_hour_versions (hour_start, version) VALUES ${values.join(', ')}
       ON CONFLICT (hour_start) DO UPDATE SET version = excluded.version`,
      sql.params,
    );
  }

  /** Error minutes over [from, to), replaced; returns what it wrote. */
  private async aggregateErrors(runner: QueryRunner, from: Date, to: Date): Promise<ErrorMinute[]> {
    const clear = new SqlBuilder(this.dialect);
    await runner.query(
      `DELETE FROM debug_insight_error_minutes WHERE bucket_start >= ${clear.time(from)} AND bucket_start < ${clear.time(to)}`,
      clear.params,
    );
    const sql = new SqlBuilder(this.dialect);
    const minute = minuteOf(this.dialect, '"timestamp"');
    // placeholders in the order they appear in the text (SQLite binds by position)
    const critical = `CASE WHEN level = ${sql.p('critical')} THEN 1 ELSE 0 END`;
    const where = `"timestamp" >= ${sql.time(from)} AND "timestamp" < ${sql.time(to)}
          AND ${errorEventSql()} AND pattern_id IS NOT NULL`;
    const epoch = (column: string) => rollupEpochMs(this.dialect, column);
    const rows = (await runner.query(
      `INSERT INTO debug_insight_error_minutes
         (bucket_start, pattern_id, component_type, component_id, errors, criticals, first_at, last_at, first_id, last_id, sample_message)
       SELECT ${minute}, pattern_id, component_type, component_id, count(*), sum(${critical}),
              min("timestamp"), max("timestamp"), min(${idText(this.dialect)}), max(${idText(this.dialect)}), min(message)
         FROM debug_events
        WHERE ${where}
        GROUP BY ${minute}, pattern_id, component_type, component_id
       RETURNING ${epoch('bucket_start')} AS bucket_start, pattern_id, component_type, component_id, errors, criticals,
                 ${epoch('first_at')} AS first_at, ${epoch('last_at')} AS last_at, first_id, last_id, sample_message`,
      sql.params,
    )) as Row[];
    return rows.map((row) => errorMinuteOf(row));
  }

  private async clearChains(runner: QueryRunner, from: Date, to: Date): Promise<void> {
    const clear = new SqlBuilder(this.dialect);
    await runner.query(
      `DELETE FROM debug_insight_chain_minutes WHERE bucket_start >= ${clear.time(from)} AND bucket_start < ${clear.time(to)}`,
      clear.params,
    );
  }

  private async aggregateChains(runner: QueryRunner, from: Date, to: Date): Promise<void> {
    const sql = new SqlBuilder(this.dialect);
    // placeholders in the order they appear in the text (SQLite binds by position)
    const insert = this.chainInsert(sql);
    const isError = `CASE WHEN ${errorEventSql()} THEN 1 ELSE 0 END`;
    const where = `"timestamp" >= ${sql.time(from)} AND "timestamp" < ${sql.time(to)} AND correlation_id IS NOT NULL`;
    await runner.query(
      `${insert}
         FROM (SELECT correlation_id, "timestamp", id, ${phaseOf(sql)} AS phase, ${isError} AS is_error,
                      ${chainKindSql(this.dialect)} AS kind, ${kindAtSql(this.dialect)} AS kind_at
                 FROM debug_events WHERE ${where}) AS scoped
        GROUP BY ${minuteOf(this.dialect, '"timestamp"')}, correlation_id`,
      sql.params,
    );
  }

  /**
   * INSERT … SELECT of chain minutes, without its FROM: rows need correlation_id, "timestamp", id,
   * phase, is_error, kind (chainKindSql) and kind_at (kindAtSql). A minute's kind is its first
   * event's (a root span's, when it holds one), so the kind of a chain is its earliest minute's (the flow history is shared out by kind: historyByKind).
   */
  private chainInsert(sql: SqlBuilder): string {
    const { starts, ends } = phaseTests(sql, 'phase');
    return `INSERT INTO debug_insight_chain_minutes (bucket_start, correlation_id, first_at, last_at, events, errors, has_start, has_end, kind)
       SELECT ${minuteOf(this.dialect, '"timestamp"')}, correlation_id, min("timestamp"), max("timestamp"), count(*), sum(is_error),
              max(CASE WHEN ${starts} THEN 1 ELSE 0 END), max(CASE WHEN ${ends} THEN 1 ELSE 0 END),
              ${firstOf(this.dialect, 'kind', 'kind_at', 'id')}`;
  }

  /**
   * The hour rows over [from, to): the minutes of the range are aggregated per series and merged
   * into the stored hour rows (the range's minutes replaced, the others kept); only rows whose
   * values changed are written.
   */
  private async aggregateHours(
    runner: QueryRunner,
    pending: Map<number, WrittenRollupHour>,
    from: Date,
    to: Date,
    withChains: boolean,
  ): Promise<void> {
    const stored = new Map<string, SeriesHour>();
    const { rows: storedRows, versions } = await this.storedHours(runner, pending, from, to);
    for (const hour of storedRows) stored.set(hourKey(hour), hour);
    const firstSlot = (hourStart: number) =>
      Math.max(0, Math.ceil((from.getTime() - hourStart) / MINUTE_MS));
    const endSlot = (hourStart: number) =>
      Math.min(SLOTS, Math.ceil((to.getTime() - hourStart) / MINUTE_MS));
    // only the range's minutes can change: their stored values, to write only the rows that did
    const before = new Map<SeriesHour, RangeValues>();
    for (const hour of stored.values()) {
      const [lo, hi] = [firstSlot(hour.hourStart), endSlot(hour.hourStart)];
      before.set(hour, rangeValues(hour, lo, hi));
      for (let slot = lo; slot < hi; slot++) {
        hour.counts[slot] = 0;
        if (hour.errors) hour.errors[slot] = 0;
        if (hour.sums) hour.sums[slot] = 0;
        if (hour.squares) hour.squares[slot] = 0;
      }
    }
    for (const row of await this.minuteAggregates(runner, from, to, withChains)) {
      const kind = row.kind as SeriesKind;
      const identity = identityOf(kind, row);
      const hourStart = toNumber(row.hour) * HOUR_MS;
      const key = `${identity.key}\u0000${hourStart}`;
      let hour = stored.get(key);
      if (!hour) {
        hour = {
          ...identity,
          hourStart,
          counts: new Array(SLOTS).fill(0),
          errors: kind === 'duration' ? null : new Array(SLOTS).fill(0),
          sums: kind === 'duration' ? new Array(SLOTS).fill(0) : null,
          squares: kind === 'duration' ? new Array(SLOTS).fill(0) : null,
        };
        stored.set(key, hour);
      }
      const minutes = (
        typeof row.minutes === 'string' ? JSON.parse(row.minutes) : row.minutes
      ) as number[][];
      for (const [slot, count, second, third] of minutes) {
        hour.counts[slot] = toNumber(count);
        if (kind === 'duration') {
          hour.sums![slot] = toNumber(second);
          hour.squares![slot] = toNumber(third);
        } else {
          hour.errors![slot] = toNumber(second);
        }
      }
    }
    // rows held before (stored) differ from the table in the range's minutes only; new rows are whole
    const changed: HourWrite[] = [];
    for (const hour of stored.values()) {
      const previous = before.get(hour);
      const [lo, hi] = [firstSlot(hour.hourStart), endSlot(hour.hourStart)];
      if (!previous) changed.push({ hour, slots: null });
      else if (rangeChanged(previous, rangeValues(hour, lo, hi)))
        changed.push({ hour, slots: [lo, hi] });
    }
    await this.writeHourRows(runner, changed);
    const byHour = new Map<number, SeriesHour[]>();
    for (const hour of stored.values()) {
      const rows = byHour.get(hour.hourStart);
      if (rows) rows.push(hour);
      else byHour.set(hour.hourStart, [hour]);
    }
    for (let hour = floorHour(from).getTime(); hour < to.getTime(); hour += HOUR_MS) {
      const earlier = pending.get(hour);
      pending.set(hour, {
        hourStart: hour,
        version: '',
        series: byHour.get(hour) ?? [],
        previous: earlier ? earlier.previous : versions.get(hour),
        replaced: earlier?.replaced ?? [],
        errorMinutes: earlier?.errorMinutes ?? [],
      });
    }
    // Only the last two hours are kept (a refresh touches the open hour, at times the one before):
    // a long rebuild would otherwise hold every hour. A later range reads the others again inside
    // the transaction, which sees what it wrote.
    const latest = Math.max(...pending.keys());
    for (const hour of [...pending.keys()]) if (hour < latest - HOUR_MS) pending.delete(hour);
  }

  /**
   * Writes hour rows. PostgreSQL: the rows the table holds get only their changed minutes (array
   * slices: a refresh changes a minute or two of about 2,000 rows, and sending whole hours cost
   * 45–100 ms, mostly PostgreSQL parsing 1.75 MB of array text), new rows are inserted whole; the
   * columns go as arrays, unnested, one statement per 5,000 rows. Should the table not hold a row
   * it was expected to (it cannot while the refresh holds the lock), every row is written whole.
   * SQLite: batches of VALUES, whole rows.
   */
  private async writeHourRows(runner: QueryRunner, writes: readonly HourWrite[]): Promise<void> {
    await this.upsertWholeRows(
      runner,
      (this.dialect === 'postgres' ? await this.updateHeldRows(runner, writes) : writes).map(
        (write) => write.hour,
      ),
    );
  }

  /**
   * PostgreSQL: writes the sliced rows (held by the table) as slices; returns what is left to
   * write whole: the new rows, or every row if the table did not hold one it was expected to.
   */
  private async updateHeldRows(
    runner: QueryRunner,
    writes: readonly HourWrite[],
  ): Promise<readonly HourWrite[]> {
    const sliced = writes.filter((write) => write.slots !== null);
    let updated = 0;
    for (let offset = 0; offset < sliced.length; offset += UNNESTED_ROWS_PER_INSERT) {
      updated += await this.updateSlices(
        runner,
        sliced.slice(offset, offset + UNNESTED_ROWS_PER_INSERT),
      );
    }
    if (updated === sliced.length) return writes.filter((write) => write.slots === null);
    this.logger.warn(
      `${sliced.length - updated} of ${sliced.length} hour rows held in memory were not in debug_insight_series_hours; writing every row whole`,
    );
    return writes;
  }

  /** PostgreSQL: minutes [lo, hi) of rows the table holds, as array slices; returns the rows updated. */
  private async updateSlices(runner: QueryRunner, writes: readonly HourWrite[]): Promise<number> {
    const slice = (values: number[] | null, [lo, hi]: [number, number]) =>
      values && arrayText(values.slice(lo, hi));
    // PostgreSQL arrays are 1-based: minute m of the hour is element m + 1
    const spliced = (column: string) =>
      `${column} = t.${column}[1:u.lo] || u.${column}::float8[] || t.${column}[u.hi + 1:${SLOTS}]`;
    const result = (await runner.query(
      `UPDATE debug_insight_series_hours AS t
          SET ${SERIES_VALUE_COLUMNS.map(spliced).join(', ')}
         FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[])
              AS u(series_key, hour_start, lo, hi, counts, errors, sums, squares)
        WHERE t.series_key = u.series_key AND t.hour_start = u.hour_start`,
      [
        writes.map(({ hour }) => hour.key),
        writes.map(({ hour }) => new Date(hour.hourStart).toISOString()),
        writes.map(({ slots }) => slots![0]),
        writes.map(({ slots }) => slots![1]),
        writes.map(({ hour, slots }) => slice(hour.counts, slots!)),
        writes.map(({ hour, slots }) => slice(hour.errors, slots!)),
        writes.map(({ hour, slots }) => slice(hour.sums, slots!)),
        writes.map(({ hour, slots }) => slice(hour.squares, slots!)),
      ],
    )) as [unknown, number];
    // TypeORM answers a PostgreSQL UPDATE as [rows, affected count]
    return result[1];
  }

  /** Upserts whole hour rows (PostgreSQL: as arrays, unnested; SQLite: batches of VALUES). */
  private async upsertWholeRows(runner: QueryRunner, hours: readonly SeriesHour[]): Promise<void> {
    const columns =
      'series_key, hour_start, component_type, component_id, pattern_id, operation, counts, errors, sums, squares';
    const onConflict = `ON CONFLICT (series_key, hour_start) DO UPDATE
           SET counts = excluded.counts, errors = excluded.errors, sums = excluded.sums, squares = excluded.squares`;
    const postgres = this.dialect === 'postgres';
    const perStatement = postgres ? UNNESTED_ROWS_PER_INSERT : HOUR_ROWS_PER_INSERT;
    for (let offset = 0; offset < hours.length; offset += perStatement) {
      const batch = hours.slice(offset, offset + perStatement);
      if (postgres) {
        const array = (values: number[] | null) => values && arrayText(values);
        await runner.query(
          `INSERT INTO debug_insight_series_hours (${columns})
           SELECT k, h, ct, ci, p, o, c::float8[], e::float8[], s::float8[], q::float8[]
             FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::text[], $8::text[], $9::text[], $10::text[]) AS u(k, h, ct, ci, p, o, c, e, s, q)
           ${onConflict}`,
          [
            batch.map((hour) => hour.key),
            batch.map((hour) => new Date(hour.hourStart).toISOString()),
            batch.map((hour) => hour.componentType),
            batch.map((hour) => hour.componentId),
            batch.map((hour) => hour.patternId),
            batch.map((hour) => hour.operation),
            batch.map((hour) => array(hour.counts)),
            batch.map((hour) => array(hour.errors)),
            batch.map((hour) => array(hour.sums)),
            batch.map((hour) => array(hour.squares)),
          ],
        );
        continue;
      }
      const sql = new SqlBuilder(this.dialect);
      const json = (values: number[] | null) => values && JSON.stringify(values);
      const values = batch
        .map(
          (hour) =>
            `(${[
              sql.p(hour.key),
              sql.time(new Date(hour.hourStart)),
              sql.p(hour.componentType),
              sql.p(hour.componentId),
              sql.p(hour.patternId),
              sql.p(hour.operation),
              sql.p(json(hour.counts)),
              sql.p(json(hour.errors)),
              sql.p(json(hour.sums)),
              sql.p(json(hour.squares)),
            ].join(', ')})`,
        )
        .join(', ');
      await runner.query(
        `INSERT INTO debug_insight_series_hours (${columns}) VALUES ${values} ${onConflict}`,
        sql.params,
      );
    }
  }

  /**
   * The stored hour rows of the hours of [from, to), as copies the caller may change: from this
   * call's earlier ranges, from the readers' memory when it holds the hour at its version in the
   * database (normally what the last refresh here wrote), or from the database.
   */
  private async storedHours(
    runner: QueryRunner,
    pending: ReadonlyMap<number, WrittenRollupHour>,
    from: Date,
    to: Date,
  ): Promise<{ rows: SeriesHour[]; versions: Map<number, string> }> {
    const versions = await readHourVersions(runner, this.dialect, from, to);
    const rows: SeriesHour[] = [];
    const unknown: number[] = [];
    for (let hour = floorHour(from).getTime(); hour < to.getTime(); hour += HOUR_MS) {
      const known =
        pending.get(hour)?.series ?? (await this.hourCache.seriesAt(hour, versions.get(hour)));
      if (known) rows.push(...known.map(copyOf));
      else unknown.push(hour);
    }
    for (const hour of unknown) {
      const next = new Date(hour + HOUR_MS);
      rows.push(...(await readSeriesHours(runner, this.dialect, null, new Date(hour), next)));
    }
    return { rows, versions };
  }

  /**
   * Per series and hour of [from, to): the non-empty minutes as [minute of the hour, values…]
   * (`kind` column). A refresh's few minutes take one pass over the events for the three kinds;
   * a longer range one pass per kind (the combined grouping would hold about a group per event).
   */
  private async minuteAggregates(
    runner: QueryRunner,
    from: Date,
    to: Date,
    withChains = false,
  ): Promise<Row[]> {
    if (to.getTime() - from.getTime() > COMBINED_PASS_MAX_MS) {
      const rows: Row[] = [];
      for (const kind of ['component', 'pattern', 'duration'] as const) {
        rows.push(...(await this.minuteAggregatesOf(runner, kind, from, to)));
      }
      return rows;
    }
    const sql = new SqlBuilder(this.dialect);
    const postgres = this.dialect === 'postgres';
    const minute = minuteIndex(this.dialect, '"timestamp"');
    const minutes = (tuple: string) =>
      postgres ? `json_agg(json_build_array(${tuple}))` : `json_group_array(json_array(${tuple}))`;
    // placeholders in the order they appear in the text (SQLite binds by position)
    const isError = `CASE WHEN ${errorEventSql()} THEN 1 ELSE 0 END`;
    const where = `"timestamp" >= ${sql.time(from)} AND "timestamp" < ${sql.time(to)}`;
    // The minutes' events are read once (materialized on PostgreSQL), with the chains too when
    // asked (PostgreSQL only: a data-modifying WITH). Each kind groups them directly: a grouping by
    // component, pattern and operation together first would leave about one group per event.
    const chainColumns = withChains
      ? `, correlation_id, "timestamp", id, CASE WHEN correlation_id IS NOT NULL THEN ${phaseOf(sql, { tails: true })} END AS phase,
         CASE WHEN correlation_id IS NOT NULL THEN ${chainKindSql(this.dialect)} END AS kind,
         ${kindAtSql(this.dialect)} AS kind_at`
      : '';
    // the phase reads the ends of operation and message, taken once per event below (OFFSET 0:
    // not flattened into the references, which would take them once per test)
    const events = withChains
      ? `(SELECT *, ${conventionTailsSql(this.dialect)} FROM debug_events WHERE ${where} OFFSET 0) AS events`
      : `debug_events WHERE ${where}`;
    const chains = withChains
      ? `chains AS (${this.chainInsert(sql)} FROM raw WHERE correlation_id IS NOT NULL
                     GROUP BY ${minuteOf(this.dialect, '"timestamp"')}, correlation_id RETURNING 1),`
      : '';
    return runner.query(
      `WITH raw AS ${postgres ? 'MATERIALIZED ' : ''}(
         SELECT component_type, component_id, pattern_id, operation, ${minute} AS m, duration_ms, ${isError} AS is_error${chainColumns}
           FROM ${events}),
       ${chains}
       per_component AS (
         SELECT component_type, component_id, m, count(*) AS a, sum(is_error) AS b FROM raw GROUP BY component_type, component_id, m),
       per_pattern AS (
         SELECT pattern_id, m, count(*) AS a, sum(is_error) AS b FROM raw WHERE pattern_id IS NOT NULL GROUP BY pattern_id, m),
       per_operation AS (
         SELECT component_type, component_id, operation, m, count(*) AS a, sum(duration_ms) AS b, sum(duration_ms * duration_ms) AS c
           FROM raw WHERE operation IS NOT NULL AND duration_ms IS NOT NULL GROUP BY component_type, component_id, operation, m)
       SELECT 'component' AS kind, component_type, component_id, NULL AS pattern_id, NULL AS operation, m / 60 AS hour,
              ${minutes('m % 60, a, b')} AS minutes
         FROM per_component GROUP BY component_type, component_id, m / 60
       UNION ALL
       SELECT 'pattern', NULL, NULL, pattern_id, NULL, m / 60, ${minutes('m % 60, a, b')}
         FROM per_pattern GROUP BY pattern_id, m / 60
       UNION ALL
       SELECT 'duration', component_type, component_id, NULL, operation, m / 60, ${minutes('m % 60, a, b, c')}
         FROM per_operation GROUP BY component_type, component_id, operation, m / 60`,
      sql.params,
    );
  }

  private async minuteAggregatesOf(
    runner: QueryRunner,
    kind: SeriesKind,
    from: Date,
    to: Date,
  ): Promise<Row[]> {
    const sql = new SqlBuilder(this.dialect);
    const postgres = this.dialect === 'postgres';
    const minute = minuteIndex(this.dialect, '"timestamp"');
    const identity = {
      component: ['component_type', 'component_id'],
      pattern: ['pattern_id'],
      duration: ['component_type', 'component_id', 'operation'],
    }[kind];
    // placeholders in the order they appear in the text (SQLite binds by position)
    const values =
      kind === 'duration'
        ? ['count(*) AS a', 'sum(duration_ms) AS b', 'sum(duration_ms * duration_ms) AS c']
        : ['count(*) AS a', `sum(CASE WHEN ${errorEventSql()} THEN 1 ELSE 0 END) AS b`];
    const filter = {
      component: '',
      pattern: ' AND pattern_id IS NOT NULL',
      duration: ' AND duration_ms IS NOT NULL AND operation IS NOT NULL',
    }[kind];
    const where = `"timestamp" >= ${sql.time(from)} AND "timestamp" < ${sql.time(to)}${filter}`;
    const tuple = kind === 'duration' ? 'm % 60, a, b, c' : 'm % 60, a, b';
    const minutes = postgres
      ? `json_agg(json_build_array(${tuple}))`
      : `json_group_array(json_array(${tuple}))`;
    const columns = identity.join(', ');
    return runner.query(
      `SELECT '${kind}' AS kind, ${columns}, m / 60 AS hour, ${minutes} AS minutes
         FROM (SELECT ${columns}, ${minute} AS m, ${values.join(', ')}
                 FROM debug_events WHERE ${where}
                GROUP BY ${columns}, m) AS per_minute
        GROUP BY ${columns}, m / 60`,
      sql.params,
    );
  }

  private async clear(runner: QueryRunner): Promise<void> {
    for (const table of [
      'debug_insight_series_hours',
      'debug_insight_error_minutes',
      'debug_insight_chain_minutes',
      'debug_insight_hour_versions',
    ]) {
      await runner.query(`DELETE FROM ${table}`);
    }
  }

  private async deleteBefore(runner: QueryRunner, before: Date): Promise<void> {
    for (const [table, column] of [
      ['debug_insight_series_hours', 'hour_start'],
      ['debug_insight_error_minutes', 'bucket_start'],
      ['debug_insight_chain_minutes', 'bucket_start'],
      ['debug_insight_hour_versions', 'hour_start'],
    ]) {
      const sql = new SqlBuilder(this.dialect);
      await runner.query(`DELETE FROM ${table} WHERE ${column} < ${sql.time(before)}`, sql.params);
    }
  }

  /** The minutes the ingest write path marked late since the last refresh (taken: a rollback puts them back). */
  private async takeLateMinutes(runner: QueryRunner): Promise<number[]> {
    const result: unknown[] = await runner.query(
      'DELETE FROM debug_insight_late_minutes RETURNING bucket_start',
    );
    // TypeORM answers a PostgreSQL DELETE as [rows, affected count], an SQLite one as the rows
    const rows = (this.dialect === 'postgres' ? result[0] : result) as Row[];
    return rows.map((row) => toDate(row.bucket_start).getTime());
  }

  private async writeState(runner: QueryRunner, state: RollupState): Promise<void> {
    const sql = new SqlBuilder(this.dialect);
    const from = sql.time(state.from);
    const until = sql.time(state.until);
    await runner.query(
      `INSERT INTO debug_insight_rollup_state (id, rolled_from, rolled_until) VALUES (1, ${from}, ${until})
       ON CONFLICT (id) DO UPDATE SET rolled_from = excluded.rolled_from, rolled_until = excluded.rolled_until`,
      sql.params,
    );
  }
}

function identityOf(
  kind: SeriesKind,
  row: Row,
): Pick<SeriesHour, 'key' | 'componentType' | 'componentId' | 'patternId' | 'operation'> {
  if (kind === 'pattern') {
    const patternId = String(row.pattern_id);
    return {
      key: `pattern:${patternId}`,
      componentType: null,
      componentId: null,
      patternId,
      operation: null,
    };
  }
  const component: ComponentRef = {
    component_type: String(row.component_type),
    component_id: String(row.component_id),
  };
  if (kind === 'component') {
    return {
      key: `component:${component.component_type}/${component.component_id}`,
      componentType: component.component_type,
      componentId: component.component_id,
      patternId: null,
      operation: null,
    };
  }
  const operation = String(row.operation);
  // lengths first: component ids and operations may contain any separator
  const key = `duration:${component.component_type.length}:${component.component_id.length}:${component.component_type}${component.component_id}${operation}`;
  return {
    key,
    componentType: component.component_type,
    componentId: component.component_id,
    patternId: null,
    operation,
  };
}

/** A PostgreSQL array literal of numbers (float8[] input reads NaN and Infinity as JavaScript spells them). */
function arrayText(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

/** An hour row to write: whole (`slots` null: the table does not hold it) or minutes [lo, hi) of it. */
interface HourWrite {
  hour: SeriesHour;
  slots: [number, number] | null;
}

/** The values of minutes [lo, hi) of an hour row. */
interface RangeValues {
  counts: number[];
  errors: number[] | null;
  sums: number[] | null;
  squares: number[] | null;
}

function rangeValues(hour: SeriesHour, lo: number, hi: number): RangeValues {
  return {
    counts: hour.counts.slice(lo, hi),
    errors: hour.errors && hour.errors.slice(lo, hi),
    sums: hour.sums && hour.sums.slice(lo, hi),
    squares: hour.squares && hour.squares.slice(lo, hi),
  };
}

/**
 * Whether an hour row's minutes changed (durations within SUM_TOLERANCE and SQUARE_TOLERANCE).
 */
function rangeChanged(previous: RangeValues, next: RangeValues): boolean {
  const differs = (a: number[] | null, b: number[] | null, tolerance: number) =>
    a === null || b === null
      ? a !== b
      : a.some((value, index) => Math.abs(value - b[index]) > tolerance);
  return (
    differs(previous.counts, next.counts, 0) ||
    differs(previous.errors, next.errors, 0) ||
    differs(previous.sums, next.sums, SUM_TOLERANCE) ||
    differs(previous.squares, next.squares, SQUARE_TOLERANCE)
  );
}

function copyOf(hour: SeriesHour): SeriesHour {
  return {
    ...hour,
    counts: [...hour.counts],
    errors: hour.errors && [...hour.errors],
    sums: hour.sums && [...hour.sums],
    squares: hour.squares && [...hour.squares],
  };
}

function hourKey(hour: SeriesHour): string {
  return `${hour.key}\u0000${hour.hourStart}`;
}

/** Sorted, with overlapping or touching ranges joined. */
function coalesce(ranges: readonly [number, number][]): [number, number][] {
  const joined: [number, number][] = [];
  for (const [from, to] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = joined[joined.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else joined.push([from, to]);
  }
  return joined;
}
