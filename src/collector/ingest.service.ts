import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import type { DebugEventRecord } from '../common/debug-event.js';
import { DomainError } from '../common/errors/domain-error.js';
import { JobName, QueueName } from '../common/queues.js';
import { AppConfig } from '../config/app-config.service.js';
import { LateEventMinutes } from '../insights/late-event-minutes.js';
import { PatternService } from '../patterns/pattern.service.js';
import { HOT_STORE, type HotStore } from '../storage/hot/hot-store.js';
import { EventWriter } from '../storage/warm/event-writer.js';
import { AppEventBus } from '../common/events/app-event-bus.js';
import { JOB_QUEUE, type JobQueue } from '../queue/job-queue.js';
import { shutdownPhase } from '../common/logging/shutdown-phase.js';
import { GroupCommitBatcher } from './group-commit-batcher.js';
import { IngestBacklog } from './ingest-backlog.js';
import { IngestMetrics } from './ingest-metrics.js';
import { JournalDurability } from './journal-durability.js';
import { writeIsolatingPoison, type IsolatedWrite, type PoisonEvent } from './poison-isolation.js';

/** Payload of an `ingest-batch` job: a batch that failed to write, handed to Bull for retries. */
export interface IngestBatchJob {
  events: DebugEventRecord[];
  /** Set on a job that holds one event the warm store refused for its content: why. */
  poison?: string;
}

const MAX_COMMITS_IN_FLIGHT = 8;

/**
 * The accept path: hot tier (dedupe by id), durable (in full mode the hot tier's own write
 * appends the events to the ingest journal on Redis; in embedded mode a group commit writes
 * the rows), then the stream. A caller is told "accepted" only after its events are durable.
 */
@Injectable()
export class IngestService implements OnApplicationShutdown {
  private readonly logger = new Logger(IngestService.name);
  private readonly batcher: GroupCommitBatcher<DebugEventRecord>;
  /** Events of this process not durable yet, by id: what their duplicates wait for. */
  private readonly durableById = new Map<string, Promise<void>>();

  constructor(
    @Inject(HOT_STORE) private readonly hot: HotStore,
    private readonly writer: EventWriter,
    private readonly patterns: PatternService,
    private readonly lateMinutes: LateEventMinutes,
    private readonly stream: AppEventBus,
    private readonly backlog: IngestBacklog,
    private readonly metrics: IngestMetrics,
    private readonly durability: JournalDurability,
    private readonly config: AppConfig,
    @Optional() @Inject(JOB_QUEUE) private readonly jobQueue?: JobQueue,
  ) {
    this.batcher = new GroupCommitBatcher((events) => this.writeBatchParkingPoison(events), {
      maxItems: config.batchSize,
      maxWaitMs: config.batchWindowMs,
      maxInFlight: MAX_COMMITS_IN_FLIGHT,
    });
  }

  /**
   * Accepts normalized events (with their JSON when the caller has it already); resolves per
   * event whether it was new (false: a duplicate
   * of an id seen within the hot TTL, already durable or being made so).
   * Throws 429 under backpressure and 503 when the events could not be made durable.
   */
  async accept(events: DebugEventRecord[], json?: readonly string[]): Promise<boolean[]> {
    if (events.length === 0) return [];
    await this.backlog.assertRoom(events.length, this.batcher.pending).catch((error: unknown) => {
      this.metrics.rejected.inc({ kind: 'event', reason: 'backpressure' }, events.length);
      throw error;
    });
    if (this.hot.journals) {
      try {
        this.durability.assertGuaranteed();
      } catch (error) {
        this.metrics.rejected.inc({ kind: 'event', reason: 'unavailable' }, events.length);
        throw error;
      }
    }
    let fresh: boolean[];
    try {
      fresh = await this.hot.putNew(events, json);
    } catch (error) {
      this.metrics.rejected.inc({ kind: 'event', reason: 'unavailable' }, events.length);
      this.logger.warn(`hot tier write failed: ${(error as Error).message}`);
      if (error instanceof DomainError) throw error;
      throw new DomainError(
        'UNAVAILABLE',
        'the hot tier is unavailable; retry shortly',
        undefined,
        1,
      );
    }
    const newEvents = events.filter((_, index) => fresh[index]);
    const duplicates = events.length - newEvents.length;
    if (duplicates > 0) this.metrics.duplicates.inc(duplicates);
    // Redis: the same atomic step that claimed the ids appended the events to the ingest journal.
    if (this.hot.journals) {
      this.backlog.noteAccepted(newEvents.length);
      if (newEvents.length > 0) this.stream.emit('events.accepted', newEvents);
      // Duplicates too: their originals may be journalled and not yet on disk or a replica (a
      // retry after a 503) — they are answered only once those are.
      await this.confirmJournalled(events.length);
    } else {
      await this.commitRows(events, fresh, newEvents);
      if (newEvents.length > 0) this.stream.emit('events.accepted', newEvents);
    }
    if (newEvents.length > 0) this.metrics.accepted.inc({ kind: 'event' }, newEvents.length);
    return fresh;
  }

