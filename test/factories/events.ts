import type { DebugEventRecord } from '../../src/common/debug-event.js';
import { newId } from '../../src/common/ids.js';
import { takeEvents, type CorpusEvent } from '../../bench/event-corpus.js';

let sequence = 0;

/** One stored event record (server fields filled), as the hot tier and the warm writer take it. */
export function eventRecord(overrides: Partial<DebugEventRecord> = {}): DebugEventRecord {
  const now = new Date().toISOString();
  return {
    id: newId(),
    timestamp: now,
    event_type: 'log',
    level: 'info',
    component_type: 'api',
    component_id: 'api-1',
    correlation_id: null,
    parent_event_id: null,
    operation: null,
    duration_ms: null,
    message: 'hello',
    data: null,
    metadata: null,
    session_id: null,
    pattern_id: null,
    ingested_at: now,
    ...overrides,
  };
}

/** One valid wire event (snake_case) with every field; override what the test is about. */
export function wireEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  sequence++;
  const timestamp = new Date(Date.now() - 1000);
  return {
    id: newId(timestamp),
    timestamp: timestamp.toISOString(),
    event_type: 'log',
    level: 'info',
    component_type: 'api',
    component_id: `api-${sequence % 3}`,
    correlation_id: `corr-${sequence}`,
    parent_event_id: null,
    operation: 'handle-request',
    duration_ms: 12.5,
    message: `request ${sequence} handled`,
    data: { sequence },
    metadata: { host: 'test' },
    session_id: null,
    ...overrides,
  };
}

/** `count` valid events with fresh ids, spread over the last hour. */
export function wireBatch(
  count: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown>[] {
  return Array.from({ length: count }, () => wireEvent(overrides));
}

/** Deterministic events from the benchmark corpus (fixed seed), times within the last day. */
export function corpusEvents(count: number, seed = 42): CorpusEvent[] {
  return takeEvents(count, { seed, days: 1, components: 50 });
}

/** Events that are each wrong in one way, with the field the answer must name. */
export function badEvents(): { event: Record<string, unknown>; field: string }[] {
  return [
    { event: wireEvent({ level: 'loud' }), field: 'level' },
    { event: wireEvent({ event_type: undefined }), field: 'event_type' },
    { event: wireEvent({ component_id: '' }), field: 'component_id' },
    { event: wireEvent({ component_type: 'x'.repeat(129) }), field: 'component_type' },
    { event: wireEvent({ id: 'not-a-uuid' }), field: 'id' },
    { event: wireEvent({ timestamp: 'yesterday' }), field: 'timestamp' },
    { event: wireEvent({ duration_ms: -1 }), field: 'duration_ms' },
    { event: wireEvent({ duration_ms: '12' }), field: 'duration_ms' },
    { event: wireEvent({ data: [1, 2, 3] }), field: 'data' },
    { event: wireEvent({ metadata: 'text' }), field: 'metadata' },
    { event: wireEvent({ surprise: true }), field: 'surprise' },
    { event: wireEvent({ message: 42 }), field: 'message' },
    { event: wireEvent({ data: { blob: 'x'.repeat(70_000) } }), field: 'data' },
    { event: wireEvent({ message: 'nul \u0000 inside' }), field: 'message' },
    {
      event: wireEvent({ timestamp: new Date(Date.now() + 3 * 86_400_000).toISOString() }),
      field: 'timestamp',
    },
    { event: wireEvent({ pattern_id: 'abc' }), field: 'pattern_id' },
  ];
}
