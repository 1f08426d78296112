import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { JobName, QueueName } from '../common/queues.js';
import { AppConfig } from '../config/app-config.service.js';
import { JOB_QUEUE, type JobContext, type JobQueue } from '../queue/job-queue.js';
import { DeliveryError, sendToChannel } from './alert-channels.js';
import type { AlertInstance, AlertNotification, AlertRule } from './alert.types.js';
import { AlertRepository, type NewDelivery } from './alert.repository.js';

export interface DeliverAlertJob {
  delivery_id: string;
}

export interface RefreshAlertmanagerJob {
  rule_id: string;
  group_key: string;
  channel_index: number;
}

/** Pending deliveries older than this with no job in sight are enqueued again (a crash between commit and enqueue). */
const ORPHAN_AFTER_MS = 60_000;

/**
 * Notifications: one alert_deliveries row per (rule, group, state change, channel), keyed by
 * its idempotency key and written with the state change; one `deliver-alert` job per row,
 * retried with backoff. The job reads the row and does nothing when it is already delivered,
 * so a job run twice (Bull's at-least-once, a worker killed mid-send) sends at most once more
 * and marks one delivery.
 */
@Injectable()
export class AlertDeliveryService {
  private readonly logger = new Logger(AlertDeliveryService.name);

  constructor(
    private readonly repository: AlertRepository,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly config: AppConfig,
  ) {}

  /** The deliveries a notification of `instance` makes, one per channel of the rule. */
  plan(
    rule: AlertRule,
    instance: AlertInstance,
    state: 'firing' | 'resolved',
    repeat: boolean,
    now: Date,
  ): NewDelivery[] {
    const key = idempotencyKey(
      rule,
      instance,
      state,
      repeat ? `repeat-${now.toISOString()}` : `${instance.change_seq}`,
    );
    const notification = this.notification(rule, instance, state, repeat, key);
    return rule.channels.map((channel, index) => ({
      id: `${key}:${index}`,
      rule_id: rule.id,
      group_key: instance.group_key,
      state,
      channel_index: index,
      channel_type: channel.type,
      payload: notification,
    }));
  }

