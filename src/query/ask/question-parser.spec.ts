import { parseQuestion, parseTimeRange, type Intent, type KnownNames } from './question-parser.js';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const KNOWN: KnownNames = {
  types: [
    'payment-service',
    'checkout',
    'api-gateway',
    'worker',
    'payments-db',
    'inventory-service',
    'auth',
    'email_sender',
    'order-service',
  ],
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
  /** Spellings to look up in the store; checks that these are among them. */
  id_candidates?: string[];
  /** [from, to] ISO, or null for none. */
  time?: [string, string] | null;
  flow_kinds?: string[];
  /** The words events must contain; null for none. */
  text?: string | null;
  /** What the question is about when it names no component; null for none. */
  topic?: string | null;
}

const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();
const nowIso = NOW.toISOString();

const TABLE: Row[] = [
  // The issue's own examples.
  {
    question: 'why is payment-service failing since 10:00?',
    intent: 'diagnose',
    components: ['payment-service'],
    time: ['2026-11-24T10:00:00.000Z', nowIso],
  },
  {
    question: 'what is slow in checkout in the last 15 minutes?',
    intent: 'slow_operations',
    components: ['checkout'],
    time: [minutesAgo(15), nowIso],
  },
  {
    question: 'show errors for correlation abc-123',
    intent: 'search_events',
    correlation_ids: ['abc-123'],
    levels: ['error'],
  },
  {
    question: 'which workers disagree on config?',
    intent: 'compare_components',
    components: ['worker'],
  },
  // Health.
  {
    question: 'is payment-service healthy?',
    intent: 'component_health',
    components: ['payment-service'],
  },
  {
    question: 'how is the api gateway doing?',
    intent: 'component_health',
    components: ['api-gateway'],
  },
  {
    question: 'status of inventory-service',
    intent: 'component_health',
    components: ['inventory-service'],
  },
  { question: 'is auth down?', intent: 'component_health', components: ['auth'] },
  {
    question: 'health of checkout and payments-db over the last hour',
    intent: 'component_health',
    components: ['checkout', 'payments-db'],
    time: [minutesAgo(60), nowIso],
  },
  { question: 'is everything ok?', intent: 'component_health', components: [] },
  {
    question: 'how are the workers doing today',
    intent: 'component_health',
    components: ['worker'],
    time: ['2026-11-24T00:00:00.000Z', nowIso],
  },
  {
    question: 'paymnt-service status',
    intent: 'component_health',
    components: ['payment-service'],
  },
  { question: 'checkout', intent: 'component_health', components: ['checkout'] },
  { question: 'is worker-2 alive?', intent: 'component_health', components: ['worker-2'] },
  // a leading word cut short, as people abbreviate
  { question: 'is inven healthy?', intent: 'component_health', components: ['inventory-service'] },
  // Diagnose.
  { question: "what's wrong with payments-db?", intent: 'diagnose', components: ['payments-db'] },
  { question: 'why does checkout keep crashing', intent: 'diagnose', components: ['checkout'] },
  {
    question: 'payment service is broken, why?',
    intent: 'diagnose',
    components: ['payment-service'],
  },
  { question: 'why is everything failing', intent: 'diagnose', components: [] },
  // Operation progress.
  {
    question: 'where is operation order-7f3a stuck?',
    intent: 'operation_progress',
    correlation_ids: ['order-7f3a'],
  },
  {
    question: 'progress of request req-42',
    intent: 'operation_progress',
    correlation_ids: ['req-42'],
  },
  {
    question: `what happened to correlation ${OTHER_UUID}?`,
    intent: 'operation_progress',
    correlation_ids: [OTHER_UUID],
    event_ids: [],
  },
  {
    question: 'is trace t-9001 finished?',
    intent: 'operation_progress',
    correlation_ids: ['t-9001'],
  },
  {
    question: 'correlation id: batch_2026_11_24',
    intent: 'operation_progress',
    correlation_ids: ['batch_2026_11_24'],
  },
  // Explain.
  {
    question: `explain error ${EVENT_ID}`,
    intent: 'explain_error',
    event_ids: [EVENT_ID],
    levels: ['error'],
  },
  { question: `why did event ${EVENT_ID} happen?`, intent: 'explain_error', event_ids: [EVENT_ID] },
  { question: `root cause of ${EVENT_ID}`, intent: 'explain_error', event_ids: [EVENT_ID] },
  { question: `explain pattern ${PATTERN}`, intent: 'explain_error', pattern_ids: [PATTERN] },
  // 16 hex digits unlabelled: a pattern id or an OTel span id, which the store tells apart.
  {
    question: 'what happened in span 00f067aa0ba902b7?',
    intent: 'operation_progress',
    pattern_ids: [],
    id_candidates: ['00f067aa0ba902b7'],
  },
  {
    question: 'why did 00F067AA0BA902B7 fail',
    intent: 'operation_progress',
    pattern_ids: [],
    id_candidates: ['00f067aa0ba902b7'],
  },
  {
    question: `explain ${PATTERN}`,
    intent: 'operation_progress',
    pattern_ids: [],
    id_candidates: [PATTERN],
  },
  // a reference in capitals with a separator is an id without a digit; a word is not
  {
    question: 'what happened to BKG-TYNVMJ?',
    intent: 'operation_progress',
    id_candidates: ['BKG-TYNVMJ'],
  },
  { question: 'is the HTTP-API slow?', intent: 'slow_operations', id_candidates: [] },
  {
    question: 'span_id=a3ce929d0e0e4736 in trace 4bf92f3577b34da6a3ce929d0e0e4736',
    intent: 'operation_progress',
    pattern_ids: [],
    id_candidates: ['a3ce929d0e0e4736'],
  },
  {
    question: `what caused ${EVENT_ID} in payment-service`,
    intent: 'explain_error',
    event_ids: [EVENT_ID],
    components: ['payment-service'],
  },
  // Compare.
  {
    question: 'compare pay-1 and pay-2',
    intent: 'compare_components',
    components: ['pay-1', 'pay-2'],
  },
  {
    question: 'checkout vs payment-service in the past 2 hours',
    intent: 'compare_components',
    components: ['checkout', 'payment-service'],
    time: [minutesAgo(120), nowIso],
  },
  {
    question: 'difference between worker-1 and worker-3',
    intent: 'compare_components',
    components: ['worker-1', 'worker-3'],
  },
  {
    question: 'are the worker instances out of sync?',
    intent: 'compare_components',
    components: ['worker'],
  },
  // Slow.
  {
    question: 'why is api-gateway so slow?',
    intent: 'slow_operations',
    components: ['api-gateway'],
  },
  {
    question: 'p95 latency of payments-db last 30m',
    intent: 'slow_operations',
    components: ['payments-db'],
    time: [minutesAgo(30), nowIso],
  },
  { question: 'what are the bottlenecks?', intent: 'slow_operations', components: [] },
  // Search.
  {
    question: 'show warnings from worker-1 in the last 10 minutes',
    intent: 'search_events',
    components: ['worker-1'],
    levels: ['warning'],
    time: [minutesAgo(10), nowIso],
  },
  {
    question: 'list critical events for payments-db since yesterday',
    intent: 'search_events',
    components: ['payments-db'],
    levels: ['critical'],
  },
  { question: 'find logs of email sender', intent: 'search_events', components: ['email_sender'] },
  {
    question: 'errors in checkout between 9:00 and 10:30',
    intent: 'search_events',
    components: ['checkout'],
    levels: ['error'],
    time: ['2026-11-24T09:00:00.000Z', '2026-11-24T10:30:00.000Z'],
  },
  {
    question: 'get events of session ' + OTHER_UUID,
    intent: 'search_events',
    session_ids: [OTHER_UUID],
  },
  // Top errors.
  {
    question: 'what are the most common errors in payment-service?',
    intent: 'top_errors',
    components: ['payment-service'],
    levels: ['error'],
  },
  {
    question: 'top error patterns in the last 24 hours',
    intent: 'top_errors',
    components: [],
    levels: ['error'],
    time: [minutesAgo(24 * 60), nowIso],
  },
  // Insights.
  { question: 'any open problems?', intent: 'list_insights', components: [] },
  {
    question: 'what anomalies were found for inventory-service?',
    intent: 'list_insights',
    components: ['inventory-service'],
  },
  {
    question: `insight ${OTHER_UUID}`,
    intent: 'list_insights',
    insight_ids: [OTHER_UUID],
    event_ids: [],
  },
  // Ids as people write them: looked up in the store, no trigger word needed.
  {
    question: 'what happened to order 123',
    intent: 'operation_progress',
    id_candidates: ['order-123', 'order_123', '123'],
  },
  { question: 'order-123?', intent: 'operation_progress', id_candidates: ['order-123'] },
  {
    question: 'request 42 never came back',
    intent: 'operation_progress',
    id_candidates: ['request-42', 'req-42', '42'],
  },
  { question: 'trace 4bf92f35…', intent: 'operation_progress', id_candidates: ['4bf92f35…'] },
  {
    question: 'trace 4bf92f3577b34da6...',
    intent: 'operation_progress',
    id_candidates: ['4bf92f3577b34da6…'],
  },
  {
    question: 'what happened with INV-2026-0042?',
    intent: 'operation_progress',
    id_candidates: ['INV-2026-0042'],
  },
  {
    question: 'customer says payment pmt_8812 is still pending, where is it?',
    intent: 'operation_progress',
    id_candidates: ['pmt_8812'],
  },
  {
    question: 'job 7781 has been running forever',
    intent: 'operation_progress',
    id_candidates: ['job-7781', '7781'],
  },
  {
    question: 'status of ticket #4411',
    intent: 'operation_progress',
    id_candidates: ['ticket-4411', '4411'],
  },
  {
    question: 'can you check req_9f8e7d',
    intent: 'operation_progress',
    id_candidates: ['req_9f8e7d'],
  },
  {
    question: 'did order 5521 go through?',
    intent: 'operation_progress',
    id_candidates: ['order-5521'],
  },
  {
    question: 'user reported that checkout for cart c-1189 hangs',
    intent: 'operation_progress',
    components: ['checkout'],
    id_candidates: ['c-1189'],
  },
  {
    question: 'show me the logs for order 99',
    intent: 'search_events',
    id_candidates: ['order-99', '99'],
  },
  {
    question: 'errors for request abc-77 in the last hour',
    intent: 'search_events',
    levels: ['error'],
    id_candidates: ['abc-77'],
    time: [minutesAgo(60), nowIso],
  },
  {
    question: 'timeline of tx 0xdeadbeef01',
    intent: 'operation_progress',
    id_candidates: ['0xdeadbeef01'],
  },
  {
    question: 'why did order 123 fail?',
    intent: 'operation_progress',
    id_candidates: ['order-123'],
  },
  {
    question: 'was batch 2026-11-23-nightly processed?',
    intent: 'operation_progress',
    id_candidates: ['batch-2026-11-23-nightly'],
  },
  { question: 'is run 17 done yet', intent: 'operation_progress', id_candidates: ['run-17', '17'] },
  {
    question: 'where did upload u-553 get stuck',
    intent: 'operation_progress',
    id_candidates: ['u-553'],
  },
  {
    question: 'anything on shipment SHP12345?',
    intent: 'operation_progress',
    id_candidates: ['SHP12345'],
  },
  // Not ids: times, percentiles, status codes, counts.
  {
    question: 'p99 of checkout over the last 24h',
    intent: 'slow_operations',
    components: ['checkout'],
    id_candidates: [],
  },
  {
    question: 'lots of 5xx from api-gateway in the last 30 minutes',
    intent: 'diagnose',
    components: ['api-gateway'],
    id_candidates: [],
  },
  {
    question: 'errors since 10:30 in payment-service',
    intent: 'search_events',
    components: ['payment-service'],
    id_candidates: [],
  },
  {
    question: 'is pay-1 healthy',
    intent: 'component_health',
    components: ['pay-1'],
    id_candidates: [],
  },
  // Counts and times.
  {
    question: 'how many errors did payment-service log in the last hour?',
    intent: 'count_events',
    components: ['payment-service'],
    levels: ['error'],
    time: [minutesAgo(60), nowIso],
  },
  {
    question: 'number of warnings in checkout today',
    intent: 'count_events',
    components: ['checkout'],
  },
  { question: 'how often did auth time out?', intent: 'count_events', components: ['auth'] },
  { question: 'how many services are there?', intent: 'unknown' },
  { question: 'when did checkout start failing?', intent: 'since_when', components: ['checkout'] },
  // a thing that names no component is looked for in the errors' text
  { question: 'when did uploads start failing?', intent: 'since_when', topic: 'upload' },
  { question: 'since when is worker-2 down?', intent: 'since_when', components: ['worker-2'] },
  { question: 'how long has auth been broken?', intent: 'since_when', components: ['auth'] },
  {
    question: 'when was the first error in payments-db?',
    intent: 'since_when',
    components: ['payments-db'],
  },
  // The words a message must hold name no component and no id.
  {
    question: "logs with 'checkout timed out'",
    intent: 'search_events',
    components: [],
    text: 'checkout timed out',
  },
  {
    question: 'errors mentioning es-catalog-2',
    intent: 'search_events',
    id_candidates: [],
    correlation_ids: [],
    text: 'es-catalog-2',
  },
  // A thing that names no component, asked about as one.
  { question: 'is stripe down?', intent: 'component_health', components: [], topic: 'stripe' },
  { question: 'is the fraud service healthy?', intent: 'component_health', topic: 'fraud' },
  { question: 'how are things?', intent: 'component_health', topic: null },
  // A slip in a word of one known name.
  { question: 'gatway errors', intent: 'search_events', components: ['api-gateway'] },
  { question: 'wat is wrong wth inventry', intent: 'diagnose', components: ['inventory-service'] },
  // What changed.
  { question: 'what changed at 10:40?', intent: 'what_changed' },
  { question: 'recent config changes', intent: 'what_changed' },
  {
    question: 'did payment-service config change today?',
    intent: 'what_changed',
    components: ['payment-service'],
  },
  { question: 'what was deployed in the last hour?', intent: 'what_changed' },
  { question: 'anything changed on checkout?', intent: 'what_changed', components: ['checkout'] },
  // Failure rankings.
  { question: 'which service fails most?', intent: 'rank_failures' },
  { question: 'errors per component in the last hour', intent: 'rank_failures' },
  // two windows of one thing, not two components
  { question: 'compare errors this hour with the previous hour', intent: 'count_events' },
  {
    question: 'compare the latency of payment-service now vs an hour ago',
    intent: 'slow_operations',
    components: ['payment-service'],
  },
  // an error rate is a count of errors against the events
  {
    question: "what's the error rate of payment-service?",
    intent: 'count_events',
    components: ['payment-service'],
    levels: ['error'],
  },
  {
    question: 'how many errors in total in the last 15 minutes?',
    intent: 'count_events',
    topic: null,
  },
  {
    question: 'which service fails the most in the last hour',
    intent: 'rank_failures',
    time: [minutesAgo(60), nowIso],
  },
  { question: 'what component has the highest error rate', intent: 'rank_failures' },
  {
    question: 'top failing services today',
    intent: 'rank_failures',
    time: ['2026-11-24T00:00:00.000Z', nowIso],
  },
  { question: 'who is throwing the most errors right now?', intent: 'rank_failures' },
  { question: 'rank services by error rate', intent: 'rank_failures' },
  { question: 'worst service by errors this morning', intent: 'rank_failures' },
  { question: 'which workers crash the most', intent: 'rank_failures', components: ['worker'] },
  { question: "what's the least reliable service?", intent: 'rank_failures' },
  { question: 'which instance is erroring most', intent: 'rank_failures' },
  // Work that hangs or skipped a step: the flow insights.
  { question: "what's stuck?", intent: 'list_insights', flow_kinds: ['stuck_flow'] },
  {
    question: 'any stuck operations in the last hour?',
    intent: 'list_insights',
    flow_kinds: ['stuck_flow'],
  },
  {
    question: 'show me flows that never completed',
    intent: 'list_insights',
    flow_kinds: ['stuck_flow'],
  },
  {
    question: 'did any onboarding skip the identity check?',
    intent: 'list_insights',
    flow_kinds: ['broken_flow'],
  },
  {
    question: 'which jobs are hanging on worker-2?',
    intent: 'list_insights',
    components: ['worker-2'],
    flow_kinds: ['stuck_flow'],
  },
  {
    question: 'is anything stalled or skipping steps?',
    intent: 'list_insights',
    flow_kinds: ['stuck_flow', 'broken_flow'],
  },
  { question: 'any open problems?', intent: 'list_insights', flow_kinds: [] },
  // Open problems.
  { question: 'anything on fire?', intent: 'list_insights' },
  { question: 'are there any open issues', intent: 'list_insights' },
  { question: 'what problems do we have right now', intent: 'list_insights' },
  { question: 'any alerts?', intent: 'list_insights' },
  { question: 'show me open incidents', intent: 'list_insights' },
  { question: 'anything I should worry about?', intent: 'list_insights' },
  { question: 'what regressed since yesterday', intent: 'list_insights' },
  {
    question: 'any anomalies in the last 6 hours?',
    intent: 'list_insights',
    time: [minutesAgo(360), nowIso],
  },
  // Slowness, phrased loosely.
  { question: 'what is slow', intent: 'slow_operations', components: [] },
  // "now" is an instant, not a window: the intent's default window applies
  { question: 'what is slow right now?', intent: 'slow_operations', time: null },
  {
    question: 'why is the api gateway so laggy',
    intent: 'slow_operations',
    components: ['api-gateway'],
  },
  { question: 'checkout takes forever', intent: 'slow_operations', components: ['checkout'] },
  {
    question: 'requests are timing out on payment-service',
    intent: 'slow_operations',
    components: ['payment-service'],
  },
  { question: 'which endpoints have the worst latency?', intent: 'slow_operations' },
  { question: 'page loads are really slow since the deploy', intent: 'slow_operations' },
  {
    question: 'payments-db queries are crawling',
    intent: 'slow_operations',
    components: ['payments-db'],
  },
  {
    question: 'high response time on inventory-service',
    intent: 'slow_operations',
    components: ['inventory-service'],
  },
  // Diagnose and health, chat style.
  {
    question: 'checkout is throwing 500s, what is going on',
    intent: 'diagnose',
    components: ['checkout'],
  },
  {
    question: 'payment-service keeps restarting, why?',
    intent: 'diagnose',
    components: ['payment-service'],
  },
  { question: 'auth is returning errors for everyone', intent: 'diagnose', components: ['auth'] },
  { question: 'is anything down?', intent: 'component_health' },
  { question: 'how healthy is worker-3', intent: 'component_health', components: ['worker-3'] },
  {
    question: 'is the inventory service up',
    intent: 'component_health',
    components: ['inventory-service'],
  },
  { question: "what's up with payments-db", intent: 'diagnose', components: ['payments-db'] },
  {
    question: 'something is off with email sender',
    intent: 'diagnose',
    components: ['email_sender'],
  },
  { question: 'gw-1 misbehaving since 9am', intent: 'diagnose', components: ['gw-1'] },
  // Top errors and search, chat style.
  { question: 'what errors are we seeing the most?', intent: 'top_errors', levels: ['error'] },
  {
    question: 'most frequent exceptions in checkout',
    intent: 'top_errors',
    components: ['checkout'],
  },
  { question: 'recurring failures this week', intent: 'top_errors' },
  {
    question: 'grep logs of worker-2 for warnings',
    intent: 'search_events',
    components: ['worker-2'],
    levels: ['warning'],
  },
  {
    question: 'tail the errors from pay-2',
    intent: 'search_events',
    components: ['pay-2'],
    levels: ['error'],
  },
  {
    question: 'fatal errors in the past 2 days',
    intent: 'search_events',
    levels: ['error', 'critical'],
    time: [minutesAgo(2 * 24 * 60), nowIso],
  },
  // Compare, chat style.
  {
    question: 'pay-1 vs pay-2 error rate',
    intent: 'compare_components',
    components: ['pay-1', 'pay-2'],
  },
  {
    question: 'why does worker-1 behave differently from worker-2',
    intent: 'compare_components',
    components: ['worker-1', 'worker-2'],
  },
  {
    question: 'are all the workers configured the same?',
    intent: 'compare_components',
    components: ['worker'],
  },
  // Rows found by probing with phrasings outside the table.
  {
    question: 'any idea why checkout returns 502?',
    intent: 'diagnose',
    components: ['checkout'],
    id_candidates: [],
  },
  {
    question: 'what went wrong with order #8812',
    intent: 'operation_progress',
    id_candidates: ['order-8812', '8812'],
  },
  {
    question: 'where is my order 5521',
    intent: 'operation_progress',
    id_candidates: ['order-5521'],
  },
  {
    question: 'look up request id 7f3a9c',
    intent: 'operation_progress',
    id_candidates: ['7f3a9c'],
  },
  { question: 'what broke in the last 10 min', intent: 'diagnose', time: [minutesAgo(10), nowIso] },
  { question: 'who is failing', intent: 'rank_failures' },
  { question: 'error rate per service', intent: 'rank_failures' },
  { question: 'which component is the worst right now', intent: 'component_health' },
  {
    question: 'diff config between pay-1 and pay-2',
    intent: 'compare_components',
    components: ['pay-1', 'pay-2'],
  },
  { question: 'anything new since the deploy?', intent: 'list_insights' },
  { question: 'users cannot pay', intent: 'diagnose' },
  {
    question: 'checkout 500 errors',
    intent: 'search_events',
    components: ['checkout'],
    id_candidates: [],
  },
  {
    question: 'summarize errors for api-gateway last hour',
    intent: 'top_errors',
    components: ['api-gateway'],
  },
  { question: 'memory leak in worker-1?', intent: 'diagnose', components: ['worker-1'] },
  {
    question: 'job op-1234-xk… never finished',
    intent: 'operation_progress',
    id_candidates: ['op-1234-xk…'],
  },
  {
    question: 'the order ORD-2026-001 is stuck in processing',
    intent: 'operation_progress',
    id_candidates: ['ORD-2026-001'],
  },
  // Unanswerable.
  { question: 'what is the meaning of life?', intent: 'unknown', components: [] },
  { question: 'hello', intent: 'unknown', components: [] },
];

