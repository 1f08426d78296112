import { Injectable, Logger } from '@nestjs/common';
import type { DebugEventRecord } from '../common/debug-event.js';

/** The five server→client channels of the Socket.IO namespace /debug. */
export type StreamChannel = 'debug:event' | 'debug:insight' | 'debug:alert' | 'debug:state_change' | 'debug:metric_update';

export interface StreamMessage {
  channel: StreamChannel;
  /** What subscribers filter on; events carry their own fields. */
  payload: Record<string, unknown>;
}

export type StreamListener = (messages: readonly StreamMessage[]) => void;

/**
 * Where other modules publish what the stream should carry. Only the Streaming module
 * emits to sockets: it listens here (and, with Redis, fans messages out to every API
 * instance). Publishing never blocks on subscribers.
 */
@Injectable()
export class StreamBus {
  private readonly logger = new Logger(StreamBus.name);
  private readonly listeners = new Set<StreamListener>();
  /** Forwards what this process publishes to the other instances (set by StreamRelay when Redis is on). */
  private relay?: StreamListener;

  publishEvents(events: readonly DebugEventRecord[]): void {
    if (events.length === 0) return;
    this.emit(events.map((event) => ({ channel: 'debug:event', payload: event as unknown as Record<string, unknown> })));
  }

  publishInsight(insight: Record<string, unknown>, alert: boolean): void {
    const messages: StreamMessage[] = [{ channel: 'debug:insight', payload: insight }];
    if (alert) messages.push({ channel: 'debug:alert', payload: insight });
    this.emit(messages);
  }

  publishStateChange(change: Record<string, unknown>): void {
    this.emit([{ channel: 'debug:state_change', payload: change }]);
  }

  publishMetrics(metrics: readonly Record<string, unknown>[]): void {
    if (metrics.length === 0) return;
    this.emit(metrics.map((metric) => ({ channel: 'debug:metric_update', payload: metric })));
  }

  /** Local listeners (the gateway, cache invalidation). Returns an unsubscribe function. */
  onMessages(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setRelay(relay: StreamListener | undefined): void {
    this.relay = relay;
  }

  /** Messages another instance published: delivered to this process's listeners, not relayed again. */
  deliverFromPeer(messages: readonly StreamMessage[]): void {
    this.deliver(messages);
  }

  protected emit(messages: readonly StreamMessage[]): void {
    this.deliver(messages);
    this.relay?.(messages);
  }

  private deliver(messages: readonly StreamMessage[]): void {
    for (const listener of this.listeners) {
      // A failing listener must not fail the publisher (an ingest request, an insight job).
      try {
        listener(messages);
      } catch (error) {
        this.logger.error(`stream listener failed: ${error instanceof Error ? error.stack : String(error)}`);
      }
    }
  }
}
