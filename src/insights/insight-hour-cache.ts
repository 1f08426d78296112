import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type Dialect, dialectOf } from '../database/sql/dialect.js';
import { toDate, toNumber } from '../database/sql/row-values.js';
import { SqlBuilder } from '../database/sql/statement.js';
import type { Row } from './insight-aggregates.repository.js';
import {
  floorHour,
  HOUR_MS,
  readHourVersions,
  readSeriesHours,
  rollupEpochMs,
  type SeriesHour,
  type SeriesKind,
} from './insight-rollup-tables.js';

/** One row of debug_insight_error_minutes. */
export interface ErrorMinute {
  /**
   * Pattern, component type and id as one text (errorGroupKey): readers group minutes by it at
   * every run, and a text made once keeps its hash.
   */
  groupKey: string;
  bucketStart: number;
  patternId: string;
  componentType: string;
  componentId: string;
  errors: number;
  criticals: number;
  firstAt: number;
  lastAt: number;
  firstId: string;
  lastId: string;
  sampleMessage: string;
}

/** An hour as a committed refresh left it (RollupHourCache.adopt). */
export interface WrittenRollupHour {
  hourStart: number;
  /** The version the refresh merged into, and the one it stamped. */
  previous: string | undefined;
  version: string;
  series: SeriesHour[];
  /** Minute ranges [from, to) whose error minutes the refresh replaced, and what it wrote there. */
  replaced: [number, number][];
  errorMinutes: ErrorMinute[];
}

/** The rollup rows of one hour: its series hour rows by kind, and its error minutes. */
export interface RollupHour {
  series: Record<SeriesKind, SeriesHour[]>;
  errorMinutes: ErrorMinute[];
}

/**
 * Rows kept in memory at most (hour rows and error minutes together): about 1–2 kB each, so the
 * cache stays within a few hundred MB however many series there are. An hour is dropped, least
 * recently used first, when keeping it would pass this.
 */
const MAX_CACHED_ROWS = 150_000;

/**
 * Hours of the insight rollups kept in memory between insight runs. A run every minute reads the
 * same closed hours again (baselines span hours); only the hours whose version in
 * debug_insight_hour_versions moved since (the refresher stamps every hour it rewrites, in the
 * same transaction) are read from the database: normally the open hour alone. Callers get
 * shared objects and must not change them.
 */
