import { describe, expect, it } from '@jest/globals';
import { durationInText } from './text-duration.js';

describe('durationInText', () => {
  it.each([
    ['charge ch_81 captured, took 532ms', 532],
    ['Query took 1.25 s', 1250],
    ['took about 40 milliseconds to render', 40],
    ['elapsed=1.2s rows=40', 1200],
    ['duration_ms=532 status=ok', 532],
    ['{"level":"info","latencyMs":40,"path":"/x"}', 40],
    ['request_time: 0.532 seconds', 532],
    ['durationSec=3', 3000],
    ['sync finished in 1m2.5s', 62_500],
    ['job completed in 2h3m', 7_380_000],
    ['upstream timed out after 30000 ms', 30_000],
    ['Request timeout after 30s', 30_000],
    ['invoice batch done in 850ms', 850],
    ['render ok (12.5 ms)', 12.5],
    ['GET /orders/81 200 12.3 ms - 512', 12.3],
    ['POST /api/pay 502 1,204ms', 1204],
    ['rpc returned in 800µs', 0.8],
    ['page rendered in 3 minutes', 180_000],
    ['time=2026-12-06T10:00:00Z duration=5ms', 5],
  ])('reads %j as %d ms', (text, ms) => {
    expect(durationInText(text)).toBeCloseTo(ms, 6);
  });

  it.each([
    'retrying in 5s',
    'next run scheduled in 10 min',
    'rescheduled after 30s',
    'duration=5',
    'durations: 5',
    'processed 42 messages in batch 7',
    'took 3 attempts',
    'time=2026-12-06T10:00:00Z',
    'order 4711 shipped to 12 Main St',
    'cache ttl 300s',
    'timeout=30s',
    'disk at 95%',
    'retried 3 times in 12 minutes', // the wait spans retries: not one call's time
    '',
  ])('reads no duration in %j', (text) => {
    expect(durationInText(text)).toBeNull();
  });

  it('refuses a value past the longest duration an event may carry', () => {
    expect(durationInText('took 400000 hours')).toBeNull();
  });
});
