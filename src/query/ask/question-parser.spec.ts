import { parseQuestion, parseTimeRange, type Intent, type KnownNames } from './question-parser.js';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const KNOWN: KnownNames = {
  types: ['payment-service', 'checkout', 'api-gateway', 'worker', 'payments-db', 'inventory-service', 'auth', 'email_sender'],
  ids: ['pay-1', 'pay-2', 'worker-1', 'worker-2', 'worker-3', 'db-1', 'gw-1', 'checkout-7'],
};
const EVENT_ID = '019ab3c2-7a10-7cc1-9a51-3f0c3c1d2e4f';
const OTHER_UUID = '019ab3c2-0000-7000-8000-000000000001';
const PATTERN = '3fa2b9c01d4e5f67';

interface Row {
  question: string;
  intent: Intent;
  components?: string[];
  levels?: string[];
  event_ids?: string[];
  correlation_ids?: string[];
  pattern_ids?: string[];
  session_ids?: string[];
  insight_ids?: string[];
  /** [from, to] ISO, or null for none. */
  time?: [string, string] | null;
}

const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
const nowIso = NOW.toISOString();

const TABLE: Row[] = [
  // The issue's own examples.
  { question: 'why is payment-service failing since 10:00?', intent: 'diagnose', components: ['payment-service'], time: ['2026-11-24T10:00:00.000Z', nowIso] },
  { question: 'what is slow in checkout in the last 15 minutes?', intent: 'slow_operations', components: ['checkout'], time: [minutesAgo(15), nowIso] },
  { question: 'show errors for correlation abc-123', intent: 'search_events', correlation_ids: ['abc-123'], levels: ['error'] },
  { question: 'which workers disagree on config?', intent: 'compare_components', components: ['worker'] },
  // Health.
  { question: 'is payment-service healthy?', intent: 'component_health', components: ['payment-service'] },
  { question: 'how is the api gateway doing?', intent: 'component_health', components: ['api-gateway'] },
  { question: 'status of inventory-service', intent: 'component_health', components: ['inventory-service'] },
  { question: 'is auth down?', intent: 'component_health', components: ['auth'] },
  { question: 'health of checkout and payments-db over the last hour', intent: 'component_health', components: ['checkout', 'payments-db'], time: [minutesAgo(60), nowIso] },
  { question: 'is everything ok?', intent: 'component_health', components: [] },
  { question: 'how are the workers doing today', intent: 'component_health', components: ['worker'], time: ['2026-11-24T00:00:00.000Z', nowIso] },
  { question: 'paymnt-service status', intent: 'component_health', components: ['payment-service'] },
  { question: 'checkout', intent: 'component_health', components: ['checkout'] },
  { question: 'is worker-2 alive?', intent: 'component_health', components: ['worker-2'] },
  // Diagnose.
  { question: "what's wrong with payments-db?", intent: 'diagnose', components: ['payments-db'] },
  { question: 'why does checkout keep crashing', intent: 'diagnose', components: ['checkout'] },
  { question: 'payment service is broken, why?', intent: 'diagnose', components: ['payment-service'] },
  { question: 'why is everything failing', intent: 'diagnose', components: [] },
  // Operation progress.
  { question: 'where is operation order-7f3a stuck?', intent: 'operation_progress', correlation_ids: ['order-7f3a'] },
  { question: 'progress of request req-42', intent: 'operation_progress', correlation_ids: ['req-42'] },
  { question: `what happened to correlation ${OTHER_UUID}?`, intent: 'operation_progress', correlation_ids: [OTHER_UUID], event_ids: [] },
  { question: 'is trace t-9001 finished?', intent: 'operation_progress', correlation_ids: ['t-9001'] },
  { question: 'correlation id: batch_2026_11_24', intent: 'operation_progress', correlation_ids: ['batch_2026_11_24'] },
  // Explain.
  { question: `explain error ${EVENT_ID}`, intent: 'explain_error', event_ids: [EVENT_ID], levels: ['error'] },
  { question: `why did event ${EVENT_ID} happen?`, intent: 'explain_error', event_ids: [EVENT_ID] },
  { question: `root cause of ${EVENT_ID}`, intent: 'explain_error', event_ids: [EVENT_ID] },
  { question: `explain pattern ${PATTERN}`, intent: 'explain_error', pattern_ids: [PATTERN] },
  { question: `what caused ${EVENT_ID} in payment-service`, intent: 'explain_error', event_ids: [EVENT_ID], components: ['payment-service'] },
  // Compare.
  { question: 'compare pay-1 and pay-2', intent: 'compare_components', components: ['pay-1', 'pay-2'] },
  { question: 'checkout vs payment-service in the past 2 hours', intent: 'compare_components', components: ['checkout', 'payment-service'], time: [minutesAgo(120), nowIso] },
  { question: 'difference between worker-1 and worker-3', intent: 'compare_components', components: ['worker-1', 'worker-3'] },
  { question: 'are the worker instances out of sync?', intent: 'compare_components', components: ['worker'] },
  // Slow.
  { question: 'why is api-gateway so slow?', intent: 'slow_operations', components: ['api-gateway'] },
  { question: 'p95 latency of payments-db last 30m', intent: 'slow_operations', components: ['payments-db'], time: [minutesAgo(30), nowIso] },
  { question: 'what are the bottlenecks?', intent: 'slow_operations', components: [] },
  // Search.
  { question: 'show warnings from worker-1 in the last 10 minutes', intent: 'search_events', components: ['worker-1'], levels: ['warning'], time: [minutesAgo(10), nowIso] },
  { question: 'list critical events for payments-db since yesterday', intent: 'search_events', components: ['payments-db'], levels: ['critical'] },
  { question: 'find logs of email sender', intent: 'search_events', components: ['email_sender'] },
  { question: 'errors in checkout between 9:00 and 10:30', intent: 'search_events', components: ['checkout'], levels: ['error'], time: ['2026-11-24T09:00:00.000Z', '2026-11-24T10:30:00.000Z'] },
  { question: 'get events of session ' + OTHER_UUID, intent: 'search_events', session_ids: [OTHER_UUID] },
  // Top errors.
  { question: 'what are the most common errors in payment-service?', intent: 'top_errors', components: ['payment-service'], levels: ['error'] },
  { question: 'top error patterns in the last 24 hours', intent: 'top_errors', components: [], levels: ['error'], time: [minutesAgo(24 * 60), nowIso] },
  // Insights.
  { question: 'any open problems?', intent: 'list_insights', components: [] },
  { question: 'what anomalies were found for inventory-service?', intent: 'list_insights', components: ['inventory-service'] },
  { question: `insight ${OTHER_UUID}`, intent: 'list_insights', insight_ids: [OTHER_UUID], event_ids: [] },
  // Unanswerable.
  { question: 'what is the meaning of life?', intent: 'unknown', components: [] },
  { question: 'hello', intent: 'unknown', components: [] },
];