@Injectable()
export class RollupHourCache {
  private readonly entries = new Map<
    number,
    { version: string; rows: number; hour: Promise<RollupHour> }
  >();
  private cachedRows = 0;
  private readonly dialect: Dialect;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
  }

  /**
   * What a refresh in this process wrote, once committed: the hour at `version`, with `series`
   * (all its series rows, not changed afterwards) and its error minutes in `replaced` ranges
   * replaced by `errorMinutes`. Taken only when the hour is held at `previous`, the version the
   * refresh merged into (then the held error minutes outside those ranges are still right);
   * otherwise the next read loads the hour.
   */
  async adopt(written: WrittenRollupHour): Promise<void> {
    const held = this.entries.get(written.hourStart);
    if (!held || held.version !== written.previous) return;
    const before = await held.hour.catch(() => null);
    if (!before || this.entries.get(written.hourStart) !== held) return;
    const replaced = (minute: ErrorMinute) =>
      written.replaced.some(([from, to]) => minute.bucketStart >= from && minute.bucketStart < to);
    const hour = emptyHour();
    for (const row of written.series) hour.series[kindOf(row.key)].push(row);
    hour.errorMinutes = [
      ...before.errorMinutes.filter((minute) => !replaced(minute)),
      ...written.errorMinutes,
    ];
    this.remember(written.hourStart, written.version, Promise.resolve(hour));
  }

  /**
   * The series rows of an hour if held at `version` (shared: copy before changing them), else
   * null. The refresher merges into them: they are what the last refresh here wrote (adopt) or
   * what was read at that version.
   */
  async seriesAt(hourStart: number, version: string | undefined): Promise<SeriesHour[] | null> {
    const held = this.entries.get(hourStart);
    if (!held || version === undefined || held.version !== version) return null;
    const hour = await held.hour.catch(() => null);
    if (!hour) return null;
    return [...hour.series.component, ...hour.series.pattern, ...hour.series.duration];
  }

  /** The hours that start in [floorHour(from), to), oldest first. */
  async hours(from: Date, to: Date): Promise<RollupHour[]> {
    const versions = await readHourVersions(this.dataSource, this.dialect, from, to);
    const hours: Promise<RollupHour>[] = [];
    const missing: number[] = [];
    for (let hour = floorHour(from).getTime(); hour < to.getTime(); hour += HOUR_MS) {
      const cached = this.entries.get(hour);
      if (cached && cached.version === versions.get(hour)) {
        // most recently used last
        this.entries.delete(hour);
        this.entries.set(hour, cached);
        hours.push(cached.hour);
      } else {
        missing.push(hour);
        hours.push(Promise.resolve(emptyHour()));
      }
    }
    if (missing.length > 0) {
      const loading = this.load(missing);
      const first = floorHour(from).getTime();
      for (const hour of missing) {
        const loaded = loading.then((byHour) => byHour.get(hour) ?? emptyHour());
        hours[(hour - first) / HOUR_MS] = loaded;
        const version = versions.get(hour);
        // hours with no version (none written since the rollups were built) are read every time
        if (version) this.remember(hour, version, loaded);
      }
    }
    return Promise.all(hours);
  }

  private remember(hour: number, version: string, loaded: Promise<RollupHour>): void {
    this.forget(hour);
    const entry = { version, rows: 0, hour: loaded };
    this.entries.set(hour, entry);
    loaded.then(
      (value) => {
        if (this.entries.get(hour) !== entry) return;
        entry.rows = rowsOf(value);
        this.cachedRows += entry.rows;
        for (const [oldest] of this.entries) {
          if (this.cachedRows <= MAX_CACHED_ROWS) break;
          this.forget(oldest);
        }
      },
      () => {
        if (this.entries.get(hour) === entry) this.forget(hour);
      },
    );
  }

  private forget(hour: number): void {
    const entry = this.entries.get(hour);
    if (!entry) return;
    this.cachedRows -= entry.rows;
    this.entries.delete(hour);
  }

  /** The rows of some hours, read over the range from the first to the last of them. */
  private async load(hours: readonly number[]): Promise<Map<number, RollupHour>> {
    const wanted = new Set(hours);
    const from = new Date(Math.min(...hours));
    const to = new Date(Math.max(...hours) + HOUR_MS);
    const byHour = new Map<number, RollupHour>();
    const hourOf = (start: number) => {
      let hour = byHour.get(start);
      if (!hour) byHour.set(start, (hour = emptyHour()));
      return hour;
    };
    for (const hour of await readSeriesHours(this.dataSource, this.dialect, null, from, to)) {
      if (!wanted.has(hour.hourStart)) continue;
      hourOf(hour.hourStart).series[kindOf(hour.key)].push(hour);
    }
    const errors = new SqlBuilder(this.dialect);
    const epoch = (column: string) => rollupEpochMs(this.dialect, column);
    const errorRows: Row[] = await this.dataSource.query(
      `SELECT ${epoch('bucket_start')} AS bucket_start, pattern_id, component_type, component_id, errors, criticals,
              ${epoch('first_at')} AS first_at, ${epoch('last_at')} AS last_at, first_id, last_id, sample_message
         FROM debug_insight_error_minutes
        WHERE bucket_start >= ${errors.time(from)} AND bucket_start < ${errors.time(to)}`,
      errors.params,
    );
    for (const row of errorRows) {
      const bucketStart = toDate(row.bucket_start).getTime();
      const start = floorHour(new Date(bucketStart)).getTime();
      if (!wanted.has(start)) continue;
      hourOf(start).errorMinutes.push(errorMinuteOf(row, bucketStart));
    }
    return byHour;
  }
}

/** A row of debug_insight_error_minutes (times as epoch milliseconds: rollupEpochMs, or text). */
export function errorMinuteOf(
  row: Row,
  bucketStart = toDate(row.bucket_start).getTime(),
): ErrorMinute {
  const patternId = String(row.pattern_id);
  const componentType = String(row.component_type);
  const componentId = String(row.component_id);
  return {
    groupKey: errorGroupKey(patternId, componentType, componentId),
    bucketStart,
    patternId,
    componentType,
    componentId,
    errors: toNumber(row.errors),
    criticals: toNumber(row.criticals),
    firstAt: toDate(row.first_at).getTime(),
    lastAt: toDate(row.last_at).getTime(),
    firstId: String(row.first_id),
    lastId: String(row.last_id),
    sampleMessage: String(row.sample_message),
  };
}

/** The key error minutes are grouped by: their pattern and component. */
function errorGroupKey(patternId: string, componentType: string, componentId: string): string {
  return `${patternId}\u0000${componentType}\u0000${componentId}`;
}

function emptyHour(): RollupHour {
  return { series: { component: [], pattern: [], duration: [] }, errorMinutes: [] };
}

function rowsOf(hour: RollupHour): number {
  return (
    hour.series.component.length +
    hour.series.pattern.length +
    hour.series.duration.length +
    hour.errorMinutes.length
  );
}

function kindOf(seriesKey: string): SeriesKind {
  return seriesKey.slice(0, seriesKey.indexOf(':')) as SeriesKind;
}

/**
 * a < b in code point order, the order of the text columns' min() and max() (PostgreSQL with
 * the C collation, SQLite's BINARY): UTF-16 order except that surrogates come after U+E000–U+FFFF.
 */
export function codePointLess(a: string, b: string): boolean {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x === y) continue;
    const rank = (unit: number) =>
      unit >= 0xd800 ? (unit >= 0xe000 ? unit - 0x800 : unit + 0x2000) : unit;
    return rank(x) < rank(y);
  }
  return a.length < b.length;
}
