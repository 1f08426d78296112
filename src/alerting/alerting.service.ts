import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors/domain-error.js';
import { newId } from '../common/ids.js';
import { parseRule, parseSilence } from './alert-input.parser.js';
import { AlertDeliveryService } from './alert-delivery.service.js';
import { AlertEvaluatorService, type EvaluationSummary } from './alert-evaluator.service.js';
import { silenceActiveAt } from './alert-state-machine.js';
import {
  ALERT_STATES,
  type AlertInstance,
  type AlertRule,
  type AlertState,
  type ChannelConfig,
  type Delivery,
  DELIVERY_STATUSES,
  type DeliveryStatus,
  type HistoryEntry,
  type Silence,
} from './alert.types.js';
import { AlertRepository } from './alert.repository.js';
import { AlertingProcessor } from './alerting.processor.js';

/** A channel as the API shows it: secrets replaced by whether one is set. */
export type PublicChannel = Omit<ChannelConfig, 'secret' | 'smtp'> & {
  secret_set?: boolean;
  /** Slack: scheme and host of the (secret) incoming-webhook URL. */
  url_redacted?: string;
  smtp?: Omit<NonNullable<ChannelConfig['smtp']>, 'password'> & { password_set: boolean };
};
export type PublicRule = Omit<AlertRule, 'channels'> & { channels: PublicChannel[] };

const MAX_LIMIT = 500;

/** The Alerting module's surface for REST and MCP: rules, alerts with their history, silences, deliveries. */
@Injectable()
export class AlertingService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AlertingService.name);

  constructor(
    private readonly repository: AlertRepository,
    private readonly evaluator: AlertEvaluatorService,
    private readonly delivery: AlertDeliveryService,
    private readonly processor: AlertingProcessor,
  ) {}

  /** One line at start when channel secrets are stored in clear, or stored under a key this process does not have. */
  async onApplicationBootstrap(): Promise<void> {
    const rules = await this.repository.listRules();
    const unreadable = rules.filter((rule) =>
      rule.channels.some((channel) => channel.unreadable_secrets),
    );
    if (unreadable.length > 0)
      this.logger.warn(
        `alert rules ${unreadable.map((rule) => JSON.stringify(rule.name)).join(', ')} hold channel secrets that DEBUG_SECRETS_KEY cannot decrypt: their deliveries fail until the key they were written with is set`,
      );
    else if (!this.repository.secretsEncrypted) {
      const withSecrets = rules.filter((rule) => rule.channels.some(holdsSecret)).length;
      if (withSecrets > 0)
        this.logger.warn(
          `${withSecrets} alert rule(s) keep channel secrets in clear in alert_rules: set DEBUG_SECRETS_KEY to encrypt them at rest`,
        );
    }
  }

  async createRule(body: unknown): Promise<PublicRule> {
    const input = parseRule(body);
    const id = newId();
    await this.repository.insertRule(id, input, new Date());
    await this.processor.requestEvaluation('rule-changed');
    return this.getRule(id);
  }

  async getRule(id: string): Promise<PublicRule> {
    const rule = await this.repository.findRule(id);
    if (!rule) throw new NotFoundError('alert rule', id);
    return redact(rule);
  }

  /** Every rule in one page (rules are few): `next_cursor` is always null. */
  async listRules(): Promise<{
    items: (PublicRule & { deliveries: Record<DeliveryStatus, number> })[];
    next_cursor: null;
  }> {
    const [rules, counts] = await Promise.all([
      this.repository.listRules(),
      this.repository.deliveryCounts(),
    ]);
    return {
      items: rules.map((rule) => ({
        ...redact(rule),
        deliveries: counts[rule.id] ?? { pending: 0, delivered: 0, failed: 0 },
      })),
      next_cursor: null,
    };
  }

  async replaceRule(id: string, body: unknown): Promise<PublicRule> {
    const existing = await this.repository.findRule(id);
    if (!existing) throw new NotFoundError('alert rule', id);
    const input = parseRule(body, existing);
    await this.repository.updateRule(id, input, new Date());
    await this.processor.requestEvaluation('rule-changed');
    return this.getRule(id);
  }

  /** Deletes a rule; its open alerts are resolved first, and receivers told (see AlertEvaluatorService.removeRule). */
  async deleteRule(
    id: string,
  ): Promise<{ deleted: string; resolved: number; notice_failures: string[] }> {
    const removed = await this.evaluator.removeRule(id);
    if (!removed) throw new NotFoundError('alert rule', id);
    return { deleted: id, ...removed };
  }

  /**
   * Current alerts (one per rule + label group) as `items` and the history of their state changes,
   * newest first. `limit` bounds both lists (no cursor); `truncated` says when alerts were cut.
   */
  async alerts(query: {
    rule_id?: string;
    state?: string;
    since?: string;
    limit?: number;
  }): Promise<BoundedPage<AlertInstance> & { history: HistoryEntry[] }> {
    const state =
      query.state === undefined
        ? undefined
        : (oneOf(query.state, 'state', ALERT_STATES) as AlertState);
    const since = query.since === undefined ? undefined : dateField(query.since, 'since');
    const limit = limitOf(query.limit);
    const [alerts, history] = await Promise.all([
      this.repository.listInstances({ ruleId: query.rule_id, state, limit: limit + 1 }),
      this.repository.history({ ruleId: query.rule_id, since, limit }),
    ]);
    return { ...bounded(alerts, limit), history };
  }

  async evaluateNow(): Promise<EvaluationSummary> {
    return this.evaluator.evaluateAll('manual');
  }

  async createSilence(body: unknown): Promise<Silence & { active: boolean }> {
    const input = parseSilence(body);
    if (input.rule_id && !(await this.repository.findRule(input.rule_id))) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `rule_id ${input.rule_id} is not a known alert rule`,
        { field: 'rule_id' },
      );
    }
    const id = newId();
    await this.repository.insertSilence(id, input, new Date());
    return this.silence(id);
  }

  async silence(id: string): Promise<Silence & { active: boolean }> {
    const silence = await this.repository.findSilence(id);
    if (!silence) throw new NotFoundError('silence', id);
    return withActive(silence, new Date());
  }

  /** Newest first, at most 500 (`truncated` says when there were more). */
  async listSilences(includeEnded: boolean): Promise<BoundedPage<Silence & { active: boolean }>> {
    const now = new Date();
    const silences = await this.repository.listSilences(now, includeEnded, MAX_LIMIT + 1);
    return bounded(
      silences.map((silence) => withActive(silence, now)),
      MAX_LIMIT,
    );
  }

  async expireSilence(id: string): Promise<Silence & { active: boolean }> {
    if (!(await this.repository.expireSilence(id, new Date())))
      throw new NotFoundError('silence', id);
    await this.processor.requestEvaluation('silence-expired');
    return this.silence(id);
  }

  /** Newest first, bounded by `limit` (`truncated` says when it cut), with the counts per rule beside them. */
  async deliveries(query: {
    rule_id?: string;
    status?: string;
    limit?: number;
  }): Promise<BoundedPage<Delivery> & { by_rule: Record<string, Record<DeliveryStatus, number>> }> {
    const status =
      query.status === undefined
        ? undefined
        : (oneOf(query.status, 'status', DELIVERY_STATUSES) as DeliveryStatus);
    const limit = limitOf(query.limit);
    const [deliveries, counts] = await Promise.all([
      this.repository.listDeliveries({ ruleId: query.rule_id, status, limit: limit + 1 }),
      this.repository.deliveryCounts(query.rule_id),
    ]);
    return { ...bounded(deliveries, limit), by_rule: counts };
  }

  async replay(body: {
    rule_id?: string;
    ids?: string[];
  }): Promise<{ replayed: number; ids: string[] }> {
    const ids = await this.delivery.replay({ ruleId: body.rule_id, ids: body.ids });
    return { replayed: ids.length, ids };
  }
}