  /** Sends the resolve notice of `instance` to every channel of `rule` now, once; the failures, as text. */
  async sendNow(rule: AlertRule, instance: AlertInstance, now: Date): Promise<string[]> {
    const failures: string[] = [];
    for (const delivery of this.plan(rule, instance, 'resolved', false, now)) {
      try {
        await sendToChannel(
          rule.channels[delivery.channel_index],
          delivery.payload as AlertNotification,
          { smtpUrl: this.config.alerting.smtpUrl, smtpFrom: this.config.alerting.smtpFrom },
        );
      } catch (error) {
        failures.push(
          `${delivery.channel_type} #${delivery.channel_index}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    return failures;
  }

  async enqueue(ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.addJob(id, id);
  }

  /** Failed deliveries back to work (all, one rule's, or the given ids); answers how many. */
  async replay(filter: { ruleId?: string; ids?: string[] }): Promise<string[]> {
    const ids = await this.repository.requeueFailed(filter, new Date());
    for (const id of ids) await this.addJob(id, `${id}:replay:${Date.now()}`);
    return ids;
  }

  async requeueOrphans(now: Date): Promise<void> {
    const ids = await this.repository.stalePending(new Date(now.getTime() - ORPHAN_AFTER_MS));
    for (const id of ids)
      await this.addJob(id, `${id}:orphan:${Math.floor(now.getTime() / ORPHAN_AFTER_MS)}`);
  }

  /** The `deliver-alert` job. */
  async deliver(job: DeliverAlertJob, context: JobContext): Promise<string> {
    const delivery = await this.repository.findDelivery(job.delivery_id);
    if (!delivery) return 'gone';
    if (delivery.status === 'delivered') return 'already delivered';
    const rule = await this.repository.findRule(delivery.rule_id);
    const channel = rule?.channels[delivery.channel_index];
    const attempts = delivery.attempts + 1;
    const now = () => new Date();
    if (!rule || !channel || channel.type !== delivery.channel_type) {
      await this.repository.markAttempt(
        delivery.id,
        attempts,
        'the rule or its channel was removed',
        true,
        now(),
      );
      return 'channel removed';
    }
    try {
      await sendToChannel(channel, delivery.payload as AlertNotification, {
        smtpUrl: this.config.alerting.smtpUrl,
        smtpFrom: this.config.alerting.smtpFrom,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const retryable = !(error instanceof DeliveryError) || error.retryable;
      const lastAttempt = !retryable || context.attempt >= this.config.alerting.deliveryAttempts;
      await this.repository.markAttempt(delivery.id, attempts, message, lastAttempt, now());
      this.logger.warn(
        `delivery ${delivery.id} (${channel.type}) attempt ${context.attempt} failed${lastAttempt ? ' for good' : ''}: ${message}`,
      );
      if (!retryable) return 'refused';
      throw error;
    }
    await this.repository.markDelivered(delivery.id, attempts, now());
    this.logger.log(
      `delivery ${delivery.id} (${channel.type}) delivered on attempt ${context.attempt}`,
    );
    return 'delivered';
  }

  /**
   * Alertmanager forgets an alert not posted again within its resolve_timeout (5 min by
   * default), as Prometheus re-sends active alerts: a firing alert is posted again to each
   * Alertmanager channel every DEBUG_ALERTMANAGER_REFRESH_SECONDS (at most one job per period,
   * whichever process evaluates). Best effort, not a notification: no delivery row.
   */
  async refreshAlertmanager(rule: AlertRule, instance: AlertInstance, now: Date): Promise<void> {
    const periodMs = this.config.alerting.alertmanagerRefreshSeconds * 1000;
    const bucket = Math.floor(now.getTime() / periodMs);
    for (const [index, channel] of rule.channels.entries()) {
      if (channel.type !== 'alertmanager') continue;
      const job: RefreshAlertmanagerJob = {
        rule_id: rule.id,
        group_key: instance.group_key,
        channel_index: index,
      };
      await this.queue.add(QueueName.Alerts, JobName.RefreshAlertmanager, job, {
        jobId: `am-refresh:${rule.id}:${groupHash(instance.group_key)}:${index}:${bucket}`,
        attempts: 2,
        backoffMs: 1000,
        keepCompleted: 100,
      });
    }
  }

  async refresh(job: RefreshAlertmanagerJob): Promise<string> {
    const [rule, instance] = await Promise.all([
      this.repository.findRule(job.rule_id),
      this.repository.findInstance(job.rule_id, job.group_key),
    ]);
    const channel = rule?.channels[job.channel_index];
    if (!rule || !instance || instance.state !== 'firing' || channel?.type !== 'alertmanager')
      return 'not firing';
    const key = idempotencyKey(rule, instance, 'firing', `${instance.change_seq}`);
    await sendToChannel(channel, this.notification(rule, instance, 'firing', false, key), {
      smtpFrom: this.config.alerting.smtpFrom,
    });
    return 'refreshed';
  }

  private async addJob(deliveryId: string, jobId: string): Promise<void> {
    await this.queue.add<DeliverAlertJob>(
      QueueName.Alerts,
      JobName.DeliverAlert,
      { delivery_id: deliveryId },
      {
        jobId,
        attempts: this.config.alerting.deliveryAttempts,
        backoffMs: this.config.alerting.deliveryBackoffMs,
      },
    );
  }

  private notification(
    rule: AlertRule,
    instance: AlertInstance,
    state: 'firing' | 'resolved',
    repeat: boolean,
    key: string,
  ): AlertNotification {
    const base = this.config.alerting.publicUrl;
    const insight = (instance.details.details.insight ?? null) as { id?: string } | null;
    return {
      version: 1,
      idempotency_key: key,
      state,
      repeat,
      rule: {
        id: rule.id,
        name: rule.name,
        severity: rule.severity,
        labels: rule.labels,
        kind: Object.keys(rule.when)[0] ?? 'unknown',
      },
      group_key: instance.group_key,
      labels: instance.labels,
      annotations: rule.annotations,
      summary: instance.details.summary,
      details: instance.details.details,
      started_at: instance.firing_since ?? instance.active_since,
      resolved_at: state === 'resolved' ? instance.resolved_at : null,
      sample_events: instance.details.sample_event_ids
        .slice(0, 5)
        .map((id) => ({ id, url: `${base}/api/debug/events/${id}` })),
      console_url: insight?.id ? `${base}/#/insights/${insight.id}` : `${base}/`,
      alert_url: `${base}/api/debug/alerts?rule_id=${rule.id}`,
    };
  }
}

function idempotencyKey(
  rule: AlertRule,
  instance: AlertInstance,
  state: string,
  occasion: string,
): string {
  return `${rule.id}:${groupHash(instance.group_key)}:${occasion}:${state}`;
}

/** Group keys can be long (fingerprints, component names): the idempotency key carries a digest. */
function groupHash(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex').slice(0, 16);
}
