import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { RedisService } from '../common/redis/redis.service.js';
import { AppConfig } from '../config/app-config.service.js';
import { AppEventBus } from '../common/events/app-event-bus.js';
import type { AppEvent, AppEventName } from '../common/events/app-events.js';
import { cacheKey, tagsOfEvent, type CacheTag } from './cache-tags.js';

export interface CacheStats {
  enabled: boolean;
  size: number;
  max_entries: number;
  ttl_seconds: number;
  hits: number;
  misses: number;
  hit_rate: number;
  evictions: number;
  invalidations: number;
  invalidations_received: number;
  redis_fan_out: boolean;
}

export interface Cached<T> {
  value: T;
  cached: boolean;
  /** When the value was computed. */
  computed_at: string;
}

interface Entry {
  value: unknown;
  tags: readonly CacheTag[];
  computedAt: string;
}

interface InvalidationMessage {
  origin: string;
  tags: CacheTag[];
}

const MAX_ENTRIES = 5000;
/** Invalidated tags are remembered this long so that a computation that overlapped them is not stored. */
const MAX_REMEMBERED_TAGS = 100_000;
/**
 * App events published before their data is committed: the collector announces accepted events
 * when the hot tier has them, before the ingest worker writes them to the warm store. States,
 * metrics and insight changes are announced after their commit.
 */
const ANNOUNCED_BEFORE_COMMIT: ReadonlySet<AppEventName> = new Set(['events.accepted']);

/** How often invalidations are batched onto Redis. */
const BROADCAST_EVERY_MS = 25;

/**
 * LRU + TTL cache of query and insight answers (DEBUG_CACHE_TTL_SECONDS; 0 switches it off).
 * Each entry carries tags (`component:<type>`, `correlation:<id>`, `any`, …); new events and
 * insights seen on the application event bus drop the entries of their tags at once, again after
 * the warm store's write lag, and, with Redis, on every other instance through pub/sub.
 */
