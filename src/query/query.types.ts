import type { DebugEventRecord } from '../common/debug-event.js';

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

export interface InsightRow {
  id: string;
  insight_type: string;
  severity: string;
  title: string;
  summary: string;
  affected_components: { component_type: string; component_id?: string }[];
  evidence: Record<string, unknown>;
  confidence: number;
  suggestions: string[];
  occurrences: number;
  first_seen: string;
  last_seen: string;
  status: string;
  resolved_at: string | null;
  resolution: string | null;
}

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

