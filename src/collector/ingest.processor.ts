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
      const written = await this.ingest.writeBatch(payload.events);
      return { written };
    } catch (error) {
      const final = context.attempt >= this.config.ingestAttempts;
      this.metrics.jobsFailed.inc({ final: String(final) });
      this.logger.warn(
        `ingest job ${context.id} (${payload.events.length} events) failed on attempt ${context.attempt}` +
          `${final ? ', kept in the failed set' : ''}: ${(error as Error).message}`,
      );
      throw error;
    }
  }
}
