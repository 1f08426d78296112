import { Inject, Injectable } from '@nestjs/common';
import { BackpressureError } from '../common/errors/domain-error.js';
import { QueueName } from '../common/queues.js';
import { withinTime } from '../common/time-limit.js';
import { AppConfig } from '../config/app-config.service.js';
import { JOB_QUEUE, type JobQueue, type QueueCounts } from '../queue/job-queue.js';
import { IngestJournal } from './ingest-journal.js';
import { IngestMetrics } from './ingest-metrics.js';

const REFRESH_MS = 100;
/** The very first reading is awaited, but not for longer than this (Redis may be down at start). */
const FIRST_READ_WAIT_MS = 1_000;

/**
 * The ingest backlog, for backpressure: events in the ingest journal not yet written, plus
 * batches waiting for a retry in the `ingest` queue (counted at DEBUG_BATCH_SIZE each, their
 * most), read at most every 100 ms (a request never waits for Redis except on the very first
 * read), plus what this process holds in memory before it is durable (embedded mode).
 */
@Injectable()
export class IngestBacklog {
  private queuedEvents = 0;
  private readAt = 0;
  private reading: Promise<void> | undefined;

  constructor(
    @Inject(JOB_QUEUE) private readonly jobQueue: JobQueue,
    private readonly journal: IngestJournal,
    private readonly config: AppConfig,
    private readonly metrics: IngestMetrics,
  ) {}

  /** Throws 429 with Retry-After when `incoming` more events would pass DEBUG_INGEST_BACKLOG_LIMIT. */
  async assertRoom(incoming: number, pendingInProcess: number): Promise<void> {
    await this.refresh();
    const backlog = this.queuedEvents + pendingInProcess;
    const limit = this.config.ingestBacklogLimit;
    if (backlog + incoming <= limit || (backlog === 0 && incoming <= this.config.maxBatchEvents))
      return;
    const retryAfter = Math.min(30, 1 + Math.floor(backlog / limit));
    throw new BackpressureError(
      `ingest backlog of ${backlog} events is at DEBUG_INGEST_BACKLOG_LIMIT=${limit}: retry after ${retryAfter} s`,
      retryAfter,
      { backlog_events: backlog, limit },
    );
  }

  /** Events just made durable count at once, before the next read sees them. */
  noteAccepted(events: number): void {
    this.queuedEvents += events;
  }

  /** A fresh reading, for the admin status: its parts and the backlog they make (throws when Redis is unreachable). */
  async status(): Promise<{ journalEvents: number; counts: QueueCounts; backlogEvents: number }> {
    const { journalEvents, counts } = await this.fetch();
    return { journalEvents, counts, backlogEvents: this.queuedEvents };
  }

  private async refresh(): Promise<void> {
    if (Date.now() - this.readAt < REFRESH_MS) return;
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    // Until a first reading is in, a request waits for one, but not for long: while Redis is
    // down its commands wait for the reconnection (the accept itself then answers 503).
    if (this.readAt === 0)
      await withinTime(
        this.reading,
        FIRST_READ_WAIT_MS,
        () => new Error('no backlog reading yet'),
      ).catch(() => undefined);
  }

  private async read(): Promise<void> {
    try {
      await this.fetch();
    } catch {
      // Redis unreachable: keep the last figure; the accept itself will fail with 503.
    } finally {
      this.readAt = Date.now();
    }
  }

  private async fetch(): Promise<{ journalEvents: number; counts: QueueCounts }> {
    const [journalEvents, counts] = await Promise.all([
      this.journal.pendingEvents(),
      this.jobQueue.counts(QueueName.Ingest),
    ]);
    this.queuedEvents = journalEvents + (counts.waiting + counts.delayed) * this.config.batchSize;
    this.metrics.backlogEvents.set(this.queuedEvents);
    this.metrics.failedJobs.set(counts.failed);
    return { journalEvents, counts };
  }
}
