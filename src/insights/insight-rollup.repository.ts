import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type QueryRunner } from 'typeorm';
import { ERROR_LEVELS, type BucketGrid, type BucketSeries } from './insight-aggregates.repository.js';
import { type Dialect, SqlBuilder, toDate, toNumber } from './sql-builder.js';

const MINUTE_MS = 60_000;
/** Minutes re-aggregated at every refresh, for events that arrive a little late. */
export const ROLLUP_OVERLAP_MS = 5 * MINUTE_MS;
/** Rollups older than this are deleted. */
export const ROLLUP_RETENTION_MS = 8 * 24 * 3_600_000;

interface RollupState {
  from: Date;
  until: Date;
}

/**
 * debug_insight_rollups: events and errors per minute per component and per pattern. Insight
 * generation refreshes them before reading baselines: only the minutes since the last refresh
 * (plus a 5-minute overlap for late events) are aggregated from debug_events, so a run reads
 * minutes of raw events and hours of rollups. Events that arrive more than 5 minutes after
 * their rollup minute was aggregated are not counted in the rollups (docs/insights.md).
 */
@Injectable()
export class InsightRollupRepository {
  private readonly logger = new Logger(InsightRollupRepository.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  get dialect(): Dialect {
    return this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  /** Makes the rollups complete over [from, to): aggregates whatever part is missing. */
  async ensure(from: Date, to: Date): Promise<{ aggregated: { from: string; to: string }[] }> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const aggregated: { from: string; to: string }[] = [];
    try {
      await runner.startTransaction();
      if (this.dialect === 'postgres') await runner.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['ads:insight-rollups']);
      const state = await this.readState(runner);
      const start = floorMinute(from);
      const ranges: [Date, Date][] = [];
      if (!state || state.until.getTime() < start.getTime() || state.from.getTime() > to.getTime()) {
        ranges.push([start, to]);
      } else {
        if (start.getTime() < state.from.getTime()) ranges.push([start, state.from]);
        if (to.getTime() > state.until.getTime()) ranges.push([floorMinute(new Date(state.until.getTime() - ROLLUP_OVERLAP_MS)), to]);
      }
      for (const [rangeFrom, rangeTo] of ranges) {
        await this.aggregate(runner, rangeFrom, rangeTo);
        aggregated.push({ from: rangeFrom.toISOString(), to: rangeTo.toISOString() });
      }
      if (ranges.length > 0) {
        const disjoint = !state || state.until.getTime() < start.getTime() || state.from.getTime() > to.getTime();
        const next: RollupState = disjoint
          ? { from: start, until: to }
          : {
              from: new Date(Math.min(state.from.getTime(), start.getTime())),
              until: new Date(Math.max(state.until.getTime(), to.getTime())),
            };
        await this.writeState(runner, next);
        const sql = new SqlBuilder(this.dialect);
        await runner.query(
          `DELETE FROM debug_insight_rollups WHERE bucket_start < ${sql.time(new Date(next.until.getTime() - ROLLUP_RETENTION_MS))}`,
          sql.params,
        );
      }
      await runner.commitTransaction();
      // planner statistics after a large build (the first run, or after a long pause): without them
      // PostgreSQL reads the rollups through the primary key and sorts, several times slower
      const rolledMs = ranges.reduce((sum, [rangeFrom, rangeTo]) => sum + rangeTo.getTime() - rangeFrom.getTime(), 0);
      if (rolledMs > 30 * MINUTE_MS && this.dialect === 'postgres') await runner.query('ANALYZE debug_insight_rollups');
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
    if (aggregated.length > 0) this.logger.debug(`rolled up ${aggregated.map((range) => `${range.from} – ${range.to}`).join(', ')}`);
    return { aggregated };
  }

  async componentSeries(grid: BucketGrid): Promise<BucketSeries[]> {
    return this.series(grid, 'component');
  }

  async patternSeries(grid: BucketGrid): Promise<BucketSeries[]> {
    return this.series(grid, 'pattern');
  }

  private async series(grid: BucketGrid, kind: 'component' | 'pattern'): Promise<BucketSeries[]> {
    const sql = new SqlBuilder(this.dialect);
    const bucket = sql.bucketBack('bucket_start', grid.to, grid.bucketMs);
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT series_key, min(component_type) AS component_type, min(component_id) AS component_id, min(pattern_id) AS pattern_id,
              ${bucket} AS b, sum(events) AS n, sum(errors) AS errors, max(last_at) AS last_at
         FROM debug_insight_rollups
        WHERE bucket_start >= ${sql.time(grid.origin)} AND bucket_start < ${sql.time(grid.to)}
          AND series_key >= ${sql.p(`${kind}:`)} AND series_key < ${sql.p(`${kind};`)}
        GROUP BY series_key, b`,
      sql.params,
    );
    const total = grid.windowBuckets + grid.baselineBuckets;
    const byKey = new Map<string, BucketSeries>();
    for (const row of rows) {
      const back = toNumber(row.b);
      if (back < 0 || back >= total) continue;
      const key = String(row.series_key);
      let series = byKey.get(key);
      if (!series) {
        series = {
          key,
          ...(kind === 'component'
            ? { component: { component_type: String(row.component_type), component_id: String(row.component_id) } }
            : { patternId: String(row.pattern_id) }),
          counts: new Array(total).fill(0),
          errors: new Array(total).fill(0),
          lastAt: null,
        };
        byKey.set(key, series);
      }
      const index = total - 1 - back;
      series.counts[index] += toNumber(row.n);
      series.errors[index] += toNumber(row.errors);
      const lastAt = toDate(row.last_at);
      if (!series.lastAt || lastAt > series.lastAt) series.lastAt = lastAt;
    }
    return [...byKey.values()];
  }

  private async aggregate(runner: QueryRunner, from: Date, to: Date): Promise<void> {
    const clear = new SqlBuilder(this.dialect);
    await runner.query(
      `DELETE FROM debug_insight_rollups WHERE bucket_start >= ${clear.time(from)} AND bucket_start < ${clear.time(to)}`,
      clear.params,
    );
    for (const kind of ['component', 'pattern'] as const) {
      const sql = new SqlBuilder(this.dialect);
      const minute = this.dialect === 'postgres' ? `date_trunc('minute', "timestamp")` : `strftime('%Y-%m-%d %H:%M:00.000', "timestamp")`;
      const errors = `level IN (${ERROR_LEVELS.map((level) => sql.p(level)).join(', ')})`;
      const key =
        kind === 'component' ? `'component:' || component_type || '/' || component_id` : `'pattern:' || pattern_id`;
      const columns = kind === 'component' ? 'component_type, component_id, NULL' : 'NULL, NULL, pattern_id';
      const group = kind === 'component' ? 'component_type, component_id' : 'pattern_id';
      await runner.query(
        `INSERT INTO debug_insight_rollups (series_key, bucket_start, component_type, component_id, pattern_id, events, errors, last_at)
         SELECT ${key}, ${minute}, ${columns}, count(*), sum(CASE WHEN ${errors} THEN 1 ELSE 0 END), max("timestamp")
           FROM debug_events
          WHERE "timestamp" >= ${sql.time(from)} AND "timestamp" < ${sql.time(to)}${kind === 'pattern' ? ' AND pattern_id IS NOT NULL' : ''}
          GROUP BY ${group}, ${minute}`,
        sql.params,
      );
    }
  }

  private async readState(runner: QueryRunner): Promise<RollupState | null> {
    const rows: Record<string, unknown>[] = await runner.query(
      `SELECT (SELECT min(bucket_start) FROM debug_insight_rollups) AS rolled_from, rolled_until FROM debug_insight_rollup_state WHERE id = 1`,
    );
    if (rows.length === 0) return null;
    const until = toDate(rows[0].rolled_until);
    const from = rows[0].rolled_from == null ? until : toDate(rows[0].rolled_from);
    return { from, until };
  }

  private async writeState(runner: QueryRunner, state: RollupState): Promise<void> {
    const sql = new SqlBuilder(this.dialect);
    const until = sql.time(state.until);
    await runner.query(
      `INSERT INTO debug_insight_rollup_state (id, rolled_until) VALUES (1, ${until})
       ON CONFLICT (id) DO UPDATE SET rolled_until = excluded.rolled_until`,
      sql.params,
    );
  }
}

function floorMinute(value: Date): Date {
  return new Date(Math.floor(value.getTime() / MINUTE_MS) * MINUTE_MS);
}
