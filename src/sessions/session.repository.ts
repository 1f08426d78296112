import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { errorEventSql, WARNING_AND_ABOVE } from '../common/debug-event.js';
import { SqlRunner, toDate, toIso, toJson, toNumber, type SqlParams } from '../common/sql/sql-runner.js';
import { DebugSessionEntity } from '../database/entities/debug-session.entity.js';
import type {
  SessionFilters,
  SessionInsightRef,
  SessionTimelineBucket,
  SessionTimelineEvent,
  SessionView,
} from './session.types.js';

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

  async countEvents(sessionId: string, filters: SessionFilters, window: SessionWindow, cap: number): Promise<number> {
    const { where, params } = eventMatch(sessionId, filters, window);
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
    const { where, params } = eventMatch(sessionId, filters, window);
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
  async span(sessionId: string, filters: SessionFilters, window: SessionWindow): Promise<SessionWindow> {
    const { where, params } = eventMatch(sessionId, filters, window);
    const row = await this.sql.one<{ first: unknown; last: unknown }>(
      `SELECT min(e."timestamp") AS first, max(e."timestamp") AS last FROM debug_events e WHERE ${where}`,
      params,
    );
    return { from: toDate(row?.first), to: toDate(row?.last) };
  }

  /** Insights made for this session, or about its components/correlation ids, within its window. */
  async insightsTouching(sessionId: string, filters: SessionFilters, window: SessionWindow, limit: number): Promise<SessionInsightRef[]> {
    const params: SqlParams = { sessionId, limit };
    const touches: string[] = ['i.session_id = :sessionId'];
    const needles = [...(filters.components ?? []).flatMap((selector) => selector.split('/')), ...(filters.correlation_ids ?? [])];
    needles.slice(0, 100).forEach((needle, index) => {
      params[`needle${index}`] = `%"${escapeLike(needle)}"%`;
      touches.push(`CAST(i.affected_components AS text) LIKE :needle${index} ESCAPE '\\' OR CAST(i.evidence AS text) LIKE :needle${index} ESCAPE '\\'`);
    });
    const conditions = [`(${touches.join(' OR ')})`];
    if (window.from) {
      conditions.push('i.last_seen >= :from');
      params.from = window.from;
    }
    if (window.to) {
      conditions.push('i.first_seen <= :to');
      params.to = window.to;
    }
    const rows = await this.sql.rows<Record<string, unknown>>(
      `SELECT i.id, i.insight_type, i.severity, i.title, i.status, i.last_seen FROM debug_insights i
        WHERE ${conditions.join(' AND ')} ORDER BY i.last_seen DESC LIMIT :limit`,
      params,
    );
    return rows.map((row) => ({
      id: String(row.id),
      insight_type: String(row.insight_type),
      severity: String(row.severity),
      title: String(row.title),
      status: String(row.status),
      last_seen: toIso(row.last_seen)!,
    }));
  }
}

function escapeLike(value: string): string {
  return value.replace(/[%_\\]/g, (character) => `\\${character}`);
}

/** SQL that matches the events of a session: its own id, or all of its filters within its window. */
export function eventMatch(sessionId: string, filters: SessionFilters, window: SessionWindow): { where: string; params: SqlParams } {
  const params: SqlParams = { sessionId };
  const parts: string[] = [];
  const components = filters.components ?? [];
  if (components.length > 0) {
    const pairs = components.filter((selector) => selector.includes('/'));
    const names = components.filter((selector) => !selector.includes('/'));
    const alternatives: string[] = [];
    if (names.length > 0) {
      params.componentNames = names;
      alternatives.push('e.component_type IN (:...componentNames) OR e.component_id IN (:...componentNames)');
    }
    pairs.forEach((pair, index) => {
      const slash = pair.indexOf('/');
      params[`pairType${index}`] = pair.slice(0, slash);
      params[`pairId${index}`] = pair.slice(slash + 1);
      alternatives.push(`(e.component_type = :pairType${index} AND e.component_id = :pairId${index})`);
    });
    parts.push(`(${alternatives.join(' OR ')})`);
  }
  if (filters.correlation_ids?.length) {
    params.correlationIds = filters.correlation_ids;
    parts.push('e.correlation_id IN (:...correlationIds)');
  }
  if (filters.levels?.length) {
    params.levels = filters.levels;
    parts.push('e.level IN (:...levels)');
  }
  if (filters.event_types?.length) {
    params.eventTypes = filters.event_types;
    parts.push('e.event_type IN (:...eventTypes)');
  }
  const windowParts: string[] = [];
  if (window.from) {
    params.windowFrom = window.from;
    windowParts.push('e."timestamp" >= :windowFrom');
  }
  if (window.to) {
    params.windowTo = window.to;
    windowParts.push('e."timestamp" <= :windowTo');
  }
  const own = 'e.session_id = :sessionId';
  const matched = parts.length > 0 ? `(${own} OR (${parts.join(' AND ')}))` : own;
  return { where: [matched, ...windowParts].join(' AND '), params };
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
