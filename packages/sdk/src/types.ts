/**
 * Public types of the client SDK. The SDK speaks the service's wire format (snake_case
 * JSON, as the columns); its own API is camelCase TypeScript.
 */

export type DebugLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';

/** The event types the service accepts (`custom` for anything else). */
export type DebugEventType = 'log' | 'error' | 'state_change' | 'metric' | 'trace' | 'lifecycle' | 'span' | 'custom';

/** One event as it is sent to `POST /api/debug/events/batch`. */
export interface DebugEventPayload {
  id: string;
  timestamp: string;
  event_type: DebugEventType;
  level: DebugLevel;
  component_type: string;
  component_id: string;
  message: string;
  correlation_id?: string;
  parent_event_id?: string;
  operation?: string;
  duration_ms?: number;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  session_id?: string;
}

/** One metric point as it is sent to `POST /api/debug/metrics`. */
export interface DebugMetricPayload {
  /** Client-side UUIDv7: a retried batch stores each point once. */
  id: string;
  name: string;
  value: number;
  timestamp: string;
  component_type: string;
  component_id: string;
  unit?: string;
  tags?: Record<string, string>;
}

/** One state snapshot as it is sent to `POST /api/debug/state`. */
export interface DebugStatePayload {
  /** Client snapshot id (UUIDv7): the service answers a retry with the stored snapshot. */
  id: string;
  component_type: string;
  component_id: string;
  state: Record<string, unknown>;
  captured_at: string;
  correlation_id?: string;
  session_id?: string;
}

/** What `client.event()` takes; every field but `message` has a default. */
export interface EventInput {
  message: string;
  type?: DebugEventType;
  level?: DebugLevel;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  operation?: string;
  durationMs?: number;
  /** Defaults to the correlation id of the surrounding `correlated()` call, if any. */
  correlationId?: string;
  /** Defaults to the start event of the surrounding `correlated()` call, if any. */
  parentEventId?: string;
  componentType?: string;
  componentId?: string;
  sessionId?: string;
  /** A client-chosen id (UUID); by default a new UUIDv7. */
  id?: string;
  timestamp?: Date;
}

/** Extra fields of the shorthand methods (`info`, `warn`, `error`, …). */
export type LogFields = Omit<EventInput, 'message' | 'level'>;

export interface MetricInput {
  unit?: string;
  tags?: Record<string, string>;
  timestamp?: Date;
  componentType?: string;
  componentId?: string;
}

export interface StateInput {
  componentType?: string;
  componentId?: string;
  correlationId?: string;
  sessionId?: string;
  capturedAt?: Date;
}

/** A failure the client could not recover from by retrying (it reports, never throws). */
export interface DebugClientFailure {
  /** What was lost or delayed. */
  kind: 'events' | 'metrics' | 'state';
  /** `rejected`: the server refused (4xx); `gave-up`: retries exhausted; `shutdown`: undelivered at close. */
  reason: 'rejected' | 'gave-up' | 'shutdown' | 'buffer-full';
  count: number;
  status?: number;
  message: string;
}

/** The fetch function the client uses (global fetch by default). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface DebugClientOptions {
  /** The service's address, e.g. `http://127.0.0.1:3000` (a trailing `/api/debug` is accepted too). */
  baseUrl: string;
  /** Sent as `X-API-Key`; needs the `ingest` scope. */
  apiKey?: string;
  /** Defaults for every event, metric and state of this client. */
  componentType: string;
  componentId: string;
  /** Session every event is filed under, unless an event says otherwise. */
  sessionId?: string;
  /** Events per request (also the size that triggers a send). Default 100, at most 1,000. */
  batchSize?: number;
  /** Longest time an event waits in the buffer before it is sent. Default 1,000 ms. */
  flushIntervalMs?: number;
  /** Events, metrics and states held (buffered or in flight) before new ones are dropped. Default 10,000. */
  maxBufferedEvents?: number;
  /** Largest request body the client builds; a batch is cut before it. Default 1 MiB. */
  maxBatchBytes?: number;
  /** Retries of one request after the first attempt (429, 5xx, network errors). Default 5. */
  maxRetries?: number;
  /** First backoff delay; doubles per retry, with jitter. Default 200 ms. */
  retryBaseDelayMs?: number;
  /** Largest backoff delay. Default 30,000 ms. */
  retryMaxDelayMs?: number;
  /** Largest `Retry-After` the client waits for; longer ones are cut to this. Default 60,000 ms. */
  maxRetryAfterMs?: number;
  /** One HTTP attempt's time limit. Default 10,000 ms. */
  requestTimeoutMs?: number;
  /** How long `close()` keeps delivering before it gives up. Default 10,000 ms. */
  shutdownTimeoutMs?: number;
  /** Flush on `beforeExit` and close on SIGTERM/SIGINT (then re-raise the signal). Default false. */
  handleProcessExit?: boolean;
  /** Called when data is lost (refused, retries exhausted, buffer full). Default: one `console.warn` line. */
  onFailure?: (failure: DebugClientFailure) => void;
  /** Replaces the global fetch (tests, proxies). */
  fetch?: FetchFunction;
}

/** Counters of one kind of data the client sends. */
export interface ChannelStats {
  /** Handed to the client: always `sent + buffered + dropped`. */
  recorded: number;
  /** Acknowledged by the service (2xx, accepted). */
  sent: number;
  /** Waiting or in flight. */
  buffered: number;
  /** Lost, all reasons together (the sum of the `dropped*` counters). */
  dropped: number;
  /** Refused at record time because the buffer was full. */
  droppedBufferFull: number;
  /** Refused by the service (4xx, or rejected one by one in a 207 answer). */
  droppedRejected: number;
  /** Still failing after `maxRetries` retries. */
  droppedAfterRetries: number;
  /** Recorded after `close()`, or still undelivered when `close()` timed out. */
  droppedAtShutdown: number;
}

export interface DebugClientStats {
  events: ChannelStats;
  metrics: ChannelStats;
  states: ChannelStats;
  /** HTTP requests made, first attempts and retries. */
  requests: number;
  /** Of which retries (after 429, 5xx or a network error). */
  retries: number;
  /** Retries that waited for a 429 `Retry-After`. */
  throttled: number;
  lastError: string | null;
  closed: boolean;
}
