import { Inject, Injectable } from '@nestjs/common';
import { type DebugEventRecord, isErrorEvent } from '../common/debug-event.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ColdReader } from './cold/cold-reader.js';
import { type ManifestEntry, ManifestRepository } from './cold/manifest.repository.js';
import { matches, mayMatch } from './events-query.service.js';
import type { EventFilter } from './events-query.types.js';
import { bucketOf, type HistogramGrid } from './histogram-grid.js';
import { HOT_STORE, type HotStore } from './hot/hot-store.js';
import { EventQueryRepository } from './warm/event-query.repository.js';

const EVENTS = 'debug_events';
/** Newest hot events looked at first; when none of them is warm yet, up to HOT_SCAN_MAX. */
const HOT_SCAN_FIRST = 500;
const HOT_SCAN_MAX = 5000;
/** Cold members (about a thousand rows each) read at most for one answer; past that, cold is not counted. */
const COLD_MEMBER_BUDGET = 64;

export interface HistogramBucket {
  start: string;
  count: number;
  errors: number;
}

export type HistogramTier =
  | { tier: 'warm'; counted: true; events: number }
  | { tier: 'hot'; counted: boolean; events: number; scanned: number; reason?: string }
  | { tier: 'cold'; counted: boolean; events: number; segments: number; reason?: string };

export interface EventHistogram {
  from: string;
  to: string;
  step_ms: number;
  buckets: HistogramBucket[];
  total: number;
  errors: number;
  /** True when a tier's events in the range were not (all) counted: `tiers` says which and why. */
  partial: boolean;
  tiers: HistogramTier[];
}

/**
 * Counts of events over time, with the events list's filters, across the tiers the list reads
 * plus the hot tier:
 * - warm: one GROUP BY over the buckets in the warm store;
 * - hot: the events accepted and not yet written to the warm store (full mode: the ingest journal
 *   not yet drained). The newest arrivals are checked against the warm store by id, so that an
 *   event in both is counted once, as warm;
 * - cold: the released archive segments the range and filter can match, read member by member
 *   within a budget (their rows have left the warm store in the same transaction that released
 *   them, so none is also counted as warm).
 */
@Injectable()
export class EventHistogramService {
  constructor(
    @Inject(HOT_STORE) private readonly hot: HotStore,
    private readonly warm: EventQueryRepository,
    private readonly manifest: ManifestRepository,
    private readonly cold: ColdReader,
  ) {}

  async histogram(
    filter: EventFilter & { from: Date; to: Date },
    grid: HistogramGrid,
  ): Promise<EventHistogram> {
    const counts = new Array<number>(grid.buckets).fill(0);
    const errors = new Array<number>(grid.buckets).fill(0);
    const add = (bucket: number, count: number, errorCount: number) => {
      if (bucket < 0 || bucket >= grid.buckets) return;
      counts[bucket] += count;
      errors[bucket] += errorCount;
    };
    const addEvent = (event: DebugEventRecord) => {
      const bucket = bucketOf(grid, Date.parse(event.timestamp));
      add(bucket, 1, isErrorEvent(event) ? 1 : 0);
    };

    // Order matters: the archive, then the warm count, then the hot tier's check against the warm
    // store, so that an event written in between is missed by both rather than counted by both,
    // and the manifest read again at the end, so that a migration during the count is noticed.
    // An event moved on to the archive within the hot TTL is still hot too: counted as cold.
    const coldEntries = await this.coldEntries(filter);
    const cold = await this.coldCount(filter, coldEntries, addEvent);
    let warmEvents = 0;
    for (const row of await this.warm.bucketCounts(filter, grid)) {
      add(row.bucket, row.count, row.errors);
      warmEvents += row.count;
    }
    const hot = await this.hotOnly(filter, cold.ids);
    hot.events.forEach(addEvent);
    const migrated = (await this.coldEntries(filter)).some(
      (entry) => !coldEntries.some((seen) => seen.id === entry.id),
    );

    const tiers: HistogramTier[] = [
      { tier: 'warm', counted: true, events: warmEvents },
      {
        tier: 'hot',
        counted: hot.counted,
        events: hot.events.length,
        scanned: hot.scanned,
        ...(hot.reason ? { reason: hot.reason } : {}),
      },
      {
        tier: 'cold',
        counted: cold.counted && !migrated,
        events: cold.ids.size,
        segments: coldEntries.length,
        ...(migrated
          ? { reason: 'segments were archived during the count: some events may be missing' }
          : cold.reason
            ? { reason: cold.reason }
            : {}),
      },
    ];
    return {
      from: filter.from.toISOString(),
      to: filter.to.toISOString(),
      step_ms: grid.stepMs,
      buckets: counts.map((count, index) => ({
        start: new Date(grid.originMs + index * grid.stepMs).toISOString(),
        count,
        errors: errors[index],
      })),
      total: counts.reduce((sum, count) => sum + count, 0),
      errors: errors.reduce((sum, count) => sum + count, 0),
      partial: tiers.some((tier) => !tier.counted),
      tiers,
    };
  }

