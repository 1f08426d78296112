import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { type Dialect, sqliteOf, sqliteTime } from '../database/sql/dialect.js';
import { eventWhere } from '../database/sql/event-filter.js';
import { type Row, toJson, toNullableDate, toNumber } from '../database/sql/row-values.js';
import { SqlRunner } from '../database/sql/sql-runner.js';
import { epochMs as epochMsOf, NamedParams } from '../database/sql/statement.js';
import type { LearnedSpan, MinerChanges } from './template-miner.js';

export interface ComponentCount {
  component_type: string;
  component_id: string;
  count: number;
}

/** What one batch of events adds to one pattern. */
export interface PatternDelta {
  id: string;
  template: string;
  tokens: string[];
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  levels: Record<string, number>;
  components: ComponentCount[];
  /** Newest last. */
  sampleEventIds: string[];
}

export interface StoredPattern {
  id: string;
  template: string;
  tokens: string[];
  mergedInto: string | null;
  changedAt: Date;
}

/** A span shape as stored (debug_pattern_spans), for the miner to load. */
export interface StoredSpan {
  tokens: string[];
  spaceBefore: boolean[];
  spanAt: number;
  createdAt: Date;
}

export interface PatternStatsRow {
  id: string;
  template: string;
  mergedInto: string | null;
  count: number;
  firstSeen: Date | null;
  lastSeen: Date | null;
  components: ComponentCount[];
  levels: Record<string, number>;
  sampleEventIds: string[];
}

/**
 * Where pattern ids went in the miner's table: each id's root (itself unless merged), and per
 * root the ids merged into it and the first time any of them was stored. Ids the table does not
 * know map to themselves.
 */
export interface PatternLineage {
  rootOf: Map<string, string>;
  roots: Map<string, { members: Set<string>; firstSeen: Date | null }>;
}

export const MAX_COMPONENTS_PER_PATTERN = 20;
export const MAX_SAMPLES_PER_PATTERN = 10;
const ROWS_PER_STATEMENT = 200;

