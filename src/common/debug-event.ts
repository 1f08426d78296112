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

/** An insight as it travels: REST answers, the stream, the application event bus (snake_case). */
export interface InsightRecord {
  id: string;
  insight_type: string;
  severity: string;
  title: string;
  summary: string;
  fingerprint: string;
  affected_components: { component_type: string; component_id: string }[];
  evidence: Record<string, unknown>;
  confidence: number;
  confidence_factors: Record<string, number>;
  suggestions: string[];
  occurrences: number;
  first_seen: string;
  last_seen: string;
  status: string;
  resolved_at: string | null;
  resolution: string | null;
  session_id: string | null;
  created_at: string;
  updated_at: string;
}

/** Event types a producer may send (`event_type`). */
export const EVENT_TYPES = [
  'log',
  'error',
  'state_change',
  'metric',
  'trace',
  'lifecycle',
  'span',
  'custom',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Event levels (`level`), least to most severe. */
export const LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

/** The levels that make an event an error on their own. */
export const ERROR_LEVELS = ['error', 'critical'] as const satisfies readonly Level[];
/** The levels of warning and above: what error-pattern listings cover. */
export const WARNING_AND_ABOVE = ['warning', ...ERROR_LEVELS] as const satisfies readonly Level[];

/** Insight kinds, severities (least to most severe) and lifecycle states. */
export const INSIGHT_TYPES = ['consistency', 'flow', 'performance', 'error', 'anomaly'] as const;
export type InsightType = (typeof INSIGHT_TYPES)[number];
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const INSIGHT_STATUSES = ['open', 'resolved', 'regressed'] as const;
export type InsightStatus = (typeof INSIGHT_STATUSES)[number];

/**
 * What "an error" means everywhere (health, progress, explain, sessions, insights, streaming):
 * an error or critical level, or the error event type whatever its level.
 */
export function isErrorEvent(event: { level: string; event_type: string }): boolean {
  return (ERROR_LEVELS as readonly string[]).includes(event.level) || event.event_type === 'error';
}

/**
 * Errors of one correlation chain further apart than this, and not linked by a parent event, are
 * separate incidents (root cause in insights and in explain-error): a failure reaches the callers
 * that wait on it within their timeouts, retries included, which is well under two minutes.
 */
export const ERROR_EPISODE_GAP_MS = 2 * 60_000;

/**
 * `isErrorEvent` as a SQL condition over a `debug_events` row (`alias` is the table alias with
 * its dot, as `e.`). Constants only, so the same text serves both dialects and binds nothing.
 */
export function errorEventSql(alias = ''): string {
  const levels = ERROR_LEVELS.map((level) => `'${level}'`).join(', ');
  return `(${alias}level IN (${levels}) OR ${alias}event_type = 'error')`;
}

/**
 * An event that says all went well: info or debug and no error; not a warning ("compensated",
 * "retrying"). After a failure of its step it is a recovery (flow insights, operation progress).
 */
export const ALL_WELL_LEVELS = ['info', 'debug'] as const satisfies readonly Level[];

export function wentWell(event: { level: string; event_type: string }): boolean {
  return (ALL_WELL_LEVELS as readonly string[]).includes(event.level) && !isErrorEvent(event);
}

/** `wentWell` as a SQL condition over a `debug_events` row, as errorEventSql. */
export function wentWellSql(alias = ''): string {
  const levels = ALL_WELL_LEVELS.map((level) => `'${level}'`).join(', ');
  return `(${alias}level IN (${levels}) AND NOT ${errorEventSql(alias)})`;
}
