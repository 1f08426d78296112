import { Injectable, Logger } from '@nestjs/common';
import type { AppEvent, AppEventListener, AppEventName, AppEvents } from './app-events.js';

/**
 * The typed application event bus: modules emit domain events (AppEvents) and others listen
 * (streaming, the query cache, the component registry, alerting). Delivery is synchronous and
 * in order; a failing listener is logged and never fails the emitter (an ingest request, an
 * insight job). With Redis, the streaming module's relay forwards what this process emits to
 * the other instances and delivers theirs here (`deliverFromPeer`), so listeners see the
 * events of every instance.
 */
@Injectable()
export class AppEventBus {
  private readonly logger = new Logger(AppEventBus.name);
  private readonly listeners = new Map<AppEventName, Set<(payload: never) => void>>();
  private relay?: (event: AppEvent) => void;

  emit<K extends AppEventName>(name: K, payload: AppEvents[K]): void {
    if (Array.isArray(payload) && payload.length === 0) return;
    const event = { name, payload } as AppEvent;
    this.deliver(event);
    this.relay?.(event);
  }

  /** Listens to one event; returns the function that stops listening. */
  on<K extends AppEventName>(name: K, listener: AppEventListener<K>): () => void {
    let listeners = this.listeners.get(name);
    if (!listeners) this.listeners.set(name, (listeners = new Set()));
    const registered = listener as (payload: never) => void;
    listeners.add(registered);
    return () => listeners.delete(registered);
  }

  /** Where emitted events also go (the relay to the other instances); one at most. */
  setRelay(relay: ((event: AppEvent) => void) | undefined): void {
    this.relay = relay;
  }

  /** Events another instance emitted: delivered to this process's listeners, not relayed again. */
  deliverFromPeer(events: readonly AppEvent[]): void {
    for (const event of events) this.deliver(event);
  }

  private deliver(event: AppEvent): void {
    const listeners = this.listeners.get(event.name);
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        (listener as (payload: AppEvent['payload']) => void)(event.payload);
      } catch (error) {
        this.logger.error(
          `listener of ${event.name} failed: ${error instanceof Error ? error.stack : String(error)}`,
        );
      }
    }
  }
}
