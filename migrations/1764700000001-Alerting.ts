import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerting (src/alerting): rules, the current state of each alert (rule + label group), the
 * history of every state change, silences (maintenance windows are silences with a schedule)
 * and one row per notification, keyed by its idempotency key.
 */
export class Alerting1764700000001 implements MigrationInterface {
  name = 'Alerting1764700000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const json = postgres ? 'jsonb' : 'text';
    const time = postgres ? 'timestamptz' : 'datetime';
    await queryRunner.query(`CREATE TABLE alert_rules (
      id varchar(36) PRIMARY KEY,
      name varchar(200) NOT NULL,
      enabled integer NOT NULL DEFAULT 1,
      severity varchar(16) NOT NULL,
      condition ${json} NOT NULL,
      for_seconds integer NOT NULL DEFAULT 0,
      repeat_interval_seconds integer NOT NULL DEFAULT 14400,
      labels ${json} NOT NULL DEFAULT '{}',
      annotations ${json} NOT NULL DEFAULT '{}',
      channels ${json} NOT NULL DEFAULT '[]',
      created_at ${time} NOT NULL,
      updated_at ${time} NOT NULL
    )`);
    await queryRunner.query(`CREATE TABLE alert_instances (
      rule_id varchar(36) NOT NULL,
      group_key varchar(300) NOT NULL,
      state varchar(16) NOT NULL,
      labels ${json} NOT NULL,
      details ${json} NOT NULL,
      active_since ${time},
      firing_since ${time},
      resolved_at ${time},
      last_evaluated_at ${time} NOT NULL,
      last_notified_at ${time},
      change_seq integer NOT NULL DEFAULT 0,
      notify_seq integer NOT NULL DEFAULT 0,
      PRIMARY KEY (rule_id, group_key)
    )`);
    await queryRunner.query(`CREATE INDEX idx_alert_instances_state ON alert_instances (state)`);
    await queryRunner.query(`CREATE TABLE alert_history (
      id varchar(36) PRIMARY KEY,
      rule_id varchar(36) NOT NULL,
      group_key varchar(300) NOT NULL,
      from_state varchar(16),
      to_state varchar(16) NOT NULL,
      at ${time} NOT NULL,
      labels ${json} NOT NULL,
      details ${json} NOT NULL
    )`);
    await queryRunner.query(`CREATE INDEX idx_alert_history_rule_at ON alert_history (rule_id, at)`);
    await queryRunner.query(`CREATE INDEX idx_alert_history_at ON alert_history (at)`);
    await queryRunner.query(`CREATE TABLE alert_silences (
      id varchar(36) PRIMARY KEY,
      rule_id varchar(36),
      component varchar(300),
      matchers ${json} NOT NULL DEFAULT '[]',
      starts_at ${time} NOT NULL,
      ends_at ${time} NOT NULL,
      schedule ${json},
      comment text NOT NULL,
      created_by varchar(200) NOT NULL,
      created_at ${time} NOT NULL,
      expired_at ${time}
    )`);
    await queryRunner.query(`CREATE INDEX idx_alert_silences_ends ON alert_silences (ends_at)`);
    await queryRunner.query(`CREATE TABLE alert_deliveries (
      id varchar(200) PRIMARY KEY,
      rule_id varchar(36) NOT NULL,
      group_key varchar(300) NOT NULL,
      state varchar(16) NOT NULL,
      channel_index integer NOT NULL,
      channel_type varchar(16) NOT NULL,
      status varchar(16) NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      payload ${json} NOT NULL,
      created_at ${time} NOT NULL,
      updated_at ${time} NOT NULL,
      delivered_at ${time}
    )`);
    await queryRunner.query(`CREATE INDEX idx_alert_deliveries_rule ON alert_deliveries (rule_id, created_at)`);
    await queryRunner.query(`CREATE INDEX idx_alert_deliveries_status ON alert_deliveries (status, updated_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['alert_deliveries', 'alert_silences', 'alert_history', 'alert_instances', 'alert_rules']) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
