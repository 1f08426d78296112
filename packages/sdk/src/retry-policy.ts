/** When and how long the client waits before it tries a request again. Pure functions. */

export interface BackoffSettings {
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
}

export type AttemptOutcome =
  | { kind: 'success' }
  /** 429, 5xx, 408, network error or timeout: try again. */
  | { kind: 'retry'; retryAfterMs: number | null }
  /** 413: the body was too large; a smaller batch may pass. */
  | { kind: 'too-large' }
  /** Any other 4xx: the same request would fail the same way. */
  | { kind: 'rejected' };

export function classifyStatus(status: number, retryAfterHeader: string | null, now = Date.now()): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'success' };
  if (status === 429 || status === 503) return { kind: 'retry', retryAfterMs: parseRetryAfter(retryAfterHeader, now) };
  if (status === 408 || status >= 500) return { kind: 'retry', retryAfterMs: null };
  if (status === 413) return { kind: 'too-large' };
  return { kind: 'rejected' };
}

/**
 * `Retry-After` as milliseconds to wait: either delay-seconds or an HTTP date
 * (RFC 9110 §10.2.3). Null when absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | null {
  if (header == null) return null;
  const text = header.trim();
  if (text === '') return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}

/**
 * Delay before retry number `retry` (1 for the first retry). Without a `Retry-After`:
 * exponential backoff with "equal jitter" (half fixed, half random), so retries of many
 * clients spread out yet never fire at once. With a `Retry-After`: at least that long
 * (capped by maxRetryAfterMs), plus up to 10% jitter so throttled clients do not return
 * together.
 */
export function retryDelayMs(
  retry: number,
  retryAfterMs: number | null,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== null) {
    const wait = Math.min(retryAfterMs, settings.maxRetryAfterMs);
    return Math.round(wait + wait * 0.1 * random());
  }
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
