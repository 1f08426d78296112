/**
 * The console's one typed client of the public REST API (`/api/debug`). Every assumption
 * about a response's shape lives here: list endpoints are read through `page()`, which
 * accepts both today's shapes (`{ data }`, `{ patterns }`, `{ sessions }`) and the uniform
 * `{ items, next_cursor }`, so that a change of the wire shape is adapted in one place.
 */

export const API_BASE = '/api/debug';
const KEY_STORAGE = 'ads.apiKey';

export type Level = 'debug' | 'info' | 'warning' | 'error' | 'critical';
export const LEVELS: Level[] = ['debug', 'info', 'warning', 'error', 'critical'];
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export type InsightStatus = 'open' | 'regressed' | 'resolved';
export type Tier = 'hot' | 'warm' | 'cold';

export interface DebugEvent {
  id: string;
  timestamp: string;
  event_type: string;
  level: Level;
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
  ingested_at?: string;
  tier?: Tier;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
  total?: number;
}

export interface EventPage extends Page<DebugEvent> {
  tiers: { warm: number; cold: number; cold_segments_read: number } | null;
}

export interface EventFilters {
  from?: string;
  to?: string;
  component_type?: string;
  component_id?: string;
  event_type?: string;
  level?: string;
  correlation_id?: string;
  session_id?: string;
  pattern_id?: string;
  text?: string;
}

export interface HistogramBucket {
  start: string;
  count: number;
  errors: number;
}

/** `GET /events/histogram`: every bucket of the range, and which tiers were counted. */
export interface EventHistogram {
  from: string;
  to: string;
  step_ms: number;
  buckets: HistogramBucket[];
  total: number;
  errors: number;
  partial: boolean;
  tiers: {
    tier: Tier;
    counted: boolean;
    events: number;
    scanned?: number;
    segments?: number;
    reason?: string;
  }[];
}

/** `GET /insights/{id}/occurrences`: the insight's events over time, and which events those are. */
export interface InsightOccurrences extends EventHistogram {
  insight_id: string;
  subject: {
    pattern_ids?: string[];
    components?: ComponentRef[];
    operation?: string;
    session_id?: string;
  };
}

export interface ComponentRef {
  component_type: string;
  component_id?: string;
}

export interface Insight {
  id: string;
  insight_type: string;
  severity: Severity;
  title: string;
  summary: string;
  fingerprint: string;
  affected_components: ComponentRef[];
  evidence: Record<string, unknown>;
  confidence: number;
  confidence_factors: Record<string, number> | null;
  suggestions: string[];
  occurrences: number;
  first_seen: string;
  last_seen: string;
  status: InsightStatus;
  resolved_at: string | null;
  resolution: string | null;
  session_id: string | null;
}

export interface InsightFilters {
  status?: string;
  severity?: string;
  type?: string;
  component?: string;
  session_id?: string;
  limit?: number;
}

export interface HealthReason {
  code: string;
  message: string;
  value?: number | null;
  baseline?: number | null;
  impact: number;
}

export interface ComponentHealth {
  component: string;
  component_type: string | null;
  component_id: string | null;
  status: 'healthy' | 'degraded' | 'unhealthy' | 'unknown';
  score: number;
  reasons: HealthReason[];
  metrics: {
    events: number;
    errors: number;
    error_rate: number | null;
    baseline_error_rate: number | null;
    p95_ms: number | null;
    baseline_p95_ms: number | null;
    open_insights: number;
    last_seen: string | null;
    instances: number;
    state_version: number | null;
  };
}

export interface HealthReport {
  evaluated_at: string;
  window: { from: string; to: string; minutes: number };
  summary: string;
  components: ComponentHealth[];
}

export interface OperationStep {
  index: number;
  name: string;
  component_type: string;
  component_id: string;
  status: 'completed' | 'failed' | 'in_progress' | 'stuck';
  completion_inferred: boolean;
  started_at: string;
  last_event_at: string;
  duration_ms: number | null;
  events: number;
  errors: number;
  last_message: string;
}

