/**
 * Values as the warm store hands them back, in one form on both dialects. PostgreSQL gives
 * Dates, parsed jsonb and numeric text for counts; SQLite gives 'YYYY-MM-DD HH:MM:SS.SSS' UTC
 * text, JSON text and numbers.
 */
export type Row = Record<string, unknown>;

/** A time column (Date, epoch milliseconds, or UTC text with or without a zone) → Date. */
export function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  const text = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

export function toNullableDate(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}

/** A time column as ISO-8601 text. */
export function isoTime(value: unknown): string {
  return toDate(value).toISOString();
}

export function toIso(value: unknown): string | null {
  return toNullableDate(value)?.toISOString() ?? null;
}

/** A JSON column (parsed on PostgreSQL, text on SQLite); `fallback` when null or unreadable. */
export function toJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value !== 'string') return value as T;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

/** A JSON value as a parameter: text, or null. */
export function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
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
