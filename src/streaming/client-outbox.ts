import type { StreamChannel } from './stream-messages.js';
import type { DroppedNotice } from './stream-protocol.js';

export interface OutboxMessage {
  channel: StreamChannel;
  payload: Record<string, unknown>;
  /** When the message arrived (an event's ingested_at), for the `since` of a drop notice. */
  arrivedAtMs: number;
}

interface Gap {
  gap: true;
  count: number;
  channels: Partial<Record<StreamChannel, number>>;
  firstMs: number;
  lastMs: number;
}

type Entry = OutboxMessage | Gap;

/** What one flush step takes out: channel batches in order of first appearance, or a gap to announce. */
export type OutboxSegment =
  | { kind: 'batches'; batches: Map<StreamChannel, Record<string, unknown>[]>; messages: number }
  | { kind: 'gap'; notice: Omit<DroppedNotice, 'total'> };

/**
 * The messages waiting for one connection, at most `capacity`. When full, new messages
 * are dropped (the oldest are kept so what the client gets stays a contiguous prefix)
 * and the run of drops becomes a gap that is announced in order, after the messages
 * before it, so the client knows where to backfill from.
 */
export class ClientOutbox {
  private entries: Entry[] = [];
  private head = 0;
  private messageCount = 0;
  private openGap: Gap | null = null;
  droppedTotal = 0;

  constructor(readonly capacity: number) {}

  /** Messages waiting. */
  get size(): number {
    return this.messageCount;
  }

  get isEmpty(): boolean {
    return this.head === this.entries.length;
  }

  get room(): number {
    return this.capacity - this.messageCount;
  }

  /** Queues a message; false when it was dropped because the outbox is full. */
  push(message: OutboxMessage): boolean {
    if (this.messageCount >= this.capacity) {
      this.recordDrop(message.channel, message.arrivedAtMs);
      return false;
    }
    this.openGap = null;
    this.entries.push(message);
    this.messageCount++;
    return true;
  }

  /** Counts a message dropped before it reached the outbox (e.g. while a backfill ran). */
  recordDrop(channel: StreamChannel, arrivedAtMs: number): void {
    let gap = this.openGap;
    if (!gap) {
      gap = { gap: true, count: 0, channels: {}, firstMs: arrivedAtMs, lastMs: arrivedAtMs };
      this.entries.push(gap);
      this.openGap = gap;
    }
    gap.count++;
    gap.channels[channel] = (gap.channels[channel] ?? 0) + 1;
    gap.firstMs = Math.min(gap.firstMs, arrivedAtMs);
    gap.lastMs = Math.max(gap.lastMs, arrivedAtMs);
    this.droppedTotal++;
  }

  /** Takes up to `maxMessages` messages (grouped by channel, order kept within each), or the next gap. */
  take(maxMessages: number): OutboxSegment | null {
    if (this.isEmpty) return null;
    const first = this.entries[this.head];
    if ('gap' in first) {
      this.head++;
      if (this.openGap === first) this.openGap = null;
      this.compact();
      return {
        kind: 'gap',
        notice: {
          count: first.count,
          channels: first.channels,
          since: new Date(first.firstMs - 1).toISOString(),
          until: new Date(first.lastMs).toISOString(),
        },
      };
    }
    const batches = new Map<StreamChannel, Record<string, unknown>[]>();
    let taken = 0;
    while (this.head < this.entries.length && taken < maxMessages) {
      const entry = this.entries[this.head];
      if ('gap' in entry) break;
      let batch = batches.get(entry.channel);
      if (!batch) batches.set(entry.channel, (batch = []));
      batch.push(entry.payload);
      this.head++;
      taken++;
    }
    this.messageCount -= taken;
    this.compact();
    return { kind: 'batches', batches, messages: taken };
  }

  private compact(): void {
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