export interface OperationProgress {
  correlation_id: string;
  status: 'completed' | 'failed' | 'in_progress' | 'stuck';
  summary: string;
  started_at: string;
  last_event_at: string;
  elapsed_ms: number;
  events: number;
  events_truncated: boolean;
  steps: OperationStep[];
  current_step: OperationStep | null;
  failures: {
    event_id: string;
    step: string;
    component_type: string;
    component_id: string;
    timestamp: string;
    message: string;
  }[];
  stuck: { is_stuck: boolean; idle_ms: number; threshold_ms: number; reason: string };
}

export interface ErrorExplanation {
  event: DebugEvent;
  summary: string;
  root_cause: {
    event: DebugEvent;
    reason: string;
    confidence: number;
    is_the_event_itself: boolean;
  };
  suggestions: string[];
}

export interface Pattern {
  pattern_id: string;
  template: string;
  count: number;
  first_seen: string;
  last_seen: string;
  levels: Record<string, number>;
  components: { component_type: string; component_id: string; count: number }[];
  total_count: number;
  first_seen_ever: string;
}

export interface Snapshot {
  id: string;
  component_type: string;
  component_id: string;
  captured_at: string;
  version: number;
  hash: string;
  state: Record<string, unknown>;
  tier?: Tier;
}

export interface StateDiff {
  from_version: number;
  to_version: number;
  patch: { op: string; path: string; value?: unknown; from?: string }[];
}

export interface Session {
  id: string;
  name: string;
  description: string | null;
  status: 'active' | 'closed';
  filters: Record<string, unknown>;
  created_at: string;
  closed_at: string | null;
  summary: string | null;
  created_by: string | null;
}

export interface SessionDetail extends Session {
  events_count: number;
  insights: { id: string; severity: Severity; title: string; status: InsightStatus }[];
  timeline: {
    bucket_seconds: number;
    buckets: { start: string; events: number; errors: number }[];
  };
}

export interface AskAnswer {
  intent: string;
  confidence: number;
  answer: string;
  understood: Record<string, unknown>;
  data: Record<string, unknown>;
  queries: { method: string; path: string; body?: unknown }[];
  examples?: string[];
}

/** A refused or failed call, with the service's error envelope when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

export function storedApiKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function storeApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
  keyListeners.forEach((listener) => listener());
}

const keyListeners = new Set<() => void>();
export function onApiKeyChange(listener: () => void): () => void {
  keyListeners.add(listener);
  return () => keyListeners.delete(listener);
}

type Query = Record<string, string | number | undefined | null>;

function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function call<T>(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const key = storedApiKey();
  if (key) headers['X-API-Key'] = key;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const url = `${API_BASE}${path}${queryString(options.query)}`;
  const response = await fetch(url, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  const body = parseJson(text);
  if (!response.ok) {
    const envelope = (body ?? {}) as { message?: string | string[]; error?: string };
    const message = Array.isArray(envelope.message)
      ? envelope.message.join('; ')
      : (envelope.message ?? envelope.error ?? response.statusText);
    throw new ApiError(response.status, message, path);
  }
  return body as T;
}

/** The body as JSON; a non-JSON body (a proxy's HTML error page) becomes its text as the message. */
function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text.slice(0, 200) };
  }
}

/** Reads any list answer as `{ items, next_cursor }` (the one place that knows the wire's list shapes). */
function page<T>(body: Record<string, unknown>, legacyKey: string): Page<T> {
  const items = (body.items ?? body[legacyKey] ?? []) as T[];
  const next = (body.next_cursor ?? body.next_before ?? null) as string | number | null;
  return {
    items,
    next_cursor: next === null ? null : String(next),
    total: typeof body.total === 'number' ? body.total : undefined,
  };
}

