import {
  counterIncrease,
  meaningOf,
  summarizeComponentMetrics,
  type MetricObservation,
} from './component-metrics.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const point = (
  name: string,
  value: number,
  minute: number,
  extra: Partial<MetricObservation> = {},
): MetricObservation => ({
  name,
  unit: null,
  componentId: 'api-1',
  series: 'api-1',
  timeMs: T0 + minute * 60_000,
  value,
  ...extra,
});

describe('component metrics', () => {
  it.each([
    ['http.server.duration', 'ms', 'duration'],
    ['http.server.request.duration', 's', 'duration'],
    ['http_request_duration_seconds', null, 'duration'],
    ['db.latency_ms', null, 'duration'],
    ['rpc.client.latency', 'us', 'duration'],
    // a duration without a time unit: its scale is unknown, so it is only reported
    ['job.duration', null, 'other'],
    ['job.duration', 'jobs', 'other'],
    // rows of an exported histogram are not observations
    ['http.server.duration.bucket', 'ms', 'other'],
    ['http_request_duration_seconds_sum', null, 'other'],
    ['http.server.duration.max', 'ms', 'other'],
    ['http_requests_errors_total', null, 'error_count'],
    ['payment_failures_total', null, 'error_count'],
    ['worker_exceptions_total', null, 'error_count'],
    // without _total it may be a gauge or a per-interval count: only reported
    ['http.errors', null, 'other'],
    ['http_requests_total', null, 'other'],
    ['queue.depth', 'jobs', 'other'],
    ['error_budget_remaining', null, 'other'],
  ])('%s (%s) means %s', (name, unit, meaning) => {
    expect(meaningOf(name, unit)).toBe(meaning);
  });

  it('counts a counter increase per series, a drop as a restart', () => {
    const a = { series: 'api-1|{"route":"/a"}' };
    const b = { series: 'api-1|{"route":"/b"}' };
    expect(
      counterIncrease([
        point('x_errors_total', 10, 0, a),
        point('x_errors_total', 100, 0, b),
        point('x_errors_total', 12, 1, a),
        point('x_errors_total', 105, 1, b),
        point('x_errors_total', 3, 2, a), // restarted: 3 new errors
      ]),
    ).toBe(2 + 5 + 3);
    expect(counterIncrease([point('x_errors_total', 10, 0)])).toBeNull();
  });

  it('summarizes the window and the baseline, durations in milliseconds', () => {
    const window = [0.1, 0.2, 0.3, 0.4, 0.5].map((value, minute) =>
      point('http.server.duration', value, minute, { unit: 's' }),
    );
    const baseline = [0.1, 0.1, 0.1].map((value, minute) =>
      point('http.server.duration', value, minute - 120, { unit: 's' }),
    );
    const errors = [0, 4, 10].map((value, minute) => point('x_errors_total', value, minute));
    const errorsBefore = [0, 2].map((value, minute) =>
      point('x_errors_total', value, minute - 120),
    );
    const gauge = [point('queue.depth', 7, 1), point('queue.depth', 3, 2)];
    const [duration, queue, counter] = summarizeComponentMetrics(
      [...window, ...errors, ...gauge],
      [...baseline, ...errorsBefore],
      10,
    );
    expect(duration).toMatchObject({
      name: 'http.server.duration',
      meaning: 'duration',
      samples: 5,
      last: 0.5,
      p95: 0.48,
      p95_ms: 480,
      baseline: { samples: 3, p95: 0.1, p95_ms: 100 },
    });
    expect(queue).toMatchObject({
      name: 'queue.depth',
      meaning: 'other',
      samples: 2,
      last: 3,
      min: 3,
      max: 7,
      avg: 5,
      increase: null,
      p95_ms: null,
    });
    expect(counter).toMatchObject({
      name: 'x_errors_total',
      meaning: 'error_count',
      increase: 10,
      baseline: { increase: 2, increase_per_minute: 0.2 },
    });
  });
});
