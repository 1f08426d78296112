import { jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config.service.js';
import { validateEnvironment } from '../../config/environment.js';
import type { RedisService } from '../redis/redis.service.js';
import {
  FailedAuthLimiter,
  FailureCounts,
  SHARED_COUNT_TIMEOUT_MS,
} from './failed-auth-limiter.js';

describe('FailureCounts (the per-instance count and the cached shared lock-outs)', () => {
  it('locks an address once its failures in the window reach the limit, until the window ends', () => {
    const counts = new FailureCounts(3);
    const start = 1_000_000;
    counts.noteFailure('10.0.0.1', start);
    counts.noteFailure('10.0.0.1', start + 1_000);
    expect(counts.lockedForSeconds('10.0.0.1', start + 2_000)).toBe(0);
    counts.noteFailure('10.0.0.1', start + 2_000);
    expect(counts.lockedForSeconds('10.0.0.1', start + 2_000)).toBe(58);
    expect(counts.lockedForSeconds('10.0.0.2', start + 2_000)).toBe(0);
    expect(counts.lockedForSeconds('10.0.0.1', start + 60_000)).toBe(0);
  });

  it('starts a new window after a minute: old failures no longer count', () => {
    const counts = new FailureCounts(2);
    counts.noteFailure('a', 0);
    counts.noteFailure('a', 60_000);
    expect(counts.lockedForSeconds('a', 60_001)).toBe(0);
    counts.noteFailure('a', 60_002);
    expect(counts.lockedForSeconds('a', 60_003)).toBe(60);
  });

  it('holds a lock-out learned from the shared count for the time the count said, at most a window', () => {
    const counts = new FailureCounts(30);
    counts.lockShared('b', 12_500, 0);
    expect(counts.lockedForSeconds('b', 0)).toBe(13);
    expect(counts.lockedForSeconds('b', 12_000)).toBe(1);
    expect(counts.lockedForSeconds('b', 12_500)).toBe(0);
    counts.lockShared('c', 10 * 60_000, 0);
    expect(counts.lockedForSeconds('c', 59_999)).toBe(1);
    expect(counts.lockedForSeconds('c', 60_000)).toBe(0);
  });
});

/** A RedisService whose script answers with `answer` (or never, when it is undefined). */
function redisAnswering(answer: [number, number] | undefined, status = 'ready') {
  const calls: unknown[][] = [];
  const client = {
    status,
    defineCommand: () => undefined,
    adsAuthFailure: (...args: unknown[]) => {
      calls.push(args);
      return answer ? Promise.resolve(answer) : new Promise(() => undefined);
    },
  } as unknown as Redis;
  const service = {
    enabled: true,
    client: () => client,
    key: (...parts: string[]) => ['p', ...parts].join(':'),
  } as unknown as RedisService;
  return { service, calls };
}

function limiter(redis: RedisService, limit = 3): FailedAuthLimiter {
  const config = new AppConfig(
    validateEnvironment({ DEBUG_AUTH_FAILURES_PER_MINUTE: String(limit) }),
  );
  return new FailedAuthLimiter(config, redis);
}

describe('FailedAuthLimiter with a shared count', () => {
  it('locks an address here once the shared count (all instances) has spent the budget, before the local count has', async () => {
    const { service, calls } = redisAnswering([3, 41_000]);
    const subject = limiter(service);
    await subject.countShared('10.1.1.1');
    expect(calls[0]).toEqual([
      'p:auth-failures:10.1.1.1',
      'p:auth-failures:locked',
      60_000,
      3,
      '10.1.1.1',
    ]);
    expect(subject.lockedForSeconds('10.1.1.1')).toBe(41);
  });

  it('does not lock while the shared count is under the budget', async () => {
    const { service } = redisAnswering([2, 41_000]);
    const subject = limiter(service);
    await subject.countShared('10.1.1.1');
    expect(subject.lockedForSeconds('10.1.1.1')).toBe(0);
  });

  it('falls back to the local count, warning once, when Redis does not answer in time', async () => {
    const { service } = redisAnswering(undefined);
    const subject = limiter(service);
    const warn = jest.spyOn(subject['logger'], 'warn').mockImplementation(() => undefined);
    jest.useFakeTimers();
    try {
      let settled = false;
      const both = Promise.all([subject.countShared('x'), subject.countShared('x')]).then(
        () => (settled = true),
      );
      await jest.advanceTimersByTimeAsync(SHARED_COUNT_TIMEOUT_MS - 1);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await both;
    } finally {
      jest.useRealTimers();
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/counted per instance/);
    for (let attempt = 0; attempt < 3; attempt++) subject.noteFailure('y');
    expect(subject.lockedForSeconds('y')).toBeGreaterThan(0);
  });

  it('does not queue behind a reconnecting connection: gives up at once', async () => {
    const { service, calls } = redisAnswering([9, 1_000], 'reconnecting');
    const subject = limiter(service);
    jest.spyOn(subject['logger'], 'warn').mockImplementation(() => undefined);
    await subject.countShared('z');
    expect(calls).toHaveLength(0);
    expect(subject.lockedForSeconds('z')).toBe(0);
  });
});
