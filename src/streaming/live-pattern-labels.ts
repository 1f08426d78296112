import { Injectable } from '@nestjs/common';
import { PatternService } from '../patterns/pattern.service.js';

/**
 * Live events are streamed when they are accepted; in full mode that is before the ingest
 * writers give them their pattern id. While some subscription of this instance filters on
 * `pattern_id`, events without one are labelled here with the pattern the service knows for
 * their message: ids are content addresses, so it is the id the writers give (a message of a
 * pattern not learned yet stays unlabelled). The templates are kept in step with debug_patterns
 * by PatternService's own sync, as the writers' are.
 */
@Injectable()
export class LivePatternLabels {
  private subscriptions = 0;

  constructor(private readonly patterns: PatternService) {}

  get active(): boolean {
    return this.subscriptions > 0;
  }

  /** A subscription that filters on pattern_id starts: resolves once the known patterns are loaded. */
  async retain(): Promise<void> {
    this.subscriptions++;
    await this.patterns.syncIfDue();
  }

  release(): void {
    this.subscriptions = Math.max(0, this.subscriptions - 1);
  }

  /** Gives the event payloads without a pattern id the id of their message's known pattern. */
  label(payloads: Iterable<Record<string, unknown>>): void {
    void this.patterns.syncIfDue();
    for (const payload of payloads) {
      if (payload.pattern_id != null || typeof payload.message !== 'string') continue;
      const pattern = this.patterns.patternOf(payload.message);
      if (pattern) payload.pattern_id = pattern.id;
    }
  }
}