/**
 * Phrasings of the general classes a probe of 171 questions written outside this table found
 * unread (the probe itself is not here, so it stays a check nothing was tuned against): each row
 * failed before its class was handled.
 */
const CLASSES: Record<string, Row[]> = {
  'a misspelt keyword reads as the keyword': [
    {
      question: 'exceptons in checkout today',
      intent: 'search_events',
      components: ['checkout'],
      levels: ['error'],
      time: ['2026-11-24T00:00:00.000Z', nowIso],
    },
    {
      question: 'any critcal events from payments-db?',
      intent: 'search_events',
      components: ['payments-db'],
      levels: ['critical'],
    },
    { question: 'latnecy of gw-1', intent: 'slow_operations', components: ['gw-1'] },
    {
      question: 'comapre pay-1 with pay-2',
      intent: 'compare_components',
      components: ['pay-1', 'pay-2'],
    },
  ],
  'a component named as people say it': [
    { question: 'chekcout down?', intent: 'component_health', components: ['checkout'] },
    { question: 'orders failing since 9', intent: 'diagnose', components: ['order-service'] },
    { question: 'is the gateway healthy', intent: 'component_health', components: ['api-gateway'] },
    { question: 'sender keeps crashing', intent: 'diagnose', components: ['email_sender'] },
    { question: 'checkout so laggy lately', intent: 'slow_operations', components: ['checkout'] },
  ],
  'times as people say them': [
    {
      question: 'warnings since saturday',
      intent: 'search_events',
      time: ['2026-11-21T00:00:00.000Z', nowIso],
    },
    {
      question: 'payments-db errors on sunday',
      intent: 'search_events',
      time: ['2026-11-22T00:00:00.000Z', '2026-11-23T00:00:00.000Z'],
    },
    {
      question: 'what broke overnight',
      intent: 'diagnose',
      time: ['2026-11-23T18:00:00.000Z', '2026-11-24T06:00:00.000Z'],
    },
    {
      question: 'checkout warnings during the weekend',
      intent: 'search_events',
      time: ['2026-11-21T00:00:00.000Z', '2026-11-23T00:00:00.000Z'],
    },
    {
      question: 'worker-2 logs 45m',
      intent: 'search_events',
      components: ['worker-2'],
      time: [minutesAgo(45), nowIso],
    },
    {
      question: 'errors in checkout from 14:00 to 15:00 yesterday',
      intent: 'search_events',
      time: ['2026-11-23T14:00:00.000Z', '2026-11-23T15:00:00.000Z'],
    },
    {
      question: 'errors between 8 and 11 in payment-service',
      intent: 'search_events',
      time: ['2026-11-24T08:00:00.000Z', '2026-11-24T11:00:00.000Z'],
    },
    {
      question: 'what happened to pay-2 since friday 20:00',
      intent: 'diagnose',
      time: ['2026-11-20T20:00:00.000Z', nowIso],
    },
    {
      question: 'failures in the past fortnight',
      intent: 'search_events',
      time: [minutesAgo(14 * 24 * 60), nowIso],
    },
  ],
  'the words of a component name are not vocabulary': [
    {
      question: 'top 3 errors from order-service',
      intent: 'top_errors',
      components: ['order-service'],
    },
    {
      question: 'top errors today in inventory-service',
      intent: 'top_errors',
      components: ['inventory-service'],
    },
  ],
  'a question about messages is not a ranking of components': [
    { question: 'which exceptions show up most often', intent: 'top_errors' },
    {
      question: 'what sort of failures does checkout have',
      intent: 'top_errors',
      components: ['checkout'],
    },
    { question: 'exception breakdown for pay-1', intent: 'top_errors', components: ['pay-1'] },
  ],
  'symptoms and requests to investigate': [
    { question: 'please investigate payments-db', intent: 'diagnose', components: ['payments-db'] },
    {
      question: 'auth returns 429 since noon',
      intent: 'diagnose',
      components: ['auth'],
      id_candidates: [],
    },
    { question: 'email sender is dead again', intent: 'diagnose', components: ['email_sender'] },
    {
      question: 'worker-3 keeps dropping connections',
      intent: 'diagnose',
      components: ['worker-3'],
    },
    { question: 'what happened to gw-1 this morning', intent: 'diagnose', components: ['gw-1'] },
    {
      question: 'inventory-service has been unstable all day',
      intent: 'diagnose',
      components: ['inventory-service'],
    },
  ],
  'events asked for without a verb': [
    { question: 'pay-2 logs since 11:00', intent: 'search_events', components: ['pay-2'] },
    {
      question: 'what did gw-1 log in the last 5 minutes',
      intent: 'search_events',
      components: ['gw-1'],
    },
    {
      question: 'entries that mention latency in worker-1',
      intent: 'search_events',
      components: ['worker-1'],
    },
    {
      question: 'errors containing timeout from pay-1',
      intent: 'search_events',
      components: ['pay-1'],
    },
    {
      question: 'pull up the payments-db events from today',
      intent: 'search_events',
      components: ['payments-db'],
    },
  ],
  'slowness without the word slow': [
    {
      question: 'what takes longest in order-service',
      intent: 'slow_operations',
      components: ['order-service'],
    },
    {
      question: 'long-running queries on payments-db',
      intent: 'slow_operations',
      components: ['payments-db'],
    },
    {
      question: 'why does checkout take 12 seconds to load',
      intent: 'slow_operations',
      time: null,
    },
  ],
  'two components weighed against each other': [
    {
      question: 'is pay-1 slower than pay-2',
      intent: 'compare_components',
      components: ['pay-1', 'pay-2'],
    },
    {
      question: 'which is healthier, worker-1 or worker-2?',
      intent: 'compare_components',
      components: ['worker-1', 'worker-2'],
    },
    {
      question: 'contrast checkout with order-service',
      intent: 'compare_components',
      components: ['checkout', 'order-service'],
    },
  ],
  'ids with a number word, and numbers HTTP never uses': [
    {
      question: 'status of invoice no. 2231',
      intent: 'operation_progress',
      id_candidates: ['invoice-2231'],
    },
    {
      question: 'where is shipment number 99812',
      intent: 'operation_progress',
      id_candidates: ['shipment-99812'],
    },
    {
      question: 'did migration 271 finish',
      intent: 'operation_progress',
      id_candidates: ['migration-271'],
    },
  ],
  'open problems and rankings, loosely': [
    { question: 'what is the buggiest component', intent: 'rank_failures' },
    { question: 'anything unusual today?', intent: 'list_insights' },
    { question: 'are there any fires right now', intent: 'list_insights' },
    { question: 'what should i look at first', intent: 'list_insights' },
    { question: 'are all systems green', intent: 'component_health' },
  ],
};

