import type { AppEventBus } from '../common/events/app-event-bus.js';

/**
 * How alerting hears that insights changed: the application bus's `insight.changed` (this
 * process's, and with Redis the other instances' too). Nothing else in the module knows where
 * the signal comes from. The scheduled evaluation reads the insights table anyway, so a change
 * no listener heard is still seen.
 */
export function onInsightChanged(bus: AppEventBus, listener: () => void): () => void {
  return bus.on('insight.changed', () => listener());
}
