import { Redis } from 'ioredis';
import type { DebugEventRecord } from '../../src/common/debug-event.js';
import { newId } from '../../src/common/ids.js';
import type { HotStore } from '../../src/storage/hot/hot-store.js';
import { MemoryHotStore } from '../../src/storage/hot/memory-hot-store.js';
import { RedisHotStore } from '../../src/storage/hot/redis-hot-store.js';
import { eventRecord } from '../factories/events.js';
import { describeWithRedis, freshRedisPrefix, redisUrl } from '../support/services.js';

function record(arrivedAt: number, overrides: Partial<DebugEventRecord> = {}): DebugEventRecord {
  const at = new Date(arrivedAt).toISOString();
  return eventRecord({ timestamp: at, ingested_at: at, data: { n: 1 }, ...overrides });
}

function hotStoreContract(
  name: string,
  make: () => { store: HotStore; close: () => Promise<void> },
) {
  describe(`hot store contract: ${name}`, () => {
    let store: HotStore;
    let close: () => Promise<void>;
    beforeEach(() => ({ store, close } = make()));
    afterEach(async () => close());

    it('stores new events, reports repeats as not new, and reads them back by id', async () => {
      const now = Date.now();
      const first = record(now, { data: { nested: { a: [1, 2] } } });
      const second = record(now + 1);
      expect(await store.putNew([first, second])).toEqual([true, true]);
      expect(await store.putNew([{ ...first, message: 'changed' }, record(now + 2)])).toEqual([
        false,
        true,
      ]);
      expect(await store.get(first.id)).toEqual(first);
      expect(await store.get(newId())).toBeNull();
    });

    it('lists arrivals after a moment in arrival order, bounded', async () => {
      const now = Date.now();
      const events = [0, 1, 2, 3].map((offset) => record(now + offset * 10));
      await store.putNew(events);
      expect((await store.arrivedSince(now + 5, 10)).map((event) => event.id)).toEqual(
        events.slice(1).map((e) => e.id),
      );
      expect((await store.arrivedSince(now - 1, 2)).map((event) => event.id)).toEqual(
        events.slice(0, 2).map((e) => e.id),
      );
      expect((await store.stats()).count).toBe(4);
    });

    it('lists the newest arrivals newest first, across calls and within one call, up to a limit', async () => {
      const now = Date.now();
      const first = [0, 1, 2].map(() => record(now));
      const second = [3, 4].map((offset) => record(now + offset * 10));
      await store.putNew(first);
      for (const event of second) await store.putNew([event]);
      const newestFirst = [...first, ...second].reverse().map((event) => event.id);
      expect((await store.newestArrivals(10)).map((event) => event.id)).toEqual(newestFirst);
      expect((await store.newestArrivals(3)).map((event) => event.id)).toEqual(
        newestFirst.slice(0, 3),
      );
      await store.remove([second[1].id]);
      expect((await store.newestArrivals(2)).map((event) => event.id)).toEqual(
        newestFirst.slice(1, 3),
      );
    });

    it('forgets removed ids so that a retry counts as new', async () => {
      const event = record(Date.now());
      await store.putNew([event]);
      await store.remove([event.id]);
      expect(await store.get(event.id)).toBeNull();
      expect(await store.putNew([event])).toEqual([true]);
    });
  });
}

hotStoreContract('memory', () => ({
  store: new MemoryHotStore(3600, 1000),
  close: async () => undefined,
}));

describeWithRedis('Redis', () => {
  hotStoreContract('Redis', () => {
    const redis = new Redis(redisUrl());
    const prefix = freshRedisPrefix();
    return {
      store: new RedisHotStore(redis, prefix, 3600),
      close: async () => {
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length) await redis.del(...keys);
        await redis.quit();
      },
    };
  });

  it('expires events after the TTL', async () => {
    const redis = new Redis(redisUrl());
    const store = new RedisHotStore(redis, freshRedisPrefix(), 1);
    const event = record(Date.now());
    await store.putNew([event]);
    expect(await store.get(event.id)).toEqual(event);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(await store.get(event.id)).toBeNull();
    expect(await store.putNew([event])).toEqual([true]);
    await redis.quit();
  });
});
