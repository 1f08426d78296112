import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { JobName, QueueName } from '../common/queues.js';
import { AppConfig } from '../config/app-config.service.js';
import { JOB_QUEUE, type JobContext, type JobQueue } from '../queue/job-queue.js';
import { IngestService, type IngestBatchJob } from './ingest.service.js';
import { IngestMetrics } from './ingest-metrics.js';

/** Two batches written at once per worker process: COPY over 2 connections is the measured sweet spot. */
const INGEST_CONCURRENCY = 2;

/** The `ingest-batch` handler, registered in worker processes only. */
@Injectable()
export class IngestProcessor implements OnModuleInit {
  private readonly logger = new Logger(IngestProcessor.name);

  constructor(
    @Inject(JOB_QUEUE) private readonly jobQueue: JobQueue,
    private readonly ingest: IngestService,
    private readonly metrics: IngestMetrics,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (!this.config.runsWorkers) return;
    this.jobQueue.process<IngestBatchJob>(
      QueueName.Ingest,
      JobName.IngestBatch,
      (payload, context) => this.handle(payload, context),
      INGEST_CONCURRENCY,
    );
  }

  async handle(payload: IngestBatchJob, context: JobContext): Promise<{ written: number }> {
    try {
      const { written, poisoned } = await this.ingest.writeBatchIsolating(payload.events);
      if (poisoned.length === payload.events.length) {
        throw new Error(`the warm store refuses ${poisoned.length === 1 ? `event ${poisoned[0].event.id}` : `all ${poisoned.length} events`}: ${poisoned[0].reason}`);
      }
      if (poisoned.length > 0) await this.ingest.parkPoisoned(poisoned);
      return { written };
    } catch (error) {
      // A parked poison event has one attempt: it was refused for its content.
      const final = context.attempt >= (payload.poison !== undefined ? 1 : this.config.ingestAttempts);
      this.metrics.jobsFailed.inc({ final: String(final) });
      this.logger.warn(
        `ingest job ${context.id} (${payload.events.length} events) failed on attempt ${context.attempt}` +
          `${final ? ', kept in the failed set' : ''}: ${(error as Error).message}`,
      );
      throw error;
    }
  }
}
