import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Socket } from 'socket.io';
import type { DebugEventRecord } from '../common/debug-event.js';
import { newId } from '../common/ids.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { AppConfig } from '../config/app-config.service.js';
import { ClientOutbox, type OutboxMessage } from './client-outbox.js';
import { AppEventBus } from '../common/events/app-event-bus.js';
import type { AppEvent, AppEventName } from '../common/events/app-events.js';
import { type StreamChannel, type StreamMessage, streamMessagesOf } from './stream-messages.js';
import { LivePatternLabels } from './live-pattern-labels.js';
import { invalidSince, StreamBackfill } from './stream-backfill.js';
import { encodeBatchPacket } from './stream-encoding.js';
import { StreamRelay } from './stream-relay.service.js';
import type { ServerToClientEvents, StreamError, SubscribeAck } from './stream-protocol.js';
import type { SubscribeDto } from './subscribe.dto.js';
import type { SubscriptionFilter } from './subscription-filter.js';
import { SubscriptionIndex } from './subscription-index.js';

/** Most messages one emit carries; a bigger backlog goes out in several emits. */
const MAX_BATCH = 500;
/** Packets a connection may have queued in engine.io before we hold messages in its (bounded) outbox. */
const MAX_PACKETS_IN_FLIGHT = 4;
/** How long a backfilled subscription remembers the replayed ids, for late copies relayed from other instances. */
const SEAM_MEMORY_MS = 30_000;
const MAX_SUBSCRIPTIONS_PER_CLIENT = 100;

/** Values a subscription's filters hold: what its index entries cost. */
function filterValuesOf(dto: SubscribeDto): number {
  let values = 1;
  for (const list of [
    dto.channels,
    dto.event_types,
    dto.component_types,
    dto.component_ids,
    dto.levels,
    dto.correlation_ids,
  ]) {
    values += list?.length ?? 0;
  }
  return values;
}

export type StreamSocket = Socket<Record<string, never>, ServerToClientEvents>;

interface StreamClient {
  id: string;
  socket: StreamSocket;
  keyId: string | null;
  /** What its connections are counted under: its key, or its address without keys. */
  owner: string;
  connectedAt: Date;
  outbox: ClientOutbox;
  subscriptions: Map<string, Subscription>;
  /** The last message stamp delivered: a message matching two subscriptions of one client goes out once. */
  stamp: number;
  delivered: number;
  closed: boolean;
}

interface Subscription {
  id: string;
  client: StreamClient;
  /** A message matching any of these matches (one, or a session's alternatives). */
  alternatives: IndexEntry[];
  /** The last message stamp this subscription took (alternatives may find it twice). */
  stamp: number;
  /** While a backfill runs, live matches wait here (then skip what the backfill sent). */
  pending: OutboxMessage[] | null;
  /** Event ids the backfill sent, kept for SEAM_MEMORY_MS after going live. */
  replayed: Set<string> | null;
  /** Filters on pattern_id: live events get labelled with their pattern while it lasts. */
  labelsPatterns: boolean;
  /** Its share of its owner's filter values. */
  filterValues: number;
}

/** One alternative of a subscription, as filed in the index. */
interface IndexEntry {
  filter: SubscriptionFilter;
  subscription: Subscription;
}

/**
 * The live side of streaming: connected clients, their subscriptions in a
 * SubscriptionIndex, and per-client bounded outboxes flushed as micro-batches. It
 * listens to the application event bus (events emitted here and, through StreamRelay, by the
 * other instances) and is the only thing that emits to sockets.
 */
