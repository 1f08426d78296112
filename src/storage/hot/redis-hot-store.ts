import type { Redis } from 'ioredis';
import type { DebugEventRecord } from '../../common/debug-event.js';
import { redisCall } from '../../common/redis/redis-call.js';
import type { HotStore } from './hot-store.js';
import { MAX_EVENTS_PER_ENTRY, type IngestJournalKeys } from './ingest-journal-keys.js';

// One round trip per request, inside Redis: for each event, claim its id and keep its copy
// (SET NX EX). Then, once for all the new events: note their arrival in the arrival log (a
// stream entry listing "id ms" pairs, ms being the call's one arrival time; trimmed at the TTL
// horizon; its id is the arrival, never below the log's last id) and count them per minute for stats; and, when there is a
// journal (an empty key skips it), append them to the ingest journal: one entry of `e` fields,
// one per event, for every MAX_EVENTS_PER_ENTRY (unpack's stack bounds one XADD's arguments).
// Each event's JSON crosses the wire once and is stored twice. Measured Redis time per event:
// a ZADD arrival index per event cost a third of the script; one journal field holding the
// events concatenated into a JSON array cost twice what one field per event does.
const PUT_NEW = `
local prefix, ttl, log, counts, horizon, journal, pending = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local newest = tonumber(ARGV[8])
local arrivedAt = ' ' .. ARGV[8]
local fresh, arrivals = {}, {}
local entry = {}
local function appendEntry()
  redis.call('XADD', journal, '*', 'n', #entry / 2, unpack(entry))
  entry = {}
end
for i = 9, #ARGV, 2 do
  if redis.call('SET', prefix .. ARGV[i], ARGV[i + 1], 'EX', ttl, 'NX') then
    fresh[#fresh + 1] = 1
    arrivals[#arrivals + 1] = ARGV[i] .. arrivedAt
    if journal ~= '' then
      entry[#entry + 1] = 'e'
      entry[#entry + 1] = ARGV[i + 1]
      if #entry >= ${2 * MAX_EVENTS_PER_ENTRY} then appendEntry() end
    end
  else
    fresh[#fresh + 1] = 0
  end
end
if #arrivals > 0 then
  local last = redis.call('XREVRANGE', log, '+', '-', 'COUNT', 1)
  if #last > 0 then
    local lastMs = tonumber(string.match(last[1][1], '^(%d+)'))
    if lastMs > newest then newest = lastMs end
  end
  local id = string.format('%d', newest) .. '-*'
  redis.call('XADD', log, 'MINID', horizon, id, 'a', table.concat(arrivals, ','))
  redis.call('EXPIRE', log, ttl)
  if redis.call('HINCRBY', counts, string.format('%d', newest - newest % 60000), #arrivals) == #arrivals then
    -- A new minute: drop the minutes past the horizon (about TTL / 60 fields, once a minute).
    for _, minute in ipairs(redis.call('HKEYS', counts)) do
      if tonumber(minute) + 60000 <= tonumber(horizon) then redis.call('HDEL', counts, minute) end
    end
  end
  redis.call('EXPIRE', counts, ttl + 60)
  if journal ~= '' then
    if #entry > 0 then appendEntry() end
    redis.call('INCRBY', pending, #arrivals)
  end
end
return fresh
`;

const LOG_PAGE = 200;
/** Entries read at a time from the newest end: an entry lists the events of one accept call. */
const NEWEST_PAGE = 20;

/**
 * Full-mode hot tier: one Redis key per event with a TTL; an arrival log (a stream of
 * per-request entries) for backfill in arrival order; arrivals counted per minute for stats.
 * Given journal keys, `putNew` also appends the new events to the ingest journal.
 */
