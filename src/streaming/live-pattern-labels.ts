import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { PATTERN_SYNC_INTERVAL_MS, PatternService } from '../insights/patterns/pattern.service.js';

/**
 * Live events are streamed when they are accepted; in full mode that is before the ingest
 * writers give them their pattern id. While some subscription of this instance filters on
 * `pattern_id`, events without one are labelled here with the pattern the service knows for
 * their message: ids are content addresses, so it is the id the writers give (a message of a
 * pattern not learned yet stays unlabelled). The instance's template miner is kept in step with
 * debug_patterns meanwhile, as the writers' are.
 */
@Injectable()
export class LivePatternLabels implements OnModuleDestroy {
  private readonly logger = new Logger(LivePatternLabels.name);
  private subscriptions = 0;
  private syncTimer?: NodeJS.Timeout;

  constructor(private readonly patterns: PatternService) {}

  get active(): boolean {
    return this.subscriptions > 0;
  }

  /** A subscription that filters on pattern_id starts: resolves once the known patterns are loaded. */
  async retain(): Promise<void> {
    if (this.subscriptions++ === 0) {
      this.syncTimer = setInterval(() => void this.sync(), PATTERN_SYNC_INTERVAL_MS);
      this.syncTimer.unref();
    }
    await this.sync();
  }

  release(): void {
    if (--this.subscriptions > 0) return;
    this.subscriptions = 0;
    clearInterval(this.syncTimer);
    this.syncTimer = undefined;
  }

  /** Gives an event payload without a pattern id the id of its message's known pattern. */
  label(payload: Record<string, unknown>): void {
    if (payload.pattern_id != null || typeof payload.message !== 'string') return;
    const pattern = this.patterns.patternOf(payload.message);
    if (pattern) payload.pattern_id = pattern.id;
  }

  onModuleDestroy(): void {
    clearInterval(this.syncTimer);
  }

  private async sync(): Promise<void> {
    try {
      await this.patterns.sync();
    } catch (error) {
      this.logger.warn(`could not load the known patterns for live labels: ${(error as Error).message}`);
    }
  }
}
