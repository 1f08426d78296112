import type { DebugEventRecord, InsightRecord } from '../debug-event.js';

/** How an insight changed: found for the first time, seen again, back after its resolution, resolved. */
export type InsightChangeKind = 'created' | 'updated' | 'regressed' | 'resolved';

/**
 * The application's domain events: what a module announces and others react to. Every name
 * maps to its payload's type; listeners get it typed, with no casts.
 */
export interface AppEvents {
  /** Events the collector accepted (new ids only), in the hot tier already, oldest first. */
  'events.accepted': readonly DebugEventRecord[];
  /** An insight was created, updated, regressed or resolved; `severe`: high or critical, an alert. */
  'insight.changed': { insight: InsightRecord; change: InsightChangeKind; severe: boolean };
  /** A component's state changed (the snapshot's diff), with the id of the event that carried it. */
  'state.changed': Record<string, unknown> & { component_type: string; component_id: string };
  /** Metric points recorded. */
  'metric.recorded': readonly (Record<string, unknown> & {
    name: string;
    component_type: string;
    component_id: string;
  })[];
}

export type AppEventName = keyof AppEvents;

/** One event with its name, as relayed between instances. */
export type AppEvent = { [K in AppEventName]: { name: K; payload: AppEvents[K] } }[AppEventName];

export type AppEventListener<K extends AppEventName> = (payload: AppEvents[K]) => void;
