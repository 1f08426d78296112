import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { toIso, toJson } from '../database/sql/row-values.js';
import { SqlRunner } from '../database/sql/sql-runner.js';
import { AppConfig } from '../config/app-config.service.js';
import { SecretCipher, SecretUnreadableError } from './secret-cipher.js';
import type {
  AlertInstance,
  AlertRule,
  AlertState,
  ChannelConfig,
  ChannelType,
  Delivery,
  DeliveryStatus,
  HistoryEntry,
  RuleInput,
  Silence,
  SilenceInput,
} from './alert.types.js';

type Row = Record<string, unknown>;

const ROWS_PER_STATEMENT = 100;
const INSTANCE_COLUMNS = [
  'rule_id',
  'group_key',
  'state',
  'labels',
  'details',
  'active_since',
  'firing_since',
  'resolved_at',
  'last_evaluated_at',
  'last_notified_at',
  'change_seq',
  'notify_seq',
] as const;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size)
    result.push(items.slice(index, index + size));
  return result;
}

export interface NewDelivery {
  id: string;
  rule_id: string;
  group_key: string;
  state: string;
  channel_index: number;
  channel_type: ChannelType;
  payload: unknown;
}

export interface DeliveryFilter {
  ruleId?: string;
  status?: DeliveryStatus;
  limit: number;
}

export interface HistoryFilter {
  ruleId?: string;
  since?: Date;
  limit: number;
}

