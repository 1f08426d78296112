import { Inject, Injectable } from '@nestjs/common';
import type { DebugEventRecord } from '../common/debug-event.js';
import { AppConfig } from '../config/app-config.service.js';
import { HOT_STORE, type HotStore } from '../storage/hot/hot-store.js';
import { LivePatternLabels } from './live-pattern-labels.js';
import type { StreamError } from './stream-protocol.js';
import { attributesOf, matches, type SubscriptionFilter } from './subscription-filter.js';

/** A `since` past now + this is a mistake (1e300 reached Date and failed as `internal`). */
const MAX_SINCE_AHEAD_MS = 86_400_000;

const BACKFILL_PAGE = 2000;

/**
 * A subscription's replay from the hot tier (`since`): where it starts (a time, or an event
 * that must still be in the hot tier) and the arrivals after it that the subscription wants,
 * up to DEBUG_STREAM_BACKFILL_LIMIT scanned. The hub delivers the replay through the outbox.
 */
@Injectable()
export class StreamBackfill {
  constructor(
    private readonly config: AppConfig,
    @Inject(HOT_STORE) private readonly hotStore: HotStore,
    private readonly patternLabels: LivePatternLabels,
  ) {}

  async resolveSince(
    since: string | number,
  ): Promise<{ ms: number; excludeId?: string } | { error: StreamError }> {
    const latest = Date.now() + MAX_SINCE_AHEAD_MS;
    const future = () => ({ error: invalidSince('must not be more than a day in the future') });
    if (typeof since === 'number') {
      if (!Number.isFinite(since) || since < 0) return { error: invalidSince('epoch milliseconds must be a non-negative number') };
      return since > latest ? future() : { ms: since };
    }
    if (/^\d+$/.test(since)) return Number(since) > latest ? future() : { ms: Number(since) };
    if (/^\d{4}-\d{2}-\d{2}/.test(since)) {
      const ms = Date.parse(since);
      if (Number.isNaN(ms)) return { error: invalidSince(`"${since}" is not a valid ISO-8601 time`) };
      return ms > latest ? future() : { ms };
    }
    const event = await this.hotStore.get(since);
    if (!event) {
      return {
        error: {
          code: 'since_not_found',
          message: `event ${since} is not in the hot tier (it keeps DEBUG_HOT_TTL_SECONDS=${this.config.hotTtlSeconds}s): pass a time as since`,
          details: [{ field: 'since', problem: 'unknown event id' }],
        },
      };
    }
    // The hot tier orders arrivals by millisecond only: the others of this event's
    // millisecond are replayed too (never a gap; the client drops repeats by id).
    return { ms: Date.parse(event.ingested_at) - 1, excludeId: event.id };
  }

  /** Reads the hot tier's arrivals after `sinceMs`, up to the backfill limit; keeps those the filter wants. */
  async read(
    alternatives: SubscriptionFilter[],
    since: { ms: number; excludeId?: string },
  ): Promise<{ replay: DebugEventRecord[]; complete: boolean; scannedUntilMs: number }> {
    const limit = this.config.streamBackfillLimit;
    const replay: DebugEventRecord[] = [];
    const seen = new Set<string>(since.excludeId ? [since.excludeId] : []);
    let after = since.ms;
    let scanned = 0;
    for (;;) {
      const page = await this.hotStore.arrivedSince(after, BACKFILL_PAGE);
      if (this.patternLabels.active) this.patternLabels.label(page as unknown as Record<string, unknown>[]);
      let fresh = 0;
      for (const event of page) {
        if (seen.has(event.id)) continue;
        seen.add(event.id);
        fresh++;
        if (++scanned > limit) return { replay, complete: false, scannedUntilMs: after };
        const attributes = attributesOf('debug:event', event as unknown as Record<string, unknown>);
        if (alternatives.some((filter) => filter.channels.has('debug:event') && matches(filter, attributes))) replay.push(event);
      }
      if (page.length < BACKFILL_PAGE) return { replay, complete: true, scannedUntilMs: after };
      // Arrivals share milliseconds: the next page starts one ms before the last arrival
      // and skips the ids already seen (a page made only of one millisecond moves past it).
      const lastMs = Date.parse(page[page.length - 1].ingested_at);
      after = fresh === 0 ? lastMs : Math.max(after, lastMs - 1);
    }
  }
}

export function invalidSince(problem: string): StreamError {
  return { code: 'invalid_subscription', message: `since: ${problem}`, details: [{ field: 'since', problem }] };
}