function expectRow(row: Row): void {
  const parsed = parseQuestion(row.question, KNOWN, NOW);
  expect(parsed.intent).toBe(row.intent);
  if (row.components)
    expect(parsed.entities.components.map((component) => component.name).sort()).toEqual(
      [...row.components].sort(),
    );
  if (row.levels) expect(parsed.entities.levels).toEqual(row.levels);
  if (row.flow_kinds) expect(parsed.entities.flow_kinds).toEqual(row.flow_kinds);
  if (row.text !== undefined) expect(parsed.entities.text).toBe(row.text);
  if (row.topic !== undefined) expect(parsed.entities.topic).toBe(row.topic);
  if (row.event_ids) expect(parsed.entities.event_ids).toEqual(row.event_ids);
  if (row.correlation_ids) expect(parsed.entities.correlation_ids).toEqual(row.correlation_ids);
  if (row.pattern_ids) expect(parsed.entities.pattern_ids).toEqual(row.pattern_ids);
  if (row.session_ids) expect(parsed.entities.session_ids).toEqual(row.session_ids);
  if (row.insight_ids) expect(parsed.entities.insight_ids).toEqual(row.insight_ids);
  if (row.id_candidates?.length === 0) expect(parsed.entities.id_candidates).toEqual([]);
  else if (row.id_candidates)
    expect(parsed.entities.id_candidates).toEqual(expect.arrayContaining(row.id_candidates));
  if (row.time === null) expect(parsed.entities.time_range).toBeNull();
  if (row.time) {
    expect(parsed.entities.time_range).not.toBeNull();
    expect([parsed.entities.time_range!.from, parsed.entities.time_range!.to]).toEqual(row.time);
  }
  if (row.intent !== 'unknown') expect(parsed.confidence).toBeGreaterThan(0);
}

