import { BullModule, getQueueToken } from '@nestjs/bull';
import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Queue } from 'bull';
import { QueueName } from '../common/queues.js';
import type { AppConfig } from '../config/app-config.service.js';
import { BullJobQueue } from './bull-job-queue.js';
import { InProcessJobQueue } from './in-process-job-queue.js';
import { JOB_QUEUE } from './job-queue.js';

const QUEUE_NAMES = Object.values(QueueName);

/** Provides JOB_QUEUE: Bull when Redis is configured, the in-process queue otherwise. */
@Global()
@Module({})
export class QueueModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.redisUrl) {
      return {
        module: QueueModule,
        providers: [{ provide: JOB_QUEUE, useClass: InProcessJobQueue }],
        exports: [JOB_QUEUE],
      };
    }
    return {
      module: QueueModule,
      imports: [
        BullModule.forRoot({ url: config.redisUrl, prefix: `${config.redisPrefix}:bull` }),
        BullModule.registerQueue(
          ...QUEUE_NAMES.map((name) =>
            // A worker killed mid-notification: its job is taken over once its lock lapses.
            name === QueueName.Alerts
              ? { name, settings: { lockDuration: config.alerting.jobLockMs, stalledInterval: config.alerting.jobLockMs } }
              : { name },
          ),
        ),
      ],
      providers: [
        {
          provide: JOB_QUEUE,
          inject: QUEUE_NAMES.map((name) => getQueueToken(name)),
          useFactory: (...queues: Queue[]) =>
            new BullJobQueue(new Map(QUEUE_NAMES.map((name, index) => [name, queues[index]]))),
        },
      ],
      exports: [JOB_QUEUE],
    };
  }
}
