import type { AppEvent } from '../common/events/app-events.js';

/** The five server→client channels of the Socket.IO namespace /debug. */
export type StreamChannel =
  'debug:event' | 'debug:insight' | 'debug:alert' | 'debug:state_change' | 'debug:metric_update';

export interface StreamMessage {
  channel: StreamChannel;
  /** What subscribers filter on; events carry their own fields. */
  payload: Record<string, unknown>;
}

/**
 * What the stream carries for an application event: one message per event, metric point or
 * state change; an insight change on `debug:insight` (with its `change`) and, when severe, the
 * same message on `debug:alert`.
 */
export function streamMessagesOf(event: AppEvent): StreamMessage[] {
  switch (event.name) {
    case 'events.accepted':
      return event.payload.map((record) => ({
        channel: 'debug:event',
        payload: record as unknown as Record<string, unknown>,
      }));
    case 'metric.recorded':
      return event.payload.map((metric) => ({ channel: 'debug:metric_update', payload: metric }));
    case 'state.changed':
      return [{ channel: 'debug:state_change', payload: event.payload }];
    case 'insight.changed': {
      const payload: Record<string, unknown> = {
        ...event.payload.insight,
        change: event.payload.change,
      };
      const messages: StreamMessage[] = [{ channel: 'debug:insight', payload }];
      if (event.payload.severe) messages.push({ channel: 'debug:alert', payload });
      return messages;
    }
  }
}
