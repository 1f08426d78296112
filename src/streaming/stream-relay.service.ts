import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type { Redis } from 'ioredis';
import { newId } from '../common/ids.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { redisCall } from '../common/redis/redis-call.js';
import { RedisService } from '../common/redis/redis.service.js';
import { AppConfig } from '../config/app-config.service.js';
import { AppEventBus } from '../common/events/app-event-bus.js';
import type { AppEvent } from '../common/events/app-events.js';
import { decodeRelay, encodeRelay } from './stream-encoding.js';

const MESSAGES_PER_PUBLISH = 2000;
/** An instance's "I have subscribers" entry lives this long unless refreshed. */
const LISTENER_TTL_MS = 30_000;
const LISTENER_REFRESH_MS = 5_000;
/** Once other listeners were seen, relay without asking again for this long. */
const LISTENERS_SEEN_MS = 1_000;

/**
 * Carries the application events any process emits to every API instance, over one
 * Redis pub/sub channel: one PUBLISH per burst of messages, whatever the number of
 * subscribers. Each API instance then matches the messages against its own
 * subscription index and emits to its own sockets. (The Socket.IO Redis adapter would
 * instead ship every per-socket batch through Redis: one message per subscriber and
 * batch, and the filtering would have to happen before the broadcast.)
 *
 * Nothing is serialized or published while no other instance has a subscriber: API
 * instances with subscriptions keep an entry in a Redis sorted set, and a publisher
 * relays a burst only when it sees another instance's entry. An instance registers its
 * entry before it reads the hot tier for a backfill and before it acknowledges its first
 * subscription, so what a publisher decided not to relay was already in the hot tier.
 */
@Injectable()
export class StreamRelay implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StreamRelay.name);
  private readonly instanceId = newId();
  private outgoing: AppEvent[] = [];
  private flushScheduled = false;
  private subscriber?: Redis;
  private publisher?: Redis;
  private relayed?: Counter<string>;
  /** Keeps relayed bursts in publishing order across the asynchronous listener checks. */
  private publishing: Promise<void> = Promise.resolve();
  private othersSeenUntil = 0;
  private localSubscriptions = 0;
  private listening: Promise<void> | null = null;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly bus: AppEventBus,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  get enabled(): boolean {
    return this.redis.enabled && this.config.streamingEnabled;
  }

  get channel(): string {
    return this.redis.key('stream', 'messages');
  }

  private get listenersKey(): string {
    return this.redis.key('stream', 'listeners');
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled) return;
    this.relayed = this.metrics.counter(
      'ads_stream_relay_messages_total',
      'Stream messages relayed between instances over Redis pub/sub',
      ['direction'],
    );
    this.bus.setRelay((event) => {
      this.outgoing.push(event);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
    if (!this.config.runsApi) return;
    this.subscriber = this.redis.connect('stream-relay');
    this.subscriber.on('message', (_channel: string, text: string) => {
      // The publishing instance has delivered to its own subscribers already: it skips its own envelopes unparsed.
      let events: AppEvent[] | null;
      try {
        events = decodeRelay(text, this.instanceId);
      } catch {
        this.logger.warn('ignored a stream relay message that is not JSON');
        return;
      }
      if (!events) return;
      this.relayed!.labels('in').inc(sizeOf(events));
      this.bus.deliverFromPeer(events);
    });
    // Subscribed before the app starts listening: nothing published after start-up is missed.
    await this.subscriber.subscribe(this.channel);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.listening)
      await this.publisherConnection()
        .zrem(this.listenersKey, this.instanceId)
        .catch(() => undefined);
  }

  /**
   * The hub has one more subscription. Resolves once publishers elsewhere will relay to
   * this instance (at once when it was already registered).
   */
  async addListener(): Promise<void> {
    this.localSubscriptions++;
    if (!this.enabled) return;
    // A subscribe must not wait for Redis to come back (the registration's commands would).
    await redisCall(
      'Redis (the stream relay between instances)',
      () =>
        (this.listening ??= this.register().catch((error: unknown) => {
          this.listening = null;
          throw error;
        })),
      this.publisherConnection(),
    );
  }

  /** The hub has one subscription fewer; with none left, publishers stop relaying to this instance. */
  removeListener(): void {
    this.localSubscriptions = Math.max(0, this.localSubscriptions - 1);
    if (!this.enabled || this.localSubscriptions > 0 || !this.listening) return;
    this.listening = null;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.publisherConnection()
      .zrem(this.listenersKey, this.instanceId)
      .catch((error: Error) =>
        this.logger.warn(`could not withdraw the stream listener entry: ${error.message}`),
      );
  }

  private async register(): Promise<void> {
    await this.refresh();
    this.heartbeat ??= setInterval(() => {
      this.refresh().catch((error: Error) =>
        this.logger.warn(`could not refresh the stream listener entry: ${error.message}`),
      );
    }, LISTENER_REFRESH_MS).unref();
  }

  private async refresh(): Promise<void> {
    const now = Date.now();
    await this.publisherConnection()
      .multi()
      .zadd(this.listenersKey, now + LISTENER_TTL_MS, this.instanceId)
      .zremrangebyscore(this.listenersKey, '-inf', now)
      .pexpire(this.listenersKey, LISTENER_TTL_MS * 2)
      .exec();
  }

  /** Whether another instance has subscribers (cached for a moment once it has). */
  private async othersListening(): Promise<boolean> {
    if (performance.now() < this.othersSeenUntil) return true;
    try {
      const listeners = await this.publisherConnection().zrangebyscore(
        this.listenersKey,
        Date.now(),
        '+inf',
      );
      const others = listeners.some((id) => id !== this.instanceId);
      if (others) this.othersSeenUntil = performance.now() + LISTENERS_SEEN_MS;
      return others;
    } catch {
      return true; // cannot tell: try to relay (the publish reports its own failure)
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const events = this.outgoing;
    this.outgoing = [];
    this.publishing = this.publishing.then(async () => {
      if (!(await this.othersListening())) return;
      const client = this.publisherConnection();
      for (const chunk of chunksOf(events, MESSAGES_PER_PUBLISH)) {
        const size = sizeOf(chunk);
        client.publish(this.channel, encodeRelay(this.instanceId, chunk)).catch((error: Error) => {
          this.logger.warn(
            `stream relay publish failed (${size} messages not sent to other instances): ${error.message}`,
          );
        });
        this.relayed!.labels('out').inc(size);
      }
    });
  }

  /** A connection of its own: large bursts do not queue ahead of the hot tier's commands. */
  private publisherConnection(): Redis {
    this.publisher ??= this.redis.connect('stream-publish');
    return this.publisher;
  }
}

/** Messages an event stands for: the items of a list payload, else one. */
function sizeOf(events: readonly AppEvent[]): number {
  return events.reduce(
    (sum, event) => sum + (Array.isArray(event.payload) ? event.payload.length : 1),
    0,
  );
}

/** The events in groups of at most `max` messages; a long list payload is split across groups. */
function chunksOf(events: readonly AppEvent[], max: number): AppEvent[][] {
  const chunks: AppEvent[][] = [];
  let chunk: AppEvent[] = [];
  let size = 0;
  const push = (event: AppEvent, weight: number) => {
    if (size + weight > max && chunk.length > 0) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(event);
    size += weight;
  };
  for (const event of events) {
    if (!Array.isArray(event.payload)) {
      push(event, 1);
      continue;
    }
    for (let start = 0; start < event.payload.length; start += max) {
      const part = event.payload.slice(start, start + max);
      push({ name: event.name, payload: part } as AppEvent, part.length);
    }
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
