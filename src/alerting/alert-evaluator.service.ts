import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { newId } from '../common/ids.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { AlertConditionsService, EvaluationReads } from './alert-conditions.service.js';
import { AlertDeliveryService } from './alert-delivery.service.js';
import { stepAlerts } from './alert-state-machine.js';
import type { AlertRule, HistoryEntry } from './alert.types.js';
import { AlertRepository, type NewDelivery } from './alert.repository.js';

export interface EvaluationSummary {
  rules: number;
  changes: number;
  notifications: number;
  silenced: number;
  errors: { rule_id: string; error: string }[];
  duration_ms: number;
  /** The rules that took longest, to find an expensive condition. */
  slowest: { rule_id: string; name: string; ms: number }[];
}

const LOCK_KEY = 'ai-debug-system:alert-evaluator';

/**
 * Runs every enabled rule: its condition, the state machine, and the notifications due, one
 * rule at a time. One evaluator at a time across processes: on PostgreSQL a session advisory
 * lock held for the run (a second worker waits for it, then sees the first one's states), and
 * in-process a promise chain (the embedded mode is one process).
 */
@Injectable()
export class AlertEvaluatorService {
  private readonly logger = new Logger(AlertEvaluatorService.name);
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repository: AlertRepository,
    private readonly conditions: AlertConditionsService,
    private readonly deliveries: AlertDeliveryService,
    private readonly metrics: MetricsService,
  ) {}

  evaluateAll(reason: string): Promise<EvaluationSummary> {
    const run = this.chain.then(() => this.underLock(() => this.evaluateNow(reason)));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Deletes a rule, its open alerts resolved first: history records each change, and the
   * resolve notices of alerts whose firing notice went out are sent to the rule's channels
   * now, once (not retried: the rule and its channels are gone after). Serialized with the
   * evaluation runs, so that a run cannot bring the rule's alerts back. Null: no such rule.
   */
  removeRule(id: string): Promise<{ resolved: number; notice_failures: string[] } | null> {
    const run = this.chain.then(() => this.underLock(() => this.removeNow(id)));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async removeNow(
    id: string,
  ): Promise<{ resolved: number; notice_failures: string[] } | null> {
    const rule = await this.repository.findRule(id);
    if (!rule) return null;
    const now = new Date();
    const [stored, silences] = await Promise.all([
      this.repository.instancesOf(rule.id),
      this.repository.listSilences(now, false),
    ]);
    const steps = stepAlerts(rule, [], stored, silences, now);
    const history = steps.map((step) => ({
      rule_id: rule.id,
      group_key: step.instance.group_key,
      from_state: step.changedFrom ?? null,
      to_state: step.instance.state,
      at: now.toISOString(),
      labels: step.instance.labels,
      details: {
        ...step.instance.details,
        summary: `rule deleted: ${step.instance.details.summary}`,
      },
    }));
    await this.repository.saveEvaluation(
      rule.id,
      steps.map((step) => step.instance),
      history,
      [],
      () => newId(),
      now,
    );
    const failures: string[] = [];
    for (const step of steps) {
      if (step.notify) failures.push(...(await this.deliveries.sendNow(rule, step.instance, now)));
    }
    await this.repository.deleteRule(rule.id);
    if (steps.length > 0) {
      this.logger.log(
        `rule ${rule.id} (${rule.name}) deleted: ${steps.length} alert(s) resolved, ${failures.length} notice(s) failed`,
      );
    }
    return { resolved: steps.length, notice_failures: failures };
  }

  private async underLock<T>(work: () => Promise<T>): Promise<T> {
    if (this.dataSource.options.type !== 'postgres') return work();
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [LOCK_KEY]);
      try {
        return await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }

  private async evaluateNow(reason: string): Promise<EvaluationSummary> {
    const started = Date.now();
    const now = new Date();
    const rules = await this.repository.listRules(true);
    const silences = await this.repository.listSilences(now, false);
    const summary: EvaluationSummary = {
      rules: rules.length,
      changes: 0,
      notifications: 0,
      silenced: 0,
      errors: [],
      duration_ms: 0,
      slowest: [],
    };
    const reads = new EvaluationReads();
    const timings: EvaluationSummary['slowest'] = [];
    for (const rule of rules) {
      const ruleStarted = performance.now();
      try {
        await this.evaluateRule(rule, silences, now, summary, reads);
        timings.push({
          rule_id: rule.id,
          name: rule.name,
          ms: Math.round(performance.now() - ruleStarted),
        });
      } catch (error) {
        // One broken rule (a metric that is not there, a store hiccup) does not stop the others.
        summary.errors.push({ rule_id: rule.id, error: (error as Error).message });
        this.logger.error(
          `rule ${rule.id} (${rule.name}) failed to evaluate: ${(error as Error).message}`,
        );
      }
    }
    await this.deliveries.requeueOrphans(now);
    summary.slowest = timings.sort((a, b) => b.ms - a.ms).slice(0, 5);
    summary.duration_ms = Date.now() - started;
    this.metrics
      .counter('ads_alert_evaluations_total', 'Alert evaluation runs', ['reason'])
      .inc({ reason });
    if (summary.changes > 0 || summary.errors.length > 0) {
      this.logger.log(
        `alerts evaluated (${reason}): ${summary.rules} rules, ${summary.changes} state changes, ${summary.notifications} notifications, ` +
          `${summary.silenced} silenced, ${summary.errors.length} errors in ${Date.now() - started} ms`,
      );
    }
    return summary;
  }

  private async evaluateRule(
    rule: AlertRule,
    silences: Parameters<typeof stepAlerts>[3],
    now: Date,
    summary: EvaluationSummary,
    reads: EvaluationReads,
  ): Promise<void> {
    const active = await this.conditions.evaluate(rule.when, now, reads);
    const stored = await this.repository.instancesOf(rule.id);
    const steps = stepAlerts(rule, active, stored, silences, now);
    const history: Omit<HistoryEntry, 'id'>[] = [];
    const planned: NewDelivery[] = [];
    for (const step of steps) {
      if (step.changedFrom !== undefined) {
        history.push({
          rule_id: rule.id,
          group_key: step.instance.group_key,
          from_state: step.changedFrom,
          to_state: step.instance.state,
          at: now.toISOString(),
          labels: step.instance.labels,
          details: step.instance.details,
        });
      }
      if (step.notify)
        planned.push(
          ...this.deliveries.plan(rule, step.instance, step.notify.state, step.notify.repeat, now),
        );
      if (step.silencedBy) summary.silenced++;
    }
    summary.changes += history.length;
    summary.notifications += planned.length;
    const ids = await this.repository.saveEvaluation(
      rule.id,
      steps.filter((step) => step.dirty).map((step) => step.instance),
      history,
      planned,
      () => newId(),
      now,
    );
    await this.deliveries.enqueue(ids);
    for (const step of steps) {
      if (step.instance.state === 'firing' && !step.notify && !step.silencedBy)
        await this.deliveries.refreshAlertmanager(rule, step.instance, now);
    }
  }
}