/** alert_rules, alert_instances, alert_history, alert_silences, alert_deliveries: the Alerting module's tables. */
@Injectable()
export class AlertRepository {
  private readonly sql: SqlRunner;
  private readonly cipher: SecretCipher;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.sql = new SqlRunner(dataSource);
    this.cipher = SecretCipher.withKey(config.alerting.secretsKey);
  }

  get secretsEncrypted(): boolean {
    return this.cipher.enabled;
  }

  // ---- rules

  async insertRule(id: string, rule: RuleInput, now: Date): Promise<void> {
    await this.run(
      this.dataSource.manager,
      `INSERT INTO alert_rules (id, name, enabled, severity, condition, for_seconds, repeat_interval_seconds, labels, annotations, channels, created_at, updated_at)
       VALUES (:id, :name, :enabled, :severity, :condition, :for_seconds, :repeat, :labels, :annotations, :channels, :now, :now)`,
      { id, ...ruleParams(rule, this.cipher), now },
    );
  }

  async updateRule(id: string, rule: RuleInput, now: Date): Promise<boolean> {
    const found = await this.findRule(id);
    if (!found) return false;
    await this.run(
      this.dataSource.manager,
      `UPDATE alert_rules SET name = :name, enabled = :enabled, severity = :severity, condition = :condition, for_seconds = :for_seconds,
         repeat_interval_seconds = :repeat, labels = :labels, annotations = :annotations, channels = :channels, updated_at = :now WHERE id = :id`,
      { id, ...ruleParams(rule, this.cipher), now },
    );
    return true;
  }

  async deleteRule(id: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const found = await this.run(manager, `SELECT id FROM alert_rules WHERE id = :id`, { id });
      if (found.length === 0) return false;
      await this.run(manager, `DELETE FROM alert_instances WHERE rule_id = :id`, { id });
      await this.run(manager, `DELETE FROM alert_rules WHERE id = :id`, { id });
      return true;
    });
  }

  async findRule(id: string): Promise<AlertRule | null> {
    const rows = await this.run(
      this.dataSource.manager,
      `SELECT * FROM alert_rules WHERE id = :id`,
      { id },
    );
    return rows[0] ? toRule(rows[0], this.cipher) : null;
  }

  async listRules(onlyEnabled = false): Promise<AlertRule[]> {
    const rows = await this.run(
      this.dataSource.manager,
      `SELECT * FROM alert_rules ${onlyEnabled ? 'WHERE enabled = 1' : ''} ORDER BY created_at, id`,
    );
    return rows.map((row) => toRule(row, this.cipher));
  }

  // ---- alert instances and history

  async instancesOf(ruleId: string): Promise<AlertInstance[]> {
    const rows = await this.run(
      this.dataSource.manager,
      `SELECT * FROM alert_instances WHERE rule_id = :ruleId`,
      { ruleId },
    );
    return rows.map(toInstance);
  }

  async findInstance(ruleId: string, groupKey: string): Promise<AlertInstance | null> {
    const rows = await this.run(
      this.dataSource.manager,
      `SELECT * FROM alert_instances WHERE rule_id = :ruleId AND group_key = :groupKey`,
      { ruleId, groupKey },
    );
    return rows[0] ? toInstance(rows[0]) : null;
  }

  async listInstances(filter: {
    ruleId?: string;
    state?: AlertState;
    limit: number;
  }): Promise<AlertInstance[]> {
    const where: string[] = [];
    if (filter.ruleId) where.push('rule_id = :ruleId');
    if (filter.state) where.push('state = :state');
    const rows = await this.run(
      this.dataSource.manager,
      `SELECT * FROM alert_instances ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY last_evaluated_at DESC, rule_id, group_key LIMIT ${filter.limit}`,
      { ruleId: filter.ruleId, state: filter.state },
    );
    return rows.map(toInstance);
  }

  async history(filter: HistoryFilter): Promise<HistoryEntry[]> {
    const where: string[] = [];
    if (filter.ruleId) where.push('rule_id = :ruleId');
    if (filter.since) where.push('at >= :since');
    const rows = await this.run(
      this.dataSource.manager,
      `SELECT * FROM alert_history ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ${filter.limit}`,
      { ruleId: filter.ruleId, since: filter.since },
    );
    return rows.map((row) => ({
      id: String(row.id),
      rule_id: String(row.rule_id),
      group_key: String(row.group_key),
      from_state: (row.from_state as AlertState | null) ?? null,
      to_state: row.to_state as AlertState,
      at: toIso(row.at)!,
      labels: toJson(row.labels, {}),
      details: toJson(row.details, { summary: '', details: {}, sample_event_ids: [] }),
    }));
  }

  /**
   * One evaluation's outcome for a rule, in one transaction: the alerts that changed (state,
   * evidence or notification marks) upserted in batches, `last_evaluated_at` of the rule's other
   * live alerts moved in one statement, a history entry per state change, and the notifications
   * due as pending deliveries (the outbox the delivery jobs work from, so a crash after the
   * commit loses no notification).
   */
  async saveEvaluation(
    ruleId: string,
    changed: readonly AlertInstance[],
    history: readonly Omit<HistoryEntry, 'id'>[],
    deliveries: readonly NewDelivery[],
    newId: () => string,
    now: Date,
  ): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      await this.run(
        manager,
        `UPDATE alert_instances SET last_evaluated_at = :now WHERE rule_id = :ruleId AND state <> 'resolved'`,
        { ruleId, now },
      );
      for (const batch of chunks(changed, ROWS_PER_STATEMENT)) {
        const params: Row = {};
        const values = batch.map((instance, index) => {
          const row = {
            rule_id: instance.rule_id,
            group_key: instance.group_key,
            state: instance.state,
            labels: JSON.stringify(instance.labels),
            details: JSON.stringify(instance.details),
            active_since: dateOrNull(instance.active_since),
            firing_since: dateOrNull(instance.firing_since),
            resolved_at: dateOrNull(instance.resolved_at),
            last_evaluated_at: new Date(instance.last_evaluated_at),
            last_notified_at: dateOrNull(instance.last_notified_at),
            change_seq: instance.change_seq,
            notify_seq: instance.notify_seq,
          };
          for (const [key, value] of Object.entries(row)) params[`${key}_${index}`] = value;
          return `(${INSTANCE_COLUMNS.map((column) => `:${column}_${index}`).join(', ')})`;
        });
        await this.run(
          manager,
          `INSERT INTO alert_instances (${INSTANCE_COLUMNS.join(', ')}) VALUES ${values.join(', ')}
           ON CONFLICT (rule_id, group_key) DO UPDATE SET ${INSTANCE_COLUMNS.slice(2)
             .map((column) => `${column} = excluded.${column}`)
             .join(', ')}`,
          params,
        );
      }
      for (const batch of chunks(history, ROWS_PER_STATEMENT)) {
        const params: Row = {};
        const values = batch.map((entry, index) => {
          Object.assign(params, {
            [`id_${index}`]: newId(),
            [`rule_id_${index}`]: entry.rule_id,
            [`group_key_${index}`]: entry.group_key,
            [`from_state_${index}`]: entry.from_state,
            [`to_state_${index}`]: entry.to_state,
            [`at_${index}`]: new Date(entry.at),
            [`labels_${index}`]: JSON.stringify(entry.labels),
            [`details_${index}`]: JSON.stringify(entry.details),
          });
          return `(:id_${index}, :rule_id_${index}, :group_key_${index}, :from_state_${index}, :to_state_${index}, :at_${index}, :labels_${index}, :details_${index})`;
        });
        await this.run(
          manager,
          `INSERT INTO alert_history (id, rule_id, group_key, from_state, to_state, at, labels, details) VALUES ${values.join(', ')}`,
          params,
        );
      }
      const inserted: string[] = [];
      for (const delivery of deliveries) {
        await this.run(
          manager,
          `INSERT INTO alert_deliveries (id, rule_id, group_key, state, channel_index, channel_type, status, attempts, payload, created_at, updated_at)
           VALUES (:id, :rule_id, :group_key, :state, :channel_index, :channel_type, 'pending', 0, :payload, :now, :now) ON CONFLICT (id) DO NOTHING`,
          { ...delivery, payload: JSON.stringify(delivery.payload), now },
        );
        inserted.push(delivery.id);
      }
      return inserted;
    });
  }

  // ---- silences

  async insertSilence(id: string, silence: SilenceInput, now: Date): Promise<void> {
    await this.run(
      this.dataSource.manager,
      `INSERT INTO alert_silences (id, rule_id, component, matchers, starts_at, ends_at, schedule, comment, created_by, created_at)
       VALUES (:id, :rule_id, :component, :matchers, :starts_at, :ends_at, :schedule, :comment, :created_by, :now)`,
      {
        id,
        ...silence,
        matchers: JSON.stringify(silence.matchers),
        schedule: silence.schedule ? JSON.stringify(silence.schedule) : null,
        starts_at: new Date(silence.starts_at),
        ends_at: new Date(silence.ends_at),
        now,
      },
    );
  }

  async findSilence(id: string): Promise<Silence | null> {
    const rows = await this.run(
      this.dataSource.manager,
      `SELECT * FROM alert_silences WHERE id = :id`,
      { id },
    );
    return rows[0] ? toSilence(rows[0]) : null;
  }

  /** Silences not yet over (still running or still to come), or all when `includeEnded`. */
  async listSilences(now: Date, includeEnded: boolean, limit = 500): Promise<Silence[]> {
    const rows = await this.run(
      this.dataSource.manager,
      `SELECT * FROM alert_silences ${includeEnded ? '' : 'WHERE ends_at > :now AND expired_at IS NULL'} ORDER BY starts_at DESC, id LIMIT ${limit}`,
      { now },
    );
    return rows.map(toSilence);
  }

  async expireSilence(id: string, now: Date): Promise<boolean> {
    const found = await this.findSilence(id);
    if (!found) return false;
    await this.run(
      this.dataSource.manager,
      `UPDATE alert_silences SET expired_at = :now WHERE id = :id AND expired_at IS NULL`,
      { id, now },
    );
    return true;
  }

  // ---- deliveries

  async findDelivery(id: string): Promise<(Delivery & { payload: unknown }) | null> {
    const rows = await this.run(
      this.dataSource.manager,
      `SELECT * FROM alert_deliveries WHERE id = :id`,
      { id },
    );
    return rows[0] ? { ...toDelivery(rows[0]), payload: toJson(rows[0].payload, {}) } : null;
  }

  async listDeliveries(filter: DeliveryFilter): Promise<Delivery[]> {
    const where: string[] = [];
    if (filter.ruleId) where.push('rule_id = :ruleId');
    if (filter.status) where.push('status = :status');
    const rows = await this.run(
      this.dataSource.manager,
      `SELECT id, rule_id, group_key, state, channel_index, channel_type, status, attempts, last_error, created_at, updated_at, delivered_at
         FROM alert_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id LIMIT ${filter.limit}`,
      { ruleId: filter.ruleId, status: filter.status },
    );
    return rows.map(toDelivery);
  }

  async deliveryCounts(ruleId?: string): Promise<Record<string, Record<DeliveryStatus, number>>> {
    const rows = await this.run(
      this.dataSource.manager,
      `SELECT rule_id, status, COUNT(*) AS n FROM alert_deliveries ${ruleId ? 'WHERE rule_id = :ruleId' : ''} GROUP BY rule_id, status`,
      { ruleId },
    );
    const counts: Record<string, Record<DeliveryStatus, number>> = {};
    for (const row of rows) {
      const entry = (counts[String(row.rule_id)] ??= { pending: 0, delivered: 0, failed: 0 });
      entry[row.status as DeliveryStatus] = Number(row.n);
    }
    return counts;
  }

  /** Pending deliveries last touched before `before`: their job may have been lost between commit and enqueue. */
  async stalePending(before: Date, limit = 200): Promise<string[]> {
    const rows = await this.run(
      this.dataSource.manager,
      `SELECT id FROM alert_deliveries WHERE status = 'pending' AND updated_at < :before ORDER BY updated_at LIMIT ${limit}`,
      { before },
    );
    return rows.map((row) => String(row.id));
  }

  async markAttempt(
    id: string,
    attempts: number,
    error: string,
    failed: boolean,
    now: Date,
  ): Promise<void> {
    await this.run(
      this.dataSource.manager,
      `UPDATE alert_deliveries SET attempts = :attempts, last_error = :error, status = :status, updated_at = :now WHERE id = :id AND status <> 'delivered'`,
      { id, attempts, error: error.slice(0, 2000), status: failed ? 'failed' : 'pending', now },
    );
  }

  async markDelivered(id: string, attempts: number, now: Date): Promise<void> {
    await this.run(
      this.dataSource.manager,
      `UPDATE alert_deliveries SET attempts = :attempts, status = 'delivered', delivered_at = :now, updated_at = :now, last_error = NULL WHERE id = :id`,
      { id, attempts, now },
    );
  }

  /** Puts failed deliveries back to pending; answers their ids. */
  async requeueFailed(filter: { ruleId?: string; ids?: string[] }, now: Date): Promise<string[]> {
    return this.dataSource.transaction(async (manager) => {
      const where = [`status = 'failed'`];
      if (filter.ruleId) where.push('rule_id = :ruleId');
      if (filter.ids?.length) where.push('id IN (:...ids)');
      const rows = await this.run(
        manager,
        `SELECT id FROM alert_deliveries WHERE ${where.join(' AND ')} LIMIT 1000`,
        filter,
      );
      const ids = rows.map((row) => String(row.id));
      if (ids.length > 0) {
        await this.run(
          manager,
          `UPDATE alert_deliveries SET status = 'pending', attempts = 0, updated_at = :now WHERE id IN (:...ids)`,
          { ids, now },
        );
      }
      return ids;
    });
  }

  private async run(manager: EntityManager, sql: string, params: Row = {}): Promise<Row[]> {
    const result = await this.sql.rows(sql, params, manager);
    return Array.isArray(result) ? result : [];
  }
}

