import type { DebugEventRecord, InsightRecord } from '../common/debug-event.js';

/** One component, or every instance of a component type. */
export interface ComponentSelector {
  /** What the caller asked for, as they spelled it. */
  selector: string;
  component_type: string;
  /** null: every instance of the type. */
  component_id: string | null;
}

export interface KnownComponent {
  component_type: string;
  component_id: string;
}

export interface TimeWindow {
  from: Date;
  to: Date;
}

/** An event as the query module reads it: the wire shape. */
export type EventRow = DebugEventRecord;

/** An insight as the query answers show it. */
export type InsightRow = Pick<
  InsightRecord,
  | 'id'
  | 'insight_type'
  | 'severity'
  | 'title'
  | 'summary'
  | 'affected_components'
  | 'evidence'
  | 'confidence'
  | 'suggestions'
  | 'occurrences'
  | 'first_seen'
  | 'last_seen'
  | 'status'
  | 'resolved_at'
  | 'resolution'
>;

export interface WindowStats {
  events: number;
  errors: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  latency_samples: number;
  /** Time of the latest event in the window(s). */
  last_seen: string | null;
  /** The instances seen in the window(s). */
  component_ids: string[];
}

export interface StateVersion {
  component_type: string;
  component_id: string;
  version: number;
  captured_at: string;
  hash: string;
  state: Record<string, unknown>;
}

