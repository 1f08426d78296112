import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DebugEventRecord } from '../../common/debug-event.js';
import type { EventFilter, EventPageRequest } from '../events-query.types.js';
import {
  eventConditions,
  eventWhere,
  type EventFilter as SqlEventFilter,
} from '../../database/sql/event-filter.js';
import { errorEventSql } from '../../common/debug-event.js';
import type { HistogramGrid } from '../histogram-grid.js';
import { eventColumns, toEventRecord } from '../../database/sql/event-row.js';
import { SqlBuilder } from '../../database/sql/statement.js';
import { type Row, toNumber } from '../../database/sql/row-values.js';

const SELECT_LIST = eventColumns('e.');

/** Reads of debug_events in the warm store (PostgreSQL partitions or the SQLite table). */
@Injectable()
export class EventQueryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get postgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /** By id; `day` (from a UUIDv7) lets PostgreSQL look in one partition first. */
  async findById(id: string, around: Date | null): Promise<DebugEventRecord | null> {
    if (this.postgres) {
      if (around) {
        // The id's time is usually the event's time; a day either side covers clock skew.
        const rows = (await this.dataSource.query(
          `SELECT ${SELECT_LIST} FROM debug_events e WHERE e.id = $1 AND e."timestamp" >= $2 AND e."timestamp" < $3 LIMIT 1`,
          [
            id,
            new Date(around.getTime() - 86_400_000).toISOString(),
            new Date(around.getTime() + 86_400_000).toISOString(),
          ],
        )) as Row[];
        if (rows[0]) return toEventRecord(rows[0]);
      }
      const rows = (await this.dataSource.query(
        `SELECT ${SELECT_LIST} FROM debug_events e WHERE e.id = $1 LIMIT 1`,
        [id],
      )) as Row[];
      return rows[0] ? toEventRecord(rows[0]) : null;
    }
    const rows = (await this.dataSource.query(
      `SELECT ${SELECT_LIST} FROM debug_events e WHERE e.id = ? LIMIT 1`,
      [id],
    )) as Row[];
    return rows[0] ? toEventRecord(rows[0]) : null;
  }

  /** One page in (timestamp, id) order after `page.after`, at most `take` rows. */
  async list(
    filter: EventFilter,
    page: EventPageRequest,
    take: number,
  ): Promise<DebugEventRecord[]> {
    const sql = new SqlBuilder(this.postgres ? 'postgres' : 'sqlite');
    const conditions = eventConditions(sqlFilterOf(filter), sql);
    if (page.after) {
      const comparison = page.order === 'asc' ? '>' : '<';
      // Placeholders in text order: SQLite's `?` are positional.
      const at = sql.time(new Date(page.after.timestamp));
      const id = this.postgres ? `${sql.p(page.after.id)}::uuid` : sql.p(page.after.id);
      conditions.push(
        `(e."timestamp", e.id) ${comparison} (${this.postgres ? `${at}::timestamptz` : at}, ${id})`,
      );
    }
    const direction = page.order === 'asc' ? 'ASC' : 'DESC';
    const rows = (await this.dataSource.query(
      `SELECT ${SELECT_LIST} FROM debug_events e
        ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY e."timestamp" ${direction}, e.id ${direction}
        LIMIT ${Math.trunc(take)}`,
      sql.params,
    )) as Row[];
    return rows.map(toEventRecord);
  }

  /**
   * Events and errors per bucket of `grid` (buckets without events left out). Bucket k holds the
   * times in [origin + k·step, origin + (k+1)·step): the time is rounded to the millisecond first,
   * as events are stored, so that the floating-point epoch of a time on a boundary does not fall
   * into the bucket before it.
   */
  async bucketCounts(
    filter: EventFilter,
    grid: HistogramGrid,
  ): Promise<{ bucket: number; count: number; errors: number }[]> {
    const sql = new SqlBuilder(this.postgres ? 'postgres' : 'sqlite');
    const epochMs = `round(${sql.epochMs('e."timestamp"')})`;
    // Placeholders in text order: SQLite's `?` are positional.
    const bucket = this.postgres
      ? `floor((${epochMs} - ${sql.p(grid.originMs)}::float8) / ${sql.p(grid.stepMs)}::float8)::bigint`
      : `((CAST(${epochMs} AS INTEGER) - CAST(${sql.p(grid.originMs)} AS INTEGER)) / CAST(${sql.p(grid.stepMs)} AS INTEGER))`;
    const where = eventWhere(sqlFilterOf(filter), sql);
    const rows = (await this.dataSource.query(
      `SELECT ${bucket} AS bucket, count(*) AS n,
              sum(CASE WHEN ${errorEventSql('e.')} THEN 1 ELSE 0 END) AS errors
         FROM debug_events e WHERE ${where}
        GROUP BY 1`,
      sql.params,
    )) as Row[];
    return rows.map((row) => ({
      bucket: toNumber(row.bucket),
      count: toNumber(row.n),
      errors: toNumber(row.errors),
    }));
  }

  /** Which of `ids` the warm store holds; `from`/`to` bound their times (PostgreSQL then reads only those partitions). */
  async existingIds(ids: readonly string[], from: Date, to: Date): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const sql = new SqlBuilder(this.postgres ? 'postgres' : 'sqlite');
    const text = this.postgres
      ? `SELECT e.id::text AS id FROM debug_events e
          WHERE e.id = ANY(${sql.p(ids)}::uuid[]) AND e."timestamp" >= ${sql.time(from)} AND e."timestamp" <= ${sql.time(to)}`
      : `SELECT e.id AS id FROM debug_events e WHERE e.id IN ${sql.list(ids)}`;
    const rows = (await this.dataSource.query(text, sql.params)) as Row[];
    return new Set(rows.map((row) => String(row.id)));
  }
}

/** The events list's filter as the shared event-filter compiler takes it (`to` inclusive). */
function sqlFilterOf(filter: EventFilter): SqlEventFilter {
  return {
    from: filter.from,
    until: filter.to,
    componentType: filter.component_type,
    componentId: filter.component_id,
    components: filter.components,
    eventTypes: filter.event_type === undefined ? undefined : [filter.event_type],
    levels: filter.level === undefined ? undefined : [filter.level],
    operations: filter.operation === undefined ? undefined : [filter.operation],
    correlationIds: filter.correlation_id === undefined ? undefined : [filter.correlation_id],
    sessionId: filter.session_id,
    patternIds: filter.pattern_ids,
    text: filter.text,
  };
}
