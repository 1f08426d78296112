import { EnvironmentVariables } from '../config/environment.js';
import { dataSourceOptions, POOL_IDLE_TIMEOUT_MS } from './data-source.js';

describe('dataSourceOptions', () => {
  it('keeps idle PostgreSQL connections across periodic insight runs (a reopened one starts cold)', () => {
    const options = dataSourceOptions({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/ads',
      sqlitePath: ':memory:',
    });
    const { idleTimeoutMillis } = (options as { extra: { idleTimeoutMillis: number } }).extra;
    expect(idleTimeoutMillis).toBe(POOL_IDLE_TIMEOUT_MS);
    // at least two default intervals: a run every minute finds the last run's connections open
    const intervalMs = new EnvironmentVariables().DEBUG_INSIGHT_INTERVAL_SECONDS * 1000;
    expect(idleTimeoutMillis).toBeGreaterThanOrEqual(2 * intervalMs);
  });
});