@Injectable()
export class QueryCacheService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(QueryCacheService.name);
  private readonly instanceId = randomUUID();
  private readonly entries: LRUCache<string, Entry>;
  private readonly keysByTag = new Map<string, Set<string>>();
  /** tag → sequence number of its last invalidation. */
  private readonly invalidatedAt: LRUCache<string, number>;
  private sequence = 0;
  /** Computations in flight: while there are none, invalidations need not be remembered. */
  private computing = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private invalidations = 0;
  private invalidationsReceived = 0;
  private readonly pendingBroadcast = new Set<CacheTag>();
  private readonly pendingLate = new Set<CacheTag>();
  private broadcastTimer?: NodeJS.Timeout;
  private lateTimer?: NodeJS.Timeout;
  private unsubscribeBus?: () => void;
  private subscriber?: Redis;

  constructor(
    private readonly config: AppConfig,
    private readonly bus: AppEventBus,
    private readonly redis: RedisService,
  ) {
    const ttlSeconds = Math.max(config.cacheTtlSeconds, 1);
    this.entries = new LRUCache<string, Entry>({
      max: MAX_ENTRIES,
      ttl: ttlSeconds * 1000,
      ttlAutopurge: false,
      dispose: (entry, key, reason) => {
        if (reason === 'evict') this.evictions++;
        this.unindex(key, entry.tags);
      },
    });
    this.invalidatedAt = new LRUCache<string, number>({ max: MAX_REMEMBERED_TAGS });
  }

  get enabled(): boolean {
    return this.config.cacheTtlSeconds > 0;
  }

  get channel(): string {
    return this.redis.key('cache', 'invalidate');
  }

  async onModuleInit(): Promise<void> {
    const names: AppEventName[] = [
      'events.accepted',
      'insight.changed',
      'state.changed',
      'metric.recorded',
    ];
    const stops = names.map((name) =>
      this.bus.on(name, (payload) => this.onEvent({ name, payload } as AppEvent)),
    );
    this.unsubscribeBus = () => stops.forEach((stop) => stop());
    if (this.redis.enabled && this.enabled) {
      this.subscriber = this.redis.connect('cache-sub');
      this.subscriber.on('message', (channel: string, text: string) => {
        if (channel === this.channel) this.onRemoteInvalidation(text);
      });
      await this.subscriber.subscribe(this.channel);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribeBus?.();
    clearTimeout(this.broadcastTimer);
    clearTimeout(this.lateTimer);
    if (this.pendingBroadcast.size > 0) await this.flushBroadcast();
    this.entries.clear();
  }

  /** The cached answer of `key`, or computes, stores and returns it. */
  async getOrCompute<T>(
    kind: string,
    params: unknown,
    tags: readonly CacheTag[] | ((value: T) => readonly CacheTag[]),
    compute: () => Promise<T>,
  ): Promise<Cached<T>> {
    if (!this.enabled)
      return { value: await compute(), cached: false, computed_at: new Date().toISOString() };
    const key = cacheKey(kind, params);
    const entry = this.entries.get(key);
    if (entry) {
      this.hits++;
      return { value: entry.value as T, cached: true, computed_at: entry.computedAt };
    }
    this.misses++;
    const startedAt = this.sequence;
    this.computing++;
    try {
      const value = await compute();
      const computedAt = new Date().toISOString();
      // Tags may depend on the answer (an event's component is known once it is read).
      const entryTags = typeof tags === 'function' ? tags(value) : tags;
      // An invalidation of one of its tags while it was computed makes the value suspect: do not keep it.
      const overtaken = entryTags.some((tag) => (this.invalidatedAt.get(tag) ?? -1) > startedAt);
      if (!overtaken) {
        this.entries.set(key, { value, tags: entryTags, computedAt });
        this.index(key, entryTags);
      }
      return { value, cached: false, computed_at: computedAt };
    } finally {
      this.computing--;
    }
  }

  /** Drops the entries of these tags here and, with Redis, on every other instance. */
  invalidate(tags: Iterable<CacheTag>, options: { broadcast?: boolean } = {}): number {
    const list = [...tags];
    const dropped = this.invalidateLocally(list);
    if (options.broadcast !== false && this.subscriber) {
      for (const tag of list) this.pendingBroadcast.add(tag);
      this.broadcastTimer ??= setTimeout(() => void this.flushBroadcast(), BROADCAST_EVERY_MS);
    }
    return dropped;
  }

  clear(): void {
    this.entries.clear();
  }

  stats(): CacheStats {
    const lookups = this.hits + this.misses;
    return {
      enabled: this.enabled,
      size: this.entries.size,
      max_entries: MAX_ENTRIES,
      ttl_seconds: this.config.cacheTtlSeconds,
      hits: this.hits,
      misses: this.misses,
      hit_rate: lookups === 0 ? 0 : Number((this.hits / lookups).toFixed(4)),
      evictions: this.evictions,
      invalidations: this.invalidations,
      invalidations_received: this.invalidationsReceived,
      redis_fan_out: this.subscriber !== undefined,
    };
  }

  private onEvent(event: AppEvent): void {
    if (!this.enabled) return;
    const tags = tagsOfEvent(event);
    if (tags.size === 0) return;
    this.invalidate(tags);
    // Drop what was computed between the announcement and the commit once more after the
    // write lag; an announcement made after its commit needs no second pass.
    if (!ANNOUNCED_BEFORE_COMMIT.has(event.name)) return;
    for (const tag of tags) this.pendingLate.add(tag);
    this.lateTimer ??= setTimeout(() => {
      this.lateTimer = undefined;
      const late = [...this.pendingLate];
      this.pendingLate.clear();
      this.invalidate(late);
    }, this.writeLagMs());
    this.lateTimer.unref?.();
  }

  private writeLagMs(): number {
    return 1000 + 2 * this.config.batchWindowMs;
  }

  private invalidateLocally(tags: readonly CacheTag[]): number {
    this.sequence++;
    // Nothing cached and nothing being computed: nothing to drop or to remember.
    if (this.keysByTag.size === 0 && this.computing === 0) return 0;
    let dropped = 0;
    for (const tag of tags) {
      // Only a computation in flight can be overtaken; ingestion invalidates thousands of tags a second.
      if (this.computing > 0) this.invalidatedAt.set(tag, this.sequence);
      const keys = this.keysByTag.get(tag);
      if (!keys) continue;
      for (const key of [...keys]) {
        if (this.entries.delete(key)) dropped++;
      }
      this.keysByTag.delete(tag);
    }
    this.invalidations += dropped;
    return dropped;
  }

  private async flushBroadcast(): Promise<void> {
    this.broadcastTimer = undefined;
    if (this.pendingBroadcast.size === 0) return;
    const message: InvalidationMessage = {
      origin: this.instanceId,
      tags: [...this.pendingBroadcast],
    };
    this.pendingBroadcast.clear();
    try {
      await this.redis.client().publish(this.channel, JSON.stringify(message));
    } catch (error) {
      this.logger.warn(`could not publish cache invalidation: ${(error as Error).message}`);
    }
  }

  private onRemoteInvalidation(text: string): void {
    try {
      const message = JSON.parse(text) as InvalidationMessage;
      if (message.origin === this.instanceId || !Array.isArray(message.tags)) return;
      this.invalidationsReceived++;
      this.invalidateLocally(message.tags.filter((tag) => typeof tag === 'string'));
    } catch {
      this.logger.warn('ignored a malformed cache invalidation message');
    }
  }

  private index(key: string, tags: readonly CacheTag[]): void {
    for (const tag of tags) {
      let keys = this.keysByTag.get(tag);
      if (!keys) this.keysByTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string, tags: readonly CacheTag[]): void {
    for (const tag of tags) {
      const keys = this.keysByTag.get(tag);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.keysByTag.delete(tag);
    }
  }
}
