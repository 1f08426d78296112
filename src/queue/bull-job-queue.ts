import { Logger } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { RepeatedWarnings } from '../common/logging/repeated-warnings.js';
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

/** Full-mode queue: Bull on Redis, queues registered through @nestjs/bull. */
/**
 * @nestjs/bull closes the queues at shutdown; Bull's close() waits for running handlers.
 */
export class BullJobQueue implements JobQueue {
  readonly kind = 'bull' as const;
  private readonly logger = new Logger(BullJobQueue.name);
  /** Bull reports every reconnection attempt of each of its connections while Redis is down. */
  private readonly warnings = new RepeatedWarnings(this.logger);

  constructor(private readonly queues: ReadonlyMap<QueueName, Queue>) {
    for (const [name, queue] of queues) {
      queue.on('error', (error) => this.warnings.warn(`queue ${name}: ${error.message}`));
      // Bull's setHandler() fires setWorkerName() and drops its promise. With a second named
      // processor on a queue, that CLIENT SETNAME waits on the blocking connection behind the
      // first processor's BRPOPLPUSH, and closing the queue rejects it: an unhandled rejection
      // ("Connection is closed.") at every shutdown.
      const named = queue as unknown as { setWorkerName(): Promise<unknown> };
      const setWorkerName = named.setWorkerName.bind(queue);
      named.setWorkerName = () =>
        setWorkerName().catch((error: Error) =>
          this.logger.debug(`queue ${name}: naming the worker: ${error.message}`),
        );
    }
  }

  async add<T>(
    queueName: QueueName,
    name: JobName,
    payload: T,
    options: JobOptions = {},
  ): Promise<string> {
    const job = await this.queue(queueName).add(name, payload, {
      jobId: options.jobId,
      attempts: options.attempts ?? DEFAULT_JOB_ATTEMPTS,
      backoff: { type: 'exponential', delay: options.backoffMs ?? DEFAULT_JOB_BACKOFF_MS },
      delay: options.delayMs,
      removeOnComplete: options.keepCompleted === 0 ? true : (options.keepCompleted ?? 1000),
      removeOnFail: false,
    });
    return String(job.id);
  }

  process<T>(queueName: QueueName, name: JobName, handler: JobHandler<T>, concurrency = 1): void {
    const queue = this.queue(queueName);
    // With several named processors on one queue, a later one's start-up command waits on
    // the blocking connection behind the first one's BRPOPLPUSH; closing the queue rejects
    // it with "Connection is closed". Unhandled, that rejection failed every full-mode test.
    queue
      .process(name, concurrency, async (job: Job<T>) => {
        const started = Date.now();
        const result = await handler(job.data, {
          id: String(job.id),
          name,
          attempt: job.attemptsMade + 1,
        });
        this.logger.debug(`job ${name} ${job.id} done in ${Date.now() - started} ms`);
        return result;
      })
      .catch((error: Error) => {
        if (!error.message.startsWith('Connection is closed'))
          this.logger.warn(`processor ${queueName}/${name}: ${error.message}`);
      });
  }

  async repeat(
    queueName: QueueName,
    name: JobName,
    everyMs: number,
    payload: unknown = {},
  ): Promise<void> {
    const queue = this.queue(queueName);
    for (const repeatable of await queue.getRepeatableJobs()) {
      if (repeatable.name === name && repeatable.every !== everyMs)
        await queue.removeRepeatableByKey(repeatable.key);
    }
    await queue.add(name, payload, {
      repeat: { every: everyMs },
      jobId: `repeat:${name}`,
      removeOnComplete: 100,
      removeOnFail: 100,
      attempts: 1,
    });
  }

  async counts(queueName: QueueName): Promise<QueueCounts> {
    const counts = await this.queue(queueName).getJobCounts();
    return {
      waiting: counts.waiting,
      active: counts.active,
      delayed: counts.delayed,
      failed: counts.failed,
      completed: counts.completed,
    };
  }

  async failed(queueName: QueueName, limit = 100): Promise<FailedJob[]> {
    const jobs = await this.queue(queueName).getFailed(0, limit - 1);
    return jobs.map((job) => ({
      id: String(job.id),
      name: job.name,
      failedReason: job.failedReason ?? '',
      attemptsMade: job.attemptsMade,
      failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
      payload: job.data,
    }));
  }

  async retryFailed(queueName: QueueName, limit = 10000): Promise<number> {
    const jobs = await this.queue(queueName).getFailed(0, limit - 1);
    for (const job of jobs) await job.retry();
    return jobs.length;
  }

  async drained(queueName: QueueName, timeoutMs = 30000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const counts = await this.counts(queueName);
      if (counts.waiting === 0 && counts.active === 0 && counts.delayed === 0) return true;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return false;
  }

  private queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`unknown queue ${name}`);
    return queue;
  }
}