/** Questions that filter events by their words, or name an error class. */
const TEXT_ROWS: Row[] = [
  {
    question: 'errors mentioning timeout',
    intent: 'search_events',
    text: 'timeout',
    levels: ['error'],
  },
  {
    question: 'show logs containing connection refused in the last hour',
    intent: 'search_events',
    text: 'connection refused',
    time: [minutesAgo(60), nowIso],
  },
  {
    question: "warnings on worker-2 with the message 'disk almost full'",
    intent: 'search_events',
    text: 'disk almost full',
    components: ['worker-2'],
  },
  {
    question: 'events that say "lock wait timeout exceeded" since 11:00',
    intent: 'search_events',
    text: 'lock wait timeout exceeded',
  },
  {
    question: 'any ECONNRESET on the api-gateway?',
    intent: 'search_events',
    text: 'ECONNRESET',
    components: ['api-gateway'],
  },
  {
    question: 'explain the TypeError in checkout',
    intent: 'explain_error',
    text: 'TypeError',
    components: ['checkout'],
  },
  {
    question: 'what caused the NullPointerException on pay-1?',
    intent: 'explain_error',
    text: 'NullPointerException',
    components: ['pay-1'],
  },
  // no words to search for: the rest of the parser as before
  { question: 'errors on payment-service', intent: 'search_events', text: null },
  { question: 'is checkout healthy?', intent: 'component_health', text: null },
  { question: 'errors mentioning checkout', intent: 'search_events', text: null },
];

