import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { JobName, QueueName } from '../common/queues.js';
import { AppConfig } from '../config/app-config.service.js';
import { JOB_QUEUE, type JobQueue } from '../queue/job-queue.js';
import { PartitionService } from './partition.service.js';

const HOUR_MS = 3_600_000;

/** Worker processes keep day partitions created ahead, hourly, so midnight never waits on DDL. */
@Injectable()
export class PartitionMaintenance implements OnApplicationBootstrap {
  private readonly logger = new Logger(PartitionMaintenance.name);

  constructor(
    private readonly partitions: PartitionService,
    private readonly config: AppConfig,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsWorkers || !this.partitions.partitioned) return;
    this.jobs.process(QueueName.Tiering, JobName.MaintainPartitions, async () => {
      const created = await this.partitions.maintain();
      if (created.length > 0)
        this.logger.log(`partition maintenance created ${created.join(', ')}`);
      return { created };
    });
    await this.jobs.repeat(QueueName.Tiering, JobName.MaintainPartitions, HOUR_MS);
  }
}
