import { nextOffsetCursor } from '../common/http/list-page.js';
import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import {
  PatternRepository,
  type ComponentCount,
  type PatternLineage,
} from './pattern.repository.js';
import { renderTemplate, tokenizeWithSpacing } from './tokenizer.js';

export interface PatternCountsQuery {
  from: Date;
  to: Date;
  bucketMs: number;
  /** Levels to count; all levels when absent or empty. */
  levels?: readonly string[];
  componentType?: string;
  componentId?: string;
}

/** Events of one pattern per bucket: `counts[i]` covers [from + i·bucketMs, from + (i+1)·bucketMs). */
export interface PatternBucketCounts {
  patternId: string;
  template: string;
  counts: number[];
  total: number;
  /** First time the pattern was ever stored (over all time and merged patterns); null if unknown. */
  firstSeenEver: Date | null;
}

export interface ErrorPatternsQuery {
  from: Date;
  to: Date;
  levels: readonly string[];
  componentType?: string;
  componentId?: string;
  minCount: number;
  limit: number;
  offset: number;
}

export interface ErrorPatternView {
  pattern_id: string;
  template: string;
  count: number;
  first_seen: string;
  last_seen: string;
  levels: Record<string, number>;
  components: ComponentCount[];
  sample_event_ids: string[];
  total_count: number;
  first_seen_ever: string | null;
  merged_pattern_ids: string[];
}

export interface ErrorPatternsPage {
  from: string;
  to: string;
  levels: string[];
  total: number;
  limit: number;
  offset: number;
  items: ErrorPatternView[];
  next_cursor: string | null;
}

const MAX_BUCKETS = 10_000;

/**
 * Reads of events grouped by pattern, for the error-patterns endpoint and for the insight
 * analyzers (bursts, new patterns, spreading). Every count is per root pattern: events that
 * carry the id of a pattern merged since are counted with the pattern it went into.
 */
@Injectable()
export class PatternStatsService {
  constructor(private readonly patterns: PatternRepository) {}

  /** Per-pattern event counts in time buckets over [from, to), most events first. */
  async counts(query: PatternCountsQuery): Promise<PatternBucketCounts[]> {
    const span = query.to.getTime() - query.from.getTime();
    if (!(query.bucketMs > 0) || span <= 0) return [];
    const buckets = Math.ceil(span / query.bucketMs);
    if (buckets > MAX_BUCKETS) throw new Error(`too many buckets (${buckets} > ${MAX_BUCKETS})`);
    const rows = await this.patterns.bucketCounts(
      {
        from: query.from,
        to: query.to,
        levels: query.levels,
        componentType: query.componentType,
        componentId: query.componentId,
      },
      query.bucketMs,
    );
    const byPattern = new Map<string, number[]>();
    for (const row of rows) {
      let counts = byPattern.get(row.patternId);
      if (!counts) byPattern.set(row.patternId, (counts = new Array<number>(buckets).fill(0)));
      if (row.bucket >= 0 && row.bucket < buckets) counts[row.bucket] += row.count;
    }
    const stats = await this.rootStats([...byPattern.keys()]);
    return [...byPattern.entries()]
      .map(([patternId, counts]) => ({
        patternId,
        template: stats.get(patternId)?.template ?? '',
        counts,
        total: counts.reduce((sum, n) => sum + n, 0),
        firstSeenEver: stats.get(patternId)?.firstSeen ?? null,
      }))
      .sort((a, b) => b.total - a.total || (a.patternId < b.patternId ? -1 : 1));
  }

  /** A message with its values masked as the miner masks them (`charged order <*> EUR`), for labels. */
  maskValues(message: string): string {
    const { tokens, spaceBefore } = tokenizeWithSpacing(message);
    return renderTemplate(tokens, spaceBefore);
  }

  /** The pattern each id now belongs to (ids of merged patterns map to where they went). */
  async rootsOf(patternIds: readonly string[]): Promise<Map<string, string>> {
    return this.patterns.roots(patternIds);
  }

  /**
   * The ids events of a pattern may carry: the pattern's own and those of the patterns merged
   * into it (for `WHERE pattern_id IN (…)`). The id resolves first, so an old id works too.
   */
  async memberIds(patternId: string): Promise<string[]> {
    const lineage = await this.lineage([patternId]);
    const root = lineage.rootOf.get(patternId) ?? patternId;
    return [...(lineage.roots.get(root)?.members ?? [patternId])].sort();
  }