/** Questions about a thing that is no component's name. */
const TOPIC_ROWS: Row[] = [
  { question: 'is anything wrong with payments?', intent: 'diagnose', topic: 'payment' },
  { question: 'any problems with uploads?', intent: 'list_insights', topic: 'upload' },
  { question: 'which uploads failed in the last hour?', intent: 'rank_failures', topic: 'upload' },
  // a component named, or nothing but the rules' words: no topic
  { question: 'any problems with checkout?', intent: 'list_insights', topic: null },
  { question: "what's wrong right now?", intent: 'diagnose', topic: null },
  { question: 'why is everything failing', intent: 'diagnose', topic: null },
  { question: 'errors in the last hour', intent: 'search_events', topic: null },
];

describe('parseQuestion: what a question is about', () => {
  it.each(TOPIC_ROWS)('$question → $intent, topic $topic', expectRow);
});

describe('parseQuestion: words the events must contain', () => {
  it.each(TEXT_ROWS)('$question → $intent, text $text', expectRow);
});

describe('parseQuestion: a table of phrasings', () => {
  it('has at least 100 phrasings', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(100);
  });

  it.each(TABLE)('$question → $intent', expectRow);
});

describe.each(Object.entries(CLASSES))('parseQuestion: %s', (_, rows) => {
  it.each(rows)('$question → $intent', expectRow);
});

