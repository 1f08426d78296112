import type { DebugEventRecord } from '../../common/debug-event.js';

export const HOT_STORE = Symbol('HOT_STORE');

/**
 * The hot tier port: recent events by id for DEBUG_HOT_TTL_SECONDS, in arrival order
 * for stream backfill. Redis in full mode, an in-process LRU with TTL in embedded mode.
 */
export interface HotStore {
  readonly kind: 'redis' | 'memory';

  /**
   * True when `putNew` also appends the new events to the ingest journal (Redis), which makes
   * them durable when it returns; false when the caller must make them durable itself (memory).
   */
  readonly journals: boolean;

  /**
   * Stores the events whose ids it has not seen within the TTL, in one round trip per arrival
   * time (`ingested_at`: one for the events of a request).
   * Returns, per event, whether it was new: the accept-time half of idempotency. `json`, when
   * given, is each event's JSON.stringify (the caller had it already).
   */
  putNew(events: readonly DebugEventRecord[], json?: readonly string[]): Promise<boolean[]>;

  /** Forgets ids (an accept that could not be made durable must be retryable). */
  remove(ids: readonly string[]): Promise<void>;

  get(id: string): Promise<DebugEventRecord | null>;

  /** Events that arrived after `afterMs` (ingested_at, ms), oldest first. */
  arrivedSince(afterMs: number, limit: number): Promise<DebugEventRecord[]>;

  /** The `limit` events that arrived last, newest first (those the warm store may not hold yet). */
  newestArrivals(limit: number): Promise<DebugEventRecord[]>;

  stats(): Promise<{
    count: number;
    oldestArrivalMs: number | null;
    newestArrivalMs: number | null;
  }>;
}