export const api = {
  async events(
    filters: EventFilters,
    options: { limit?: number; cursor?: string | null; order?: 'asc' | 'desc' } = {},
  ): Promise<EventPage> {
    const body = await call<Record<string, unknown>>('GET', '/events', {
      query: {
        ...filters,
        limit: options.limit ?? 200,
        cursor: options.cursor ?? undefined,
        order: options.order,
      },
    });
    return { ...page<DebugEvent>(body, 'data'), tiers: (body.tiers as EventPage['tiers']) ?? null };
  },
  histogram: (filters: EventFilters, buckets: number) =>
    call<EventHistogram>('GET', '/events/histogram', { query: { ...filters, buckets } }),
  event: (id: string) => call<DebugEvent>('GET', `/events/${encodeURIComponent(id)}`),
  postEvent: (event: Partial<DebugEvent>) => call<unknown>('POST', '/events', { body: event }),

  async insights(filters: InsightFilters): Promise<Page<Insight>> {
    const body = await call<Record<string, unknown>>('GET', '/insights', {
      query: { limit: 200, ...filters },
    });
    return page<Insight>(body, 'data');
  },
  insight: (id: string) => call<Insight>('GET', `/insights/${encodeURIComponent(id)}`),
  insightOccurrences: (id: string) =>
    call<InsightOccurrences>('GET', `/insights/${encodeURIComponent(id)}/occurrences`),
  resolveInsight: (id: string, note: string) =>
    call<Insight>('PUT', `/insights/${encodeURIComponent(id)}/resolve`, { body: { note } }),

  health: (windowMinutes: number) =>
    call<HealthReport>('POST', '/analytics/component-health', {
      body: { window_minutes: windowMinutes },
    }),
  operation: (correlationId: string) =>
    call<OperationProgress>('GET', `/operations/${encodeURIComponent(correlationId)}`),
  explainError: (eventId: string) =>
    call<ErrorExplanation>('GET', `/errors/${encodeURIComponent(eventId)}/explain`),

  async patterns(query: {
    from?: string;
    to?: string;
    component_type?: string;
    limit?: number;
  }): Promise<Page<Pattern>> {
    const body = await call<Record<string, unknown>>('GET', '/analytics/error-patterns', {
      query: { limit: 100, ...query },
    });
    return page<Pattern>(body, 'patterns');
  },

  latestState: (type: string, id: string) =>
    call<Snapshot>('GET', `/state/${encodeURIComponent(type)}/${encodeURIComponent(id)}`),
  async stateHistory(type: string, id: string): Promise<Page<Snapshot>> {
    const body = await call<Record<string, unknown>>(
      'GET',
      `/state/${encodeURIComponent(type)}/${encodeURIComponent(id)}/history`,
      { query: { limit: 100 } },
    );
    return page<Snapshot>(body, 'data');
  },
  stateDiff: (type: string, id: string, from: number, to: number) =>
    call<StateDiff>('GET', `/state/${encodeURIComponent(type)}/${encodeURIComponent(id)}/diff`, {
      query: { from, to },
    }),

  async sessions(status?: string): Promise<Page<Session>> {
    const body = await call<Record<string, unknown>>('GET', '/sessions', {
      query: { status, limit: 100 },
    });
    return page<Session>(body, 'sessions');
  },
  session: (id: string) => call<SessionDetail>('GET', `/sessions/${encodeURIComponent(id)}`),
  createSession: (name: string, description: string) =>
    call<Session>('POST', '/sessions', { body: { name, description } }),
  closeSession: (id: string, summary: string) =>
    call<Session>('PUT', `/sessions/${encodeURIComponent(id)}/close`, { body: { summary } }),

  ask: (question: string, sessionId?: string) =>
    call<AskAnswer>('POST', '/ai/query', {
      body: sessionId ? { question, session_id: sessionId } : { question },
    }),
};

/** Shapes of the Socket.IO `/debug` namespace (docs/streaming.md). */
export interface SubscribeAck {
  ok: boolean;
  subscription_id?: string;
  channels?: string[];
  error?: { code: string; message: string };
}

export interface DroppedNotice {
  count: number;
  since: string;
}

export type InsightChange = Insight & { change?: string };
