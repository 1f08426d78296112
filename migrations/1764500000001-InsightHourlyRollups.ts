import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rollups that let an unscoped insight run read no raw events beyond the minutes it refreshes
 * (docs/insights.md):
 * - `debug_insight_series_hours`: one row per series and hour with per-minute values as JSON
 *   arrays — events and errors per component and per pattern (60 values), and count, sum and sum
 *   of squares of `duration_ms` per component and operation (61 running totals, so that the
 *   database sums any run of minutes with two lookups). Replaces the per-minute
 *   `debug_insight_rollups` (one row per series and minute), which cost about as much to read as
 *   the events when every series has events every minute.
 * - `debug_insight_error_minutes`: error events per pattern, component and minute.
 * - `debug_insight_chain_minutes`: per correlation chain and minute: events, errors, first/last
 *   time and whether a start or end phase was seen.
 * `debug_insight_rollup_state` now records both ends of the rolled-up range; it starts empty, so
 * the first run after this migration rebuilds the rollups it needs. `debug_insight_late_minutes`
 * lists minutes that received events late, to be aggregated again (filled by the ingest write
 * path: insights/late-event-minutes.ts).
 */
export class InsightHourlyRollups1764500000001 implements MigrationInterface {
  name = 'InsightHourlyRollups1764500000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const time = postgres ? 'timestamptz' : 'datetime';
    const json = postgres ? 'jsonb' : 'text';
    await queryRunner.query('DROP TABLE IF EXISTS debug_insight_rollups');
    await queryRunner.query('DROP TABLE IF EXISTS debug_insight_rollup_state');
    await queryRunner.query(`CREATE TABLE debug_insight_series_hours (
      series_key varchar(800) NOT NULL,
      hour_start ${time} NOT NULL,
      component_type varchar(128),
      component_id varchar(256),
      pattern_id varchar(64),
      operation varchar(256),
      counts ${json} NOT NULL,
      errors ${json},
      sums ${json},
      squares ${json},
      PRIMARY KEY (series_key, hour_start)
    )`);
    await queryRunner.query(
      `CREATE INDEX idx_debug_insight_series_hours_hour ON debug_insight_series_hours (hour_start)`,
    );
    await queryRunner.query(`CREATE TABLE debug_insight_error_minutes (
      bucket_start ${time} NOT NULL,
      pattern_id varchar(64) NOT NULL,
      component_type varchar(128) NOT NULL,
      component_id varchar(256) NOT NULL,
      errors integer NOT NULL,
      criticals integer NOT NULL,
      first_at ${time} NOT NULL,
      last_at ${time} NOT NULL,
      first_id varchar(64) NOT NULL,
      last_id varchar(64) NOT NULL,
      sample_message text NOT NULL,
      PRIMARY KEY (bucket_start, pattern_id, component_type, component_id)
    )`);
    await queryRunner.query(`CREATE TABLE debug_insight_chain_minutes (
      bucket_start ${time} NOT NULL,
      correlation_id varchar(256) NOT NULL,
      first_at ${time} NOT NULL,
      last_at ${time} NOT NULL,
      events integer NOT NULL,
      errors integer NOT NULL,
      has_start smallint NOT NULL,
      has_end smallint NOT NULL,
      PRIMARY KEY (bucket_start, correlation_id)
    )`);
    await queryRunner.query(`CREATE TABLE debug_insight_rollup_state (
      id integer PRIMARY KEY,
      rolled_from ${time} NOT NULL,
      rolled_until ${time} NOT NULL
    )`);
    await queryRunner.query(
      `CREATE TABLE debug_insight_late_minutes (bucket_start ${time} PRIMARY KEY)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const time = postgres ? 'timestamptz' : 'datetime';
    await queryRunner.query('DROP TABLE IF EXISTS debug_insight_late_minutes');
    await queryRunner.query('DROP TABLE IF EXISTS debug_insight_rollup_state');
    await queryRunner.query('DROP TABLE IF EXISTS debug_insight_chain_minutes');
    await queryRunner.query('DROP TABLE IF EXISTS debug_insight_error_minutes');
    await queryRunner.query('DROP TABLE IF EXISTS debug_insight_series_hours');
    await queryRunner.query(`CREATE TABLE debug_insight_rollups (
      series_key varchar(400) NOT NULL,
      bucket_start ${time} NOT NULL,
      component_type varchar(128),
      component_id varchar(256),
      pattern_id varchar(64),
      events integer NOT NULL,
      errors integer NOT NULL,
      last_at ${time} NOT NULL,
      PRIMARY KEY (series_key, bucket_start)
    )`);
    await queryRunner.query(
      `CREATE INDEX idx_debug_insight_rollups_bucket ON debug_insight_rollups (bucket_start)`,
    );
    await queryRunner.query(`CREATE TABLE debug_insight_rollup_state (
      id integer PRIMARY KEY,
      rolled_until ${time} NOT NULL
    )`);
  }
}
