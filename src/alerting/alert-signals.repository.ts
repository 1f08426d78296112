import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { toDate, toNullableDate, toNumber } from '../database/sql/row-values.js';
import { SqlRunner } from '../database/sql/sql-runner.js';

export interface PatternWindowRow {
  pattern_id: string;
  template: string | null;
  count: number;
  first_seen: Date | null;
  pattern_first_seen: Date | null;
  last_at: Date;
}

export interface MetricWindowRow {
  component_type: string;
  component_id: string;
  avg: number;
  max: number;
  min: number;
  last: number;
  samples: number;
}

export interface ComponentLastSeen {
  component_type: string;
  component_id: string;
  last_at: Date;
}

/**
 * The aggregates alert conditions read from the warm store (debug_events, debug_metrics,
 * debug_patterns), read-only and bounded by a window. Kept in this one file so that they move
 * behind their owners' services in one step when the shared SQL readers land (issue 17).
 */
@Injectable()
export class AlertSignalsRepository {
  private readonly sql: SqlRunner;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new SqlRunner(dataSource);
  }

  /** Events per pattern since `since`, with the pattern's template and first sighting. */
  async patternCounts(since: Date, options: { patternId?: string; levels?: string[]; minCount: number }): Promise<PatternWindowRow[]> {
    const where = ['e."timestamp" >= :since', 'e.pattern_id IS NOT NULL'];
    if (options.patternId) where.push('e.pattern_id = :patternId');
    if (options.levels?.length) where.push('e.level IN (:...levels)');
    const rows = await this.sql.rows(
      `SELECT e.pattern_id, MAX(p.template) AS template, MAX(p.first_seen) AS pattern_first_seen,
              COUNT(*) AS n, MIN(e."timestamp") AS first_at, MAX(e."timestamp") AS last_at
         FROM debug_events e LEFT JOIN debug_patterns p ON p.id = e.pattern_id
        WHERE ${where.join(' AND ')}
        GROUP BY e.pattern_id HAVING COUNT(*) >= :minCount ORDER BY n DESC LIMIT 200`,
      { since, patternId: options.patternId, levels: options.levels, minCount: options.minCount },
    );
    return rows.map((row) => ({
      pattern_id: String(row.pattern_id),
      template: (row.template as string | null) ?? null,
      count: toNumber(row.n),
      first_seen: toNullableDate(row.first_at),
      pattern_first_seen: toNullableDate(row.pattern_first_seen),
      last_at: toDate(row.last_at),
    }));
  }

  /** Components that reported events of each pattern since `since`. */
  async patternComponents(patternIds: string[], since: Date): Promise<Map<string, { component_type: string; component_id: string }[]>> {
    const result = new Map<string, { component_type: string; component_id: string }[]>();
    if (patternIds.length === 0) return result;
    const rows = await this.sql.rows(
      `SELECT pattern_id, component_type, component_id FROM debug_events
        WHERE pattern_id IN (:...patternIds) AND "timestamp" >= :since GROUP BY pattern_id, component_type, component_id`,
      { patternIds, since },
    );
    for (const row of rows) {
      const list = result.get(String(row.pattern_id)) ?? [];
      if (list.length < 50) list.push({ component_type: String(row.component_type), component_id: String(row.component_id) });
      result.set(String(row.pattern_id), list);
    }
    return result;
  }

  /** The latest `perPattern` event ids of each pattern since `since`. */
  async latestEventIdsByPattern(patternIds: string[], since: Date, perPattern = 5): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>();
    if (patternIds.length === 0) return result;
    // PostgreSQL: a few probes of the (pattern_id, timestamp) index per pattern. A window function
    // over the whole window (all SQLite has) took 2.5 s on 500k events an hour in bench:alerts.
    const rows = this.sql.isPostgres
      ? await this.sql.rows(
          `SELECT p.id AS pattern_id, s.id FROM unnest(CAST(:patternIds AS text[])) AS p(id)
             CROSS JOIN LATERAL (SELECT e.id, e."timestamp" FROM debug_events e
                                  WHERE e.pattern_id = p.id AND e."timestamp" >= :since ORDER BY e."timestamp" DESC, e.id DESC LIMIT ${perPattern}) s
            ORDER BY p.id, s."timestamp" DESC, s.id DESC`,
          { patternIds, since },
        )
      : await this.sql.rows(
          `SELECT pattern_id, id FROM (
             SELECT pattern_id, id, "timestamp", ROW_NUMBER() OVER (PARTITION BY pattern_id ORDER BY "timestamp" DESC, id DESC) AS rank
               FROM debug_events WHERE pattern_id IN (:...patternIds) AND "timestamp" >= :since) ranked
            WHERE rank <= ${perPattern} ORDER BY pattern_id, "timestamp" DESC, id DESC`,
          { patternIds, since },
        );
    for (const row of rows) result.set(String(row.pattern_id), [...(result.get(String(row.pattern_id)) ?? []), String(row.id)]);
    return result;
  }

  /** One metric per component over [since, now]: avg, max, min and the latest value. */
  async metricWindow(name: string, since: Date): Promise<MetricWindowRow[]> {
    const rows = await this.sql.rows(
      `SELECT m.component_type, m.component_id, AVG(m.value) AS avg, MAX(m.value) AS max, MIN(m.value) AS min, COUNT(*) AS samples,
              (SELECT l.value FROM debug_metrics l
                WHERE l.name = :name AND l.component_type = m.component_type AND l.component_id = m.component_id AND l."timestamp" >= :since
                ORDER BY l."timestamp" DESC LIMIT 1) AS last
         FROM debug_metrics m
        WHERE m.name = :name AND m."timestamp" >= :since
        GROUP BY m.component_type, m.component_id LIMIT 500`,
      { name, since },
    );
    return rows.map((row) => ({
      component_type: String(row.component_type),
      component_id: String(row.component_id),
      avg: toNumber(row.avg),
      max: toNumber(row.max),
      min: toNumber(row.min),
      last: toNumber(row.last),
      samples: toNumber(row.samples),
    }));
  }

  /** Last event of every component of these types or ids seen since `since`. */
  async componentsLastSeen(types: string[], ids: string[], since: Date): Promise<ComponentLastSeen[]> {
    const match: string[] = [];
    if (types.length) match.push('component_type IN (:...types)');
    if (ids.length) match.push('component_id IN (:...ids)');
    if (match.length === 0) return [];
    const rows = await this.sql.rows(
      `SELECT component_type, component_id, MAX("timestamp") AS last_at FROM debug_events
        WHERE "timestamp" >= :since AND (${match.join(' OR ')}) GROUP BY component_type, component_id LIMIT 1000`,
      { types, ids, since },
    );
    return rows.map((row) => ({ component_type: String(row.component_type), component_id: String(row.component_id), last_at: toDate(row.last_at) }));
  }
}
