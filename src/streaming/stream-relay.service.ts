import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { newId } from '../common/ids.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { RedisService } from '../common/redis/redis.service.js';
import { AppConfig } from '../config/app-config.service.js';
import { StreamBus, type StreamMessage } from './stream-bus.js';
import { decodeRelay, encodeRelay } from './stream-encoding.js';

const MESSAGES_PER_PUBLISH = 2000;

/**
 * Carries what any process publishes on the StreamBus to every API instance, over one
 * Redis pub/sub channel: one PUBLISH per burst of messages, whatever the number of
 * subscribers. Each API instance then matches the messages against its own
 * subscription index and emits to its own sockets. (The Socket.IO Redis adapter would
 * instead ship every per-socket batch through Redis: one message per subscriber and
 * batch, and the filtering would have to happen before the broadcast.)
 */
@Injectable()
export class StreamRelay implements OnModuleInit {
  private readonly logger = new Logger(StreamRelay.name);
  private readonly instanceId = newId();
  private outgoing: StreamMessage[] = [];
  private flushScheduled = false;
  private subscriber?: Redis;
  private publisher?: Redis;

  constructor(
    private readonly bus: StreamBus,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  get channel(): string {
    return this.redis.key('stream', 'messages');
  }

  async onModuleInit(): Promise<void> {
    if (!this.redis.enabled || !this.config.streamingEnabled) return;
    const relayed = this.metrics.counter(
      'ads_stream_relay_messages_total',
      'Stream messages relayed between instances over Redis pub/sub',
      ['direction'],
    );
    this.bus.setRelay((messages) => {
      for (const message of messages) this.outgoing.push(message);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush(relayed.labels('out')));
      }
    });
    if (!this.config.runsApi) return;
    this.subscriber = this.redis.connect('stream-relay');
    this.subscriber.on('message', (_channel: string, text: string) => {
      // The publishing instance has delivered to its own subscribers already: it skips its own envelopes unparsed.
      let messages: StreamMessage[] | null;
      try {
        messages = decodeRelay(text, this.instanceId);
      } catch {
        this.logger.warn('ignored a stream relay message that is not JSON');
        return;
      }
      if (!messages) return;
      relayed.labels('in').inc(messages.length);
      this.bus.deliverFromPeer(messages);
    });
    // Subscribed before the app starts listening: nothing published after start-up is missed.
    await this.subscriber.subscribe(this.channel);
  }

  private flush(counter: { inc(value: number): void }): void {
    this.flushScheduled = false;
    const messages = this.outgoing;
    this.outgoing = [];
    // A connection of its own: large bursts do not queue ahead of the hot tier's commands.
    this.publisher ??= this.redis.connect('stream-publish');
    const client = this.publisher;
    for (let start = 0; start < messages.length; start += MESSAGES_PER_PUBLISH) {
      const chunk = messages.slice(start, start + MESSAGES_PER_PUBLISH);
      client.publish(this.channel, encodeRelay(this.instanceId, chunk)).catch((error: Error) => {
        this.logger.warn(`stream relay publish failed (${chunk.length} messages not sent to other instances): ${error.message}`);
      });
      counter.inc(chunk.length);
    }
  }
}
