import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { JobName, QueueName } from '../common/queues.js';
import { AppConfig } from '../config/app-config.service.js';
import { JOB_QUEUE, type JobQueue } from '../queue/job-queue.js';
import { InsightsService } from './insights.service.js';

/** Payload of `generate-insights`: an optional scope; the periodic job sends none (the last hour). */
export interface GenerateInsightsJob {
  from?: string;
  to?: string;
  session_id?: string;
}

/**
 * Periodic generation on worker processes: registers the `generate-insights` handler of queue
 * `insights` and its repeatable schedule (DEBUG_INSIGHT_INTERVAL_SECONDS). The handler is
 * idempotent: the same evidence seen twice leaves insights unchanged.
 */
@Injectable()
export class InsightsProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(InsightsProcessor.name);

  constructor(
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly insights: InsightsService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorkers || !this.config.enabled) return;
    this.queue.process<GenerateInsightsJob>(
      QueueName.Insights,
      JobName.GenerateInsights,
      (payload, job) => this.handle(payload, job.id),
    );
    const every = this.config.insightIntervalSeconds;
    if (every > 0) {
      await this.queue.repeat(QueueName.Insights, JobName.GenerateInsights, every * 1000, {});
      this.logger.log(`insight generation scheduled every ${every} s`);
    }
  }

  private async handle(payload: GenerateInsightsJob, jobId: string) {
    const started = Date.now();
    const result = await this.insights.generate(payload ?? {});
    this.logger.log(
      `job ${jobId}: ${result.created.length} created, ${result.updated.length} updated, ${result.regressed.length} regressed in ${Date.now() - started} ms`,
    );
    return {
      created: result.created.length,
      updated: result.updated.length,
      regressed: result.regressed.length,
    };
  }
}
