import { EnvironmentVariables } from '../config/environment.js';
import { dataSourceOptions, POOL_IDLE_TIMEOUT_MS, poolIdleTimeoutMs } from './data-source.js';

describe('dataSourceOptions', () => {
  const idleTimeoutOf = (poolIdleTimeout?: number) =>
    (
      dataSourceOptions({
        databaseUrl: 'postgres://postgres@127.0.0.1:5432/ads',
        sqlitePath: ':memory:',
        poolIdleTimeoutMs: poolIdleTimeout,
      }) as { extra: { idleTimeoutMillis: number } }
    ).extra.idleTimeoutMillis;

  it('keeps idle PostgreSQL connections across periodic insight runs (a reopened one starts cold)', () => {
    expect(idleTimeoutOf()).toBe(POOL_IDLE_TIMEOUT_MS);
    // at least two default intervals: a run every minute finds the last run's connections open
    const intervalSeconds = new EnvironmentVariables().DEBUG_INSIGHT_INTERVAL_SECONDS;
    expect(idleTimeoutOf(poolIdleTimeoutMs(intervalSeconds))).toBeGreaterThanOrEqual(
      2 * intervalSeconds * 1000,
    );
  });

  it('keeps them two intervals when the insight job runs less often than the default timeout', () => {
    expect(idleTimeoutOf(poolIdleTimeoutMs(900))).toBe(1_800_000);
    expect(poolIdleTimeoutMs(0)).toBe(POOL_IDLE_TIMEOUT_MS);
  });
});
