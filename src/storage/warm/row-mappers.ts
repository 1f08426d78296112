import { isoTime, toJson, type Row } from '../../database/sql/row-values.js';

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

export const METRIC_COLUMNS = [
  'id',
  'timestamp',
  'name',
  'component_type',
  'component_id',
  'value',
  'unit',
  'tags',
] as const;

export function toMetricRecord(row: Row): MetricRecord {
  return {
    id: String(row.id),
    timestamp: isoTime(row.timestamp),
    name: String(row.name),
    component_type: String(row.component_type),
    component_id: String(row.component_id),
    value: Number(row.value),
    unit: (row.unit as string | null) ?? null,
    tags: toJson(row.tags, null),
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
    state: toJson<Record<string, unknown>>(row.state, {}),
    diff_from_previous: toJson(row.diff_from_previous, null),
    version: Number(row.version),
    hash: String(row.hash),
  };
}
