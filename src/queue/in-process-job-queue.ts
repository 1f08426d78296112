import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { newId } from '../common/ids.js';
import { shutdownPhase } from '../common/logging/shutdown-phase.js';
import type { JobName, QueueName } from '../common/queues.js';
import {
  DEFAULT_JOB_ATTEMPTS,
  DEFAULT_JOB_BACKOFF_MS,
  type FailedJob,
  type JobHandler,
  type JobOptions,
  type JobQueue,
  type QueueCounts,
} from './job-queue.js';

interface PendingJob {
  id: string;
  queue: QueueName;
  name: JobName;
  payload: unknown;
  attemptsMade: number;
  attempts: number;
  backoffMs: number;
  failedReason?: string;
  failedAt?: Date;
}

interface Registration {
  handler: JobHandler<unknown>;
  concurrency: number;
  active: number;
}

/**
 * Embedded-mode queue: same job names, retries and failed set as Bull, kept in memory.
 * Durability in embedded mode comes from the producer committing before it answers,
 * not from this queue.
 */
export class InProcessJobQueue implements JobQueue, OnApplicationShutdown {
  readonly kind = 'in-process' as const;
  private readonly logger = new Logger(InProcessJobQueue.name);
  private readonly waiting = new Map<QueueName, PendingJob[]>();
  private readonly failedJobs = new Map<QueueName, PendingJob[]>();
  private readonly completed = new Map<QueueName, number>();
  private readonly delayed = new Set<NodeJS.Timeout>();
  private readonly handlers = new Map<string, Registration>();
  private readonly knownIds = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private activeCount = new Map<QueueName, number>();
  private closed = false;

  async add<T>(
    queue: QueueName,
    name: JobName,
    payload: T,
    options: JobOptions = {},
  ): Promise<string> {
    const id = options.jobId ?? newId();
    if (this.knownIds.has(id)) return id;
    this.knownIds.add(id);
    const job: PendingJob = {
      id,
      queue,
      name,
      payload,
      attemptsMade: 0,
      attempts: options.attempts ?? DEFAULT_JOB_ATTEMPTS,
      backoffMs: options.backoffMs ?? DEFAULT_JOB_BACKOFF_MS,
    };
    if (options.delayMs) this.later(options.delayMs, () => this.enqueue(job));
    else this.enqueue(job);
    return id;
  }

  process<T>(queue: QueueName, name: JobName, handler: JobHandler<T>, concurrency = 1): void {
    this.handlers.set(`${queue}/${name}`, {
      handler: handler as JobHandler<unknown>,
      concurrency,
      active: 0,
    });
    this.pump(queue);
  }

  async repeat(
    queue: QueueName,
    name: JobName,
    everyMs: number,
    payload: unknown = {},
  ): Promise<void> {
    const timer = setInterval(
      () => void this.add(queue, name, payload, { jobId: `${name}:${Date.now()}` }),
      everyMs,
    );
    timer.unref();
    this.timers.push(timer);
  }

  async counts(queue: QueueName): Promise<QueueCounts> {
    return {
      waiting: this.waiting.get(queue)?.length ?? 0,
      active: this.activeCount.get(queue) ?? 0,
      delayed: this.delayed.size,
      failed: this.failedJobs.get(queue)?.length ?? 0,
      completed: this.completed.get(queue) ?? 0,
    };
  }

  async failed(queue: QueueName, limit = 100): Promise<FailedJob[]> {
    return (this.failedJobs.get(queue) ?? []).slice(0, limit).map((job) => ({
      id: job.id,
      name: job.name,
      failedReason: job.failedReason ?? '',
      attemptsMade: job.attemptsMade,
      failedAt: job.failedAt?.toISOString() ?? null,
      payload: job.payload,
    }));
  }

  async retryFailed(queue: QueueName, limit = Number.MAX_SAFE_INTEGER): Promise<number> {
    const failed = this.failedJobs.get(queue) ?? [];
    const replay = failed.splice(0, limit);
    for (const job of replay) {
      job.attemptsMade = 0;
      this.enqueue(job);
    }
    return replay.length;
  }

  async drained(queue: QueueName, timeoutMs = 30000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const counts = await this.counts(queue);
      if (counts.waiting === 0 && counts.active === 0) return true;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return false;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    const queues = [...this.waiting.keys()];
    const jobs = async () => {
      let total = 0;
      for (const queue of queues) {
        const counts = await this.counts(queue);
        total += counts.waiting + counts.active;
      }
      return total;
    };
    const before = await jobs();
    if (before > 0) {
      await shutdownPhase(
        this.logger,
        `draining the in-process queues (${before} jobs)`,
        async () => {
          for (const queue of queues) await this.drained(queue, 10000);
          return `${await jobs()} left`;
        },
      );
    }
    this.closed = true;
    for (const timer of this.delayed) clearTimeout(timer);
  }

  private enqueue(job: PendingJob): void {
    const list = this.waiting.get(job.queue) ?? [];
    list.push(job);
    this.waiting.set(job.queue, list);
    this.pump(job.queue);
  }

  private pump(queue: QueueName): void {
    if (this.closed) return;
    const list = this.waiting.get(queue);
    if (!list) return;
    for (let index = 0; index < list.length;) {
      const job = list[index];
      const registration = this.handlers.get(`${queue}/${job.name}`);
      if (!registration || registration.active >= registration.concurrency) {
        index++;
        continue;
      }
      list.splice(index, 1);
      void this.run(job, registration);
    }
  }

  private async run(job: PendingJob, registration: Registration): Promise<void> {
    registration.active++;
    this.activeCount.set(job.queue, (this.activeCount.get(job.queue) ?? 0) + 1);
    job.attemptsMade++;
    try {
      await registration.handler(job.payload, {
        id: job.id,
        name: job.name,
        attempt: job.attemptsMade,
      });
      this.completed.set(job.queue, (this.completed.get(job.queue) ?? 0) + 1);
      this.knownIds.delete(job.id);
    } catch (error) {
      job.failedReason = error instanceof Error ? error.message : String(error);
      if (job.attemptsMade < job.attempts) {
        const delay = job.backoffMs * 2 ** (job.attemptsMade - 1);
        this.logger.warn(
          `job ${job.name} ${job.id} failed (attempt ${job.attemptsMade}), retry in ${delay} ms: ${job.failedReason}`,
        );
        this.later(delay, () => this.enqueue(job));
      } else {
        this.logger.error(
          `job ${job.name} ${job.id} failed for good after ${job.attemptsMade} attempts: ${job.failedReason}`,
        );
        job.failedAt = new Date();
        const failed = this.failedJobs.get(job.queue) ?? [];
        failed.push(job);
        this.failedJobs.set(job.queue, failed);
      }
    } finally {
      registration.active--;
      this.activeCount.set(job.queue, (this.activeCount.get(job.queue) ?? 1) - 1);
      this.pump(job.queue);
    }
  }

  private later(delayMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.delayed.delete(timer);
      action();
    }, delayMs);
    timer.unref();
    this.delayed.add(timer);
  }
}
