import { jest } from '@jest/globals';
import type { RedisService } from '../common/redis/redis.service.js';
import type { AppConfig } from '../config/app-config.service.js';
import type { DebugEventRecord, InsightRecord } from '../common/debug-event.js';
import { AppEventBus } from '../common/events/app-event-bus.js';
import {
  cacheKey,
  componentTag,
  correlationTag,
  tagsOfEvent,
  TAG_ANY_EVENT,
  TAG_INSIGHTS,
} from './cache-tags.js';
import { QueryCacheService } from './query-cache.service.js';

const config = (ttl = 300) =>
  ({ cacheTtlSeconds: ttl, batchWindowMs: 100 }) as unknown as AppConfig;
const noRedis = {
  enabled: false,
  key: (...parts: string[]) => parts.join(':'),
} as unknown as RedisService;

function makeCache(ttl = 300) {
  const bus = new AppEventBus();
  const cache = new QueryCacheService(config(ttl), bus, noRedis);
  return { bus, cache };
}

describe('QueryCacheService', () => {
  let cache: QueryCacheService;
  let bus: AppEventBus;

  beforeEach(async () => {
    ({ cache, bus } = makeCache());
    await cache.onModuleInit();
  });
  afterEach(async () => cache.beforeApplicationShutdown());

  it('computes once, then answers from the cache with the first computation time', async () => {
    let runs = 0;
    const compute = async () => ({ value: ++runs });
    const first = await cache.getOrCompute('health', { a: 1, b: 2 }, [componentTag('x')], compute);
    const second = await cache.getOrCompute('health', { b: 2, a: 1 }, [componentTag('x')], compute);
    expect(first).toMatchObject({ value: { value: 1 }, cached: false });
    expect(second).toMatchObject({
      value: { value: 1 },
      cached: true,
      computed_at: first.computed_at,
    });
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, size: 1, hit_rate: 0.5 });
  });

  it('drops entries whose tag a stream event names, and only those', async () => {
    await cache.getOrCompute(
      'health',
      'payments',
      [componentTag('payment-service')],
      async () => 1,
    );
    await cache.getOrCompute('health', 'db', [componentTag('db')], async () => 2);
    await cache.getOrCompute('progress', 'op-1', [correlationTag('op-1')], async () => 3);
    bus.emit('events.accepted', [
      { component_type: 'payment-service', correlation_id: 'op-1' } as never,
    ]);
    expect(cache.stats().size).toBe(1);
    expect(
      (await cache.getOrCompute('health', 'db', [componentTag('db')], async () => 9)).cached,
    ).toBe(true);
    expect(
      (
        await cache.getOrCompute(
          'health',
          'payments',
          [componentTag('payment-service')],
          async () => 9,
        )
      ).value,
    ).toBe(9);
    expect(cache.stats().invalidations).toBe(2);
  });

  it('does not keep a value whose tag was invalidated while it was computed', async () => {
    let release!: () => void;
    const pending = cache.getOrCompute(
      'health',
      'slow',
      [componentTag('x')],
      () => new Promise<number>((resolve) => (release = () => resolve(1))),
    );
    cache.invalidate([componentTag('x')]);
    release();
    expect((await pending).value).toBe(1);
    expect(cache.stats().size).toBe(0);
  });

  it('drops answers computed within the write lag of new events once more, but not after metrics or an insight change, announced after their commit', async () => {
    jest.useFakeTimers();
    try {
      const insight = { affected_components: [{ component_type: 'db' }] } as never;
      const ask = (tag: string, value: number) =>
        cache.getOrCompute('health', tag, [componentTag(tag)], async () => value);
      bus.emit('events.accepted', [{ component_type: 'api' } as never]);
      bus.emit('insight.changed', { insight, change: 'created', severe: false });
      bus.emit('metric.recorded', [{ component_type: 'disk' } as never]);
      // computed after the announcements, before the events' write lag is over
      await ask('api', 1);
      await ask('db', 2);
      await ask('disk', 5);
      jest.advanceTimersByTime(1000 + 2 * 100);
      expect((await ask('api', 3)).value).toBe(3);
      expect(await ask('db', 4)).toMatchObject({ value: 2, cached: true });
      expect(await ask('disk', 6)).toMatchObject({ value: 5, cached: true });
    } finally {
      jest.useRealTimers();
    }
  });

  it('counts evictions past its size', async () => {
    const max = cache.stats().max_entries;
    for (let index = 0; index <= max; index++)
      await cache.getOrCompute('k', index, [], async () => index);
    expect(cache.stats()).toMatchObject({ size: max, evictions: 1 });
  });

  it('is off with a TTL of 0', async () => {
    const off = makeCache(0).cache;
    await off.getOrCompute('k', 1, [], async () => 1);
    expect((await off.getOrCompute('k', 1, [], async () => 2)).value).toBe(2);
    expect(off.stats()).toMatchObject({ enabled: false, size: 0 });
  });
});

describe('cache tags', () => {
  it('names component, correlation, pattern, session and any-event tags for events; components and insights for insights', () => {
    const tags = new Set([
      ...tagsOfEvent({
        name: 'events.accepted',
        payload: [
          {
            component_type: 'api',
            correlation_id: 'c1',
            pattern_id: 'p1',
            session_id: 's1',
          } as unknown as DebugEventRecord,
        ],
      }),
      ...tagsOfEvent({
        name: 'insight.changed',
        payload: {
          insight: {
            affected_components: [{ component_type: 'db', component_id: 'db-1' }],
          } as InsightRecord,
          change: 'created',
          severe: false,
        },
      }),
    ]);
    expect([...tags].sort()).toEqual(
      [
        TAG_ANY_EVENT,
        'component:api',
        'component:db',
        'correlation:c1',
        TAG_INSIGHTS,
        'pattern:p1',
        'session:s1',
      ].sort(),
    );
  });

  it('keys the same parameters the same way in any order', () => {
    expect(cacheKey('x', { b: [1, { d: 1, c: 2 }], a: undefined })).toBe(
      cacheKey('x', { b: [1, { c: 2, d: 1 }] }),
    );
  });
});
