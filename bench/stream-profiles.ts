import type { CorpusEvent } from './event-corpus.js';

/** The events the stream bench sends: corpus events stamped with the moment their POST left. */
export type Event = CorpusEvent & { data: Record<string, unknown> & { sent_ms?: number } };

export interface Profile {
  name: string;
  filters: Record<string, unknown>;
  wants(event: Event): boolean;
}

const COMPONENT_TYPES = ['agent', 'worker', 'api', 'scheduler', 'gateway', 'indexer'];

/** The mix of subscriptions: dashboards, component and operation followers, alert watchers. */
export function profileFor(index: number): Profile {
  const slot = index % 20;
  if (slot === 0) return { name: 'everything', filters: {}, wants: () => true };
  if (slot <= 3) {
    return {
      name: 'critical',
      filters: { levels: ['critical'] },
      wants: (event) => event.level === 'critical',
    };
  }
  if (slot <= 7) {
    const type = COMPONENT_TYPES[index % COMPONENT_TYPES.length];
    return {
      name: 'component type',
      filters: { component_types: [type] },
      wants: (event) => event.component_type === type,
    };
  }
  if (slot <= 13) {
    const ids = Array.from({ length: 10 }, (_, offset) => `c-${(index * 7 + offset * 31) % 300}`);
    const set = new Set(ids);
    return {
      name: '10 components',
      filters: { component_ids: ids },
      wants: (event) => set.has(event.component_id),
    };
  }
  if (slot <= 17) {
    const ops = Array.from(
      { length: 200 },
      (_, offset) => `op-${(index * 997 + offset * 211) % 50_000}`,
    );
    const set = new Set(ops);
    return {
      name: '200 operations',
      filters: { correlation_ids: ops },
      wants: (event) => set.has(event.correlation_id),
    };
  }
  const type = COMPONENT_TYPES[index % COMPONENT_TYPES.length];
  return {
    name: 'errors of a type',
    filters: { event_types: ['error'], component_types: [type], levels: ['error', 'critical'] },
    wants: (event) =>
      event.event_type === 'error' &&
      event.component_type === type &&
      (event.level === 'error' || event.level === 'critical'),
  };
}
