import type { ComponentFilter } from './insight.types.js';

export type Dialect = 'postgres' | 'sqlite';

/**
 * Collects parameters for one statement in the dialect's placeholder style and spells
 * the few expressions that differ between PostgreSQL and SQLite.
 */
export class SqlBuilder {
  readonly params: unknown[] = [];

  constructor(readonly dialect: Dialect) {}

  /** A placeholder bound to `value`. */
  p(value: unknown): string {
    this.params.push(value);
    return this.dialect === 'postgres' ? `$${this.params.length}` : '?';
  }

  /** A timestamp parameter as the dialect stores it (SQLite keeps 'YYYY-MM-DD HH:MM:SS.SSS' UTC text). */
  time(value: Date): string {
    return this.p(this.dialect === 'postgres' ? value.toISOString() : sqliteTime(value));
  }

  /** A list of strings usable as `column IN (…)`. */
  list(values: readonly string[]): string {
    if (this.dialect === 'postgres') return `(SELECT unnest(${this.p(values)}::text[]))`;
    return `(SELECT value FROM json_each(${this.p(JSON.stringify(values))}))`;
  }

  /** Milliseconds since the epoch of a timestamp column. */
  epochMs(column: string): string {
    return this.dialect === 'postgres'
      ? `(date_part('epoch', ${column}) * 1000)` // double precision; extract() would be numeric, several times slower
      : `((julianday(${column}) - 2440587.5) * 86400000.0)`;
  }

  /**
   * Index of the bucket of `column`, counting back from `to`: bucket k covers
   * [to - (k+1)·size, to - k·size), so 0 is the bucket that ends at `to`.
   */
  bucketBack(column: string, to: Date, bucketMs: number): string {
    const end = this.p(to.getTime() - 1);
    const size = this.p(bucketMs);
    return this.dialect === 'postgres'
      ? `floor((${end}::float8 - ${this.epochMs(column)}) / ${size}::float8)::int`
      : `CAST((${end} - ${this.epochMs(column)}) / ${size} AS INTEGER)`;
  }

  /** A text field of a JSON column. */
  jsonText(column: string, field: string): string {
    if (!/^[a-z_]+$/.test(field)) throw new Error(`unsafe JSON field ${field}`);
    return this.dialect === 'postgres'
      ? `(${column}->>'${field}')`
      : `json_extract(${column}, '$.${field}')`;
  }

  /** `(component_type = … AND component_id = …) OR …` for a components filter. */
  components(filters: readonly ComponentFilter[] | undefined, prefix = ''): string | null {
    if (!filters || filters.length === 0) return null;
    const terms = filters.map((filter) =>
      filter.component_id
        ? `(${prefix}component_type = ${this.p(filter.component_type)} AND ${prefix}component_id = ${this.p(filter.component_id)})`
        : `${prefix}component_type = ${this.p(filter.component_type)}`,
    );
    return `(${terms.join(' OR ')})`;
  }
}

export function sqliteTime(value: Date): string {
  return value.toISOString().replace('T', ' ').replace('Z', '');
}

/** A timestamp as a driver returns it (Date on PostgreSQL, UTC text on SQLite) → Date. */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  // milliseconds since the epoch
  if (typeof value === 'number') return new Date(value);
  const text = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}