export class RedisHotStore implements HotStore {
  readonly kind = 'redis' as const;
  readonly journals: boolean;
  private readonly eventPrefix: string;
  private readonly arrivalLog: string;
  private readonly arrivalCounts: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly ttlSeconds: number,
    private readonly journal?: IngestJournalKeys,
  ) {
    this.journals = journal !== undefined;
    this.eventPrefix = `${keyPrefix}:hot:event:`;
    this.arrivalLog = `${keyPrefix}:hot:arrival-log`;
    this.arrivalCounts = `${keyPrefix}:hot:arrival-counts`;
    this.redis.defineCommand('adsHotPutNew', { numberOfKeys: 0, lua: PUT_NEW });
  }

  /** A request must not wait for Redis to come back: refused at once while it is down, and bounded in time. */
  private call<T>(operation: () => Promise<T>): Promise<T> {
    return redisCall('the hot tier (Redis)', operation, this.redis);
  }

  async putNew(events: readonly DebugEventRecord[], json?: readonly string[]): Promise<boolean[]> {
    if (events.length === 0) return [];
    // The script notes one arrival time per call. The events of one request share theirs; events
    // that arrived apart (a replay, a test) go in one call per run of equal arrival times.
    const fresh: boolean[] = [];
    for (let start = 0; start < events.length;) {
      let end = start + 1;
      while (end < events.length && events[end].ingested_at === events[start].ingested_at) end++;
      fresh.push(...(await this.putArrivedTogether(events, json, start, end)));
      start = end;
    }
    return fresh;
  }

  private async putArrivedTogether(
    events: readonly DebugEventRecord[],
    json: readonly string[] | undefined,
    start: number,
    end: number,
  ): Promise<boolean[]> {
    const now = Date.now();
    const args: (string | number)[] = [
      this.eventPrefix,
      this.ttlSeconds,
      this.arrivalLog,
      this.arrivalCounts,
      this.horizonMs(now),
      this.journal?.stream ?? '',
      this.journal?.pendingEvents ?? '',
      Date.parse(events[start].ingested_at) || now,
    ];
    for (let index = start; index < end; index++)
      args.push(events[index].id, json?.[index] ?? JSON.stringify(events[index]));
    const fresh = await this.call(() =>
      (this.redis as unknown as { adsHotPutNew(...a: unknown[]): Promise<number[]> }).adsHotPutNew(
        ...args,
      ),
    );
    return fresh.map((flag) => flag === 1);
  }

  /** Removed ids stay listed in the arrival log; reads skip them (their copy is gone). */
  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.call(() => this.redis.del(...ids.map((id) => this.eventPrefix + id)));
  }

  async get(id: string): Promise<DebugEventRecord | null> {
    const body = await this.call(() => this.redis.get(this.eventPrefix + id));
    return body ? (JSON.parse(body) as DebugEventRecord) : null;
  }

  async arrivedSince(afterMs: number, limit: number): Promise<DebugEventRecord[]> {
    // An entry's id is at least the arrival of each event in it: the entries from afterMs + 1 on hold them all.
    const arrivals: { id: string; ms: number }[] = [];
    let start = String(Math.max(0, Math.floor(afterMs) + 1));
    for (;;) {
      const entries = (await this.call(() =>
        this.redis.xrange(this.arrivalLog, start, '+', 'COUNT', LOG_PAGE),
      )) as [string, string[]][];
      for (const [, fields] of entries) {
        for (const pair of fields[fields.indexOf('a') + 1].split(',')) {
          const space = pair.indexOf(' ');
          const ms = Number(pair.slice(space + 1));
          if (ms > afterMs) arrivals.push({ id: pair.slice(0, space), ms });
        }
      }
      if (entries.length < LOG_PAGE || arrivals.length >= limit) break;
      start = `(${entries[entries.length - 1][0]}`;
    }
    if (arrivals.length === 0) return [];
    arrivals.sort((a, b) => a.ms - b.ms);
    const bodies = await this.call(() =>
      this.redis.mget(...arrivals.slice(0, limit).map((arrival) => this.eventPrefix + arrival.id)),
    );
    return bodies
      .filter((body): body is string => body !== null)
      .map((body) => JSON.parse(body) as DebugEventRecord);
  }

  /** Removed and expired ids are skipped: the answer holds up to `limit` events that are still here. */
  async newestArrivals(limit: number): Promise<DebugEventRecord[]> {
    const events: DebugEventRecord[] = [];
    let end = '+';
    while (events.length < limit) {
      const entries = (await this.call(() =>
        this.redis.xrevrange(this.arrivalLog, end, '-', 'COUNT', NEWEST_PAGE),
      )) as [string, string[]][];
      const ids: string[] = [];
      for (const [, fields] of entries) {
        // An entry lists the events of one call in arrival order: newest last.
        const pairs = fields[fields.indexOf('a') + 1].split(',').reverse();
        for (const pair of pairs) ids.push(pair.slice(0, pair.indexOf(' ')));
      }
      // Only as many bodies as are still wanted (an entry can list a thousand ids).
      for (let start = 0; start < ids.length && events.length < limit;) {
        const chunk = ids.slice(start, start + (limit - events.length));
        start += chunk.length;
        const bodies = await this.call(() =>
          this.redis.mget(...chunk.map((id) => this.eventPrefix + id)),
        );
        for (const body of bodies)
          if (body !== null) events.push(JSON.parse(body) as DebugEventRecord);
      }
      if (entries.length < NEWEST_PAGE) break;
      end = `(${entries[entries.length - 1][0]}`;
    }
    return events;
  }

  /** `count` is per minute of arrival: events of the oldest minute may have expired already. */
  async stats() {
    const now = Date.now();
    const horizon = this.horizonMs(now);
    const [counts, oldest, newest] = await this.call(() =>
      Promise.all([
        this.redis.hgetall(this.arrivalCounts),
        this.redis.xrange(this.arrivalLog, String(horizon), '+', 'COUNT', 1),
        this.redis.xrevrange(this.arrivalLog, '+', '-', 'COUNT', 1),
      ]),
    );
    let count = 0;
    for (const [minute, events] of Object.entries(counts)) {
      if (Number(minute) + 60_000 > horizon) count += Number(events);
    }
    const msOf = (entries: [string, string[]][]) =>
      entries.length === 0 ? null : Number(entries[0][0].split('-')[0]);
    return {
      count,
      oldestArrivalMs: msOf(oldest as [string, string[]][]),
      newestArrivalMs: msOf(newest as [string, string[]][]),
    };
  }

  private horizonMs(now: number): number {
    return now - this.ttlSeconds * 1000;
  }
}
