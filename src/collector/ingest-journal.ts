import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { DebugEventRecord } from '../common/debug-event.js';
import { RedisService } from '../common/redis/redis.service.js';
import { AppConfig } from '../config/app-config.service.js';
import { ingestJournalKeys, type IngestJournalKeys } from '../storage/hot/ingest-journal-keys.js';

/** One stream entry: the new events of one accept call (or of a part of a large one). */
export interface JournalEntry {
  id: string;
  events: DebugEventRecord[];
  /** Times the entry was handed to a writer: above 1 it was claimed from one that died holding it. */
  deliveries: number;
}

const WRITERS_GROUP = 'warm-writers';
/** A writer that has not said it is alive for this long is taken for dead (readiness). */
export const WRITER_ALIVE_WITHIN_MS = 15_000;
/** How often a writer says it is alive. */
export const WRITER_BEAT_EVERY_MS = 2_000;
/**
 * A writer whose process has not said it is alive for this long (three beats missed) has died:
 * what it holds is taken over at once, not after DEBUG_INGEST_CLAIM_IDLE_MS. The key saying so
 * expires after it, so no clocks of two hosts are compared.
 */
export const WRITER_DEAD_AFTER_MS = 3 * WRITER_BEAT_EVERY_MS;

// Acknowledge, delete and uncount in one step, counting only entries this call acknowledged:
// an entry written twice (claimed from a slow writer) must not be uncounted twice.
const ACKNOWLEDGE = `
local stream, pending, group = ARGV[1], ARGV[2], ARGV[3]
local done = 0
for i = 4, #ARGV, 2 do
  if redis.call('XACK', stream, group, ARGV[i]) == 1 then
    redis.call('XDEL', stream, ARGV[i])
    done = done + tonumber(ARGV[i + 1])
  end
end
if done > 0 then redis.call('DECRBY', pending, done) end
return done
`;

type RawEntry = [id: string, fields: string[] | null];

/**
 * Full mode's read side of the ingest journal (the stream the hot tier appends accepted
 * events to): a consumer group whose members read new entries, claim entries a dead member
 * left unacknowledged, and acknowledge entries once their events are in the warm store.
 * In embedded mode there is no journal: `enabled` is false and nothing is pending.
 */
@Injectable()
export class IngestJournal {
  readonly enabled: boolean;
  private readonly keys: IngestJournalKeys;
  /** Sorted set: writer (consumer name) → when it last said it was alive. */
  private readonly writersKey: string;
  private groupReady: Promise<void> | undefined;

  constructor(
    private readonly redis: RedisService,
    config: AppConfig,
  ) {
    this.enabled = redis.enabled;
    this.keys = ingestJournalKeys(config.redisPrefix);
    this.writersKey = `${config.redisPrefix}:ingest:writers`;
    if (this.enabled)
      this.redis
        .client()
        .defineCommand('adsJournalAcknowledge', { numberOfKeys: 0, lua: ACKNOWLEDGE });
  }

  /** Events accepted and not yet in the warm store. */
  async pendingEvents(): Promise<number> {
    if (!this.enabled) return 0;
    return Number((await this.redis.client().get(this.keys.pendingEvents)) ?? 0);
  }

  /** A writer's heartbeat from its loop: `consumer` is alive and reading (readiness counts these). */
  async beat(connection: Redis, consumer: string): Promise<void> {
    await connection.zadd(this.writersKey, Date.now(), consumer);
  }

  /**
   * A writer's process is alive, from a timer beside its loop: a loop stuck in a long write still
   * says so, and only a process that is gone (or frozen) stops saying it.
   */
  async markAlive(connection: Redis, consumer: string): Promise<void> {
    await connection.set(this.aliveKey(consumer), '1', 'PX', WRITER_DEAD_AFTER_MS);
  }

  /** A writer that stops (shutdown) says so at once instead of ageing out. */
  async leave(connection: Redis, consumer: string): Promise<void> {
    await connection.multi().zrem(this.writersKey, consumer).del(this.aliveKey(consumer)).exec();
  }

  private aliveKey(consumer: string): string {
    return `${this.writersKey}:alive:${consumer}`;
  }

  /** Writers, of any process, alive within the last WRITER_ALIVE_WITHIN_MS. */
  async livingWriters(): Promise<number> {
    if (!this.enabled) return 0;
    const client = this.redis.client();
    await client.zremrangebyscore(
      this.writersKey,
      '-inf',
      Date.now() - 10 * WRITER_ALIVE_WITHIN_MS,
    );
    return client.zcount(this.writersKey, Date.now() - WRITER_ALIVE_WITHIN_MS, '+inf');
  }

