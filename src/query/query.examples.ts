/** Response examples for Swagger, shaped like real answers. */
export const HEALTH = {
  evaluated_at: '2026-11-24T10:30:00.000Z',
  window: { from: '2026-11-24T10:15:00.000Z', to: '2026-11-24T10:30:00.000Z', minutes: 15 },
  baseline: {
    from: '2026-11-23T10:15:00.000Z',
    to: '2026-11-24T10:15:00.000Z',
    hours: 24,
    slices: 8,
    sampled_minutes: 120,
  },
  summary:
    '1 unhealthy, 1 healthy. payment-service is unhealthy (score 28): error rate 41.7% (50/120) vs baseline 0.8%',
  components: [
    {
      component: 'payment-service',
      component_type: 'payment-service',
      component_id: null,
      status: 'unhealthy',
      score: 28,
      reasons: [
        {
          code: 'error_rate',
          message: 'error rate 41.7% (50/120) vs baseline 0.8%',
          value: 0.4167,
          baseline: 0.008,
          impact: 61,
        },
        {
          code: 'open_insights',
          message: '1 open insight(s), worst high: Burst of "payment timeout"',
          value: 1,
          impact: 20,
        },
      ],
      metrics: {
        events: 120,
        errors: 50,
        error_rate: 0.4167,
        baseline_events: 9120,
        baseline_error_rate: 0.008,
        p95_ms: 2950,
        baseline_p95_ms: 180,
        open_insights: 1,
        last_seen: '2026-11-24T10:29:58.000Z',
        staleness_seconds: 2,
        state_version: 14,
        state_captured_at: '2026-11-24T09:58:00.000Z',
        instances: 3,
      },
      open_insights: [
        {
          id: '019ab3…',
          severity: 'high',
          title: 'Burst of "payment timeout"',
          last_seen: '2026-11-24T10:29:58.000Z',
        },
      ],
    },
  ],
  cached: false,
  computed_at: '2026-11-24T10:30:00.012Z',
};

export const PROGRESS = {
  correlation_id: 'order-7f3a',
  status: 'stuck',
  summary: '3 step(s), stuck at "charge-card" (payment-service/pay-2); 0 failure(s); elapsed 2 s.',
  started_at: '2026-11-24T10:00:00.000Z',
  last_event_at: '2026-11-24T10:00:02.100Z',
  elapsed_ms: 2100,
  idle_ms: 598000,
  events: 7,
  events_truncated: false,
  components: [{ component_type: 'checkout', component_id: 'checkout-1', events: 3 }],
  steps: [
    {
      index: 0,
      name: 'create-order',
      component_type: 'checkout',
      component_id: 'checkout-1',
      status: 'completed',
      completion_inferred: false,
      started_at: '2026-11-24T10:00:00.000Z',
      last_event_at: '2026-11-24T10:00:00.400Z',
      duration_ms: 400,
      events: 2,
      errors: 0,
      last_message: 'order created',
    },
    {
      index: 2,
      name: 'charge-card',
      component_type: 'payment-service',
      component_id: 'pay-2',
      status: 'stuck',
      completion_inferred: false,
      started_at: '2026-11-24T10:00:02.100Z',
      last_event_at: '2026-11-24T10:00:02.100Z',
      duration_ms: null,
      events: 1,
      errors: 0,
      last_message: 'charging card',
    },
  ],
  current_step: { index: 2, name: 'charge-card', status: 'stuck' },
  failures: [],
  stuck: {
    is_stuck: true,
    idle_ms: 598000,
    threshold_ms: 60000,
    reason:
      'no event for 598 s (threshold 60 s) while step "charge-card" on payment-service/pay-2 had not ended',
  },
  cached: false,
};

export const EXPLAIN = {
  summary:
    '"payment failed: upstream timeout" in checkout/checkout-1 at 2026-11-24T10:02:03.000Z, seen 48 time(s) (48 in the last hour) since 2026-11-24T10:01:00.000Z; probable root cause: "connection pool exhausted" in payments-db/db-1 at 2026-11-24T10:02:01.200Z.',
  event: {
    id: '019ab3c2-5e10-7a3b-8c2d-0f1e2d3c4b5a',
    timestamp: '2026-11-24T10:02:03.000Z',
    event_type: 'error',
    level: 'error',
    component_type: 'checkout',
    component_id: 'checkout-1',
    correlation_id: 'order-7f3a',
    parent_event_id: null,
    operation: 'pay',
    duration_ms: 3002,
    message: 'payment failed: upstream timeout',
    data: null,
    metadata: null,
    session_id: null,
    pattern_id: '3fa2b9c01d4e5f67',
    ingested_at: '2026-11-24T10:02:03.004Z',
  },
  pattern: {
    pattern_id: '3fa2b9c01d4e5f67',
    sample_message: 'payment failed: upstream timeout',
    occurrences: 48,
    last_hour: 48,
    last_24h: 48,
    first_seen: '2026-11-24T10:01:00.000Z',
    last_seen: '2026-11-24T10:29:00.000Z',
  },
  affected_components: [
    {
      component_type: 'checkout',
      component_id: 'checkout-1',
      occurrences: 30,
      last_seen: '2026-11-24T10:29:00.000Z',
    },
  ],
  preceding_events: [],
  root_cause: {
    event: { component_type: 'payments-db', message: 'connection pool exhausted' },
    reason:
      'the earliest error upstream on correlation order-7f3a, in payments-db/db-1, 1800 ms before this one',
    confidence: 0.75,
    is_the_event_itself: false,
  },
  related_open_insights: [
    { id: '019ab3…', severity: 'high', title: 'Burst of "connection pool exhausted"' },
  ],
  similar_resolved_insights: [
    {
      id: '019aa0…',
      title: 'Pool exhausted in payments-db',
      resolution: 'raised pool size from 20 to 50',
    },
  ],
  suggestions: [
    'Start with payments-db/db-1: "connection pool exhausted" at 2026-11-24T10:02:01.200Z came first on this chain.',
  ],
  cached: false,
};