@Injectable()
export class StreamHub implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(StreamHub.name);
  private readonly clients = new Map<string, StreamClient>();
  private readonly connectionsByOwner = new Map<string, number>();
  /** Filter values the subscriptions of each owner hold (bounded by DEBUG_STREAM_MAX_FILTER_VALUES). */
  private readonly filterValuesByOwner = new Map<string, number>();
  private readonly index = new SubscriptionIndex<IndexEntry>();
  private subscriptionCount = 0;
  private readonly dirty = new Set<StreamClient>();
  private flushTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private lastFlushAt = 0;
  private stamp = 0;
  private stopListening?: () => void;

  private readonly deliveredCounter;
  private readonly droppedCounter;
  private readonly batchesCounter;
  private readonly clientsGauge;
  private readonly subscriptionsGauge;
  private readonly outboxGauge;

  constructor(
    private readonly bus: AppEventBus,
    private readonly config: AppConfig,
    private readonly relay: StreamRelay,
    private readonly patternLabels: LivePatternLabels,
    private readonly backfill: StreamBackfill,
    metrics: MetricsService,
  ) {
    this.deliveredCounter = metrics.counter(
      'ads_stream_delivered_total',
      'Stream messages emitted to clients',
      ['channel'],
    );
    this.droppedCounter = metrics.counter(
      'ads_stream_dropped_total',
      'Stream messages dropped because a client did not read fast enough',
      ['channel'],
    );
    this.batchesCounter = metrics.counter(
      'ads_stream_batches_total',
      'Stream batches (emits) sent to clients',
    );
    this.clientsGauge = metrics.gauge(
      'ads_stream_clients',
      'Connected, authenticated stream clients',
    );
    this.subscriptionsGauge = metrics.gauge(
      'ads_stream_subscriptions',
      'Active stream subscriptions',
    );
    this.outboxGauge = metrics.gauge(
      'ads_stream_outbox_messages',
      'Stream messages waiting in client outboxes',
    );
  }

  onModuleInit(): void {
    const names: AppEventName[] = [
      'events.accepted',
      'insight.changed',
      'state.changed',
      'metric.recorded',
    ];
    const stops = names.map((name) =>
      this.bus.on(name, (payload) =>
        this.dispatch(streamMessagesOf({ name, payload } as AppEvent)),
      ),
    );
    this.stopListening = () => stops.forEach((stop) => stop());
  }

  onModuleDestroy(): void {
    this.stopListening?.();
    this.cancelFlush();
  }

  /**
   * Takes an authenticated connection, or says why not: each costs memory (outbox, subscriptions),
   * so an instance holds at most DEBUG_STREAM_MAX_CONNECTIONS and a key (or, without keys, an
   * address) at most DEBUG_STREAM_MAX_CONNECTIONS_PER_KEY.
   */
  addClient(socket: StreamSocket, keyId: string | null): StreamError | null {
    const owner = keyId !== null ? `key:${keyId}` : `address:${socket.handshake.address}`;
    if (this.clients.size >= this.config.streamMaxConnections) {
      return {
        code: 'too_many_connections',
        message: `this instance holds its limit of ${this.config.streamMaxConnections} stream connections (DEBUG_STREAM_MAX_CONNECTIONS); retry later or elsewhere`,
      };
    }
    const owned = this.connectionsByOwner.get(owner) ?? 0;
    if (owned >= this.config.streamMaxConnectionsPerKey) {
      return {
        code: 'too_many_connections',
        message:
          `${keyId !== null ? 'this API key' : 'this address'} holds its limit of ${this.config.streamMaxConnectionsPerKey} stream connections ` +
          '(DEBUG_STREAM_MAX_CONNECTIONS_PER_KEY): share one connection between subscriptions',
      };
    }
    this.connectionsByOwner.set(owner, owned + 1);
    this.clients.set(socket.id, {
      id: socket.id,
      socket,
      keyId,
      owner,
      connectedAt: new Date(),
      outbox: new ClientOutbox(this.config.streamClientBuffer),
      subscriptions: new Map(),
      stamp: 0,
      delivered: 0,
      closed: false,
    });
    this.clientsGauge.set(this.clients.size);
    return null;
  }

  /** The sockets of the connections held now. */
  sockets(): StreamSocket[] {
    return [...this.clients.values()].map((client) => client.socket);
  }

  removeClient(socketId: string): void {
    const client = this.clients.get(socketId);
    if (!client) return;
    client.closed = true;
    const owned = (this.connectionsByOwner.get(client.owner) ?? 1) - 1;
    if (owned > 0) this.connectionsByOwner.set(client.owner, owned);
    else this.connectionsByOwner.delete(client.owner);
    for (const subscription of client.subscriptions.values()) this.forget(subscription);
    this.clients.delete(socketId);
    this.dirty.delete(client);
    this.clientsGauge.set(this.clients.size);
  }

  /** Registers a subscription; with `since`, replays the hot tier first and joins it to the live stream without gap or repeat. */
  async subscribe(
    socketId: string,
    dto: SubscribeDto,
    alternatives: SubscriptionFilter[],
  ): Promise<SubscribeAck> {
    const filter = alternatives[0];
    const client = this.clients.get(socketId);
    if (!client) return failure('unauthorized', 'this connection is not authenticated');
    if (client.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_CLIENT) {
      return failure(
        'too_many_subscriptions',
        `at most ${MAX_SUBSCRIPTIONS_PER_CLIENT} subscriptions per connection`,
      );
    }
    const filterValues = filterValuesOf(dto) * Math.max(1, alternatives.length);
    if (dto.since !== undefined && !filter.channels.has('debug:event')) {
      return {
        ok: false,
        error: invalidSince(
          'only debug:event is replayed, and this subscription has no debug:event channel',
        ),
      };
    }
    const wantsBackfill = dto.since !== undefined;
    let since: { ms: number; excludeId?: string } | null = null;
    if (wantsBackfill) {
      const resolved = await this.backfill.resolveSince(dto.since!);
      if ('error' in resolved) return { ok: false, error: resolved.error };
      since = resolved;
    }
    if (client.closed) return failure('unauthorized', 'connection closed');

    const subscription: Subscription = {
      id: newId(),
      client,
      alternatives: [],
      stamp: 0,
      pending: since === null ? null : [],
      replayed: null,
      labelsPatterns: alternatives.some((one) => one.values.pattern_id !== undefined),
      filterValues,
    };
    if (subscription.labelsPatterns) await this.patternLabels.retain();
    if (client.closed) {
      if (subscription.labelsPatterns) this.patternLabels.release();
      return failure('unauthorized', 'connection closed');
    }
    // Checked and taken with no await in between: concurrent subscribes cannot overdraw the budget.
    const held = this.filterValuesByOwner.get(client.owner) ?? 0;
    if (held + filterValues > this.config.streamMaxFilterValues) {
      if (subscription.labelsPatterns) this.patternLabels.release();
      return failure(
        'filter_too_large',
        `this subscription's filters hold ${filterValues} values and the other subscriptions of this ${client.keyId !== null ? 'API key' : 'address'} ${held}: ` +
          `at most ${this.config.streamMaxFilterValues} together (DEBUG_STREAM_MAX_FILTER_VALUES); filter on component types or a session instead of long id lists`,
      );
    }
    subscription.alternatives = alternatives.map((one) => ({ filter: one, subscription }));
    // Filed before the hot tier is read: anything published from now on is either in
    // what we read or arrives live (and is dropped there if the read had it).
    client.subscriptions.set(subscription.id, subscription);
    this.filterValuesByOwner.set(client.owner, held + filterValues);
    for (const entry of subscription.alternatives) this.index.add(entry);
    this.subscriptionCount++;
    this.subscriptionsGauge.set(this.subscriptionCount);
    try {
      // Other instances relay to this one from here on; only then is the hot tier read and the ack sent.
      await this.relay.addListener();
    } catch (error) {
      this.unsubscribe(socketId, subscription.id);
      throw error;
    }
    const ack: SubscribeAck = {
      ok: true,
      subscription_id: subscription.id,
      channels: [...filter.channels],
    };
    if (since === null) return ack;

    let replay: DebugEventRecord[];
    let complete: boolean;
    let scannedUntilMs: number;
    try {
      ({ replay, complete, scannedUntilMs } = await this.backfill.read(alternatives, since));
    } catch (error) {
      this.unsubscribe(socketId, subscription.id);
      throw error;
    }
    ack.backfill = { events: replay.length, complete };
    if (!complete) ack.backfill.scanned_until = new Date(scannedUntilMs).toISOString();
    // The ack goes out now; the replay follows it through the outbox, then what arrived meanwhile.
    void this.deliverBackfill(subscription, replay);
    return ack;
  }

  unsubscribe(socketId: string, subscriptionId: string): boolean {
    const client = this.clients.get(socketId);
    const subscription = client?.subscriptions.get(subscriptionId);
    if (!client || !subscription) return false;
    client.subscriptions.delete(subscriptionId);
    this.forget(subscription);
    return true;
  }

  private forget(subscription: Subscription): void {
    const owner = subscription.client.owner;
    const left = (this.filterValuesByOwner.get(owner) ?? 0) - subscription.filterValues;
    if (left > 0) this.filterValuesByOwner.set(owner, left);
    else this.filterValuesByOwner.delete(owner);
    for (const entry of subscription.alternatives) this.index.remove(entry);
    if (subscription.labelsPatterns) this.patternLabels.release();
    this.relay.removeListener();
    this.subscriptionCount--;
    this.subscriptionsGauge.set(this.subscriptionCount);
  }

  /** Per-connection figures for operators. */
  describeClients(): {
    id: string;
    key_id: string | null;
    connected_at: string;
    subscriptions: number;
    delivered: number;
    waiting: number;
    dropped: number;
  }[] {
    return [...this.clients.values()].map((client) => ({
      id: client.id,
      key_id: client.keyId,
      connected_at: client.connectedAt.toISOString(),
      subscriptions: client.subscriptions.size,
      delivered: client.delivered,
      waiting: client.outbox.size,
      dropped: client.outbox.droppedTotal,
    }));
  }

  /** Matches a burst of published messages and queues each for the clients that want it. */
  private dispatch(messages: readonly StreamMessage[]): void {
    if (this.subscriptionCount === 0) return; // nobody listens: ingestion pays nothing here
    const now = Date.now();
    if (this.patternLabels.active) {
      this.patternLabels.label(
        messages
          .filter((message) => message.channel === 'debug:event')
          .map((message) => message.payload),
      );
    }
    for (const message of messages) {
      const stamp = ++this.stamp;
      let outboxMessage: OutboxMessage | null = null;
      this.index.forEachMatch(message.channel, message.payload, ({ subscription }) => {
        const client = subscription.client;
        if (client.stamp === stamp || subscription.stamp === stamp) return;
        subscription.stamp = stamp;
        outboxMessage ??= {
          channel: message.channel,
          payload: message.payload,
          arrivedAtMs: arrivalOf(message, now),
        };
        if (subscription.pending) {
          // Claimed for this connection: it goes out once, after the replay, not also through another subscription.
          client.stamp = stamp;
          if (subscription.pending.length < client.outbox.capacity)
            subscription.pending.push(outboxMessage);
          else this.drop(client, outboxMessage);
          return;
        }
        if (
          message.channel === 'debug:event' &&
          subscription.replayed?.has(message.payload.id as string)
        )
          return;
        client.stamp = stamp;
        this.enqueue(client, outboxMessage);
      });
    }
  }

  private enqueue(client: StreamClient, message: OutboxMessage): void {
    if (!client.outbox.push(message)) this.droppedCounter.labels(message.channel).inc();
    this.markDirty(client);
  }

  private drop(client: StreamClient, message: OutboxMessage): void {
    client.outbox.recordDrop(message.channel, message.arrivedAtMs);
    this.droppedCounter.labels(message.channel).inc();
    this.markDirty(client);
  }

  private markDirty(client: StreamClient): void {
    this.dirty.add(client);
    this.scheduleFlush();
  }

  /**
   * Flushes at most every DEBUG_STREAM_FLUSH_MS: right after the current burst when the
   * last flush is older than that (low rates pay no batching delay), else at its end.
   */
  private scheduleFlush(): void {
    if (this.flushTimer) return;
    const wait = this.lastFlushAt + this.config.streamFlushMs - performance.now();
    this.flushTimer =
      wait <= 0 ? setImmediate(() => this.flush()) : setTimeout(() => this.flush(), wait);
  }

  private cancelFlush(): void {
    if (!this.flushTimer) return;
    clearTimeout(this.flushTimer as NodeJS.Timeout);
    clearImmediate(this.flushTimer as NodeJS.Immediate);
    this.flushTimer = null;
  }

  /** Emits what every dirty client has waiting, as far as its connection keeps up. */
  private flush(): void {
    this.flushTimer = null;
    this.lastFlushAt = performance.now();
    let waiting = 0;
    for (const client of this.dirty) {
      if (client.closed) {
        this.dirty.delete(client);
        continue;
      }
      this.drain(client);
      if (client.outbox.isEmpty) this.dirty.delete(client);
      else waiting += client.outbox.size;
    }
    this.outboxGauge.set(waiting);
    // Clients whose connection is still busy are retried at the next tick of the flush clock.
    if (this.dirty.size > 0) this.scheduleFlush();
  }

  private drain(client: StreamClient): void {
    const socket = client.socket;
    while (!client.outbox.isEmpty) {
      if (packetsInFlight(socket) >= MAX_PACKETS_IN_FLIGHT) return;
      const segment = client.outbox.take(MAX_BATCH);
      if (!segment) return;
      if (segment.kind === 'gap') {
        socket.emit('debug:dropped', { ...segment.notice, total: client.outbox.droppedTotal });
        continue;
      }
      for (const [channel, batch] of segment.batches) {
        emitBatch(socket, channel, batch);
        this.deliveredCounter.labels(channel).inc(batch.length);
        this.batchesCounter.inc();
      }
      client.delivered += segment.messages;
    }
  }

  /** Pushes the replay into the outbox as it drains, then what matched live meanwhile (minus repeats). */
  private async deliverBackfill(
    subscription: Subscription,
    replay: DebugEventRecord[],
  ): Promise<void> {
    const client = subscription.client;
    const replayed = new Set<string>();
    const now = Date.now();
    for (let start = 0; start < replay.length;) {
      if (client.closed || !client.subscriptions.has(subscription.id)) return;
      const room = Math.min(client.outbox.room, MAX_BATCH);
      if (room <= 0) {
        this.markDirty(client);
        await new Promise((resolve) => setTimeout(resolve, this.config.streamFlushMs));
        continue;
      }
      for (const event of replay.slice(start, start + room)) {
        replayed.add(event.id);
        client.outbox.push({
          channel: 'debug:event',
          payload: event as unknown as Record<string, unknown>,
          arrivedAtMs: Date.parse(event.ingested_at) || now,
        });
      }
      start += room;
      this.markDirty(client);
    }
    const pending = subscription.pending ?? [];
    subscription.pending = null;
    subscription.replayed = replayed;
    for (const message of pending) {
      if (message.channel === 'debug:event' && replayed.has(message.payload.id as string)) continue;
      this.enqueue(client, message);
    }
    setTimeout(() => {
      subscription.replayed = null;
    }, SEAM_MEMORY_MS).unref();
  }
}