describe('parseQuestion: entities', () => {
  it('reports the edit distance of a fuzzy component match', () => {
    const parsed = parseQuestion('paymnt-service status', KNOWN, NOW);
    expect(parsed.entities.components).toEqual([
      { text: 'paymnt-service', name: 'payment-service', kind: 'type', distance: 1 },
    ]);
  });

  it('does not take short or common words for components', () => {
    expect(
      parseQuestion('is it up or down', { types: ['it-ops', 'up-stream'], ids: [] }, NOW).entities
        .components,
    ).toEqual([]);
  });

  it('never takes one instance number for another', () => {
    expect(parseQuestion('is worker-4 healthy', KNOWN, NOW).entities.components).toEqual([]);
  });

  it('reads a name spelt out where the known name is cut short', () => {
    const parsed = parseQuestion(
      'notification service errors',
      { types: ['notif-service', 'authz-api'], ids: [] },
      NOW,
    );
    expect(parsed.entities.components.map((component) => component.name)).toEqual([
      'notif-service',
    ]);
  });

  it('does not read a level or an intent into a component name', () => {
    const parsed = parseQuestion(
      'top failing services besides error-reporter',
      { types: ['error-reporter'], ids: [] },
      NOW,
    );
    expect(parsed.entities.levels).toEqual([]);
  });

  it('knows ids from types', () => {
    const parsed = parseQuestion('is gw-1 healthy', KNOWN, NOW);
    expect(parsed.entities.components).toEqual([
      { text: 'gw-1', name: 'gw-1', kind: 'id', distance: 0 },
    ]);
  });
});