/** The shared list shape for a list bounded by a limit rather than paged: the cursor is always null. */
interface BoundedPage<T> {
  items: T[];
  next_cursor: null;
  truncated: boolean;
}

/** `rows` were read with `limit + 1` so that one more row tells a cut list from a complete one. */
function bounded<T>(rows: T[], limit: number): BoundedPage<T> {
  return { items: rows.slice(0, limit), next_cursor: null, truncated: rows.length > limit };
}

function holdsSecret(channel: ChannelConfig): boolean {
  return !!(channel.secret || channel.smtp?.password || channel.type === 'slack');
}

function redact(rule: AlertRule): PublicRule {
  return {
    ...rule,
    channels: rule.channels.map((channel) => {
      const { secret, smtp, ...rest } = channel;
      const shown: PublicChannel = { ...rest };
      if (channel.type === 'webhook') shown.secret_set = !!secret;
      if (channel.type === 'slack') {
        delete shown.url;
        shown.url_redacted = redactUrl(channel.url ?? '');
      }
      if (smtp) {
        const { password, ...settings } = smtp;
        shown.smtp = { ...settings, password_set: !!password };
      }
      return shown;
    }),
  };
}

function redactUrl(value: string): string {
  try {
    const parsed = new URL(value);
    return `${parsed.protocol}//${parsed.host}/…`;
  } catch {
    return '…';
  }
}

function withActive(silence: Silence, now: Date): Silence & { active: boolean } {
  return { ...silence, active: !silence.expired_at && silenceActiveAt(silence, now) };
}

function oneOf(value: string, field: string, allowed: readonly string[]): string {
  if (!allowed.includes(value))
    throw new DomainError('VALIDATION_FAILED', `${field} must be one of ${allowed.join(', ')}`, {
      field,
    });
  return value;
}

function dateField(value: string, field: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new DomainError('VALIDATION_FAILED', `${field} must be an ISO-8601 date-time`, { field });
  return date;
}

function limitOf(limit: number | undefined): number {
  return Math.min(Math.max(Math.trunc(limit ?? 100), 1), MAX_LIMIT);
}