/**
 * Emits one channel batch. The packet is built from each payload's cached JSON (one
 * JSON.stringify per message, not per message and recipient) and written the way the
 * Socket.IO adapter writes its broadcasts; a plain emit when that path is unavailable.
 */
function emitBatch(
  socket: StreamSocket,
  channel: StreamChannel,
  batch: Record<string, unknown>[],
): void {
  const client = socket.client as unknown as {
    writeToEngine?: (packets: string[], options: object) => void;
  };
  if (typeof client.writeToEngine === 'function' && socket.connected) {
    client.writeToEngine([encodeBatchPacket(socket.nsp.name, channel, batch)], {});
    return;
  }
  (socket.emit as (event: StreamChannel, items: unknown[]) => boolean)(channel, batch);
}

function packetsInFlight(socket: StreamSocket): number {
  const engine = socket.conn as unknown as { writeBuffer?: unknown[] };
  return engine.writeBuffer?.length ?? 0;
}

function arrivalOf(message: StreamMessage, fallback: number): number {
  if (message.channel !== 'debug:event') return fallback;
  const at = Date.parse(message.payload.ingested_at as string);
  return Number.isNaN(at) ? fallback : at;
}

function failure(code: StreamError['code'], message: string): SubscribeAck {
  return { ok: false, error: { code, message } };
}
