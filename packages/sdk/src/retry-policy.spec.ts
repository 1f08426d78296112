import { classifyStatus, parseRetryAfter, retryDelayMs } from './retry-policy.js';

const settings = { baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000 };

describe('retry policy', () => {
  it('reads Retry-After as seconds or as an HTTP date, and ignores nonsense', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('retries 429, 503, 5xx and 408; splits on 413; gives up on other 4xx', () => {
    expect(classifyStatus(202, null)).toEqual({ kind: 'success' });
    expect(classifyStatus(207, null)).toEqual({ kind: 'success' });
    expect(classifyStatus(429, '2')).toEqual({ kind: 'retry', retryAfterMs: 2000 });
    expect(classifyStatus(429, null)).toEqual({ kind: 'retry', retryAfterMs: null });
    expect(classifyStatus(503, '3')).toEqual({ kind: 'retry', retryAfterMs: 3000 });
    expect(classifyStatus(500, '3')).toEqual({ kind: 'retry', retryAfterMs: null });
    expect(classifyStatus(502, null)).toEqual({ kind: 'retry', retryAfterMs: null });
    expect(classifyStatus(408, null)).toEqual({ kind: 'retry', retryAfterMs: null });
    expect(classifyStatus(413, null)).toEqual({ kind: 'too-large' });
    for (const status of [400, 401, 403, 404, 409, 422]) expect(classifyStatus(status, null)).toEqual({ kind: 'rejected' });
  });

  it('backs off exponentially with equal jitter, up to the ceiling', () => {
    expect(retryDelayMs(1, null, settings, () => 0)).toBe(50);
    expect(retryDelayMs(1, null, settings, () => 1)).toBe(100);
    expect(retryDelayMs(2, null, settings, () => 0)).toBe(100);
    expect(retryDelayMs(3, null, settings, () => 1)).toBe(400);
    expect(retryDelayMs(10, null, settings, () => 1)).toBe(1000);
    expect(retryDelayMs(10, null, settings, () => 0)).toBe(500);
  });

  it('waits at least Retry-After (plus at most 10%), capped by maxRetryAfterMs', () => {
    expect(retryDelayMs(1, 1000, settings, () => 0)).toBe(1000);
    expect(retryDelayMs(1, 1000, settings, () => 1)).toBe(1100);
    expect(retryDelayMs(1, 600_000, settings, () => 0)).toBe(60_000);
    expect(retryDelayMs(1, 0, settings, () => 1)).toBe(0);
  });
});