export const COMPARE = {
  window: { from: '2026-11-24T09:30:00.000Z', to: '2026-11-24T10:30:00.000Z', minutes: 60 },
  summary:
    '3 components compared; highest error rate: worker/worker-2 (12.0%); their states differ at 1 path(s): /config/batch_size; job.duration (p95_ms) differs most: worker/worker-2 2900 ms vs worker/worker-3 340.',
  components: [
    {
      component: 'worker/worker-1',
      events: 500,
      errors: 0,
      error_rate: 0,
      latency_ms: { p50: 20, p95: 41, p99: 60, samples: 500 },
      top_patterns: [],
      state: { version: 3, captured_at: '2026-11-24T09:00:00.000Z', hash: 'ab12…' },
      reported_metrics: [
        {
          name: 'job.duration',
          unit: 's',
          meaning: 'duration',
          samples: 60,
          last: 0.21,
          min: 0.12,
          max: 0.4,
          avg: 0.2,
          p95: 0.35,
          increase: null,
          p95_ms: 350,
          baseline: {
            samples: 0,
            last: null,
            min: null,
            max: null,
            avg: null,
            p95: null,
            increase: null,
            p95_ms: null,
            increase_per_minute: null,
          },
        },
      ],
    },
  ],
  state_differences: [
    {
      path: '/config/batch_size',
      values: { 'worker/worker-1': 100, 'worker/worker-2': 500, 'worker/worker-3': 100 },
    },
  ],
  metric_differences: [
    {
      name: 'job.duration',
      unit: 'ms',
      statistic: 'p95_ms',
      values: { 'worker/worker-1': 350, 'worker/worker-2': 2900, 'worker/worker-3': 340 },
      spread: 2560,
      ratio: 8.529,
    },
  ],
  unknown: [],
  omitted: [],
  cached: false,
};

export const SLOW = {
  window: { from: '2026-11-24T10:15:00.000Z', to: '2026-11-24T10:30:00.000Z' },
  summary: 'slowest: charge-card in payment-service (p95 2950 ms over 118 calls)',
  slowest: [
    {
      component: 'payment-service',
      operation: 'charge-card',
      samples: 118,
      p50_ms: 240,
      p95_ms: 2950,
      max_ms: 3010,
    },
  ],
  min_samples: 5,
  cached: false,
};

export const TOP_ERRORS = {
  window: { from: '2026-11-24T09:30:00.000Z', to: '2026-11-24T10:30:00.000Z' },
  summary: 'most frequent: "connection pool exhausted" ×52 in payments-db',
  patterns: [
    {
      component: 'payments-db',
      pattern_id: '3fa2b9c01d4e5f67',
      occurrences: 52,
      sample_message: 'connection pool exhausted',
      last_seen: '2026-11-24T10:29:00.000Z',
    },
  ],
  cached: false,
};

export const ASK = {
  question: 'why is payment-service failing since 10:00?',
  intent: 'diagnose',
  confidence: 0.9,
  understood: {
    components: [{ text: 'payment-service', name: 'payment-service', kind: 'type', distance: 0 }],
    event_ids: [],
    correlation_ids: [],
    pattern_ids: [],
    session_ids: [],
    insight_ids: [],
    levels: [],
    time_range: {
      from: '2026-11-24T10:00:00.000Z',
      to: '2026-11-24T10:30:00.000Z',
      expression: 'since 10:00',
    },
  },
  answer:
    'payment-service is unhealthy (score 28): error rate 41.7% (50/120) vs baseline 0.8%. Most frequent error: "payment timeout" ×50. Probable root cause: "connection pool exhausted" in payments-db/db-1 at 2026-11-24T10:02:01.200Z.',
  data: { health: '…', top_errors: '…', explanation: '…' },
  queries: [
    {
      method: 'POST',
      path: '/api/debug/analytics/component-health',
      body: { components: ['payment-service'], window_minutes: 30 },
      mcp_tool: 'component_health',
      mcp_arguments: { components: ['payment-service'], window_minutes: 30 },
    },
  ],
  cached: false,
};
