import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DebugEventRecord } from '../../common/debug-event.js';
import type { EventFilter, EventPageRequest } from '../events-query.types.js';
import { EVENT_COLUMNS, type Row, sqliteTime, toEventRecord } from './row-mappers.js';

const SELECT_LIST = EVENT_COLUMNS.map((column) => `e."${column}"`).join(', ');

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
          [id, new Date(around.getTime() - 86_400_000).toISOString(), new Date(around.getTime() + 86_400_000).toISOString()],
        )) as Row[];
        if (rows[0]) return toEventRecord(rows[0]);
      }
      const rows = (await this.dataSource.query(`SELECT ${SELECT_LIST} FROM debug_events e WHERE e.id = $1 LIMIT 1`, [
        id,
      ])) as Row[];
      return rows[0] ? toEventRecord(rows[0]) : null;
    }
    const rows = (await this.dataSource.query(`SELECT ${SELECT_LIST} FROM debug_events e WHERE e.id = ? LIMIT 1`, [id])) as Row[];
    return rows[0] ? toEventRecord(rows[0]) : null;
  }

  /** One page in (timestamp, id) order after `page.after`, at most `take` rows. */
  async list(filter: EventFilter, page: EventPageRequest, take: number): Promise<DebugEventRecord[]> {
    const conditions: string[] = [];
    const parameters: unknown[] = [];
    const parameter = (value: unknown): string => {
      parameters.push(value);
      return this.postgres ? `$${parameters.length}` : '?';
    };
    const time = (at: Date | string): string => {
      const date = typeof at === 'string' ? new Date(at) : at;
      return this.postgres ? `${parameter(date.toISOString())}::timestamptz` : parameter(sqliteTime(date));
    };
    if (filter.from) conditions.push(`e."timestamp" >= ${time(filter.from)}`);
    if (filter.to) conditions.push(`e."timestamp" <= ${time(filter.to)}`);
    for (const column of ['component_type', 'component_id', 'event_type', 'level', 'correlation_id', 'session_id'] as const) {
      const value = filter[column];
      if (value !== undefined) conditions.push(`e.${column} = ${parameter(value)}`);
    }
    if (filter.pattern_ids) conditions.push(`e.pattern_id IN (${filter.pattern_ids.map((id) => parameter(id)).join(', ')})`);
    if (filter.text) {
      const pattern = `%${filter.text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      conditions.push(`e.message ${this.postgres ? 'ILIKE' : 'LIKE'} ${parameter(pattern)} ESCAPE '\\'`);
    }
    const comparison = page.order === 'asc' ? '>' : '<';
    if (page.after) {
      // Placeholders in text order: SQLite's `?` are positional.
      const at = time(page.after.timestamp);
      const id = this.postgres ? `${parameter(page.after.id)}::uuid` : parameter(page.after.id);
      conditions.push(`(e."timestamp", e.id) ${comparison} (${at}, ${id})`);
    }
    const direction = page.order === 'asc' ? 'ASC' : 'DESC';
    const rows = (await this.dataSource.query(
      `SELECT ${SELECT_LIST} FROM debug_events e
        ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY e."timestamp" ${direction}, e.id ${direction}
        LIMIT ${Math.trunc(take)}`,
      parameters,
    )) as Row[];
    return rows.map(toEventRecord);
  }
}
