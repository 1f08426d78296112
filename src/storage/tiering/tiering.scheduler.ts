import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { QueueName } from '../../common/queues.js';
import { AppConfig } from '../../config/app-config.service.js';
import { JOB_QUEUE, type JobQueue } from '../../queue/job-queue.js';
import { TIERING_JOBS, TieringService } from './tiering.service.js';

/**
 * Worker processes handle the `tiering` queue and declare its repeatable jobs (every
 * worker declares the same schedule; the queue keeps one). An API-only process does neither.
 */
@Injectable()
export class TieringScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger(TieringScheduler.name);

  constructor(
    private readonly config: AppConfig,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly tiering: TieringService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorkers) return;
    const everyMs = this.config.tieringIntervalMinutes * 60_000;
    for (const job of TIERING_JOBS) {
      this.queue.process(QueueName.Tiering, job, () => this.tiering.run(job, 'schedule'));
      await this.queue.repeat(QueueName.Tiering, job, everyMs);
    }
    this.logger.log(
      `tiering jobs ${TIERING_JOBS.join(', ')} scheduled every ${this.config.tieringIntervalMinutes} min`,
    );
  }
}
