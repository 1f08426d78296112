import { MemoryRateLimitStore } from './rate-limit.store.js';

describe('MemoryRateLimitStore: fixed one-window counts, several keys per hit', () => {
  it('counts each key of a hit in its own window, in the order given', async () => {
    let now = 1_000_000;
    const store = new MemoryRateLimitStore(() => now);
    expect(await store.hit(['key:a', 'ip:1'], 60_000)).toEqual([
      { hits: 1, resetSeconds: 60 },
      { hits: 1, resetSeconds: 60 },
    ]);
    now += 15_500;
    expect(await store.hit(['key:b', 'ip:1'], 60_000)).toEqual([
      { hits: 1, resetSeconds: 60 },
      { hits: 2, resetSeconds: 45 },
    ]);
  });

  it('starts a new window once the old one has ended', async () => {
    let now = 0;
    const store = new MemoryRateLimitStore(() => now);
    await store.hit(['ip:1'], 60_000);
    await store.hit(['ip:1'], 60_000);
    now = 60_000;
    expect(await store.hit(['ip:1'], 60_000)).toEqual([{ hits: 1, resetSeconds: 60 }]);
  });

  it('counts nothing for no keys', async () => {
    expect(await new MemoryRateLimitStore().hit([], 60_000)).toEqual([]);
  });
});
