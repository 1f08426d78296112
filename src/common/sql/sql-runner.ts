import { DataSource } from 'typeorm';

export type SqlParams = Record<string, unknown>;

/**
 * Raw SQL with `:name` / `:...list` parameters on either warm store. TypeORM's driver turns
 * the names into `$n` (PostgreSQL) or `?` (SQLite) and dates into the SQLite text format,
 * so one query text serves both dialects where their SQL agrees.
 */
export class SqlRunner {
  constructor(private readonly dataSource: DataSource) {}

  get isPostgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  async rows<T = Record<string, unknown>>(sql: string, params: SqlParams = {}): Promise<T[]> {
    const [text, values] = this.dataSource.driver.escapeQueryWithParameters(sql, params);
    return (await this.dataSource.query(text, values)) as T[];
  }

  async one<T = Record<string, unknown>>(sql: string, params: SqlParams = {}): Promise<T | undefined> {
    return (await this.rows<T>(sql, params))[0];
  }
}

/** A time column as read back: Date on PostgreSQL, 'YYYY-MM-DD HH:MM:SS.SSS' UTC text on SQLite. */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const text = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

export function toIso(value: unknown): string | null {
  return toDate(value)?.toISOString() ?? null;
}

/** A JSON column as read back: an object on PostgreSQL, text on SQLite. */
export function toJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value === 'string') {
    try {
      return JSON.parse(value) as T;
    } catch {
      return fallback;
    }
  }
  return value as T;
}

export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}

export function toNullableNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(number) ? number : null;
}

/** Nearest-rank percentile of an ascending list. */
export function percentileOf(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank];
}
