import type { InsightRecord } from '../common/debug-event.js';
import type { AppEvent } from '../common/events/app-events.js';

/**
 * What a cache entry depends on: `component:<component_type>`, `correlation:<id>`,
 * `pattern:<id>`, `session:<id>`, `insights` (any insight change) or `any` (any new event).
 */
export type CacheTag = string;

export const TAG_ANY_EVENT = 'any';
export const TAG_INSIGHTS = 'insights';
export const componentTag = (componentType: string): CacheTag => `component:${componentType}`;
export const correlationTag = (correlationId: string): CacheTag => `correlation:${correlationId}`;
export const patternTag = (patternId: string): CacheTag => `pattern:${patternId}`;
export const sessionTag = (sessionId: string): CacheTag => `session:${sessionId}`;

/** A stable key: the same parameters in any key order give the same key. */
export function cacheKey(kind: string, params: unknown): string {
  return `${kind}:${stableJson(params)}`;
}

function stableJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** The tags an application event makes stale. */
export function tagsOfEvent(event: AppEvent): Set<CacheTag> {
  const tags = new Set<CacheTag>();
  switch (event.name) {
    case 'events.accepted':
      for (const record of event.payload)
        addRecordTags(tags, record as unknown as Record<string, unknown>);
      break;
    case 'metric.recorded':
      for (const metric of event.payload) addRecordTags(tags, metric);
      break;
    case 'state.changed':
      addRecordTags(tags, event.payload);
      break;
    case 'insight.changed':
      addInsightTags(tags, event.payload.insight);
      break;
  }
  return tags;
}

function addRecordTags(tags: Set<CacheTag>, payload: Record<string, unknown>): void {
  tags.add(TAG_ANY_EVENT);
  const componentType = text(payload.component_type);
  if (componentType) tags.add(componentTag(componentType));
  const correlationId = text(payload.correlation_id);
  if (correlationId) tags.add(correlationTag(correlationId));
  const patternId = text(payload.pattern_id);
  if (patternId) tags.add(patternTag(patternId));
  const sessionId = text(payload.session_id);
  if (sessionId) tags.add(sessionTag(sessionId));
}

function addInsightTags(tags: Set<CacheTag>, insight: InsightRecord): void {
  tags.add(TAG_INSIGHTS);
  for (const component of insight.affected_components ?? []) {
    const componentType = text(component?.component_type);
    if (componentType) tags.add(componentTag(componentType));
  }
}