function dateOrNull(value: string | null): Date | null {
  return value ? new Date(value) : null;
}

/** The channel fields that are secrets: credentials, or (Slack, webhooks with a token in the path) URLs that are. */
type SecretField = 'secret' | 'url' | 'smtp.username' | 'smtp.password';

function mapSecrets(
  channel: ChannelConfig,
  transform: (value: string, field: SecretField) => string | undefined,
): ChannelConfig {
  const mapped: ChannelConfig = { ...channel };
  if (channel.secret !== undefined) mapped.secret = transform(channel.secret, 'secret');
  if (channel.url !== undefined) mapped.url = transform(channel.url, 'url');
  if (channel.smtp) {
    mapped.smtp = { ...channel.smtp };
    if (channel.smtp.username !== undefined)
      mapped.smtp.username = transform(channel.smtp.username, 'smtp.username');
    if (channel.smtp.password !== undefined)
      mapped.smtp.password = transform(channel.smtp.password, 'smtp.password');
  }
  return mapped;
}

function sealChannels(channels: ChannelConfig[], cipher: SecretCipher): ChannelConfig[] {
  return channels.map((channel) => {
    const { unreadable_secrets: _unreadable, ...stored } = channel;
    return mapSecrets(stored, (value) => cipher.seal(value));
  });
}