describe('parseQuestion: evidence decides between names', () => {
  it('gives "api" the names it may also mean, for the store to rank by their events', () => {
    const parsed = parseQuestion(
      'why is the api slow',
      { types: ['api', 'api-gateway', 'apiary'], ids: [] },
      NOW,
    );
    expect(parsed.entities.components).toEqual([
      { text: 'api', name: 'api', kind: 'type', distance: 0, alternatives: ['api-gateway'] },
    ]);
  });

  it('does not take the instances of a type for other meanings of it', () => {
    const parsed = parseQuestion(
      'is service-0 healthy?',
      { types: ['service-0', 'service-1'], ids: ['service-0-1', 'service-0-2'] },
      NOW,
    );
    expect(parsed.entities.components).toEqual([
      { text: 'service-0', name: 'service-0', kind: 'type', distance: 0 },
    ]);
  });
});

describe('parseTimeRange', () => {
  it('reads "since 10:00" said before 10:00 as yesterday', () => {
    const early = new Date('2026-11-24T09:00:00.000Z');
    expect(parseTimeRange('since 10:00', early)).toMatchObject({
      from: '2026-11-23T10:00:00.000Z',
      to: early.toISOString(),
    });
  });

  it('reads "yesterday" as the whole UTC day', () => {
    expect(parseTimeRange('errors yesterday', NOW)).toMatchObject({
      from: '2026-11-23T00:00:00.000Z',
      to: '2026-11-24T00:00:00.000Z',
    });
  });

  it('reads "before 9:30" and "until 8:15 yesterday" as the hour that the time ends', () => {
    const late = new Date('2026-11-24T11:00:00.000Z');
    expect(parseTimeRange('what failed before 9:30', late)).toMatchObject({
      from: '2026-11-24T08:30:00.000Z',
      to: '2026-11-24T09:30:00.000Z',
      expression: 'before 9:30',
    });
    expect(parseTimeRange('logs until 08:15 yesterday', late)).toMatchObject({
      from: '2026-11-23T07:15:00.000Z',
      to: '2026-11-23T08:15:00.000Z',
    });
    // "after" starts the range, as "since" does
    expect(parseTimeRange('errors after 9:30', late)).toMatchObject({
      from: '2026-11-24T09:30:00.000Z',
      to: late.toISOString(),
    });
  });

  it('reads "5 minutes ago"', () => {
    expect(parseTimeRange('since 5 minutes ago', NOW)).toMatchObject({
      from: minutesAgo(5),
      to: nowIso,
    });
  });

  it('returns null without a time', () => {
    expect(parseTimeRange('is checkout healthy', NOW)).toBeNull();
  });
});
