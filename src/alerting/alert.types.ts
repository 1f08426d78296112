import type { InsightType, Severity } from '../common/debug-event.js';

export const ALERT_STATES = ['pending', 'firing', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const CHANNEL_TYPES = ['webhook', 'slack', 'alertmanager', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface InsightCondition {
  types?: InsightType[];
  /**
   * Kinds of finding within the types (evidence.kind: stuck_flow, broken_flow, failed_step,
   * error_propagation, spike, drop, silence, burst, new_pattern, spreading, regression, …).
   */
  kinds?: string[];
  min_severity?: Severity;
  min_confidence?: number;
  /** Component selectors: a component_type, a component_id, or "type/id". */
  components?: string[];
  /** A pattern id the insight is about, or text its title contains. */
  pattern?: string;
  /** An insight counts as active while seen within this many seconds (default 3600). */
  active_within_seconds?: number;
}

export interface PatternCondition {
  pattern_id?: string;
  /** Fires for a pattern first seen within the window. */
  new?: boolean;
  /** Fires when a pattern has at least this many events within the window. */
  min_count?: number;
  window_seconds: number;
  components?: string[];
  levels?: string[];
}

export const METRIC_OPERATORS = ['>', '>=', '<', '<='] as const;
export type MetricOperator = (typeof METRIC_OPERATORS)[number];
export const METRIC_AGGREGATES = ['avg', 'max', 'min', 'last'] as const;
export type MetricAggregate = (typeof METRIC_AGGREGATES)[number];

export interface MetricCondition {
  name: string;
  op: MetricOperator;
  threshold: number;
  aggregate: MetricAggregate;
  window_seconds: number;
  components?: string[];
}

export interface SilenceCondition {
  components: string[];
  quiet_minutes: number;
}

export interface StuckFlowCondition {
  components?: string[];
  min_chains?: number;
}

/** Exactly one kind per rule. */
export interface RuleCondition {
  insight?: InsightCondition;
  pattern?: PatternCondition;
  metric?: MetricCondition;
  silence?: SilenceCondition;
  stuck_flow?: StuckFlowCondition;
}

export interface SmtpSettings {
  host: string;
  port: number;
  secure?: boolean;
  username?: string;
  password?: string;
}

export interface ChannelConfig {
  type: ChannelType;
  /** webhook, slack, alertmanager */
  url?: string;
  /** webhook: HMAC-SHA256 key of the signature header. */
  secret?: string;
  /** email */
  to?: string[];
  from?: string;
  smtp?: SmtpSettings;
  /** Set on read when a stored secret of the channel cannot be decrypted: why; its deliveries fail with it. */
  unreadable_secrets?: string;
}

export interface AlertRule {
  id: string;
  name: string;
  enabled: boolean;
  severity: Severity;
  when: RuleCondition;
  for_seconds: number;
  repeat_interval_seconds: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  channels: ChannelConfig[];
  created_at: string;
  updated_at: string;
}

export type RuleInput = Omit<AlertRule, 'id' | 'created_at' | 'updated_at'>;

/** One thing a condition found: an alert of the rule for one label group. */
export interface ActiveGroup {
  /** Stable within the rule: the same problem keeps its key across evaluations. */
  key: string;
  labels: Record<string, string>;
  summary: string;
  /** The insight, the numbers: what the notification shows as evidence. */
  details: Record<string, unknown>;
  sample_event_ids: string[];
}

export interface AlertInstance {
  rule_id: string;
  group_key: string;
  state: AlertState;
  labels: Record<string, string>;
  details: GroupDetails;
  active_since: string | null;
  firing_since: string | null;
  resolved_at: string | null;
  last_evaluated_at: string;
  last_notified_at: string | null;
  change_seq: number;
  notify_seq: number;
}

export interface GroupDetails {
  summary: string;
  details: Record<string, unknown>;
  sample_event_ids: string[];
}

export interface HistoryEntry {
  id: string;
  rule_id: string;
  group_key: string;
  from_state: AlertState | null;
  to_state: AlertState;
  at: string;
  labels: Record<string, string>;
  details: GroupDetails;
}

export interface SilenceMatcher {
  name: string;
  value: string;
  /** '=' equal, '!=' not equal, '=~' regex, '!~' not regex (Alertmanager's operators). */
  op: '=' | '!=' | '=~' | '!~';
}

/** A weekly window in UTC: on these days, from `start` (HH:MM) for `duration_minutes`. */
export interface SilenceSchedule {
  days: number[];
  start: string;
  duration_minutes: number;
}

export interface Silence {
  id: string;
  rule_id: string | null;
  component: string | null;
  matchers: SilenceMatcher[];
  starts_at: string;
  ends_at: string;
  schedule: SilenceSchedule | null;
  comment: string;
  created_by: string;
  created_at: string;
  expired_at: string | null;
}

export type SilenceInput = Omit<Silence, 'id' | 'created_at' | 'expired_at'>;

/** What a channel is handed: the same for every channel type. */
export interface AlertNotification {
  version: 1;
  idempotency_key: string;
  state: 'firing' | 'resolved';
  repeat: boolean;
  rule: {
    id: string;
    name: string;
    severity: Severity;
    labels: Record<string, string>;
    kind: string;
  };
  group_key: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  summary: string;
  details: Record<string, unknown>;
  started_at: string | null;
  resolved_at: string | null;
  sample_events: { id: string; url: string }[];
  console_url: string;
  alert_url: string;
  sent_at?: string;
}

export interface Delivery {
  id: string;
  rule_id: string;
  group_key: string;
  state: string;
  channel_index: number;
  channel_type: ChannelType;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  delivered_at: string | null;
}