/** debug_patterns and debug_pattern_spans rows, and the reads of debug_events grouped by pattern. */
@Injectable()
export class PatternRepository {
  private readonly sql: SqlRunner;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.sql = new SqlRunner(dataSource);
  }

  get isPostgres(): boolean {
    return this.sql.isPostgres;
  }

  /** Patterns learned or merged at or after `since` (all when null). */
  async changedSince(since: Date | null): Promise<StoredPattern[]> {
    const rows = await this.query(
      this.dataSource.manager,
      `SELECT id, template, tokens, merged_into, changed_at FROM debug_patterns
        ${since ? 'WHERE changed_at >= :since' : ''} ORDER BY changed_at, id`,
      since ? { since } : {},
    );
    return rows.map((row) => ({
      id: String(row.id),
      template: String(row.template),
      tokens: toJson<string[]>(row.tokens, []),
      mergedInto: (row.merged_into as string | null) ?? null,
      changedAt: toNullableDate(row.changed_at)!,
    }));
  }

  /** Span shapes stored at or after `since` (all when null), oldest first. */
  async spansSince(since: Date | null): Promise<StoredSpan[]> {
    const rows = await this.query(
      this.dataSource.manager,
      `SELECT tokens, space_before, span_at, created_at FROM debug_pattern_spans
        ${since ? 'WHERE created_at >= :since' : ''} ORDER BY created_at, id`,
      since ? { since } : {},
    );
    return rows.map((row) => ({
      tokens: toJson<string[]>(row.tokens, []),
      spaceBefore: toJson<boolean[]>(row.space_before, []),
      spanAt: toNumber(row.span_at),
      createdAt: toNullableDate(row.created_at)!,
    }));
  }

  /**
   * One transaction per write: new templates, merges, the pending counts added to each
   * pattern's row (rows locked in id order, so concurrent workers neither lose updates nor
   * deadlock), then span shapes (in key order). On PostgreSQL `changed_at` and `created_at` are the database's
   * clock, so that workers on other machines sync against one clock; `now` stamps rows on
   * SQLite (one process).
   */
  async record(changes: MinerChanges, deltas: PatternDelta[], now: Date): Promise<void> {
    if (!this.isPostgres) {
      this.recordOnSqlite(changes, deltas, now);
      return;
    }
    const { created, merges, spans } = changes;
    await this.dataSource.transaction(async (manager) => {
      const fresh = new Map<string, { id: string; template: string; tokens: string[] }>();
      for (const pattern of created) fresh.set(pattern.id, pattern);
      for (const delta of deltas) fresh.set(delta.id, delta);
      await this.insertMissing(manager, [...fresh.values()]);
      for (const merge of merges) {
        await this.query(
          manager,
          `UPDATE debug_patterns SET merged_into = :into, changed_at = clock_timestamp()
            WHERE (id = :from OR merged_into = :from) AND id <> :into`,
          { from: merge.from, into: merge.into },
        );
      }
      if (deltas.length > 0) await this.addCounts(manager, deltas);
      // last, when the rows are locked: a worker that waits here for another's same shape holds
      // nothing that one needs
      if (spans.length > 0) await this.insertSpans(manager, spans);
    });
  }

  /** In key order, so that two workers storing the same shapes wait rather than deadlock. */
  private async insertSpans(manager: EntityManager, spans: LearnedSpan[]): Promise<void> {
    await this.insertNew(
      manager,
      'debug_pattern_spans',
      ['id', 'pattern_id', 'tokens', 'space_before', 'span_at'],
      ['created_at'],
      uniqueSpans(spans).map((span) => [
        span.key,
        span.patternId,
        JSON.stringify(span.tokens),
        JSON.stringify(span.spaceBefore),
        span.spanAt,
      ]),
    );
  }

  /** In id order, as the counts are locked. */
  private async insertMissing(
    manager: EntityManager,
    patterns: { id: string; template: string; tokens: string[] }[],
  ): Promise<void> {
    const sorted = patterns.slice().sort((a, b) => (a.id < b.id ? -1 : 1));
    await this.insertNew(
      manager,
      'debug_patterns',
      ['id', 'template', 'tokens'],
      ['created_at', 'changed_at'],
      sorted.map((pattern) => [pattern.id, pattern.template, JSON.stringify(pattern.tokens)]),
    );
  }

  /**
   * PostgreSQL: inserts the rows whose id is not stored yet, in the order given, ROWS_PER_STATEMENT
   * a statement; `clockColumns` take the database's clock.
   */
  private async insertNew(
    manager: EntityManager,
    table: string,
    columns: readonly string[],
    clockColumns: readonly string[],
    rows: readonly unknown[][],
  ): Promise<void> {
    const clock = clockColumns.map(() => 'clock_timestamp()');
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const params: Record<string, unknown> = {};
      const values = rows.slice(start, start + ROWS_PER_STATEMENT).map((row, i) => {
        const placeholders = row.map((value, column) => {
          params[`v${i}_${column}`] = value;
          return `:v${i}_${column}`;
        });
        return `(${[...placeholders, ...clock].join(', ')})`;
      });
      await this.query(
        manager,
        `INSERT INTO ${table} (${[...columns, ...clockColumns].join(', ')}) VALUES ${values.join(', ')}
         ON CONFLICT (id) DO NOTHING`,
        params,
      );
    }
  }

  /** PostgreSQL: lock the batch's rows in id order, merge in JS, write back in one statement. */
  private async addCounts(manager: EntityManager, deltas: PatternDelta[]): Promise<void> {
    const sorted = deltas.slice().sort((a, b) => (a.id < b.id ? -1 : 1));
    const locked = await this.query(
      manager,
      `SELECT p.id, p.count, p.first_seen, p.last_seen, p.components, p.levels, p.sample_event_ids
         FROM debug_patterns p JOIN unnest(:ids::text[]) AS wanted(id) ON wanted.id = p.id
        ORDER BY p.id FOR UPDATE OF p`,
      { ids: sorted.map((delta) => delta.id) },
    );
    const current = new Map(locked.map((row) => [String(row.id), row]));
    const updates = sorted.flatMap((delta) => {
      const row = current.get(delta.id);
      if (!row) return [];
      const next = addDelta(row, delta);
      return [
        {
          id: delta.id,
          count: delta.count,
          first_seen: next.firstSeen.toISOString(),
          last_seen: next.lastSeen.toISOString(),
          components: JSON.parse(next.components) as unknown,
          levels: JSON.parse(next.levels) as unknown,
          samples: JSON.parse(next.samples) as unknown,
        },
      ];
    });
    if (updates.length === 0) return;
    await this.query(
      manager,
      `UPDATE debug_patterns AS p
          SET count = p.count + v.count, first_seen = v.first_seen, last_seen = v.last_seen,
              components = v.components, levels = v.levels, sample_event_ids = v.samples
         FROM jsonb_to_recordset(:rows::jsonb) AS v(id text, count bigint, first_seen timestamptz,
              last_seen timestamptz, components jsonb, levels jsonb, samples jsonb)
        WHERE p.id = v.id`,
      { rows: JSON.stringify(updates) },
    );
  }

  /**
   * SQLite: the same writes, synchronously on the one better-sqlite3 connection, so that no
   * other statement of this process can interleave with the transaction.
   */
  private recordOnSqlite(changes: MinerChanges, deltas: PatternDelta[], now: Date): void {
    const { created, merges, spans } = changes;
    const db = sqliteOf(this.dataSource);
    // another statement's transaction is open on the one connection (an async TypeORM
    // transaction awaiting): writing now would nest into it and share its fate, so wait
    if (db.inTransaction)
      throw new Error('the SQLite connection is inside another transaction; retrying later');
    const at = sqliteTime(now);
    const insert = db.prepare(
      `INSERT INTO debug_patterns (id, template, tokens, created_at, changed_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    );
    const merge = db.prepare(
      `UPDATE debug_patterns SET merged_into = ?, changed_at = ? WHERE (id = ? OR merged_into = ?) AND id <> ?`,
    );
    const insertSpan = db.prepare(
      `INSERT INTO debug_pattern_spans (id, pattern_id, tokens, space_before, span_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    const select = db.prepare(
      `SELECT count, first_seen, last_seen, components, levels, sample_event_ids FROM debug_patterns WHERE id = ?`,
    );
    const update = db.prepare(
      `UPDATE debug_patterns SET count = count + ?, first_seen = ?, last_seen = ?, components = ?, levels = ?,
              sample_event_ids = ? WHERE id = ?`,
    );
    db.transaction(() => {
      for (const pattern of [...created, ...deltas])
        insert.run(pattern.id, pattern.template, JSON.stringify(pattern.tokens), at, at);
      for (const { from, into } of merges) merge.run(into, at, from, from, into);
      for (const span of uniqueSpans(spans))
        insertSpan.run(
          span.key,
          span.patternId,
          JSON.stringify(span.tokens),
          JSON.stringify(span.spaceBefore),
          span.spanAt,
          at,
        );
      for (const delta of deltas) {
        const row = select.get(delta.id);
        if (!row) continue;
        const next = addDelta(row, delta);
        update.run(
          delta.count,
          sqliteTime(next.firstSeen),
          sqliteTime(next.lastSeen),
          next.components,
          next.levels,
          next.samples,
          delta.id,
        );
      }
    })();
  }

  /** Rows of the given patterns and of every pattern merged into them. */
  async statsOf(rootIds: readonly string[]): Promise<PatternStatsRow[]> {
    if (rootIds.length === 0) return [];
    const rows = await this.query(
      this.dataSource.manager,
      `SELECT id, template, merged_into, count, first_seen, last_seen, components, levels, sample_event_ids
         FROM debug_patterns WHERE id IN (:...ids) OR merged_into IN (:...ids)`,
      { ids: rootIds },
    );
    return rows.map((row) => ({
      id: String(row.id),
      template: String(row.template),
      mergedInto: (row.merged_into as string | null) ?? null,
      count: toNumber(row.count),
      firstSeen: toNullableDate(row.first_seen),
      lastSeen: toNullableDate(row.last_seen),
      components: toJson<ComponentCount[]>(row.components, []),
      levels: toJson<Record<string, number>>(row.levels, {}),
      sampleEventIds: toJson<string[]>(row.sample_event_ids, []),
    }));
  }

  /**
   * Events in [from, to) grouped by the pattern they resolve to (through merges) and level:
   * count, first and last time. Events are grouped by their own pattern id first, so the
   * join that resolves merges runs over groups, not over events.
   */
  async eventCountsByPattern(filter: EventFilter): Promise<PatternLevelCount[]> {
    const { where, params } = patternEventsWhere(this.sql.dialect, filter);
    const rows = await this.query(
      this.dataSource.manager,
      `SELECT COALESCE(p.merged_into, g.pattern_id) AS pattern_id, g.level AS level, sum(g.n) AS n,
              min(g.first_at) AS first_at, max(g.last_at) AS last_at
         FROM (SELECT e.pattern_id, e.level, count(*) AS n, min(e."timestamp") AS first_at,
                      max(e."timestamp") AS last_at
                 FROM debug_events e WHERE ${where} GROUP BY e.pattern_id, e.level) AS g
         LEFT JOIN debug_patterns p ON p.id = g.pattern_id
        GROUP BY COALESCE(p.merged_into, g.pattern_id), g.level`,
      params,
    );
    return rows.map((row) => ({
      patternId: String(row.pattern_id),
      level: String(row.level),
      count: toNumber(row.n),
      firstAt: toNullableDate(row.first_at)!,
      lastAt: toNullableDate(row.last_at)!,
    }));
  }

  /** Components of the given (root) patterns' events in [from, to). */
  async componentCounts(
    filter: EventFilter,
    rootIds: readonly string[],
  ): Promise<(ComponentCount & { patternId: string })[]> {
    if (rootIds.length === 0) return [];
    const { where, params } = patternEventsWhere(this.sql.dialect, filter);
    const rows = await this.query(
      this.dataSource.manager,
      `SELECT COALESCE(p.merged_into, g.pattern_id) AS pattern_id, g.component_type, g.component_id, sum(g.n) AS n
         FROM (SELECT e.pattern_id, e.component_type, e.component_id, count(*) AS n
                 FROM debug_events e
                WHERE ${where}
                  AND (e.pattern_id IN (:...rootIds)
                       OR e.pattern_id IN (SELECT id FROM debug_patterns WHERE merged_into IN (:...rootIds)))
                GROUP BY e.pattern_id, e.component_type, e.component_id) AS g
         LEFT JOIN debug_patterns p ON p.id = g.pattern_id
        GROUP BY COALESCE(p.merged_into, g.pattern_id), g.component_type, g.component_id`,
      { ...params, rootIds },
    );
    return rows.map((row) => ({
      patternId: String(row.pattern_id),
      component_type: String(row.component_type),
      component_id: String(row.component_id),
      count: toNumber(row.n),
    }));
  }

  /** Events per (root) pattern in buckets of `bucketMs` starting at `from`. */
  async bucketCounts(
    filter: EventFilter,
    bucketMs: number,
  ): Promise<{ patternId: string; bucket: number; count: number }[]> {
    const { where, params } = patternEventsWhere(this.sql.dialect, filter);
    const epochMs = epochMsOf(this.sql.dialect, 'e."timestamp"');
    const bucket = this.isPostgres
      ? `floor((${epochMs} - :fromMs) / :bucketMs)::int`
      : `CAST((${epochMs} - :fromMs) / :bucketMs AS INTEGER)`;
    const rows = await this.query(
      this.dataSource.manager,
      `SELECT COALESCE(p.merged_into, g.pattern_id) AS pattern_id, g.b AS b, sum(g.n) AS n
         FROM (SELECT e.pattern_id, ${bucket} AS b, count(*) AS n
                 FROM debug_events e WHERE ${where} GROUP BY e.pattern_id, ${bucket}) AS g
         LEFT JOIN debug_patterns p ON p.id = g.pattern_id
        GROUP BY COALESCE(p.merged_into, g.pattern_id), g.b`,
      { ...params, fromMs: filter.from.getTime(), bucketMs },
    );
    return rows.map((row) => ({
      patternId: String(row.pattern_id),
      bucket: toNumber(row.b),
      count: toNumber(row.n),
    }));
  }

  /** The root each id resolves to (ids without a row resolve to themselves). */
  async roots(ids: readonly string[]): Promise<Map<string, string>> {
    const result = new Map(ids.map((id) => [id, id]));
    if (ids.length === 0) return result;
    const rows = await this.query(
      this.dataSource.manager,
      `SELECT id, merged_into FROM debug_patterns WHERE id IN (:...ids) AND merged_into IS NOT NULL`,
      { ids },
    );
    for (const row of rows) result.set(String(row.id), String(row.merged_into));
    return result;
  }

  private query(on: EntityManager, sql: string, params: Record<string, unknown>): Promise<Row[]> {
    return this.sql.rows(sql, params, on);
  }
}

/** A stored row's columns after adding one batch's delta (the count is added in SQL). */
function addDelta(row: Record<string, unknown>, delta: PatternDelta) {
  return {
    firstSeen: minDate(toNullableDate(row.first_seen), delta.firstSeen),
    lastSeen: maxDate(toNullableDate(row.last_seen), delta.lastSeen),
    components: JSON.stringify(
      mergeComponents(toJson<ComponentCount[]>(row.components, []), delta.components),
    ),
    levels: JSON.stringify(addLevels(toJson<Record<string, number>>(row.levels, {}), delta.levels)),
    samples: JSON.stringify(
      mergeSamples(toJson<string[]>(row.sample_event_ids, []), delta.sampleEventIds),
    ),
  };
}

export interface EventFilter {
  from: Date;
  to: Date;
  levels?: readonly string[];
  componentType?: string;
  componentId?: string;
}

export interface PatternLevelCount {
  patternId: string;
  level: string;
  count: number;
  firstAt: Date;
  lastAt: Date;
}

function patternEventsWhere(
  dialect: Dialect,
  filter: EventFilter,
): { where: string; params: Record<string, unknown> } {
  const bind = new NamedParams(dialect);
  const where = eventWhere(
    {
      from: filter.from,
      to: filter.to,
      withPattern: true,
      levels: filter.levels,
      componentType: filter.componentType,
      componentId: filter.componentId,
    },
    bind,
  );
  return { where, params: bind.params };
}

/** One of each span shape, in key order. */
function uniqueSpans(spans: LearnedSpan[]): LearnedSpan[] {
  const byKey = new Map(spans.map((span) => [span.key, span]));
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

function minDate(a: Date | null, b: Date): Date {
  return a && a < b ? a : b;
}

function maxDate(a: Date | null, b: Date): Date {
  return a && a > b ? a : b;
}

export function addLevels(
  a: Record<string, number>,
  b: Record<string, number>,
): Record<string, number> {
  const sum = { ...a };
  for (const [level, count] of Object.entries(b)) sum[level] = (sum[level] ?? 0) + count;
  return sum;
}

/** Counts per component, the most frequent kept when over the bound. */
export function mergeComponents(a: ComponentCount[], b: ComponentCount[]): ComponentCount[] {
  const byKey = new Map<string, ComponentCount>();
  for (const item of [...a, ...b]) {
    const key = `${item.component_type}\u0000${item.component_id}`;
    const known = byKey.get(key);
    if (known) known.count += item.count;
    else byKey.set(key, { ...item });
  }
  return [...byKey.values()].sort((x, y) => y.count - x.count).slice(0, MAX_COMPONENTS_PER_PATTERN);
}

/** The newest sample ids (newest last), without repeats. */
export function mergeSamples(a: string[], b: string[]): string[] {
  const merged = [...a.filter((id) => !b.includes(id)), ...b];
  return merged.slice(-MAX_SAMPLES_PER_PATTERN);
}
