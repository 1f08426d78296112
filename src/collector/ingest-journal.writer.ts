import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { DebugEventRecord } from '../common/debug-event.js';
import { JobName, QueueName } from '../common/queues.js';
import { RedisService } from '../common/redis/redis.service.js';
import { AppConfig } from '../config/app-config.service.js';
import { JOB_QUEUE, type JobQueue } from '../queue/job-queue.js';
import { RepeatedWarnings } from '../common/logging/repeated-warnings.js';
import { shutdownPhase } from '../common/logging/shutdown-phase.js';
import {
  IngestJournal,
  WRITER_BEAT_EVERY_MS,
  WRITER_DEAD_AFTER_MS,
  type JournalEntry,
} from './ingest-journal.js';
import { IngestMetrics } from './ingest-metrics.js';
import { IngestService, type IngestBatchJob } from './ingest.service.js';

/** Writers per worker process: COPY over 2 connections is the measured sweet spot. */
const WRITERS = 2;
const BLOCK_MS = 500;
const MAX_ENTRIES_PER_READ = 1000;
/** Pauses after failed rounds: doubling from the first to the last while the failures go on. */
const FIRST_PAUSE_AFTER_ERROR_MS = 250;
const MAX_PAUSE_AFTER_ERROR_MS = 10_000;
/** Longest a stopping writer process keeps writing the journal's backlog (well inside a 30 s grace period). */
const DRAIN_AT_SHUTDOWN_MS = 10_000;
/**
 * An entry handed out more often than this was held by writers that died each time: perhaps it
 * kills them (memory, a driver crash). It goes to the Bull queue instead, whose stalled-job limit
 * puts a job that keeps killing its worker in the failed set, for inspection and replay.
 */
const MAX_DELIVERIES = 3;

/**
 * Worker side of full-mode ingestion: reads the ingest journal through its consumer group and
 * writes the events to the warm store (patterns, then COPY), then acknowledges the entries.
 * Entries of a writer whose heartbeat stopped are claimed at once (a few seconds); entries a
 * writer that still beats has held for DEBUG_INGEST_CLAIM_IDLE_MS (it hangs) too. A batch that fails
 * to write is handed to the Bull `ingest` queue, whose retries with backoff, failed set and
 * replay take it from there; only then is it acknowledged.
 */
