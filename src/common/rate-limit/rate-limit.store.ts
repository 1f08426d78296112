import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RepeatedWarnings } from '../logging/repeated-warnings.js';
import { redisCall } from '../redis/redis-call.js';
import type { RedisService } from '../redis/redis.service.js';

/** One hit counted in a fixed window: how many hits the window has, and seconds until it ends. */
export interface WindowCount {
  hits: number;
  resetSeconds: number;
}

/** Where request counts live: Redis in full mode (every instance counts into the same windows), memory in embedded mode. */
export interface RateLimitStore {
  /** One hit counted in each key's window, all in one step; the counts in the order of `keys`. */
  hit(keys: readonly string[], windowMs: number): Promise<WindowCount[]>;
}

// One fixed window per key: count, start the window with the first hit, say how long it has
// left. Every key of a request in one call: one round trip per request, however many limits.
const HIT = `
local counts = {}
for _, key in ipairs(KEYS) do
  local hits = redis.call('INCR', key)
  local left = tonumber(ARGV[1])
  if hits == 1 then
    redis.call('PEXPIRE', key, ARGV[1])
  else
    left = redis.call('PTTL', key)
    if left < 0 then redis.call('PEXPIRE', key, ARGV[1]); left = tonumber(ARGV[1]) end
  end
  counts[#counts + 1] = hits
  counts[#counts + 1] = left
end
return counts
`;

interface HitCommand {
  adsRateLimitHit(...keysThenWindowMs: (string | number)[]): Promise<number[]>;
}

/**
 * Counts in Redis, one script call per request. When Redis does not answer, the request is let
 * through (counted as nothing): a rate limit must not turn a Redis blip into an outage.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly warnings = new RepeatedWarnings(new Logger(RedisRateLimitStore.name));
  private connection: Redis | undefined;

  constructor(private readonly redis: RedisService) {}

  /**
   * A connection of the limiter's own with auto-pipelining: every request costs a call, and the
   * calls of the requests handled in one event-loop turn go out in one write (one read on
   * either side) instead of one each.
   */
  private client(): Redis {
    if (!this.connection) {
      this.connection = this.redis.connect('rate-limit', { enableAutoPipelining: true });
      // The number of keys is the call's first argument (1 or 2 limits per request).
      this.connection.defineCommand('adsRateLimitHit', { lua: HIT });
    }
    return this.connection;
  }

  async hit(keys: readonly string[], windowMs: number): Promise<WindowCount[]> {
    if (keys.length === 0) return [];
    const client = this.client();
    try {
      const replies = await redisCall(
        'the rate limiter (Redis)',
        () =>
          (client as unknown as HitCommand).adsRateLimitHit(
            keys.length,
            ...keys.map((key) => this.redis.key('rate', key)),
            windowMs,
          ),
        client,
      );
      return keys.map((_, index) => ({
        hits: replies[2 * index],
        resetSeconds: Math.max(1, Math.ceil(replies[2 * index + 1] / 1000)),
      }));
    } catch (error) {
      this.warnings.warn(
        `rate limits not enforced while Redis does not answer: ${(error as Error).message}`,
      );
      return keys.map(() => ({ hits: 0, resetSeconds: 0 }));
    }
  }
}

/** Keys remembered at most in memory (oldest window forgotten first). */
const MAX_MEMORY_KEYS = 100_000;

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { endsAt: number; hits: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async hit(keys: readonly string[], windowMs: number): Promise<WindowCount[]> {
    const at = this.now();
    return keys.map((key) => this.hitOne(key, windowMs, at));
  }

  private hitOne(key: string, windowMs: number, at: number): WindowCount {
    let window = this.windows.get(key);
    if (!window || window.endsAt <= at) {
      this.windows.delete(key);
      if (this.windows.size >= MAX_MEMORY_KEYS)
        this.windows.delete(this.windows.keys().next().value!);
      window = { endsAt: at + windowMs, hits: 0 };
      this.windows.set(key, window);
    }
    window.hits++;
    return { hits: window.hits, resetSeconds: Math.max(1, Math.ceil((window.endsAt - at) / 1000)) };
  }
}
