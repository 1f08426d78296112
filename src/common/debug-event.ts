/**
 * A debug event as it travels: on the wire (snake_case, as the columns), in the hot
 * tier, on the ingest queue, in archive segments and on the stream. Timestamps are
 * ISO-8601 UTC strings.
 */
export interface DebugEventRecord {
  id: string;
  timestamp: string;
  event_type: string;
  level: string;
  component_type: string;
  component_id: string;
  correlation_id: string | null;
  parent_event_id: string | null;
  operation: string | null;
  duration_ms: number | null;
  message: string;
  data: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
  session_id: string | null;
  pattern_id: string | null;
  ingested_at: string;
}