  /** Waits until every journalled event is in the warm store (tests, shutdown); false on timeout. */
  async drained(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.pendingEvents()) > 0) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return true;
  }

  /** New entries for `consumer`, waiting up to `blockMs` for one; `connection` must be its own (the read blocks). */
  async read(
    connection: Redis,
    consumer: string,
    count: number,
    blockMs: number,
  ): Promise<JournalEntry[]> {
    await this.ensureGroup();
    const reply = (await this.forgetGroupOnLoss(
      connection.xreadgroup(
        'GROUP',
        WRITERS_GROUP,
        consumer,
        'COUNT',
        count,
        'BLOCK',
        blockMs,
        'STREAMS',
        this.keys.stream,
        '>',
      ),
    )) as [string, RawEntry[]][] | null;
    return reply ? this.parse(reply[0][1]) : [];
  }

  /** Entries another member read and has not acknowledged for `minIdleMs` (it died or hangs), now `consumer`'s. */
  async claimStale(
    connection: Redis,
    consumer: string,
    count: number,
    minIdleMs: number,
  ): Promise<JournalEntry[]> {
    await this.ensureGroup();
    const [, entries] = (await this.forgetGroupOnLoss(
      connection.xautoclaim(
        this.keys.stream,
        WRITERS_GROUP,
        consumer,
        minIdleMs,
        '0-0',
        'COUNT',
        count,
      ),
    )) as [string, RawEntry[], string[]?];
    const claimed = this.parse(entries);
    if (claimed.length === 0) return claimed;
    const pending = (await connection.xpending(
      this.keys.stream,
      WRITERS_GROUP,
      claimed[0].id,
      claimed[claimed.length - 1].id,
      claimed.length,
      consumer,
    )) as [id: string, consumer: string, idleMs: number, deliveries: number][];
    const deliveries = new Map(pending.map(([id, , , times]) => [id, Number(times)]));
    for (const entry of claimed) entry.deliveries = deliveries.get(entry.id) ?? entry.deliveries;
    return claimed;
  }

  /**
   * Entries held by members whose process stopped saying it is alive (`markAlive`,
   * WRITER_DEAD_AFTER_MS), now `consumer`'s, up to `count`. A writer whose process lives but whose
   * write hangs keeps its entries until `claimStale`'s idle time.
   * Only entries idle for a beat are claimed, so two writers never both take one: the first
   * claim makes it idle no more.
   */
  async claimFromDead(connection: Redis, consumer: string, count: number): Promise<JournalEntry[]> {
    await this.ensureGroup();
    const summary = (await this.forgetGroupOnLoss(
      connection.xpending(this.keys.stream, WRITERS_GROUP),
    )) as [total: number, first: string | null, last: string | null, [string, string][] | null];
    const holders = (summary[3] ?? []).map(([name]) => name).filter((name) => name !== consumer);
    if (holders.length === 0) return [];
    const beats = await connection.mget(...holders.map((name) => this.aliveKey(name)));
    const claimed: JournalEntry[] = [];
    for (const [index, holder] of holders.entries()) {
      if (beats[index] !== null || claimed.length >= count) continue;
      const pending = (await connection.xpending(
        this.keys.stream,
        WRITERS_GROUP,
        'IDLE',
        WRITER_BEAT_EVERY_MS,
        '-',
        '+',
        count - claimed.length,
        holder,
      )) as [id: string, consumer: string, idleMs: number, deliveries: number][];
      if (pending.length === 0) continue;
      const raw = (await connection.xclaim(
        this.keys.stream,
        WRITERS_GROUP,
        consumer,
        WRITER_BEAT_EVERY_MS,
        ...pending.map(([id]) => id),
      )) as RawEntry[];
      const deliveries = new Map(pending.map(([id, , , times]) => [id, Number(times) + 1]));
      for (const entry of this.parse(raw)) {
        entry.deliveries = deliveries.get(entry.id) ?? entry.deliveries;
        claimed.push(entry);
      }
    }
    return claimed;
  }

  /** Marks entries written: gone from the stream and from the pending count. */
  async acknowledge(entries: readonly JournalEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const args: (string | number)[] = [this.keys.stream, this.keys.pendingEvents, WRITERS_GROUP];
    for (const entry of entries) args.push(entry.id, entry.events.length);
    await (
      this.redis.client() as unknown as { adsJournalAcknowledge(...a: unknown[]): Promise<number> }
    ).adsJournalAcknowledge(...args);
  }

  private parse(raw: readonly RawEntry[]): JournalEntry[] {
    const entries: JournalEntry[] = [];
    for (const [id, fields] of raw) {
      if (!fields) continue; // deleted while pending: nothing left to write
      const events: DebugEventRecord[] = [];
      for (let index = 0; index < fields.length; index += 2) {
        if (fields[index] === 'e') events.push(JSON.parse(fields[index + 1]) as DebugEventRecord);
      }
      entries.push({ id, events, deliveries: 1 });
    }
    return entries;
  }

  /** The stream and its group vanish when Redis is flushed: make the group again on the next call. */
  private async forgetGroupOnLoss<T>(command: Promise<T>): Promise<T> {
    try {
      return await command;
    } catch (error) {
      if ((error as Error).message.startsWith('NOGROUP')) this.groupReady = undefined;
      throw error;
    }
  }

  private ensureGroup(): Promise<void> {
    this.groupReady ??= this.redis
      .client()
      .xgroup('CREATE', this.keys.stream, WRITERS_GROUP, '0', 'MKSTREAM')
      .then(
        () => undefined,
        (error: Error) => {
          if (!error.message.startsWith('BUSYGROUP')) {
            this.groupReady = undefined;
            throw error;
          }
        },
      );
    return this.groupReady;
  }
}
