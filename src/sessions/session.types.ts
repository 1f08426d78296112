/** What a session looks at. Every part is optional; an event must match all parts given. */
export interface SessionFilters {
  /** Component selectors: a component_type, a component_id, or `type/id`. */
  components?: string[];
  correlation_ids?: string[];
  levels?: string[];
  event_types?: string[];
  /** ISO-8601 time window. */
  from?: string;
  to?: string;
}

export interface SessionView {
  id: string;
  name: string;
  description: string | null;
  status: 'active' | 'closed';
  filters: SessionFilters;
  created_by: string | null;
  created_at: string;
  closed_at: string | null;
  summary: string | null;
}

export interface SessionTimelineBucket {
  start: string;
  events: number;
  errors: number;
}

export interface SessionTimelineEvent {
  id: string;
  timestamp: string;
  level: string;
  event_type: string;
  component_type: string;
  component_id: string;
  correlation_id: string | null;
  message: string;
}

export interface SessionInsightRef {
  id: string;
  insight_type: string;
  severity: string;
  title: string;
  status: string;
  last_seen: string;
}

export interface SessionDetail extends SessionView {
  /** Events that carry this session's id or match its filters (counted up to `events_count_limit`). */
  events_count: number;
  events_count_capped: boolean;
  window: { from: string | null; to: string | null };
  insights: SessionInsightRef[];
  timeline: {
    bucket_seconds: number;
    buckets: SessionTimelineBucket[];
    notable_events: SessionTimelineEvent[];
  };
}
