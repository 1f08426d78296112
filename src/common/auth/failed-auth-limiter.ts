import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../../config/app-config.service.js';
import { RepeatedWarnings } from '../logging/repeated-warnings.js';
import { RedisService } from '../redis/redis.service.js';
import { withinTime } from '../time-limit.js';

const WINDOW_MS = 60_000;
/** Addresses remembered at most: a spray from many addresses costs bounded memory (oldest forgotten first). */
const MAX_ADDRESSES = 10_000;
/**
 * Longest a failure waits for Redis' count. Nobody waits for it (the 401 is already on its
 * way); the bound only decides when to count the failure locally instead.
 */
export const SHARED_COUNT_TIMEOUT_MS = 500;
const RECONNECTING = new Set(['reconnecting', 'close', 'end']);

/**
 * The counting kept in this process: each address's failures in its fixed one-minute window, and
 * the lock-outs learned from the shared count (Redis), by address until when. Both bounded.
 */
export class FailureCounts {
  private readonly windows = new Map<string, { startedAt: number; failures: number }>();
  private readonly sharedLocks = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Seconds until `address` may try again; 0 when it is not locked out. */
  lockedForSeconds(address: string, now: number): number {
    let until = this.sharedLocks.get(address) ?? 0;
    if (until <= now && until !== 0) this.sharedLocks.delete(address);
    const window = this.windows.get(address);
    if (window && now - window.startedAt < WINDOW_MS && window.failures >= this.limit)
      until = Math.max(until, window.startedAt + WINDOW_MS);
    return until > now ? Math.max(1, Math.ceil((until - now) / 1000)) : 0;
  }

  noteFailure(address: string, now: number): void {
    let window = this.windows.get(address);
    if (!window || now - window.startedAt >= WINDOW_MS) {
      this.windows.delete(address);
      forgetOldestPast(this.windows);
      window = { startedAt: now, failures: 0 };
      this.windows.set(address, window);
    }
    window.failures++;
  }

  /** The shared count says `address` has spent its budget: locked out for `forMs` more. */
  lockShared(address: string, forMs: number, now: number): void {
    this.sharedLocks.delete(address);
    forgetOldestPast(this.sharedLocks);
    this.sharedLocks.set(address, now + Math.min(forMs, WINDOW_MS));
  }
}

function forgetOldestPast(entries: Map<string, unknown>): void {
  if (entries.size >= MAX_ADDRESSES) entries.delete(entries.keys().next().value!);
}

// One fixed window per address, shared by every instance: count, start the window with the
// first failure, and once the budget is spent tell every instance (`<address> <ms left>`).
const COUNT = `
local failures = redis.call('INCR', KEYS[1])
if failures == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); left = tonumber(ARGV[1]) end
if failures >= tonumber(ARGV[2]) then redis.call('PUBLISH', KEYS[2], left .. ' ' .. ARGV[3]) end
return { failures, left }
`;

interface CountCommand {
  adsAuthFailure(
    key: string,
    channel: string,
    windowMs: number,
    limit: number,
    address: string,
  ): Promise<[number, number]>;
}

/**
 * Failed authentications per client address (HTTP and stream handshakes), in fixed one-minute
 * windows. Past DEBUG_AUTH_FAILURES_PER_MINUTE an address is locked out until its window ends:
 * every request of it that presents a key, right or wrong, answers 429 (a right key answering
 * otherwise would tell a guesser it had found one).
 *
 * Always counted in memory. With Redis (full mode) also counted in Redis, one budget shared by
 * every instance: the instance whose failure spends it publishes the lock-out on
 * `<prefix>:auth-failures:locked` and every instance (itself included) caches it, so the check on
 * the hot path stays a map lookup. An instance that misses the announcement learns the lock at the
 * next failure it sees from that address (the count's answer). While Redis does not answer within
 * SHARED_COUNT_TIMEOUT_MS, only the local count applies (a warning says so).
 */
@Injectable()
export class FailedAuthLimiter implements OnModuleInit {
  private readonly logger = new Logger(FailedAuthLimiter.name);
  private readonly warnings = new RepeatedWarnings(this.logger);
  private readonly counts: FailureCounts;
  private defined = false;
  private subscriber?: Redis;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {
    this.counts = new FailureCounts(config.authFailuresPerMinute);
  }

  get channel(): string {
    return this.redis.key('auth-failures', 'locked');
  }

  async onModuleInit(): Promise<void> {
    if (!this.redis.enabled || !this.config.runsApi) return;
    this.subscriber = this.redis.connect('auth-failures-sub');
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const space = message.indexOf(' ');
      const forMs = Number(message.slice(0, space));
      if (space > 0 && forMs > 0)
        this.counts.lockShared(message.slice(space + 1), forMs, Date.now());
    });
    await this.subscriber.subscribe(this.channel).catch((error: Error) => {
      this.logger.warn(
        `not subscribed to lock-outs (${error.message}): an instance learns one at the next failure it sees`,
      );
    });
  }

  /** Seconds until `address` may try again; 0 when it is not locked out. */
  lockedForSeconds(address: string, now = Date.now()): number {
    return this.counts.lockedForSeconds(address, now);
  }

  noteFailure(address: string, now = Date.now()): void {
    this.counts.noteFailure(address, now);
    if (this.redis.enabled) void this.countShared(address);
  }

  /** Counts one failure of `address` in Redis; resolves once answered or given up (never rejects). */
  async countShared(address: string): Promise<void> {
    const client = this.redis.client();
    if (!this.defined) {
      client.defineCommand('adsAuthFailure', { numberOfKeys: 2, lua: COUNT });
      this.defined = true;
    }
    try {
      // A connection waiting to reconnect would hold the command: count locally at once instead.
      if (RECONNECTING.has(client.status)) throw new Error(`connection ${client.status}`);
      const [failures, leftMs] = await withinTime(
        (client as unknown as CountCommand).adsAuthFailure(
          this.redis.key('auth-failures', address),
          this.channel,
          WINDOW_MS,
          this.config.authFailuresPerMinute,
          address,
        ),
        SHARED_COUNT_TIMEOUT_MS,
        () => new Error(`no answer within ${SHARED_COUNT_TIMEOUT_MS} ms`),
      );
      this.warnings.clear('failed authentications');
      if (failures >= this.config.authFailuresPerMinute)
        this.counts.lockShared(address, leftMs, Date.now());
    } catch (error) {
      this.warnings.warn(
        `failed authentications counted per instance while Redis does not answer: ${(error as Error).message}`,
      );
    }
  }
}
