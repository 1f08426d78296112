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
 * (filled by a trigger) lists minutes that received events late, to be aggregated again.
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
    // Events stored more than 4 minutes after their time (a backlog, a backfill, a client that
    // buffered offline) mark their minute, so that the next refresh aggregates it again. The
    // condition is checked per row before anything runs: on-time events cost nothing.
    if (postgres) {
      await queryRunner.query(`CREATE FUNCTION debug_insight_note_late_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO debug_insight_late_minutes (bucket_start) VALUES (date_trunc('minute', NEW."timestamp")) ON CONFLICT DO NOTHING;
          RETURN NULL;
        END $$`);
      await queryRunner.query(`CREATE TRIGGER debug_insight_late_events AFTER INSERT ON debug_events
        FOR EACH ROW WHEN (NEW."timestamp" < now() - interval '4 minutes') EXECUTE FUNCTION debug_insight_note_late_event()`);
    } else {
      await queryRunner.query(`CREATE TRIGGER debug_insight_late_events AFTER INSERT ON debug_events
        WHEN NEW."timestamp" < strftime('%Y-%m-%d %H:%M:%f', 'now', '-4 minutes')
        BEGIN
          INSERT OR IGNORE INTO debug_insight_late_minutes (bucket_start) VALUES (strftime('%Y-%m-%d %H:%M:00.000', NEW."timestamp"));
        END`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const time = postgres ? 'timestamptz' : 'datetime';
    await queryRunner.query(
      'DROP TRIGGER IF EXISTS debug_insight_late_events' + (postgres ? ' ON debug_events' : ''),
    );
    if (postgres)
      await queryRunner.query('DROP FUNCTION IF EXISTS debug_insight_note_late_event()');
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
