import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import { newId } from '../common/ids.js';
import { DebugInsightEntity } from '../database/entities/debug-insight.entity.js';
import {
  type InsightFilters,
  type InsightMentions,
  type ScoredDraft,
  SEVERITY_RANK,
  type Severity,
  type UpsertOutcome,
} from './insight.types.js';
import { SEVERITIES } from '../common/debug-event.js';
import { sqliteTime } from '../database/sql/dialect.js';
import { escapeLike } from '../database/sql/statement.js';

/** debug_insights: lookups, the fingerprint upsert with its lifecycle, listing with filters. */
@Injectable()
export class InsightRepository {
  private readonly repository: Repository<DebugInsightEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repository = dataSource.getRepository(DebugInsightEntity);
  }

  private get postgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  private time(value: Date): Date | string {
    return this.postgres ? value : sqliteTime(value);
  }

  findById(id: string): Promise<DebugInsightEntity | null> {
    return this.repository.findOneBy({ id });
  }

  findByFingerprint(fingerprint: string): Promise<DebugInsightEntity | null> {
    return this.repository.findOneBy({ fingerprint });
  }

  /** Stored insights of many fingerprints at once, by fingerprint. */
  async findByFingerprints(
    fingerprints: readonly string[],
  ): Promise<Map<string, DebugInsightEntity>> {
    const found = new Map<string, DebugInsightEntity>();
    for (let offset = 0; offset < fingerprints.length; offset += 500) {
      const chunk = fingerprints.slice(offset, offset + 500);
      const rows = await this.repository
        .createQueryBuilder('insight')
        .where('insight.fingerprint IN (:...chunk)', { chunk })
        .getMany();
      for (const row of rows) found.set(row.fingerprint, row);
    }
    return found;
  }

  /**
   * Stores what a run found under its fingerprint:
   *  - unknown fingerprint → a new open insight ('created');
   *  - open/regressed, with evidence newer than last_seen → occurrences + 1, content refreshed ('updated');
   *  - resolved, with evidence newer than the resolution → reopened as 'regressed';
   *  - otherwise (the same evidence seen again) → 'unchanged'.
   * Every change is one conditional UPDATE, so two runs racing on one fingerprint count once.
   */
  async upsert(
    draft: ScoredDraft,
    sessionId: string | null,
    now: Date,
    /** The stored row of this fingerprint if the caller already looked it up (null: none). */
    known?: DebugInsightEntity | null,
  ): Promise<{ outcome: UpsertOutcome; insight: DebugInsightEntity }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const existing =
        attempt === 0 && known !== undefined
          ? known
          : await this.findByFingerprint(draft.fingerprint);
      if (!existing) {
        const entity = this.repository.create({
          id: newId(now),
          insightType: draft.type,
          severity: draft.severity,
          title: draft.title.slice(0, 512),
          summary: draft.summary,
          fingerprint: draft.fingerprint,
          affectedComponents: draft.affected,
          evidence: { ...draft.evidence, kind: draft.kind, analyzer: draft.analyzer },
          confidence: draft.confidence,
          confidenceFactors: { ...draft.confidenceFactors },
          suggestions: draft.suggestions,
          occurrences: 1,
          firstSeen: draft.firstSeen,
          lastSeen: draft.lastSeen,
          status: 'open',
          resolvedAt: null,
          resolution: null,
          sessionId,
          createdAt: now,
          updatedAt: now,
        });
        try {
          await this.repository.insert(
            entity as Parameters<Repository<DebugInsightEntity>['insert']>[0],
          );
          return { outcome: 'created', insight: entity };
        } catch (error) {
          if (isUniqueViolation(error)) continue; // another run created it first: update that one
          throw error;
        }
      }
      if (!wouldChange(draft.lastSeen, existing))
        return { outcome: 'unchanged', insight: existing };
      const reopening = existing.status === 'resolved';
      const changes = {
        severity: draft.severity,
        title: draft.title.slice(0, 512),
        summary: draft.summary,
        affectedComponents: draft.affected,
        evidence: { ...draft.evidence, kind: draft.kind, analyzer: draft.analyzer },
        confidence: draft.confidence,
        confidenceFactors: { ...draft.confidenceFactors },
        suggestions: draft.suggestions,
        occurrences: existing.occurrences + 1,
        lastSeen: draft.lastSeen,
        status: reopening ? 'regressed' : existing.status,
        updatedAt: now,
      };
      const guard = this.repository
        .createQueryBuilder()
        .update(DebugInsightEntity)
        .set(changes)
        .where('id = :id', { id: existing.id })
        .andWhere('status = :status', { status: existing.status })
        .andWhere('occurrences = :occurrences', { occurrences: existing.occurrences });
      const result = await guard.execute();
      if ((result.affected ?? 0) === 0) continue; // changed under us: read again
      return {
        outcome: reopening ? 'regressed' : 'updated',
        insight: this.repository.merge(existing, changes),
      };
    }
    const current = await this.findByFingerprint(draft.fingerprint);
    return { outcome: 'unchanged', insight: current! };
  }

  async resolve(id: string, note: string, now: Date): Promise<DebugInsightEntity | null> {
    const result = await this.repository.update(
      { id },
      { status: 'resolved', resolvedAt: now, resolution: note, updatedAt: now },
    );
    if ((result.affected ?? 0) === 0) return null;
    return this.findById(id);
  }

  async list(filters: InsightFilters): Promise<{ items: DebugInsightEntity[]; total: number }> {
    const query = this.repository.createQueryBuilder('insight');
    if (filters.type) query.andWhere('insight.insight_type = :type', { type: filters.type });
    if (filters.severity)
      query.andWhere('insight.severity = :severity', { severity: filters.severity });
    if (filters.minSeverity) {
      const allowed = SEVERITIES.filter(
        (severity) => SEVERITY_RANK[severity] >= SEVERITY_RANK[filters.minSeverity as Severity],
      );
      query.andWhere('insight.severity IN (:...allowed)', { allowed });
    }
    if (filters.status) query.andWhere('insight.status = :status', { status: filters.status });
    if (filters.sessionId)
      query.andWhere('insight.session_id = :sessionId', { sessionId: filters.sessionId });
    if (filters.from)
      query.andWhere('insight.last_seen >= :from', { from: this.time(filters.from) });
    if (filters.to) query.andWhere('insight.first_seen < :to', { to: this.time(filters.to) });
    for (const [field, value] of [
      ['component_id', filters.component],
      ['component_type', filters.componentType],
    ] as const) {
      if (!value) continue;
      const name = `component_${field}`;
      query.andWhere(
        this.postgres
          ? `insight.affected_components @> CAST(:${name} AS jsonb)`
          : `EXISTS (SELECT 1 FROM json_each(insight.affected_components) AS c WHERE json_extract(c.value, '$.${field}') = :${name})`,
        { [name]: this.postgres ? JSON.stringify([{ [field]: value }]) : value },
      );
    }
    query.orderBy('insight.last_seen', 'DESC').addOrderBy('insight.id', 'DESC');
    query.skip(filters.offset ?? 0).take(filters.limit ?? 50);
    const [items, total] = await query.getManyAndCount();
    return { items, total };
  }

  /**
   * Insights whose components or evidence name one of `needles` (a component type or id, an
   * event, pattern or correlation id), or that were made for `sessionId`; newest first.
   */
  async mentioning(query: InsightMentions): Promise<DebugInsightEntity[]> {
    const params: Record<string, unknown> = { limit: query.limit };
    const touches = query.needles.map((needle, index) => {
      params[`needle${index}`] = `%"${escapeLike(needle)}"%`;
      return `CAST(i.affected_components AS text) LIKE :needle${index} ESCAPE '\\' OR CAST(i.evidence AS text) LIKE :needle${index} ESCAPE '\\'`;
    });
    (query.words ?? []).forEach((word, index) => {
      params[`word${index}`] = `%${escapeLike(word.toLowerCase())}%`;
      touches.push(
        `lower(i.title) LIKE :word${index} ESCAPE '\\' OR lower(CAST(i.evidence AS text)) LIKE :word${index} ESCAPE '\\'`,
      );
    });
    if (query.sessionId !== undefined) {
      params.sessionId = query.sessionId;
      touches.unshift('i.session_id = :sessionId');
    }
    if (touches.length === 0) return [];
    const conditions = [`(${touches.join(' OR ')})`];
    if (query.statuses) {
      params.statuses = query.statuses;
      conditions.push('i.status IN (:...statuses)');
    }
    if (query.from) {
      params.from = query.from;
      conditions.push('i.last_seen >= :from');
    }
    if (query.to) {
      params.to = query.to;
      conditions.push('i.first_seen <= :to');
    }
    return this.repository
      .createQueryBuilder('i')
      .where(conditions.join(' AND '), params)
      .orderBy('i.last_seen', 'DESC')
      .limit(query.limit)
      .getMany();
  }

  /** Deletes resolved insights resolved before `cutoff` (open and regressed ones stay). */
  async deleteResolvedBefore(cutoff: Date): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(DebugInsightEntity)
      .where('status = :status AND resolved_at IS NOT NULL AND resolved_at < :at', {
        status: 'resolved',
        at: this.time(cutoff),
      })
      .execute();
    return result.affected ?? 0;
  }
}

function isUniqueViolation(error: unknown): boolean {
  const candidate = error as { code?: string; driverError?: { code?: string } };
  const code = candidate?.driverError?.code ?? candidate?.code;
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/**
 * Whether storing a finding last seen at `lastSeen` changes the stored insight (upsert): always
 * when none is stored; an open or regressed one when the evidence is newer than its last_seen; a
 * resolved one when the evidence is newer than its resolution.
 */
export function wouldChange(lastSeen: Date, existing: DebugInsightEntity | null): boolean {
  if (!existing) return true;
  if (existing.status === 'resolved')
    return existing.resolvedAt !== null && lastSeen.getTime() > existing.resolvedAt.getTime();
  return lastSeen.getTime() > existing.lastSeen.getTime();
}
