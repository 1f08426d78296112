import type { DebugEventRecord } from '../common/debug-event.js';
import type { StreamChannel } from './stream-messages.js';

export const STREAM_NAMESPACE = '/debug';

export const STREAM_CHANNELS: readonly StreamChannel[] = [
  'debug:event',
  'debug:insight',
  'debug:alert',
  'debug:state_change',
  'debug:metric_update',
];

/** Sent when messages were dropped for a client that did not read fast enough. */
export interface DroppedNotice {
  /** Messages dropped in this gap. */
  count: number;
  /** Per channel. */
  channels: Partial<Record<StreamChannel, number>>;
  /** Pass as `since` to a new subscribe to replay the dropped events from the hot tier. */
  since: string;
  /** Arrival time of the last dropped message. */
  until: string;
  /** All messages dropped for this connection so far. */
  total: number;
}

/** An insight as streamed (the debug_insights row, snake_case). */
export type StreamedInsight = Record<string, unknown> & {
  id: string;
  affected_components?: { component_type: string; component_id: string }[];
};

/**
 * Server → client events of the namespace /debug. Every channel event carries an array:
 * the messages that matched this connection since the previous batch (micro-batching:
 * one emit per connection and channel every DEBUG_STREAM_FLUSH_MS at most), oldest first.
 * A message matching several of the connection's subscriptions is sent once.
 */
export interface ServerToClientEvents {
  'debug:event': (events: DebugEventRecord[]) => void;
  'debug:insight': (insights: StreamedInsight[]) => void;
  'debug:alert': (alerts: StreamedInsight[]) => void;
  'debug:state_change': (changes: Record<string, unknown>[]) => void;
  'debug:metric_update': (metrics: Record<string, unknown>[]) => void;
  'debug:dropped': (notice: DroppedNotice) => void;
  error: (error: StreamError) => void;
}

export interface StreamError {
  code:
    | 'unauthorized'
    | 'forbidden'
    | 'invalid_subscription'
    | 'since_not_found'
    | 'too_many_subscriptions'
    | 'too_many_connections'
    | 'filter_too_large'
    | 'unknown_subscription'
    | 'unavailable'
    | 'internal';
  message: string;
  details?: { field: string; problem: string }[];
}

export interface SubscribeOk {
  ok: true;
  subscription_id: string;
  /** The channels this subscription receives (filters narrow the default "all"). */
  channels: StreamChannel[];
  /** Present when `since` was given: what the hot tier replayed before going live. */
  backfill?: {
    events: number;
    /** false when more than DEBUG_STREAM_BACKFILL_LIMIT arrivals were to be scanned. */
    complete: boolean;
    /** When not complete: arrivals after this instant and before the live start were not replayed. */
    scanned_until?: string;
  };
}

export type SubscribeAck = SubscribeOk | { ok: false; error: StreamError };
export type UnsubscribeAck = { ok: true; subscription_id: string } | { ok: false; error: StreamError };

export interface ClientToServerEvents {
  subscribe: (filters: unknown, ack?: (answer: SubscribeAck) => void) => void;
  unsubscribe: (request: { subscription_id: string }, ack?: (answer: UnsubscribeAck) => void) => void;
}
