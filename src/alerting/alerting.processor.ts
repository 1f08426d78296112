import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppEventBus } from '../common/events/app-event-bus.js';
import { JobName, QueueName } from '../common/queues.js';
import { AppConfig } from '../config/app-config.service.js';
import { JOB_QUEUE, type JobQueue } from '../queue/job-queue.js';
import { AlertDeliveryService, type DeliverAlertJob, type RefreshAlertmanagerJob } from './alert-delivery.service.js';
import { AlertEvaluatorService } from './alert-evaluator.service.js';
import { onInsightChanged } from './insight-changes.adapter.js';

export interface EvaluateAlertsJob {
  reason: string;
}

/** Insight changes arriving in a burst (one generation run) start one evaluation. */
const INSIGHT_DEBOUNCE_MS = 250;

/**
 * Queue `alerts`: `evaluate-alerts` (scheduled every DEBUG_ALERT_INTERVAL_SECONDS, and enqueued
 * after insights change) and `deliver-alert` (one notification). Worker processes handle them;
 * any process may enqueue an evaluation.
 */
@Injectable()
export class AlertingProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlertingProcessor.name);
  private unsubscribe?: () => void;
  private debounce?: NodeJS.Timeout;

  constructor(
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly evaluator: AlertEvaluatorService,
    private readonly deliveries: AlertDeliveryService,
    private readonly bus: AppEventBus,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.enabled) return;
    this.unsubscribe = onInsightChanged(this.bus, () => this.insightsChanged());
    if (!this.config.runsWorkers) return;
    this.queue.process<EvaluateAlertsJob>(QueueName.Alerts, JobName.EvaluateAlerts, (job) => this.evaluator.evaluateAll(job?.reason ?? 'schedule'));
    this.queue.process<DeliverAlertJob>(QueueName.Alerts, JobName.DeliverAlert, (job, context) => this.deliveries.deliver(job, context), 4);
    this.queue.process<RefreshAlertmanagerJob>(QueueName.Alerts, JobName.RefreshAlertmanager, (job) => this.deliveries.refresh(job), 2);
    const every = this.config.alerting.intervalSeconds;
    if (every > 0) {
      await this.queue.repeat(QueueName.Alerts, JobName.EvaluateAlerts, every * 1000, { reason: 'schedule' });
      this.logger.log(`alert evaluation scheduled every ${every} s`);
    }
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    if (this.debounce) clearTimeout(this.debounce);
  }

  /** Asks for an evaluation soon (deduplicated per second). */
  async requestEvaluation(reason: string): Promise<void> {
    await this.queue.add<EvaluateAlertsJob>(QueueName.Alerts, JobName.EvaluateAlerts, { reason }, {
      jobId: `evaluate:${reason}:${Date.now()}`,
      attempts: 3,
      backoffMs: 1000,
      keepCompleted: 100,
    });
  }

  private insightsChanged(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.requestEvaluation('insights').catch((error: Error) => this.logger.warn(`could not enqueue an alert evaluation: ${error.message}`));
    }, INSIGHT_DEBOUNCE_MS);
    this.debounce.unref();
  }
}
