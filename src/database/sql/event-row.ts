import type { DebugEventRecord } from '../../common/debug-event.js';
import { isoTime, type Row, toJson, toNullableNumber } from './row-values.js';

/**
 * debug_events rows turned into the wire shape (snake_case, ISO times). Every reader (warm,
 * query, and the archiver that fills the cold tier) goes through this, so a row reads the
 * same from every tier.
 */
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

/** The select list of every event column under a table alias (`e.`). */
export function eventColumns(alias = 'e.'): string {
  return EVENT_COLUMNS.map((column) => `${alias}"${column}"`).join(', ');
}

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
    duration_ms: toNullableNumber(row.duration_ms),
    message: String(row.message),
    data: toJson(row.data, null),
    metadata: toJson(row.metadata, null),
    session_id: (row.session_id as string | null) ?? null,
    pattern_id: (row.pattern_id as string | null) ?? null,
    ingested_at: isoTime(row.ingested_at),
  };
}
