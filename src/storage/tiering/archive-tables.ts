import type { AppConfig } from '../../config/app-config.service.js';
import type { SegmentRowFacts } from '../cold/segment-format.js';
import { copyTimeToIso } from '../warm/copy-text.js';
import {
  METRIC_COLUMNS,
  SNAPSHOT_COLUMNS,
  toMetricRecord,
  toSnapshotRecord,
} from '../warm/row-mappers.js';
import { EVENT_COLUMNS, toEventRecord } from '../../database/sql/event-row.js';
import { type Row } from '../../database/sql/row-values.js';

export const ARCHIVED_TABLES = ['debug_events', 'debug_metrics', 'debug_state_snapshots'] as const;
export type ArchivedTable = (typeof ARCHIVED_TABLES)[number];

/** How one warm table moves to the cold tier. */
export interface ArchiveTableSpec {
  table: ArchivedTable;
  timeColumn: 'timestamp' | 'captured_at';
  columns: readonly string[];
  /** Day-partitioned on PostgreSQL (whole partitions are detached and dropped). */
  partitioned: boolean;
  retentionHours(config: AppConfig): number;
  toRecord(row: Row): Record<string, unknown>;
  facts(record: Record<string, unknown>): SegmentRowFacts;
  /**
   * PostgreSQL: turns one row of `COPY (SELECT columns …) TO STDOUT` (text format, TimeZone
   * UTC) straight into its JSON line plus the manifest's facts, in the very shape
   * `toRecord` gives. Without it the archiver reads through a cursor and `toRecord`.
   */
  fromCopyRow?(fields: (string | null)[]): Row;
  /**
   * Extra condition a row of a slice must meet to move (SQL on alias `s`). Snapshots
   * keep each component's latest version warm whatever its age: "current state" must
   * never need the cold tier.
   */
  archivableWhen?: string;
}

const common = (record: Record<string, unknown>, time: unknown): SegmentRowFacts => ({
  id: String(record.id),
  time: new Date(String(time)),
  componentType: String(record.component_type),
  componentId: String(record.component_id),
});

const quote = (value: string | null): string => (value === null ? 'null' : JSON.stringify(value));

/** A debug_events row from COPY text to its segment line, without an intermediate object. */
function eventFromCopy(fields: (string | null)[]): Row {
  const [
    id,
    timestamp,
    eventType,
    level,
    componentType,
    componentId,
    correlationId,
    parentEventId,
    operation,
    durationMs,
    message,
    data,
    metadata,
    sessionId,
    patternId,
    ingestedAt,
  ] = fields;
  const time = copyTimeToIso(String(timestamp));
  const duration =
    durationMs === null
      ? 'null'
      : Number.isFinite(Number(durationMs))
        ? String(Number(durationMs))
        : 'null';
  return {
    line:
      `{"id":${quote(id)},"timestamp":"${time}","event_type":${quote(eventType)},"level":${quote(level)},` +
      `"component_type":${quote(componentType)},"component_id":${quote(componentId)},"correlation_id":${quote(correlationId)},` +
      `"parent_event_id":${quote(parentEventId)},"operation":${quote(operation)},"duration_ms":${duration},` +
      `"message":${quote(message)},"data":${data ?? 'null'},"metadata":${metadata ?? 'null'},"session_id":${quote(sessionId)},` +
      `"pattern_id":${quote(patternId)},"ingested_at":"${copyTimeToIso(String(ingestedAt))}"}`,
    time_ms: Date.parse(time),
    id,
    component_type: componentType,
    component_id: componentId,
    event_type: eventType,
    level,
  };
}

/** One row as a segment line and the facts the manifest keeps about it. */
export function encodeRow(
  spec: ArchiveTableSpec,
  row: Row,
): { line: string; facts: SegmentRowFacts } {
  if (typeof row.line === 'string') {
    return {
      line: row.line,
      facts: {
        id: String(row.id),
        time: new Date(Number(row.time_ms)),
        componentType: String(row.component_type),
        componentId: String(row.component_id),
        eventType: row.event_type === undefined ? undefined : String(row.event_type),
        level: row.level === undefined ? undefined : String(row.level),
      },
    };
  }
  const record = spec.toRecord(row);
  return { line: JSON.stringify(record), facts: spec.facts(record) };
}

export const ARCHIVE_SPECS: Record<ArchivedTable, ArchiveTableSpec> = {
  debug_events: {
    table: 'debug_events',
    timeColumn: 'timestamp',
    columns: EVENT_COLUMNS,
    partitioned: true,
    retentionHours: (config) => config.eventRetentionHours,
    toRecord: (row) => toEventRecord(row) as unknown as Record<string, unknown>,
    facts: (record) => ({
      ...common(record, record.timestamp),
      eventType: String(record.event_type),
      level: String(record.level),
    }),
    fromCopyRow: eventFromCopy,
  },
  debug_metrics: {
    table: 'debug_metrics',
    timeColumn: 'timestamp',
    columns: METRIC_COLUMNS,
    partitioned: true,
    retentionHours: (config) => config.metricRetentionHours,
    toRecord: (row) => toMetricRecord(row) as unknown as Record<string, unknown>,
    facts: (record) => common(record, record.timestamp),
  },
  debug_state_snapshots: {
    table: 'debug_state_snapshots',
    timeColumn: 'captured_at',
    columns: SNAPSHOT_COLUMNS,
    partitioned: false,
    retentionHours: (config) => config.snapshotRetentionHours,
    toRecord: (row) => toSnapshotRecord(row) as unknown as Record<string, unknown>,
    facts: (record) => common(record, record.captured_at),
    archivableWhen: `EXISTS (SELECT 1 FROM debug_state_snapshots newer
      WHERE newer.component_type = s.component_type AND newer.component_id = s.component_id AND newer.version > s.version)`,
  },
};