  /**
   * The hot events that pass the filter and are not in the warm store. Writers drain the ingest
   * journal in arrival order, so the unwritten events are the newest arrivals: when the newest
   * HOT_SCAN_FIRST are all written, nothing older is pending; otherwise up to HOT_SCAN_MAX are
   * looked at, and if the oldest of those is still unwritten the count says it may be short.
   */
  private async hotOnly(
    filter: EventFilter & { from: Date; to: Date },
    archived: ReadonlySet<string>,
  ): Promise<{ events: DebugEventRecord[]; scanned: number; counted: boolean; reason?: string }> {
    try {
      let recent = await this.hot.newestArrivals(HOT_SCAN_FIRST);
      let written = await this.warmIds(recent);
      if (recent.length === HOT_SCAN_FIRST && !written.has(recent[recent.length - 1].id)) {
        recent = await this.hot.newestArrivals(HOT_SCAN_MAX);
        written = await this.warmIds(recent);
      }
      const events = recent.filter(
        (event) => !written.has(event.id) && !archived.has(event.id) && matches(event, filter),
      );
      const oldest = recent[recent.length - 1];
      const complete = recent.length < HOT_SCAN_MAX || !oldest || written.has(oldest.id);
      return {
        events,
        scanned: recent.length,
        counted: complete,
        ...(complete
          ? {}
          : {
              reason: `more than ${HOT_SCAN_MAX} events are waiting to be written to the warm store; the newest ${HOT_SCAN_MAX} were counted`,
            }),
      };
    } catch (error) {
      // With the hot tier away, the stored tiers still answer.
      if (error instanceof DomainError && error.code === 'UNAVAILABLE')
        return { events: [], scanned: 0, counted: false, reason: 'the hot tier is unavailable' };
      throw error;
    }
  }

  private warmIds(events: readonly DebugEventRecord[]): Promise<Set<string>> {
    if (events.length === 0) return Promise.resolve(new Set());
    let low = Infinity;
    let high = -Infinity;
    for (const event of events) {
      const time = Date.parse(event.timestamp);
      if (time < low) low = time;
      if (time > high) high = time;
    }
    return this.warm.existingIds(
      events.map((event) => event.id),
      new Date(low),
      new Date(high),
    );
  }

  private async coldEntries(filter: EventFilter & { from: Date; to: Date }) {
    return (await this.manifest.overlapping(EVENTS, filter.from, filter.to)).filter((entry) =>
      mayMatch(entry, filter),
    );
  }

  /** Matching cold rows, each once (their ids). */
  private async coldCount(
    filter: EventFilter & { from: Date; to: Date },
    entries: readonly ManifestEntry[],
    addEvent: (event: DebugEventRecord) => void,
  ): Promise<{ counted: boolean; ids: Set<string>; reason?: string }> {
    const ids = new Set<string>();
    if (entries.length === 0) return { counted: true, ids };
    const fromMs = filter.from.getTime();
    const toMs = filter.to.getTime();
    const units = this.cold
      .units(entries)
      .filter((unit) => unit.toMs >= fromMs && unit.fromMs <= toMs);
    if (units.length > COLD_MEMBER_BUDGET) {
      return {
        counted: false,
        ids,
        reason: `the range reaches ${units.length} archive members (about a thousand events each), more than the ${COLD_MEMBER_BUDGET} one answer reads: narrow the range or the filters`,
      };
    }
    for (const unit of units) {
      for (const line of await this.cold.memberLines(unit.entry, unit.member)) {
        const record = JSON.parse(line) as DebugEventRecord;
        if (ids.has(record.id) || !matches(record, filter)) continue;
        ids.add(record.id);
        addEvent(record);
      }
    }
    return { counted: true, ids };
  }
}
