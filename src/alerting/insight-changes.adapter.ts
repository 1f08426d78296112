import { StreamBus } from '../streaming/stream-bus.js';

/**
 * How alerting hears that insights changed: today the StreamBus's `debug:insight` messages of
 * this process. When the typed application bus lands, this becomes its `insight.changed`
 * subscription; nothing else in the module knows where the signal comes from. The scheduled
 * evaluation reads the insights table anyway, so changes written by another process are seen.
 */
export function onInsightChanged(bus: StreamBus, listener: () => void): () => void {
  return bus.onMessages((messages) => {
    if (messages.some((message) => message.channel === 'debug:insight')) listener();
  });
}
