import type { JobName, QueueName } from '../common/queues.js';

export const JOB_QUEUE = Symbol('JOB_QUEUE');

export interface JobOptions {
  /** Deduplicates: a job whose id is already queued is not added again. */
  jobId?: string;
  attempts?: number;
  /** First retry delay; later ones grow exponentially. */
  backoffMs?: number;
  delayMs?: number;
  /** Completed jobs kept for inspection (default 1000); 0 for large payloads such as ingest batches. */
  keepCompleted?: number;
}

export interface JobContext {
  id: string;
  name: JobName;
  attempt: number;
}

export type JobHandler<T> = (payload: T, context: JobContext) => Promise<unknown>;

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

export interface FailedJob {
  id: string;
  name: string;
  failedReason: string;
  attemptsMade: number;
  failedAt: string | null;
  payload: unknown;
}

/**
 * The job queue port: Bull on Redis in full mode, an in-process queue in embedded mode.
 * Both honour the same names, retries with backoff, a kept failed set and replay.
 */
export interface JobQueue {
  readonly kind: 'bull' | 'in-process';

  /** Resolves once the job is durable (stored in Redis, or accepted in memory). */
  add<T>(queue: QueueName, name: JobName, payload: T, options?: JobOptions): Promise<string>;

  /** Registers the handler of one job name. Only worker processes call it. */
  process<T>(queue: QueueName, name: JobName, handler: JobHandler<T>, concurrency?: number): void;

  /** Runs `name` every `everyMs`; declaring the same schedule twice keeps one. */
  repeat(queue: QueueName, name: JobName, everyMs: number, payload?: unknown): Promise<void>;

  counts(queue: QueueName): Promise<QueueCounts>;

  failed(queue: QueueName, limit?: number): Promise<FailedJob[]>;

  /** Puts failed jobs back in the queue; returns how many. */
  retryFailed(queue: QueueName, limit?: number): Promise<number>;

  /** Waits for the queue to have nothing waiting or active (tests, shutdown). */
  drained(queue: QueueName, timeoutMs?: number): Promise<boolean>;
}

export const DEFAULT_JOB_ATTEMPTS = 8;
export const DEFAULT_JOB_BACKOFF_MS = 500;