  /** DEBUG_DURABILITY=fsync: waits until Redis has the journal writes on disk or on a replica. */
  private async confirmJournalled(count: number): Promise<void> {
    try {
      await this.durability.confirm();
    } catch (error) {
      this.metrics.rejected.inc({ kind: 'event', reason: 'unavailable' }, count);
      this.logger.warn(`journal write not confirmed durable: ${(error as Error).message}`);
      if (error instanceof DomainError) throw error;
      throw new DomainError(
        'UNAVAILABLE',
        `the events are in Redis but could not be confirmed durable (${(error as Error).message}); retrying is safe: ingest is idempotent by event id`,
        undefined,
        1,
      );
    }
  }

  /**
   * Embedded mode: the group commit writes the new events' rows. A duplicate of an event this
   * process is still committing is not "accepted" before the original is: it waits for the same
   * commit, and fails with it (its id is then free again).
   */
  private async commitRows(
    events: readonly DebugEventRecord[],
    fresh: readonly boolean[],
    newEvents: DebugEventRecord[],
  ): Promise<void> {
    const originals = newEvents.length < events.length ? this.pendingOriginals(events, fresh) : [];
    const durable = newEvents.length > 0 ? this.batcher.submit(newEvents) : Promise.resolve();
    for (const event of newEvents) this.durableById.set(event.id, durable);
    try {
      await durable;
    } catch (error) {
      // Not durable: forget the ids so that the client's retry is taken as new, not as a duplicate.
      await this.hot
        .remove(newEvents.map((event) => event.id))
        .catch((removeError: unknown) =>
          this.logger.error(
            `could not release ${newEvents.length} ids after a failed commit: ${(removeError as Error).message}`,
          ),
        );
      this.metrics.rejected.inc({ kind: 'event', reason: 'unavailable' }, newEvents.length);
      this.logger.warn(
        `could not make ${newEvents.length} events durable: ${(error as Error).message}`,
      );
      throw new DomainError(
        'UNAVAILABLE',
        'events could not be stored durably; retry shortly',
        undefined,
        1,
      );
    } finally {
      for (const event of newEvents) this.durableById.delete(event.id);
    }
    if (originals.length > 0) {
      await Promise.all(originals).catch(() => {
        throw new DomainError(
          'UNAVAILABLE',
          'an earlier copy of some of these events failed to be stored; retry',
          undefined,
          1,
        );
      });
    }
  }

  /**
   * The worker's half: patterns, then the idempotent warm write, then the minutes of late
   * events marked for the insight rollups. Returns rows newly written.
   */
  async writeBatch(events: DebugEventRecord[]): Promise<number> {
    await this.patterns.assign(events);
    const stopTimer = this.metrics.batchWriteSeconds.startTimer();
    const written = await this.writer.write(events);
    stopTimer();
    this.metrics.written.inc(written);
    // The rows are committed: failing the batch now would only write it again.
    await this.lateMinutes
      .note(events)
      .catch((error: unknown) =>
        this.logger.warn(
          `late-event minutes of ${events.length} events not marked for the insight rollups: ${(error as Error).message}`,
        ),
      );
    return written;
  }

  /**
   * `writeBatch`, except that events the warm store refuses for their content (found by halving
   * the batch) do not hold the others back: the rest is written, they are returned.
   */
  writeBatchIsolating(events: DebugEventRecord[]): Promise<IsolatedWrite> {
    return writeIsolatingPoison(events, (part) => this.writeBatch(part));
  }

  /**
   * Parks poison events in the `ingest` queue's failed set, one job each with its reason (one
   * attempt: it fails again at once), for inspection and replay with the other failed jobs.
   */
  async parkPoisoned(poisoned: readonly PoisonEvent[]): Promise<void> {
    for (const { event, reason } of poisoned) {
      this.logger.error(
        `event ${event.id} refused by the warm store, parked in the ingest failed set: ${reason}`,
      );
      this.metrics.rejected.inc({ kind: 'event', reason: 'poison' });
      if (!this.jobQueue) continue;
      const payload: IngestBatchJob = { events: [event], poison: reason };
      await this.jobQueue.add(QueueName.Ingest, JobName.IngestBatch, payload, {
        jobId: `poison:${event.id}`,
        attempts: 1,
        keepCompleted: 0,
      });
    }
  }

  private async writeBatchParkingPoison(events: DebugEventRecord[]): Promise<void> {
    const { poisoned } = await this.writeBatchIsolating(events);
    if (poisoned.length > 0) await this.parkPoisoned(poisoned);
  }

  private pendingOriginals(
    events: readonly DebugEventRecord[],
    fresh: readonly boolean[],
  ): Promise<void>[] {
    const waits = new Set<Promise<void>>();
    events.forEach((event, index) => {
      const pending = fresh[index] ? undefined : this.durableById.get(event.id);
      if (pending) waits.add(pending);
    });
    return [...waits];
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.batcher.pending === 0) return;
    // Requests in flight hold promises on the batcher; let their commits finish.
    await shutdownPhase(
      this.logger,
      `committing ${this.batcher.pending} events in flight`,
      async () => {
        for (let waited = 0; this.batcher.pending > 0 && waited < 10_000; waited += 20) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return `${this.batcher.pending} not committed`;
      },
    );
  }
}