/** Decrypted channels; a value that cannot be opened is left out and named in `unreadable_secrets`, so listing still works. */
function openChannels(channels: ChannelConfig[], cipher: SecretCipher): ChannelConfig[] {
  return channels.map((channel) => {
    const failures: string[] = [];
    const opened = mapSecrets(channel, (value, field) => {
      try {
        return cipher.open(value);
      } catch (error) {
        if (!(error instanceof SecretUnreadableError)) throw error;
        failures.push(`${field}: ${error.message}`);
        return undefined;
      }
    });
    if (failures.length > 0) opened.unreadable_secrets = failures.join('; ');
    return opened;
  });
}

function ruleParams(rule: RuleInput, cipher: SecretCipher): Row {
  return {
    name: rule.name,
    enabled: rule.enabled ? 1 : 0,
    severity: rule.severity,
    condition: JSON.stringify(rule.when),
    for_seconds: rule.for_seconds,
    repeat: rule.repeat_interval_seconds,
    labels: JSON.stringify(rule.labels),
    annotations: JSON.stringify(rule.annotations),
    channels: JSON.stringify(sealChannels(rule.channels, cipher)),
  };
}

function toRule(row: Row, cipher: SecretCipher): AlertRule {
  return {
    id: String(row.id),
    name: String(row.name),
    enabled: Number(row.enabled) === 1,
    severity: row.severity as AlertRule['severity'],
    when: toJson(row.condition, {}),
    for_seconds: Number(row.for_seconds),
    repeat_interval_seconds: Number(row.repeat_interval_seconds),
    labels: toJson(row.labels, {}),
    annotations: toJson(row.annotations, {}),
    channels: openChannels(toJson(row.channels, []), cipher),
    created_at: toIso(row.created_at)!,
    updated_at: toIso(row.updated_at)!,
  };
}

