import { Injectable } from '@nestjs/common';
import { errorEventSql } from '../common/debug-event.js';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  type ComponentSelector,
  type EventRow,
  type KnownComponent,
  type StateVersion,
  type TimeWindow,
  type WindowStats,
} from './query.types.js';
import type { Dialect } from '../database/sql/dialect.js';
import { componentsWhere, eventWhere } from '../database/sql/event-filter.js';
import { eventColumns, toEventRecord } from '../database/sql/event-row.js';
import {
  percentileOf,
  toIso,
  toJson,
  toNullableNumber,
  toNumber,
} from '../database/sql/row-values.js';
import { SqlRunner, type SqlParams } from '../database/sql/sql-runner.js';
import { NamedParams } from '../database/sql/statement.js';
import { mentionsWhole } from './mentions.js';

const EVENT_COLUMNS = eventColumns('e.');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX16 = /^[0-9a-f]{16}$/i;

/** An id found in the store; a span is answered with the id of its event. */
export interface FoundId {
  kind: 'correlation' | 'event' | 'pattern' | 'span';
  id: string;
  candidate: string;
}
const IS_ERROR = errorEventSql('e.');
/** Most latency samples read per window on SQLite, which has no percentile aggregate. */
const SQLITE_LATENCY_SAMPLE = 20_000;
/** How far before a window the versions events carried are read, to see what ran before it. */
const RELEASE_LOOKBACK_MS = 3_600_000;
/** A slice of a baseline whose p95 counts toward its median needs this many timed calls. */
const MIN_SLICE_SAMPLES = 5;