describe('parseQuestion: a table of phrasings', () => {
  it('has at least 40 phrasings', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(40);
  });

  it.each(TABLE)('$question → $intent', (row) => {
    const parsed = parseQuestion(row.question, KNOWN, NOW);
    expect(parsed.intent).toBe(row.intent);
    if (row.components) expect(parsed.entities.components.map((component) => component.name).sort()).toEqual([...row.components].sort());
    if (row.levels) expect(parsed.entities.levels).toEqual(row.levels);
    if (row.event_ids) expect(parsed.entities.event_ids).toEqual(row.event_ids);
    if (row.correlation_ids) expect(parsed.entities.correlation_ids).toEqual(row.correlation_ids);
    if (row.pattern_ids) expect(parsed.entities.pattern_ids).toEqual(row.pattern_ids);
    if (row.session_ids) expect(parsed.entities.session_ids).toEqual(row.session_ids);
    if (row.insight_ids) expect(parsed.entities.insight_ids).toEqual(row.insight_ids);
    if (row.time === null) expect(parsed.entities.time_range).toBeNull();
    if (row.time) {
      expect(parsed.entities.time_range).not.toBeNull();
      expect([parsed.entities.time_range!.from, parsed.entities.time_range!.to]).toEqual(row.time);
    }
    if (row.intent !== 'unknown') expect(parsed.confidence).toBeGreaterThan(0);
  });
});

describe('parseQuestion: entities', () => {
  it('reports the edit distance of a fuzzy component match', () => {
    const parsed = parseQuestion('paymnt-service status', KNOWN, NOW);
    expect(parsed.entities.components).toEqual([{ text: 'paymnt-service', name: 'payment-service', kind: 'type', distance: 1 }]);
  });

  it('does not take short or common words for components', () => {
    expect(parseQuestion('is it up or down', { types: ['it-ops', 'up-stream'], ids: [] }, NOW).entities.components).toEqual([]);
  });

  it('knows ids from types', () => {
    const parsed = parseQuestion('is gw-1 healthy', KNOWN, NOW);
    expect(parsed.entities.components).toEqual([{ text: 'gw-1', name: 'gw-1', kind: 'id', distance: 0 }]);
  });
});

describe('parseTimeRange', () => {
  it('reads "since 10:00" said before 10:00 as yesterday', () => {
    const early = new Date('2026-11-24T09:00:00.000Z');
    expect(parseTimeRange('since 10:00', early)).toMatchObject({ from: '2026-11-23T10:00:00.000Z', to: early.toISOString() });
  });

  it('reads "yesterday" as the whole UTC day', () => {
    expect(parseTimeRange('errors yesterday', NOW)).toMatchObject({ from: '2026-11-23T00:00:00.000Z', to: '2026-11-24T00:00:00.000Z' });
  });

  it('reads "5 minutes ago"', () => {
    expect(parseTimeRange('since 5 minutes ago', NOW)).toMatchObject({ from: minutesAgo(5), to: nowIso });
  });

  it('returns null without a time', () => {
    expect(parseTimeRange('is checkout healthy', NOW)).toBeNull();
  });
});
