import type { Redis } from 'ioredis';
import type { DebugEventRecord } from '../../common/debug-event.js';
import type { HotStore } from './hot-store.js';
import type { IngestJournalKeys } from './ingest-journal-keys.js';

// One round trip per batch: SET NX EX per event and the arrival index, inside Redis, and the
// new events appended to the ingest journal in the same atomic step (when there is one: an
// empty journal key skips it). Each event's JSON crosses the wire once and is stored twice.
// (Per-event pipelined SETs cap near 50-80k events/s on this machine; a script does not.)
const PUT_NEW = `
local prefix, ttl, index, horizon, journal, pending = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local fresh = {}
local bodies = {}
for i = 7, #ARGV, 3 do
  if redis.call('SET', prefix .. ARGV[i], ARGV[i + 2], 'EX', ttl, 'NX') then
    redis.call('ZADD', index, ARGV[i + 1], ARGV[i])
    fresh[#fresh + 1] = 1
    bodies[#bodies + 1] = ARGV[i + 2]
  else
    fresh[#fresh + 1] = 0
  end
end
redis.call('ZREMRANGEBYSCORE', index, '-inf', horizon)
redis.call('EXPIRE', index, ttl)
if journal ~= '' and #bodies > 0 then
  redis.call('XADD', journal, '*', 'n', #bodies, 'e', '[' .. table.concat(bodies, ',') .. ']')
  redis.call('INCRBY', pending, #bodies)
end
return fresh
`;

/**
 * Full-mode hot tier: one Redis key per event with a TTL, and a sorted set of arrivals.
 * Given journal keys, `putNew` also appends the new events to the ingest journal.
 */
export class RedisHotStore implements HotStore {
  readonly kind = 'redis' as const;
  readonly journals: boolean;
  private readonly eventPrefix: string;
  private readonly arrivalIndex: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly ttlSeconds: number,
    private readonly journal?: IngestJournalKeys,
  ) {
    this.journals = journal !== undefined;
    this.eventPrefix = `${keyPrefix}:hot:event:`;
    this.arrivalIndex = `${keyPrefix}:hot:arrivals`;
    this.redis.defineCommand('adsHotPutNew', { numberOfKeys: 0, lua: PUT_NEW });
  }

  async putNew(events: readonly DebugEventRecord[]): Promise<boolean[]> {
    if (events.length === 0) return [];
    const now = Date.now();
    const args: (string | number)[] = [
      this.eventPrefix,
      this.ttlSeconds,
      this.arrivalIndex,
      now - this.ttlSeconds * 1000,
      this.journal?.stream ?? '',
      this.journal?.pendingEvents ?? '',
    ];
    for (const event of events) args.push(event.id, Date.parse(event.ingested_at) || now, JSON.stringify(event));
    const fresh = (await (this.redis as unknown as { adsHotPutNew(...a: unknown[]): Promise<number[]> }).adsHotPutNew(
      ...args,
    )) as number[];
    return fresh.map((flag) => flag === 1);
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis
      .multi()
      .del(...ids.map((id) => this.eventPrefix + id))
      .zrem(this.arrivalIndex, ...ids)
      .exec();
  }

  async get(id: string): Promise<DebugEventRecord | null> {
    const body = await this.redis.get(this.eventPrefix + id);
    return body ? (JSON.parse(body) as DebugEventRecord) : null;
  }

  async arrivedSince(afterMs: number, limit: number): Promise<DebugEventRecord[]> {
    const ids = await this.redis.zrangebyscore(this.arrivalIndex, `(${afterMs}`, '+inf', 'LIMIT', 0, limit);
    if (ids.length === 0) return [];
    const bodies = await this.redis.mget(...ids.map((id) => this.eventPrefix + id));
    return bodies.filter((body): body is string => body !== null).map((body) => JSON.parse(body) as DebugEventRecord);
  }

  async stats() {
    const [count, oldest, newest] = await Promise.all([
      this.redis.zcard(this.arrivalIndex),
      this.redis.zrange(this.arrivalIndex, 0, 0, 'WITHSCORES'),
      this.redis.zrange(this.arrivalIndex, -1, -1, 'WITHSCORES'),
    ]);
    return {
      count,
      oldestArrivalMs: oldest.length === 2 ? Number(oldest[1]) : null,
      newestArrivalMs: newest.length === 2 ? Number(newest[1]) : null,
    };
  }
}
