import { LRUCache } from 'lru-cache';
import type { DebugEventRecord } from '../../common/debug-event.js';
import type { HotStore } from './hot-store.js';

/** Embedded-mode hot tier: an LRU with TTL, plus arrival order for backfill. */
export class MemoryHotStore implements HotStore {
  readonly kind = 'memory' as const;
  readonly journals = false;
  private readonly byId: LRUCache<string, DebugEventRecord>;
  private arrivals: { at: number; id: string }[] = [];

  constructor(
    private readonly ttlSeconds: number,
    maxEntries: number,
  ) {
    this.byId = new LRUCache({ max: maxEntries, ttl: ttlSeconds * 1000, ttlAutopurge: false });
  }

  async putNew(events: readonly DebugEventRecord[]): Promise<boolean[]> {
    const now = Date.now();
    const fresh = events.map((event) => {
      if (this.byId.has(event.id)) return false;
      this.byId.set(event.id, event);
      this.arrivals.push({ at: Date.parse(event.ingested_at) || now, id: event.id });
      return true;
    });
    this.prune(now);
    return fresh;
  }

  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) this.byId.delete(id);
  }

  async get(id: string): Promise<DebugEventRecord | null> {
    return this.byId.get(id) ?? null;
  }

  async arrivedSince(afterMs: number, limit: number): Promise<DebugEventRecord[]> {
    const result: DebugEventRecord[] = [];
    let low = 0;
    let high = this.arrivals.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.arrivals[middle].at <= afterMs) low = middle + 1;
      else high = middle;
    }
    for (let index = low; index < this.arrivals.length && result.length < limit; index++) {
      const event = this.byId.get(this.arrivals[index].id);
      if (event) result.push(event);
    }
    return result;
  }

  async newestArrivals(limit: number): Promise<DebugEventRecord[]> {
    const result: DebugEventRecord[] = [];
    for (let index = this.arrivals.length - 1; index >= 0 && result.length < limit; index--) {
      const event = this.byId.get(this.arrivals[index].id);
      if (event) result.push(event);
    }
    return result;
  }

  async stats() {
    this.prune(Date.now());
    return {
      count: this.byId.size,
      oldestArrivalMs: this.arrivals[0]?.at ?? null,
      newestArrivalMs: this.arrivals.at(-1)?.at ?? null,
    };
  }

  private prune(now: number): void {
    const horizon = now - this.ttlSeconds * 1000;
    let drop = 0;
    while (
      drop < this.arrivals.length &&
      (this.arrivals[drop].at < horizon || !this.byId.has(this.arrivals[drop].id))
    )
      drop++;
    if (drop > 1024 || drop === this.arrivals.length) this.arrivals = this.arrivals.slice(drop);
  }
}
