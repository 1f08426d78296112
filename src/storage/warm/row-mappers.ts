import type { DebugEventRecord } from '../../common/debug-event.js';

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

function numberOrNull(value: unknown): number | null {
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

export interface MetricRecord {
  id: string;
  timestamp: string;
  name: string;
  component_type: string;
  component_id: string;
  value: number;
  unit: string | null;
  tags: Record<string, string> | null;
}

export const METRIC_COLUMNS = ['id', 'timestamp', 'name', 'component_type', 'component_id', 'value', 'unit', 'tags'] as const;

export function toMetricRecord(row: Row): MetricRecord {
  return {
    id: String(row.id),
    timestamp: isoTime(row.timestamp),
    name: String(row.name),
    component_type: String(row.component_type),
    component_id: String(row.component_id),
    value: Number(row.value),
    unit: (row.unit as string | null) ?? null,
    tags: jsonValue(row.tags),
  };
}

export interface SnapshotRecord {
  id: string;
  component_type: string;
  component_id: string;
  captured_at: string;
  correlation_id: string | null;
  state: Record<string, unknown>;
  diff_from_previous: unknown[] | null;
  version: number;
  hash: string;
}

export const SNAPSHOT_COLUMNS = [
  'id',
  'component_type',
  'component_id',
  'captured_at',
  'correlation_id',
  'state',
  'diff_from_previous',
  'version',
  'hash',
] as const;

export function toSnapshotRecord(row: Row): SnapshotRecord {
  return {
    id: String(row.id),
    component_type: String(row.component_type),
    component_id: String(row.component_id),
    captured_at: isoTime(row.captured_at),
    correlation_id: (row.correlation_id as string | null) ?? null,
    state: jsonValue<Record<string, unknown>>(row.state) ?? {},
    diff_from_previous: jsonValue(row.diff_from_previous),
    version: Number(row.version),
    hash: String(row.hash),
  };
}

/** SQLite's spelling of a time, as TypeORM stores it (so text comparisons order correctly). */
export function sqliteTime(at: Date): string {
  return at.toISOString().replace('T', ' ').replace('Z', '');
}