/** The median of the slices' p95s, over those with MIN_SLICE_SAMPLES calls; null with fewer than three. */
export function medianOfSlices(
  slices: readonly { n: number; p95: number | null }[],
): number | null {
  const values = slices
    .filter((slice) => slice.n >= MIN_SLICE_SAMPLES && slice.p95 !== null)
    .map((slice) => slice.p95!)
    .sort((a, b) => a - b);
  if (values.length < 3) return null;
  const middle = Math.floor(values.length / 2);
  return values.length % 2 === 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

export interface EventSearch {
  components?: ComponentSelector[];
  correlationIds?: string[];
  levels?: string[];
  eventTypes?: string[];
  /** A pattern and every id merged into it (events keep the id they were stored with). */
  patternIds?: readonly string[];
  sessionId?: string;
  text?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

/** The reads behind health, progress, explain, compare and ask: SQL over the warm store. */
@Injectable()
export class QueryRepository {
  private readonly sql: SqlRunner;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new SqlRunner(dataSource);
  }

  /** Every (component_type, component_id) in events and snapshots, read by skipping through the index. */
  async knownComponents(limit: number): Promise<KnownComponent[]> {
    const events = this.sql.isPostgres
      ? await this.sql.rows<KnownComponent>(
          `WITH RECURSIVE c AS (
             (SELECT component_type, component_id FROM debug_events ORDER BY component_type, component_id LIMIT 1)
             UNION ALL
             SELECT n.component_type, n.component_id FROM c CROSS JOIN LATERAL (
               SELECT e.component_type, e.component_id FROM debug_events e
                WHERE (e.component_type, e.component_id) > (c.component_type, c.component_id)
                ORDER BY e.component_type, e.component_id LIMIT 1) n
           ) SELECT component_type, component_id FROM c LIMIT :limit`,
          { limit },
        )
      : await this.sql.rows<KnownComponent>(
          `SELECT DISTINCT component_type, component_id FROM debug_events LIMIT :limit`,
          { limit },
        );
    const snapshots = await this.sql.rows<KnownComponent>(
      `SELECT DISTINCT component_type, component_id FROM debug_state_snapshots LIMIT :limit`,
      { limit },
    );
    return [...events, ...snapshots];
  }

  /**
   * Counts, latency percentiles, latest time and instances of a component over one window or
   * several slices of time (one pass: one index range per slice and partition). Over several
   * slices the p95 is the median of the slices' own p95s (of those with MIN_SLICE_SAMPLES calls,
   * three at least; else the pooled one): a baseline of eight slices two of which caught the
   * slowdown under judgement would otherwise carry it (a 15-minute health check against a
   * 3-hour baseline read p95 826 ms for a usual 150 ms).
   */
  async windowStats(
    component: ComponentSelector,
    windows: TimeWindow | readonly TimeWindow[],
  ): Promise<WindowStats> {
    const { where, params } = componentWhere(this.sql.dialect, component, {});
    const slices = Array.isArray(windows) ? windows : [windows as TimeWindow];
    const ranges = slices.map((slice, index) => {
      params[`sliceFrom${index}`] = slice.from;
      params[`sliceTo${index}`] = slice.to;
      return `(e."timestamp" >= :sliceFrom${index} AND e."timestamp" < :sliceTo${index})`;
    });
    const scope = `${where} AND (${ranges.join(' OR ')})`;
    const sliceOf = `CASE ${ranges.map((range, index) => `WHEN ${range} THEN ${index}`).join(' ')} END`;
    if (this.sql.isPostgres) {
      // the slices' own p95s beside the pooled figures, both at once
      const [perSlice, row] = await Promise.all([
        slices.length > 1
          ? this.sql.rows<{ n: unknown; p95: unknown }>(
              `SELECT count(*) AS n, percentile_cont(0.95) WITHIN GROUP (ORDER BY d) AS p95
                 FROM (SELECT ${sliceOf} AS slice, e.duration_ms AS d FROM debug_events e
                        WHERE ${scope} AND e.duration_ms IS NOT NULL) AS sliced
                GROUP BY slice`,
              params,
            )
          : Promise.resolve([]),
        this.sql.one<Record<string, unknown>>(
          `SELECT count(*) AS events, count(*) FILTER (WHERE ${IS_ERROR}) AS errors,
                  count(e.duration_ms) AS samples, max(e."timestamp") AS last_seen,
                  array_agg(DISTINCT e.component_id) AS ids,
                  percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY e.duration_ms) AS percentiles
             FROM debug_events e WHERE ${scope}`,
          params,
        ),
      ]);
      const percentiles = (row?.percentiles as (number | null)[] | null) ?? [null, null, null];
      const sliceP95 = medianOfSlices(
        perSlice.map((item) => ({ n: toNumber(item.n), p95: toNullableNumber(item.p95) })),
      );
      return {
        events: toNumber(row?.events),
        errors: toNumber(row?.errors),
        latency_samples: toNumber(row?.samples),
        p50_ms: round(percentiles[0]),
        p95_ms: round(sliceP95 ?? percentiles[1]),
        p99_ms: round(percentiles[2]),
        last_seen: toIso(row?.last_seen),
        component_ids: ((row?.ids as (string | null)[] | null) ?? []).filter(
          (id): id is string => id !== null,
        ),
      };
    }
    const row = await this.sql.one<Record<string, unknown>>(
      `SELECT count(*) AS events, count(*) FILTER (WHERE ${IS_ERROR}) AS errors, max(e."timestamp") AS last_seen,
              json_group_array(DISTINCT e.component_id) AS ids
         FROM debug_events e WHERE ${scope}`,
      params,
    );
    const timed = await this.sql.rows<{ d: unknown; slice: unknown }>(
      `SELECT e.duration_ms AS d, ${sliceOf} AS slice FROM debug_events e WHERE ${scope} AND e.duration_ms IS NOT NULL
        ORDER BY e."timestamp" DESC LIMIT ${SQLITE_LATENCY_SAMPLE}`,
      params,
    );
    const durations = timed.map((item) => toNumber(item.d)).sort((a, b) => a - b);
    const bySlice = new Map<number, number[]>();
    for (const item of timed) {
      const list = bySlice.get(toNumber(item.slice)) ?? [];
      list.push(toNumber(item.d));
      bySlice.set(toNumber(item.slice), list);
    }
    const sliceP95 =
      slices.length > 1
        ? medianOfSlices(
            [...bySlice.values()].map((list) => ({
              n: list.length,
              p95: percentileOf(
                list.sort((a, b) => a - b),
                0.95,
              ),
            })),
          )
        : null;
    return {
      events: toNumber(row?.events),
      errors: toNumber(row?.errors),
      latency_samples: durations.length,
      p50_ms: round(percentileOf(durations, 0.5)),
      p95_ms: round(sliceP95 ?? percentileOf(durations, 0.95)),
      p99_ms: round(percentileOf(durations, 0.99)),
      last_seen: toIso(row?.last_seen),
      component_ids: toJson<(string | null)[]>(row?.ids, []).filter(
        (id): id is string => id !== null,
      ),
    };
  }

  /**
   * Time of the component's latest event before `before`: one backward index probe per
   * instance (the index leads with type and id), so a type with history costs a few probes.
   */
  async lastSeen(
    component: ComponentSelector,
    instanceIds: readonly string[],
    before: Date,
  ): Promise<string | null> {
    const ids =
      component.component_id !== null ? [component.component_id] : instanceIds.slice(0, 200);
    if (ids.length === 0) return null;
    const probes = await Promise.all(
      ids.map((id) =>
        this.sql.one<{ last: unknown }>(
          `SELECT e."timestamp" AS last FROM debug_events e
            WHERE e.component_type = :componentType AND e.component_id = :componentId AND e."timestamp" < :before
            ORDER BY e."timestamp" DESC LIMIT 1`,
          { componentType: component.component_type, componentId: id, before },
        ),
      ),
    );
    const times = probes
      .map((probe) => toIso(probe?.last))
      .filter((time): time is string => time !== null);
    return times.sort().at(-1) ?? null;
  }

  /**
   * The first event of the component at or after `from` (any of `instanceIds` for a type; one
   * index probe per instance), or null when it has none before `before`.
   */
  async firstSeenSince(
    component: ComponentSelector,
    instanceIds: readonly string[],
    from: Date,
    before: Date,
  ): Promise<Date | null> {
    const ids =
      component.component_id !== null ? [component.component_id] : instanceIds.slice(0, 200);
    const probes = await Promise.all(
      ids.map((id) =>
        this.sql.one<{ first: unknown }>(
          `SELECT e."timestamp" AS first FROM debug_events e
            WHERE e.component_type = :componentType AND e.component_id = :componentId
              AND e."timestamp" >= :from AND e."timestamp" < :before
            ORDER BY e."timestamp" ASC LIMIT 1`,
          { componentType: component.component_type, componentId: id, from, before },
        ),
      ),
    );
    const times = probes
      .map((probe) => toIso(probe?.first))
      .filter((time): time is string => time !== null)
      .sort();
    return times.length > 0 ? new Date(times[0]) : null;
  }

  /** The latest state snapshot of each instance of the component. */
  async latestStates(component: ComponentSelector, limit: number): Promise<StateVersion[]> {
    const { where, params } = snapshotsOf(this.sql.dialect, component);
    params.limit = limit;
    const rows = await this.sql.rows<Record<string, unknown>>(
      `SELECT s.component_type, s.component_id, s.version, s.captured_at, s.hash, s.state
         FROM debug_state_snapshots s
        WHERE ${where} AND s.version = (SELECT max(l.version) FROM debug_state_snapshots l
                                         WHERE l.component_type = s.component_type AND l.component_id = s.component_id)
        ORDER BY s.component_id LIMIT :limit`,
      params,
    );
    return rows.map((row) => ({
      component_type: String(row.component_type),
      component_id: String(row.component_id),
      version: toNumber(row.version),
      captured_at: toIso(row.captured_at)!,
      hash: String(row.hash),
      state: toJson<Record<string, unknown>>(row.state, {}),
    }));
  }

  /**
   * State changes inside a window (versions, no bodies), newest first: of some components (each a
   * type or one instance), or of every component when none is given.
   */
  async stateChanges(components: readonly ComponentSelector[], window: TimeWindow, limit: number) {
    const bind = new NamedParams(this.sql.dialect);
    const where = componentsWhere(components, bind, 's.') ?? '1 = 1';
    const params = { ...bind.params, from: window.from, to: window.to, limit };
    const rows = await this.sql.rows<Record<string, unknown>>(
      `SELECT s.component_type, s.component_id, s.version, s.captured_at, s.diff_from_previous
         FROM debug_state_snapshots s WHERE ${where} AND s.captured_at >= :from AND s.captured_at <= :to ORDER BY s.captured_at DESC LIMIT :limit`,
      params,
    );
    return rows.map((row) => ({
      component_type: String(row.component_type),
      component_id: String(row.component_id),
      version: toNumber(row.version),
      captured_at: toIso(row.captured_at)!,
      diff: toJson<unknown[]>(row.diff_from_previous, []),
    }));
  }

  /**
   * Releases the events tell of (OpenTelemetry's `service.version` resource attribute, a Sentry
   * event's `release`): per instance, each version seen in [window.from − RELEASE_LOOKBACK_MS,
   * window.to) with its first and last sighting, for the instances that ran a new version inside
   * the window after running another before it.
   */
  async releaseChanges(components: readonly ComponentSelector[], window: TimeWindow) {
    const bind = new NamedParams(this.sql.dialect);
    const where = componentsWhere(components, bind, 'e.') ?? '1 = 1';
    const version = this.sql.isPostgres
      ? `coalesce(e.metadata->'resource'->>'service.version', e.metadata->>'release')`
      : `coalesce(json_extract(e.metadata, '$.resource."service.version"'), json_extract(e.metadata, '$.release'))`;
    const rows = await this.sql.rows<Record<string, unknown>>(
      `SELECT v.component_type, v.component_id, v.version, min(v.at) AS first_seen, max(v.at) AS last_seen
         FROM (SELECT e.component_type, e.component_id, ${version} AS version, e."timestamp" AS at
                 FROM debug_events e
                WHERE ${where} AND e."timestamp" >= :from AND e."timestamp" < :to AND e.metadata IS NOT NULL) AS v
        WHERE v.version IS NOT NULL
        GROUP BY v.component_type, v.component_id, v.version
        LIMIT 5000`,
      {
        ...bind.params,
        from: new Date(window.from.getTime() - RELEASE_LOOKBACK_MS),
        to: window.to,
      },
    );
    const byInstance = new Map<string, { version: string; first: string; last: string }[]>();
    for (const row of rows) {
      const key = `${String(row.component_type)}/${String(row.component_id)}`;
      const list = byInstance.get(key) ?? [];
      list.push({
        version: String(row.version),
        first: toIso(row.first_seen)!,
        last: toIso(row.last_seen)!,
      });
      byInstance.set(key, list);
    }
    const changes: {
      component_type: string;
      component_id: string;
      from_version: string;
      to_version: string;
      at: string;
    }[] = [];
    for (const [key, versions] of byInstance) {
      if (versions.length < 2) continue;
      versions.sort((a, b) => a.first.localeCompare(b.first));
      for (let index = 1; index < versions.length; index++) {
        const { version, first } = versions[index];
        if (Date.parse(first) < window.from.getTime()) continue;
        const slash = key.indexOf('/');
        changes.push({
          component_type: key.slice(0, slash),
          component_id: key.slice(slash + 1),
          from_version: versions[index - 1].version,
          to_version: version,
          at: first,
        });
      }
    }
    return changes.sort((a, b) => a.at.localeCompare(b.at));
  }

  async eventById(id: string): Promise<EventRow | null> {
    const row = await this.sql.one<Record<string, unknown>>(
      `SELECT ${EVENT_COLUMNS} FROM debug_events e WHERE e.id = :id LIMIT 1`,
      { id },
    );
    return row ? toEvent(row) : null;
  }

  /**
   * The latest event of a pattern, an error one if there is one. `patternIds` are the pattern
   * and every id merged into it (events keep the id they were given when stored).
   */
  async latestOfPattern(patternIds: readonly string[]): Promise<EventRow | null> {
    const row =
      (await this.sql.one<Record<string, unknown>>(
        `SELECT ${EVENT_COLUMNS} FROM debug_events e WHERE e.pattern_id IN (:...patternIds) AND ${IS_ERROR}
          ORDER BY e."timestamp" DESC LIMIT 1`,
        { patternIds },
      )) ??
      (await this.sql.one<Record<string, unknown>>(
        `SELECT ${EVENT_COLUMNS} FROM debug_events e WHERE e.pattern_id IN (:...patternIds) ORDER BY e."timestamp" DESC LIMIT 1`,
        { patternIds },
      ));
    return row ? toEvent(row) : null;
  }

  /** Events of one correlation id in time order (at most `limit`, and `truncated` when there were more). */
  async eventsOfCorrelation(
    correlationId: string,
    limit: number,
    until?: Date,
  ): Promise<{ events: EventRow[]; truncated: boolean }> {
    const params: SqlParams = { correlationId, limit: limit + 1 };
    let where = 'e.correlation_id = :correlationId';
    if (until) {
      where += ' AND e."timestamp" <= :until';
      params.until = until;
    }
    const rows = await this.sql.rows<Record<string, unknown>>(
      `SELECT ${EVENT_COLUMNS} FROM debug_events e WHERE ${where} ORDER BY e."timestamp", e.id LIMIT :limit`,
      params,
    );
    return { events: rows.slice(0, limit).map(toEvent), truncated: rows.length > limit };
  }

  /**
   * The most recent `limit` events of a message pattern on other correlation chains before
   * `before`, each with the time of the next event of its chain (null when none came after it):
   * what followed this message in earlier operations, and how long after.
   */
  async nextAfterPattern(
    patternId: string,
    excludeCorrelationId: string,
    before: Date,
    limit: number,
  ): Promise<{ at: Date; nextAt: Date | null }[]> {
    const rows = await this.sql.rows<{ at: unknown; next_at: unknown }>(
      `SELECT e."timestamp" AS at,
              (SELECT min(n."timestamp") FROM debug_events n
                WHERE n.correlation_id = e.correlation_id AND n."timestamp" > e."timestamp") AS next_at
         FROM debug_events e
        WHERE e.pattern_id = :patternId AND e.correlation_id IS NOT NULL
          AND e.correlation_id <> :exclude AND e."timestamp" < :before
        ORDER BY e."timestamp" DESC LIMIT :limit`,
      { patternId, exclude: excludeCorrelationId, before, limit },
    );
    return rows.map((row) => ({
      at: new Date(toIso(row.at)!),
      nextAt: row.next_at == null ? null : new Date(toIso(row.next_at)!),
    }));
  }

  /** How often a pattern (all its member ids) occurred: overall, in the last hour and day before `at`, and where in that day. */
  async patternStats(patternIds: readonly string[], at: Date) {
    const hourAgo = new Date(at.getTime() - 3_600_000);
    const dayAgo = new Date(at.getTime() - 86_400_000);
    const totals = await this.sql.one<Record<string, unknown>>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE e."timestamp" >= :hourAgo) AS last_hour,
              count(*) FILTER (WHERE e."timestamp" >= :dayAgo) AS last_day,
              min(e."timestamp") AS first_seen, max(e."timestamp") AS last_seen
         FROM debug_events e WHERE e.pattern_id IN (:...patternIds)`,
      { patternIds, hourAgo, dayAgo },
    );
    // Where it occurs: the day before `at` (a bounded range of the pattern index).
    const components = await this.sql.rows<Record<string, unknown>>(
      `SELECT e.component_type, e.component_id, count(*) AS n, max(e."timestamp") AS last_seen
         FROM debug_events e WHERE e.pattern_id IN (:...patternIds) AND e."timestamp" >= :dayAgo AND e."timestamp" <= :at
        GROUP BY e.component_type, e.component_id ORDER BY n DESC LIMIT 20`,
      { patternIds, dayAgo, at },
    );
    return {
      total: toNumber(totals?.total),
      last_hour: toNumber(totals?.last_hour),
      last_24h: toNumber(totals?.last_day),
      first_seen: toIso(totals?.first_seen),
      last_seen: toIso(totals?.last_seen),
      components: components.map((row) => ({
        component_type: String(row.component_type),
        component_id: String(row.component_id),
        occurrences: toNumber(row.n),
        last_seen: toIso(row.last_seen),
      })),
    };
  }

  /** The most frequent patterns of a component in a window, with one message each. */
  async topPatterns(
    component: ComponentSelector,
    window: TimeWindow,
    limit: number,
    errorsOnly: boolean,
  ) {
    const { where, params } = componentWhere(this.sql.dialect, component, window);
    const rows = await this.sql.rows<Record<string, unknown>>(
      `SELECT e.pattern_id, count(*) AS n, max(e.message) AS sample, max(e.level) AS level, max(e."timestamp") AS last_seen
         FROM debug_events e WHERE ${where} AND e.pattern_id IS NOT NULL ${errorsOnly ? `AND ${IS_ERROR}` : ''}
        GROUP BY e.pattern_id ORDER BY n DESC LIMIT :limit`,
      { ...params, limit },
    );
    return rows.map((row) => ({
      pattern_id: String(row.pattern_id),
      occurrences: toNumber(row.n),
      sample_message: String(row.sample),
      last_seen: toIso(row.last_seen),
    }));
  }

  /** The slowest operations of a component in a window, by p95 duration. */
  async slowOperations(component: ComponentSelector, window: TimeWindow, limit: number) {
    const { where, params } = componentWhere(this.sql.dialect, component, window);
    if (this.sql.isPostgres) {
      const rows = await this.sql.rows<Record<string, unknown>>(
        `SELECT coalesce(e.operation, e.event_type) AS operation, count(*) AS n,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY e.duration_ms) AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY e.duration_ms) AS p95, max(e.duration_ms) AS max
           FROM debug_events e WHERE ${where} AND e.duration_ms IS NOT NULL
          GROUP BY 1 ORDER BY p95 DESC LIMIT :limit`,
        { ...params, limit },
      );
      return rows.map((row) => ({
        operation: String(row.operation),
        samples: toNumber(row.n),
        p50_ms: round(toNullableNumber(row.p50)),
        p95_ms: round(toNullableNumber(row.p95)),
        max_ms: round(toNullableNumber(row.max)),
      }));
    }
    const rows = await this.sql.rows<{ operation: string; d: unknown }>(
      `SELECT coalesce(e.operation, e.event_type) AS operation, e.duration_ms AS d FROM debug_events e
        WHERE ${where} AND e.duration_ms IS NOT NULL ORDER BY e."timestamp" DESC LIMIT ${SQLITE_LATENCY_SAMPLE}`,
      params,
    );
    const byOperation = new Map<string, number[]>();
    for (const row of rows) {
      const list = byOperation.get(row.operation) ?? [];
      list.push(toNumber(row.d));
      byOperation.set(row.operation, list);
    }
    return [...byOperation.entries()]
      .map(([operation, durations]) => {
        durations.sort((a, b) => a - b);
        return {
          operation,
          samples: durations.length,
          p50_ms: round(percentileOf(durations, 0.5)),
          p95_ms: round(percentileOf(durations, 0.95)),
          max_ms: round(durations[durations.length - 1]),
        };
      })
      .sort((a, b) => (b.p95_ms ?? 0) - (a.p95_ms ?? 0))
      .slice(0, limit);
  }

  /**
   * Durations of the named operations (any case) in a window, per component type: the newest
   * SQLITE_LATENCY_SAMPLE calls of each, percentiles taken here (the same on both databases).
   */
  async operationLatencies(operations: readonly string[], window: TimeWindow) {
    if (operations.length === 0) return [];
    const names = [...new Set(operations.map((name) => name.toLowerCase()))];
    const rows = await this.sql.rows<{ component_type: string; operation: string; d: unknown }>(
      `SELECT e.component_type, e.operation, e.duration_ms AS d FROM debug_events e
        WHERE lower(e.operation) IN (:...names) AND e."timestamp" >= :from AND e."timestamp" < :to
          AND e.duration_ms IS NOT NULL
        ORDER BY e."timestamp" DESC LIMIT ${SQLITE_LATENCY_SAMPLE}`,
      { names, from: window.from, to: window.to },
    );
    const groups = new Map<string, { component_type: string; operation: string; d: number[] }>();
    for (const row of rows) {
      const key = `${row.component_type}\u0000${row.operation}`;
      const group = groups.get(key) ?? {
        component_type: row.component_type,
        operation: row.operation,
        d: [],
      };
      group.d.push(toNumber(row.d));
      groups.set(key, group);
    }
    return [...groups.values()].map(({ component_type, operation, d }) => {
      d.sort((a, b) => a - b);
      return {
        component_type,
        operation,
        samples: d.length,
        p50_ms: round(percentileOf(d, 0.5)),
        p90_ms: round(percentileOf(d, 0.9)),
        p95_ms: round(percentileOf(d, 0.95)),
        p99_ms: round(percentileOf(d, 0.99)),
        max_ms: round(d[d.length - 1]),
      };
    });
  }

  /** The operations with timed calls in a window, the busiest first (bounded). */
  async timedOperations(window: TimeWindow, limit = 500): Promise<string[]> {
    const rows = await this.sql.rows<{ operation: string }>(
      `SELECT e.operation FROM debug_events e
        WHERE e."timestamp" >= :from AND e."timestamp" < :to AND e.duration_ms IS NOT NULL
          AND e.operation IS NOT NULL
        GROUP BY e.operation ORDER BY count(*) DESC LIMIT :limit`,
      { from: window.from, to: window.to, limit },
    );
    return rows.map((row) => String(row.operation));
  }

  /**
   * The operations whose events mention `text` as a whole word (an id people know from the
   * messages: a claim, a customer), the latest first, and how many events without a correlation
   * id mention it: from the newest `scan` events since `from` whose message holds it (one read).
   */
  async mentionsOf(
    text: string,
    from: Date,
    limit: number,
    scan = 500,
  ): Promise<{
    operations: { correlation_id: string; events: number; last_at: string }[];
    plainLines: number;
  }> {
    const filter = new NamedParams(this.sql.dialect);
    const where = eventWhere({ text, from }, filter);
    const rows = await this.sql.rows<{
      correlation_id: string | null;
      at: unknown;
      message: string;
    }>(
      `SELECT e.correlation_id, e."timestamp" AS at, e.message FROM debug_events e
        WHERE ${where} ORDER BY e."timestamp" DESC LIMIT :scan`,
      { ...filter.params, scan },
    );
    const byOperation = new Map<
      string,
      { correlation_id: string; events: number; last_at: string }
    >();
    let plainLines = 0;
    for (const row of rows) {
      if (!mentionsWhole(row.message, text)) continue;
      if (row.correlation_id == null) {
        plainLines++;
        continue;
      }
      const id = String(row.correlation_id);
      const seen = byOperation.get(id);
      if (seen) seen.events++;
      else byOperation.set(id, { correlation_id: id, events: 1, last_at: toIso(row.at)! });
    }
    return { operations: [...byOperation.values()].slice(0, limit), plainLines };
  }

  /** A bounded search, newest first. */
  async searchEvents(search: EventSearch): Promise<EventRow[]> {
    const filter = new NamedParams(this.sql.dialect);
    const where = eventWhere(
      {
        components: search.components,
        correlationIds: search.correlationIds,
        levels: search.levels,
        eventTypes: search.eventTypes,
        patternIds: search.patternIds,
        sessionId: search.sessionId,
        text: search.text,
        from: search.from,
        until: search.to,
      },
      filter,
    );
    const rows = await this.sql.rows<Record<string, unknown>>(
      `SELECT ${EVENT_COLUMNS} FROM debug_events e WHERE ${where}
        ORDER BY e."timestamp" DESC, e.id DESC LIMIT :limit`,
      { ...filter.params, limit: search.limit },
    );
    return rows.map(toEvent);
  }

  /**
   * Which of the spellings a person gave are ids in the store: correlation ids (trace ids are
   * stored as correlation ids) exactly or, for a "4bf92f35…" prefix, by its start; event ids exactly;
   * 16 hex digits as a pattern id or an OTel span id (the same shape: only the store tells them
   * apart; a span answers with its event's id). Answers in the order of `candidates` (the likeliest
   * spelling first).
   */
  async findIds(candidates: readonly string[]): Promise<FoundId[]> {
    const exact = candidates.filter((candidate) => !candidate.endsWith('…'));
    const spellings = [
      ...new Set(
        exact.flatMap((candidate) => [candidate, candidate.toLowerCase(), candidate.toUpperCase()]),
      ),
    ];
    const found: FoundId[] = [];
    const correlations = spellings.length
      ? await this.sql.rows<{ correlation_id: string }>(
          `SELECT DISTINCT e.correlation_id FROM debug_events e WHERE e.correlation_id IN (:...spellings) LIMIT 50`,
          { spellings },
        )
      : [];
    const uuids = exact.filter((candidate) => UUID.test(candidate));
    const events = uuids.length
      ? await this.sql.rows<{ id: string }>(
          `SELECT e.id FROM debug_events e WHERE e.id IN (:...uuids) LIMIT 50`,
          { uuids },
        )
      : [];
    for (const candidate of candidates) {
      if (candidate.endsWith('…')) {
        const prefix = candidate.slice(0, -1);
        const rows = await this.sql.rows<{ correlation_id: string }>(
          `SELECT DISTINCT e.correlation_id FROM debug_events e WHERE e.correlation_id >= :prefix ORDER BY e.correlation_id LIMIT 5`,
          { prefix },
        );
        for (const row of rows)
          if (row.correlation_id.startsWith(prefix))
            found.push({ kind: 'correlation', id: row.correlation_id, candidate });
        continue;
      }
      const lower = candidate.toLowerCase();
      for (const row of correlations)
        if (row.correlation_id.toLowerCase() === lower)
          found.push({ kind: 'correlation', id: row.correlation_id, candidate });
      for (const row of events)
        if (row.id.toLowerCase() === lower) found.push({ kind: 'event', id: row.id, candidate });
      if (HEX16.test(candidate) && !found.some((item) => item.candidate === candidate))
        found.push(...(await this.findHex16(lower, candidate)));
    }
    return found;
  }

  /** A pattern id (indexed) first; else the span of that id among trace events (a scan of their index, one row). */
  private async findHex16(id: string, candidate: string): Promise<FoundId[]> {
    const pattern = await this.sql.one<{ pattern_id: string }>(
      `SELECT e.pattern_id FROM debug_events e WHERE e.pattern_id = :id LIMIT 1`,
      { id },
    );
    if (pattern) return [{ kind: 'pattern', id: pattern.pattern_id, candidate }];
    const spanId = this.sql.isPostgres
      ? `e.data->>'otel.span_id'`
      : `json_extract(e.data, '$."otel.span_id"')`;
    const span = await this.sql.one<{ id: string }>(
      `SELECT e.id FROM debug_events e WHERE e.event_type = 'trace' AND ${spanId} = :id LIMIT 1`,
      { id },
    );
    return span ? [{ kind: 'span', id: span.id, candidate }] : [];
  }

  /** Events per component type and per component id since a time: the evidence behind a name. */
  async eventCounts(names: readonly string[], since: Date): Promise<Map<string, number>> {
    const counts = new Map<string, number>(names.map((name) => [name, 0]));
    if (names.length === 0) return counts;
    for (const column of ['component_type', 'component_id']) {
      const rows = await this.sql.rows<{ name: string; n: unknown }>(
        `SELECT e.${column} AS name, count(*) AS n FROM debug_events e
          WHERE e.${column} IN (:...names) AND e."timestamp" >= :since GROUP BY e.${column}`,
        { names: [...names], since },
      );
      for (const row of rows) counts.set(row.name, (counts.get(row.name) ?? 0) + toNumber(row.n));
    }
    return counts;
  }

  /** The cheapest read there is, for benchmarks: one event by primary key. */
  async eventByKey(id: string, timestamp: Date): Promise<EventRow | null> {
    const row = await this.sql.one<Record<string, unknown>>(
      `SELECT ${EVENT_COLUMNS} FROM debug_events e WHERE e.id = :id AND e."timestamp" = :timestamp`,
      { id, timestamp },
    );
    return row ? toEvent(row) : null;
  }
}

/** The snapshots (alias `s`) of one component, or of every instance of a type. */
function snapshotsOf(
  dialect: Dialect,
  component: ComponentSelector,
): { where: string; params: SqlParams } {
  const bind = new NamedParams(dialect);
  return { where: componentsWhere([component], bind, 's.')!, params: bind.params };
}

/** The events of one component (or every instance of a type) in [from, to). */
function componentWhere(
  dialect: Dialect,
  component: ComponentSelector,
  window: Partial<TimeWindow>,
): { where: string; params: SqlParams } {
  const filter = new NamedParams(dialect);
  const where = eventWhere({ components: [component], from: window.from, to: window.to }, filter);
  return { where, params: filter.params };
}

function round(value: number | null | undefined): number | null {
  return value === null || value === undefined || !Number.isFinite(value)
    ? null
    : Math.round(value * 100) / 100;
}

/** The shared event row mapping (the same as the storage module's reads). */
const toEvent = (row: Record<string, unknown>): EventRow => toEventRecord(row);