  /** The roots of `patternIds`, and per root its members and the first time any was stored (computed here only). */
  async lineage(patternIds: readonly string[]): Promise<PatternLineage> {
    const rootOf = await this.patterns.roots(patternIds);
    const rootIds = [...new Set(rootOf.values())];
    const roots: PatternLineage['roots'] = new Map(
      rootIds.map((rootId) => [rootId, { members: new Set([rootId]), firstSeen: null }]),
    );
    for (const row of await this.patterns.statsOf(rootIds)) {
      const root = roots.get(row.mergedInto ?? row.id);
      if (!root) continue;
      root.members.add(row.id);
      if (row.firstSeen && (!root.firstSeen || row.firstSeen < root.firstSeen))
        root.firstSeen = row.firstSeen;
    }
    for (const [id, root] of rootOf) roots.get(root)!.members.add(id);
    return { rootOf, roots };
  }

  /** Patterns with events at the given levels in [from, to), most events first. */
  async errorPatterns(query: ErrorPatternsQuery): Promise<ErrorPatternsPage> {
    if (query.from >= query.to)
      throw new DomainError('VALIDATION_FAILED', 'from must be before to', [
        { field: 'from', message: 'from must be before to' },
      ]);
    const filter = {
      from: query.from,
      to: query.to,
      levels: query.levels,
      componentType: query.componentType,
      componentId: query.componentId,
    };
    const grouped = new Map<
      string,
      { count: number; levels: Record<string, number>; first: Date; last: Date }
    >();
    for (const row of await this.patterns.eventCountsByPattern(filter)) {
      const known = grouped.get(row.patternId);
      if (!known) {
        grouped.set(row.patternId, {
          count: row.count,
          levels: { [row.level]: row.count },
          first: row.firstAt,
          last: row.lastAt,
        });
        continue;
      }
      known.count += row.count;
      known.levels[row.level] = (known.levels[row.level] ?? 0) + row.count;
      if (row.firstAt < known.first) known.first = row.firstAt;
      if (row.lastAt > known.last) known.last = row.lastAt;
    }
    const ranked = [...grouped.entries()]
      .filter(([, g]) => g.count >= query.minCount)
      .sort(
        ([a, x], [b, y]) =>
          y.count - x.count || y.last.getTime() - x.last.getTime() || (a < b ? -1 : 1),
      );
    const page = ranked.slice(query.offset, query.offset + query.limit);
    const pageIds = page.map(([id]) => id);
    const stats = await this.rootStats(pageIds);
    const components = new Map<string, ComponentCount[]>();
    for (const row of await this.patterns.componentCounts(filter, pageIds)) {
      const list = components.get(row.patternId) ?? [];
      list.push({
        component_type: row.component_type,
        component_id: row.component_id,
        count: row.count,
      });
      components.set(row.patternId, list);
    }
    return {
      from: query.from.toISOString(),
      to: query.to.toISOString(),
      levels: [...query.levels],
      total: ranked.length,
      limit: query.limit,
      offset: query.offset,
      next_cursor: nextOffsetCursor(query.offset, page.length, ranked.length),
      items: page.map(([id, g]) => {
        const stored = stats.get(id);
        return {
          pattern_id: id,
          template: stored?.template ?? '',
          count: g.count,
          first_seen: g.first.toISOString(),
          last_seen: g.last.toISOString(),
          levels: g.levels,
          components: (components.get(id) ?? []).sort((a, b) => b.count - a.count).slice(0, 20),
          sample_event_ids: stored?.sampleEventIds ?? [],
          total_count: stored?.count ?? g.count,
          first_seen_ever: stored?.firstSeen?.toISOString() ?? null,
          merged_pattern_ids: stored?.mergedIds ?? [],
        };
      }),
    };
  }

  /** Stored totals of root patterns, summed over the patterns merged into each. */
  private async rootStats(rootIds: string[]) {
    const result = new Map<
      string,
      {
        template: string;
        count: number;
        firstSeen: Date | null;
        sampleEventIds: string[];
        mergedIds: string[];
      }
    >();
    for (const row of await this.patterns.statsOf(rootIds)) {
      const root = row.mergedInto ?? row.id;
      let entry = result.get(root);
      if (!entry)
        result.set(
          root,
          (entry = { template: '', count: 0, firstSeen: null, sampleEventIds: [], mergedIds: [] }),
        );
      if (row.id === root) entry.template = row.template;
      else entry.mergedIds.push(row.id);
      entry.count += row.count;
      if (row.firstSeen && (!entry.firstSeen || row.firstSeen < entry.firstSeen))
        entry.firstSeen = row.firstSeen;
      entry.sampleEventIds.push(...row.sampleEventIds);
    }
    for (const entry of result.values()) {
      entry.sampleEventIds = [...new Set(entry.sampleEventIds)].slice(-10);
      entry.mergedIds.sort();
    }
    return result;
  }
}
