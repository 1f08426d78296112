import {
  IngestJournal,
  WRITER_BEAT_EVERY_MS,
  WRITER_DEAD_AFTER_MS,
} from '../../src/collector/ingest-journal.js';
import { RedisService } from '../../src/common/redis/redis.service.js';
import { AppConfig } from '../../src/config/app-config.service.js';
import { validateEnvironment } from '../../src/config/environment.js';
import { ingestJournalKeys } from '../../src/storage/hot/ingest-journal-keys.js';
import { RedisHotStore } from '../../src/storage/hot/redis-hot-store.js';
import { eventRecord } from '../factories/events.js';
import { describeWithRedis, freshRedisPrefix, redisUrl } from '../support/services.js';

// The events of one request share their arrival time, which the hot tier notes once per call.
const arrived = new Date().toISOString();
const record = (message: string) => eventRecord({ message, ingested_at: arrived });

describeWithRedis('ingest journal on Redis', () => {
  let redis: RedisService;
  let journal: IngestJournal;
  let hot: RedisHotStore;
  let prefix: string;

  beforeEach(() => {
    prefix = freshRedisPrefix();
    const config = new AppConfig(
      validateEnvironment({ REDIS_URL: redisUrl(), DEBUG_REDIS_PREFIX: prefix }),
    );
    redis = new RedisService(config);
    journal = new IngestJournal(redis, config);
    hot = new RedisHotStore(redis.client(), prefix, 3600, ingestJournalKeys(prefix));
  });

  afterEach(async () => {
    const keys = await redis.client().keys(`${prefix}:*`);
    if (keys.length > 0) await redis.client().del(...keys);
    await redis.onApplicationShutdown();
  });

  it('journals exactly the new events of each accept, in the same step that claims their ids', async () => {
    const first = [record('a'), record('b')];
    expect(await hot.putNew(first)).toEqual([true, true]);
    expect(await hot.putNew([first[0], record('c')])).toEqual([false, true]);
    expect(await hot.putNew([first[1]])).toEqual([false]);
    expect(await journal.pendingEvents()).toBe(3);

    const reader = redis.connect('reader');
    const entries = await journal.read(reader, 'writer-1', 10, 100);
    expect(entries.map((entry) => entry.events.map((event) => event.message))).toEqual([
      ['a', 'b'],
      ['c'],
    ]);
    expect(entries[0].events[0]).toEqual(first[0]);
    await journal.acknowledge(entries);
    expect(await journal.pendingEvents()).toBe(0);
    expect(await journal.drained(100)).toBe(true);
    expect(await journal.read(reader, 'writer-1', 10, 50)).toEqual([]);
  });

  it('splits an accept of more than MAX_EVENTS_PER_ENTRY events into several entries, losing none', async () => {
    const events = Array.from({ length: 2500 }, (_, index) => record(`event ${index}`));
    expect((await hot.putNew(events)).every(Boolean)).toBe(true);
    const entries = await journal.read(redis.connect('reader'), 'writer-1', 10, 100);
    expect(entries.map((entry) => entry.events.length)).toEqual([1000, 1000, 500]);
    expect(entries.flatMap((entry) => entry.events.map((event) => event.id))).toEqual(
      events.map((event) => event.id),
    );
    expect(await journal.pendingEvents()).toBe(2500);
    await journal.acknowledge(entries);
    expect(await journal.pendingEvents()).toBe(0);
  });

  it('hands what a dead writer read to another after the idle time, and uncounts an entry once if both acknowledge', async () => {
    await hot.putNew([record('x'), record('y')]);
    const dead = redis.connect('dead');
    const alive = redis.connect('alive');
    const read = await journal.read(dead, 'dead-writer', 10, 100);
    expect(read).toHaveLength(1);
    expect(await journal.claimStale(alive, 'live-writer', 10, 60_000)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const claimed = await journal.claimStale(alive, 'live-writer', 10, 50);
    expect(claimed.map((entry) => entry.id)).toEqual(read.map((entry) => entry.id));
    expect(read[0].deliveries).toBe(1);
    expect(claimed[0].deliveries).toBe(2); // what lets a writer tell an entry that keeps killing its writers
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(
      (await journal.claimStale(redis.connect('third'), 'third-writer', 10, 50))[0].deliveries,
    ).toBe(3);

    await journal.acknowledge(claimed);
    await journal.acknowledge(read); // the slow writer finishes too: nothing left to uncount
    expect(await journal.pendingEvents()).toBe(0);
    expect(await journal.drained(100)).toBe(true);
  });

  it('hands what a writer whose process stopped saying it is alive holds to another at once, not what a living one holds', async () => {
    await hot.putNew([record('held by the dead')]);
    await hot.putNew([record('held by the hung')]);
    const dead = redis.connect('dead');
    const hung = redis.connect('hung');
    const alive = redis.connect('alive');
    await journal.markAlive(dead, 'dead-writer');
    await journal.markAlive(hung, 'hung-writer');
    const deadRead = await journal.read(dead, 'dead-writer', 1, 100);
    const hungRead = await journal.read(hung, 'hung-writer', 1, 100);
    expect(deadRead).toHaveLength(1);
    expect(hungRead).toHaveLength(1);
    expect(await journal.claimFromDead(alive, 'live-writer', 10)).toEqual([]);

    // The dead writer's key expires; the hung one's process keeps saying it is alive.
    const beating = setInterval(
      () => void journal.markAlive(hung, 'hung-writer'),
      WRITER_BEAT_EVERY_MS,
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, WRITER_DEAD_AFTER_MS + 200));
      const claimed = await journal.claimFromDead(alive, 'live-writer', 10);
      expect(claimed.map((entry) => entry.id)).toEqual(deadRead.map((entry) => entry.id));
      expect(claimed[0].events[0].message).toBe('held by the dead');
      expect(claimed[0].deliveries).toBe(2);
      // Taken: a second living writer looking at the same moment gets nothing.
      expect(await journal.claimFromDead(redis.connect('other'), 'other-writer', 10)).toEqual([]);
    } finally {
      clearInterval(beating);
    }
    // The hung writer's entry is still its own until the long idle time.
    const stale = await journal.claimStale(alive, 'live-writer', 10, 100);
    expect(stale.map((entry) => entry.id)).toEqual(hungRead.map((entry) => entry.id));
  }, 20_000);

  it('makes its consumer group again after Redis lost it', async () => {
    await hot.putNew([record('before')]);
    const reader = redis.connect('reader');
    await journal.acknowledge(await journal.read(reader, 'writer-1', 10, 100));
    await redis.client().del(ingestJournalKeys(prefix).stream);
    await hot.putNew([record('after')]);
    await expect(journal.read(reader, 'writer-1', 10, 100)).rejects.toThrow(/NOGROUP/);
    const entries = await journal.read(reader, 'writer-1', 10, 100);
    expect(entries.map((entry) => entry.events[0].message)).toEqual(['after']);
  });
});