@Injectable()
export class IngestJournalWriter implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(IngestJournalWriter.name);
  private readonly warnings = new RepeatedWarnings(this.logger);
  private running = false;
  private readonly loops: Promise<void>[] = [];
  /** Events this process wrote (the shutdown log counts the drain's). */
  private written = 0;
  private draining = false;

  constructor(
    private readonly journal: IngestJournal,
    private readonly ingest: IngestService,
    private readonly redis: RedisService,
    @Inject(JOB_QUEUE) private readonly jobQueue: JobQueue,
    private readonly metrics: IngestMetrics,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (!this.config.runsWorkers || !this.journal.enabled) return;
    this.running = true;
    for (let slot = 0; slot < WRITERS; slot++) this.loops.push(this.run(slot));
  }

  /**
   * Writes what the journal holds before stopping (for up to DRAIN_AT_SHUTDOWN_MS), so that a
   * stop leaves the warm store complete rather than leaning on the next writer's start; what is
   * left stays in the journal, durable, for the other writers or the next start.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.loops.length === 0) return;
    const before = this.written;
    // No waiting for a batch to fill: what is there is all there is going to be.
    this.draining = true;
    const waiting = await this.journal.pendingEvents().catch(() => null);
    await shutdownPhase(
      this.logger,
      `draining the ingest journal (${waiting ?? 'unknown'} events waiting, ${this.loops.length} writers)`,
      async () => {
        const deadline = Date.now() + DRAIN_AT_SHUTDOWN_MS;
        let left = waiting ?? 0;
        while (left > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          left = await this.journal.pendingEvents().catch(() => 0);
        }
        this.running = false;
        await Promise.all(this.loops);
        return `${this.written - before} events written, ${left} left in the journal`;
      },
    );
  }

  private async run(slot: number): Promise<void> {
    const connection = this.redis.connect(`ingest-writer-${slot}`);
    const consumer = `${hostname()}:${process.pid}:${slot}`;
    const claimIdleMs = this.config.ingestClaimIdleMs;
    // At start, take over what a dead writer left at once; then look again every half idle time.
    let nextClaimAt = 0;
    let count = 1;
    let lastReadAt = 0;
    let lastEvents = 0;
    let failures = 0;
    let lastBeatAt = 0;
    let lookForDead = false;
    const sayAlive = () =>
      this.journal
        .markAlive(this.redis.client(), consumer)
        .catch((error: unknown) =>
          this.warnings.warn(`ingest writer ${slot}: ${(error as Error).message}`),
        );
    void sayAlive();
    const aliveTimer = setInterval(sayAlive, WRITER_BEAT_EVERY_MS);
    while (this.running) {
      try {
        if (Date.now() - lastBeatAt >= WRITER_BEAT_EVERY_MS) {
          await this.journal.beat(connection, consumer);
          lastBeatAt = Date.now();
          lookForDead = true;
        }
        // After a small batch, let the journal fill for DEBUG_BATCH_SIZE_MS since the last read: a
        // write costs the same few round trips (patterns, rows, acknowledgement) whatever its size,
        // and a trickle of single events otherwise makes a write of a few events every millisecond.
        if (lastEvents < this.config.batchSize && !this.draining)
          await this.pause(lastReadAt + this.config.batchWindowMs - Date.now(), true);
        lastReadAt = Date.now();
        lastEvents = 0;
        let entries: JournalEntry[] = [];
        if (lookForDead) {
          entries = await this.journal.claimFromDead(connection, consumer, count);
          lookForDead = entries.length === count; // more may be left: look again next round
          if (entries.length > 0)
            this.logger.warn(
              `took over ${entries.length} journal entries of writers whose process stopped saying it is alive over ${WRITER_DEAD_AFTER_MS} ms ago`,
            );
        }
        if (entries.length === 0 && Date.now() >= nextClaimAt) {
          entries = await this.journal.claimStale(connection, consumer, count, claimIdleMs);
          nextClaimAt = entries.length === count ? 0 : Date.now() + claimIdleMs / 2;
          if (entries.length > 0)
            this.logger.warn(
              `took over ${entries.length} journal entries idle for over ${claimIdleMs} ms`,
            );
        }
        if (entries.length === 0)
          entries = await this.journal.read(connection, consumer, count, BLOCK_MS);
        if (entries.length === 0) continue;
        const events = await this.write(entries);
        lastEvents = events;
        count = nextReadCount(count, entries.length, events, this.config.batchSize);
        if (failures > 0)
          this.logger.log(`ingest writer ${slot}: writing again after ${failures} failed rounds`);
        failures = 0;
      } catch (error) {
        if (!this.running) break;
        const pauseMs = pauseAfterFailures(++failures);
        this.warnings.warn(
          `ingest writer ${slot}: ${(error as Error).message}; retrying in ${pauseMs} ms`,
        );
        await this.pause(pauseMs);
      }
    }
    clearInterval(aliveTimer);
    await this.journal.leave(connection, consumer).catch(() => undefined);
    connection.disconnect();
  }

  private async handToQueue(events: DebugEventRecord[]): Promise<void> {
    const payload: IngestBatchJob = { events };
    await this.jobQueue.add(QueueName.Ingest, JobName.IngestBatch, payload, {
      attempts: this.config.ingestAttempts,
      backoffMs: this.config.ingestBackoffMs,
      keepCompleted: 0,
    });
    this.metrics.jobsFailed.inc({ final: 'false' });
  }

  /** Sleeps up to `ms`, waking early at shutdown (and, waiting for a batch to fill, when the drain begins). */
  private async pause(ms: number, batching = false): Promise<void> {
    for (let left = ms; left > 0 && this.running && !(batching && this.draining); left -= 50) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, left)));
    }
  }

  /** Writes the entries' events in batches of DEBUG_BATCH_SIZE; returns how many there were. */
  private async write(entries: readonly JournalEntry[]): Promise<number> {
    const suspects = entries.filter((entry) => entry.deliveries > MAX_DELIVERIES);
    for (const entry of suspects) {
      await this.handToQueue(entry.events);
      this.logger.warn(
        `journal entry ${entry.id} was handed out ${entry.deliveries} times, its writers dying each time: moved to the ingest queue`,
      );
    }
    const writable =
      suspects.length === 0
        ? entries
        : entries.filter((entry) => entry.deliveries <= MAX_DELIVERIES);
    const events =
      writable.length === 1 ? writable[0].events : writable.flatMap((entry) => entry.events);
    const size = this.config.batchSize;
    for (let start = 0; start < events.length; start += size) {
      const batch = events.slice(start, start + size);
      try {
        const { poisoned } = await this.ingest.writeBatchIsolating(batch);
        if (poisoned.length > 0) await this.ingest.parkPoisoned(poisoned);
      } catch (error) {
        // Throws when Redis is unreachable too: the entries stay unacknowledged and are read again.
        await this.handToQueue(batch);
        this.logger.warn(
          `${batch.length} events failed to write (${(error as Error).message}); handed to the ingest queue for retries`,
        );
      }
    }
    await this.journal.acknowledge(entries);
    this.written += events.length;
    this.logger.debug(
      `journal batch of ${events.length} events written (${entries.length} entries)`,
    );
    return events.length;
  }
}

/** Back-off of a writer whose rounds fail (Redis unreachable): 250 ms, 500 ms, … up to 10 s. */
export function pauseAfterFailures(failures: number): number {
  return Math.min(
    MAX_PAUSE_AFTER_ERROR_MS,
    FIRST_PAUSE_AFTER_ERROR_MS * 2 ** Math.min(16, Math.max(0, failures - 1)),
  );
}

/**
 * Entries to ask for next: about DEBUG_BATCH_SIZE events' worth, judged by the last read. It
 * grows (at most 4× a step) only after a read that came back full, so that a trickle of
 * single events does not leave it set to swallow a burst of large batches at once.
 */
export function nextReadCount(
  count: number,
  entriesRead: number,
  eventsRead: number,
  batchSize: number,
): number {
  const fitting = Math.max(1, Math.floor((batchSize * entriesRead) / Math.max(1, eventsRead)));
  const next = entriesRead >= count ? Math.min(fitting, count * 4) : Math.min(fitting, count);
  return Math.max(1, Math.min(MAX_ENTRIES_PER_READ, next));
}
