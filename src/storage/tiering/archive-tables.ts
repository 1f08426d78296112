import type { AppConfig } from '../../config/app-config.service.js';
import type { SegmentRowFacts } from '../cold/segment-format.js';
import {
  EVENT_COLUMNS,
  METRIC_COLUMNS,
  type Row,
  SNAPSHOT_COLUMNS,
  toEventRecord,
  toMetricRecord,
  toSnapshotRecord,
} from '../warm/row-mappers.js';

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
   * PostgreSQL only: SQL (on alias `s`) that builds the row's JSON line in the database,
   * in the very shape `toRecord` gives (ISO times to the millisecond, snake_case). The
   * archiver then selects it with the few columns the manifest needs, so PostgreSQL
   * encodes JSON on one core while Node compresses on the other.
   */
  postgresLine?: string;
  /** Columns selected beside `postgresLine` for the manifest facts. */
  factColumns?: readonly string[];
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

const isoSql = (column: string) => `to_char(s.${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const EVENT_LINE = `json_build_object(${EVENT_COLUMNS.map((column) =>
  column === 'timestamp' || column === 'ingested_at' ? `'${column}', ${isoSql(`"${column}"`)}` : `'${column}', s."${column}"`,
).join(', ')})::text`;

/** One row as a segment line and the facts the manifest keeps about it. */
export function encodeRow(spec: ArchiveTableSpec, row: Row): { line: string; facts: SegmentRowFacts } {
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
    postgresLine: EVENT_LINE,
    factColumns: ['id', 'component_type', 'component_id', 'event_type', 'level'],
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
