import { Logger } from '@nestjs/common';
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
  hit(key: string, windowMs: number): Promise<WindowCount>;
}

// One fixed window per key: count, start the window with the first hit, say how long it has left.
const HIT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); left = tonumber(ARGV[1]) end
return { hits, left }
`;

interface HitCommand {
  adsRateLimitHit(key: string, windowMs: number): Promise<[number, number]>;
}

/**
 * Counts in Redis, one script call per request. When Redis does not answer, the request is let
 * through (counted as nothing): a rate limit must not turn a Redis blip into an outage.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly warnings = new RepeatedWarnings(new Logger(RedisRateLimitStore.name));
  private defined = false;

  constructor(private readonly redis: RedisService) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const client = this.redis.client();
    if (!this.defined) {
      client.defineCommand('adsRateLimitHit', { numberOfKeys: 1, lua: HIT });
      this.defined = true;
    }
    try {
      const [hits, leftMs] = await redisCall(
        'the rate limiter (Redis)',
        () => (client as unknown as HitCommand).adsRateLimitHit(this.redis.key('rate', key), windowMs),
        client,
      );
      return { hits, resetSeconds: Math.max(1, Math.ceil(leftMs / 1000)) };
    } catch (error) {
      this.warnings.warn(`rate limits not enforced while Redis does not answer: ${(error as Error).message}`);
      return { hits: 0, resetSeconds: 0 };
    }
  }
}

/** Keys remembered at most in memory (oldest window forgotten first). */
const MAX_MEMORY_KEYS = 100_000;

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, { endsAt: number; hits: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async hit(key: string, windowMs: number): Promise<WindowCount> {
    const at = this.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= at) {
      this.windows.delete(key);
      if (this.windows.size >= MAX_MEMORY_KEYS) this.windows.delete(this.windows.keys().next().value!);
      window = { endsAt: at + windowMs, hits: 0 };
      this.windows.set(key, window);
    }
    window.hits++;
    return { hits: window.hits, resetSeconds: Math.max(1, Math.ceil((window.endsAt - at) / 1000)) };
  }
}