function toInstance(row: Row): AlertInstance {
  return {
    rule_id: String(row.rule_id),
    group_key: String(row.group_key),
    state: row.state as AlertState,
    labels: toJson(row.labels, {}),
    details: toJson(row.details, { summary: '', details: {}, sample_event_ids: [] }),
    active_since: toIso(row.active_since),
    firing_since: toIso(row.firing_since),
    resolved_at: toIso(row.resolved_at),
    last_evaluated_at: toIso(row.last_evaluated_at)!,
    last_notified_at: toIso(row.last_notified_at),
    change_seq: Number(row.change_seq),
    notify_seq: Number(row.notify_seq),
  };
}

function toSilence(row: Row): Silence {
  return {
    id: String(row.id),
    rule_id: (row.rule_id as string | null) ?? null,
    component: (row.component as string | null) ?? null,
    matchers: toJson(row.matchers, []),
    starts_at: toIso(row.starts_at)!,
    ends_at: toIso(row.ends_at)!,
    schedule: toJson(row.schedule, null),
    comment: String(row.comment),
    created_by: String(row.created_by),
    created_at: toIso(row.created_at)!,
    expired_at: toIso(row.expired_at),
  };
}

function toDelivery(row: Row): Delivery {
  return {
    id: String(row.id),
    rule_id: String(row.rule_id),
    group_key: String(row.group_key),
    state: String(row.state),
    channel_index: Number(row.channel_index),
    channel_type: row.channel_type as ChannelType,
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    last_error: (row.last_error as string | null) ?? null,
    created_at: toIso(row.created_at)!,
    updated_at: toIso(row.updated_at)!,
    delivered_at: toIso(row.delivered_at),
  };
}
