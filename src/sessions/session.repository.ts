import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { errorEventSql, WARNING_AND_ABOVE } from '../common/debug-event.js';
import { DebugSessionEntity } from '../database/entities/debug-session.entity.js';
import type {
  SessionFilters,
  SessionTimelineBucket,
  SessionTimelineEvent,
  SessionView,
} from './session.types.js';
import { toIso, toJson, toNullableDate, toNumber } from '../database/sql/row-values.js';
import type { Dialect } from '../database/sql/dialect.js';
import { eventConditions } from '../database/sql/event-filter.js';
import { SqlRunner, type SqlParams } from '../database/sql/sql-runner.js';
import { NamedParams } from '../database/sql/statement.js';

export interface SessionWindow {
  from: Date | null;
  to: Date | null;
}

/** debug_sessions rows, and the reads a session's detail needs from events and insights. */
@Injectable()
export class SessionRepository {
  private readonly sql: SqlRunner;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.sql = new SqlRunner(dataSource);
  }

  async insert(session: SessionView): Promise<void> {
    await this.sql.rows(
      `INSERT INTO debug_sessions (id, name, description, status, filters, created_by, created_at)
       VALUES (:id, :name, :description, :status, :filters, :createdBy, :createdAt)`,
      {
        id: session.id,
        name: session.name,
        description: session.description,
        status: session.status,
        filters: JSON.stringify(session.filters),
        createdBy: session.created_by,
        createdAt: new Date(session.created_at),
      },
    );
  }

  async find(id: string): Promise<SessionView | null> {
    const row = await this.dataSource.getRepository(DebugSessionEntity).findOneBy({ id });
    return row ? toView(row) : null;
  }

  async list(options: { status?: string; limit: number; before?: Date }): Promise<SessionView[]> {
    const query = this.dataSource
      .getRepository(DebugSessionEntity)
      .createQueryBuilder('s')
      .orderBy('s.created_at', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .limit(options.limit);
    if (options.status) query.andWhere('s.status = :status', { status: options.status });
    if (options.before) query.andWhere('s.created_at < :before', { before: options.before });
    return (await query.getMany()).map(toView);
  }

  /** Closes an active session; false when it was not active. */
  async close(id: string, summary: string | null, at: Date): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(DebugSessionEntity)
      .createQueryBuilder()
      .update()
      .set({ status: 'closed', closedAt: at, summary })
      .where('id = :id AND status = :active', { id, active: 'active' })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async countEvents(
    sessionId: string,
    filters: SessionFilters,
    window: SessionWindow,
    cap: number,
  ): Promise<number> {
    const { where, params } = eventMatch(this.sql.dialect, sessionId, filters, window);
    const row = await this.sql.one<{ n: unknown }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM debug_events e WHERE ${where} LIMIT :cap) capped`,
      { ...params, cap },
    );
    return toNumber(row?.n);
  }

  async timeline(
    sessionId: string,
    filters: SessionFilters,
    window: SessionWindow,
    bucketSeconds: number,
    notableLimit: number,
  ): Promise<{ buckets: SessionTimelineBucket[]; notable: SessionTimelineEvent[] }> {
    const { where, params } = eventMatch(this.sql.dialect, sessionId, filters, window);
    const bucketExpression = this.sql.isPostgres
      ? `floor(extract(epoch FROM e."timestamp") / :bucket)`
      : `CAST((julianday(e."timestamp") - 2440587.5) * 86400 / :bucket AS integer)`;
    const buckets = await this.sql.rows<{ bucket: unknown; events: unknown; errors: unknown }>(
      `SELECT ${bucketExpression} AS bucket, count(*) AS events,
              count(*) FILTER (WHERE ${errorEventSql('e.')}) AS errors
         FROM debug_events e WHERE ${where}
        GROUP BY 1 ORDER BY 1 LIMIT 500`,
      { ...params, bucket: bucketSeconds },
    );
    const notable = await this.sql.rows<Record<string, unknown>>(
      `SELECT e.id, e."timestamp", e.level, e.event_type, e.component_type, e.component_id, e.correlation_id, e.message
         FROM debug_events e
        WHERE ${where} AND (e.level IN (:...notableLevels) OR e.event_type IN (:...notableTypes))
        ORDER BY e."timestamp" DESC LIMIT :notableLimit`,
      {
        ...params,
        notableLevels: WARNING_AND_ABOVE,
        notableTypes: ['error', 'lifecycle', 'state_change'],
        notableLimit,
      },
    );
    return {
      buckets: buckets.map((row) => ({
        start: new Date(toNumber(row.bucket) * bucketSeconds * 1000).toISOString(),
        events: toNumber(row.events),
        errors: toNumber(row.errors),
      })),
      notable: notable.reverse().map((row) => ({
        id: String(row.id),
        timestamp: toIso(row.timestamp)!,
        level: String(row.level),
        event_type: String(row.event_type),
        component_type: String(row.component_type),
        component_id: String(row.component_id),
        correlation_id: (row.correlation_id as string | null) ?? null,
        message: String(row.message),
      })),
    };
  }

  /** First and last event time of the session's events (for sessions without an explicit window). */
  async span(
    sessionId: string,
    filters: SessionFilters,
    window: SessionWindow,
  ): Promise<SessionWindow> {
    const { where, params } = eventMatch(this.sql.dialect, sessionId, filters, window);
    const row = await this.sql.one<{ first: unknown; last: unknown }>(
      `SELECT min(e."timestamp") AS first, max(e."timestamp") AS last FROM debug_events e WHERE ${where}`,
      params,
    );
    return { from: toNullableDate(row?.first), to: toNullableDate(row?.last) };
  }
}

/** SQL that matches the events of a session: its own id, or all of its filters within its window. */
function eventMatch(
  dialect: Dialect,
  sessionId: string,
  filters: SessionFilters,
  window: SessionWindow,
): { where: string; params: SqlParams } {
  const bind = new NamedParams(dialect);
  const own = `e.session_id = ${bind.p(sessionId)}`;
  const components = filters.components ?? [];
  const matching = eventConditions(
    {
      componentNames: components.filter((selector) => !selector.includes('/')),
      components: components
        .filter((selector) => selector.includes('/'))
        .map((pair) => ({
          component_type: pair.slice(0, pair.indexOf('/')),
          component_id: pair.slice(pair.indexOf('/') + 1),
        })),
      correlationIds: filters.correlation_ids,
      levels: filters.levels,
      eventTypes: filters.event_types,
    },
    bind,
  );
  const matched = matching.length > 0 ? `(${own} OR (${matching.join(' AND ')}))` : own;
  const windowTerms = eventConditions(
    { from: window.from ?? undefined, until: window.to ?? undefined },
    bind,
  );
  return { where: [matched, ...windowTerms].join(' AND '), params: bind.params };
}

function toView(row: DebugSessionEntity): SessionView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status: row.status === 'closed' ? 'closed' : 'active',
    filters: toJson<SessionFilters>(row.filters, {}),
    created_by: row.createdBy,
    created_at: toIso(row.createdAt)!,
    closed_at: toIso(row.closedAt),
    summary: row.summary,
  };
}
