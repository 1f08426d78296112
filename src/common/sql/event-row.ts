import type { DebugEventRecord } from '../debug-event.js';

/**
 * Rows as the warm store hands them back, turned into the wire shape (snake_case, ISO
 * times). PostgreSQL gives Dates and parsed jsonb; SQLite gives 'YYYY-MM-DD HH:MM:SS.SSS'
 * UTC text and JSON text. Every reader (warm, and the archiver that fills the cold
 * tier) goes through these, so a row reads the same from every tier.
 */
export function isoTime(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`).toISOString();
}

export function jsonValue<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export type Row = Record<string, unknown>;

export const EVENT_COLUMNS = [
  'id',
  'timestamp',
  'event_type',
  'level',
  'component_type',
  'component_id',
  'correlation_id',
  'parent_event_id',
  'operation',
  'duration_ms',
  'message',
  'data',
  'metadata',
  'session_id',
  'pattern_id',
  'ingested_at',
] as const;

export function toEventRecord(row: Row): DebugEventRecord {
  return {
    id: String(row.id),
    timestamp: isoTime(row.timestamp),
    event_type: String(row.event_type),
    level: String(row.level),
    component_type: String(row.component_type),
    component_id: String(row.component_id),
    correlation_id: (row.correlation_id as string | null) ?? null,
    parent_event_id: (row.parent_event_id as string | null) ?? null,
    operation: (row.operation as string | null) ?? null,
    duration_ms: numberOrNull(row.duration_ms),
    message: String(row.message),
    data: jsonValue(row.data),
    metadata: jsonValue(row.metadata),
    session_id: (row.session_id as string | null) ?? null,
    pattern_id: (row.pattern_id as string | null) ?? null,
    ingested_at: isoTime(row.ingested_at),
  };
}
