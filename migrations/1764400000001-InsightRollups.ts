import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-minute event counts per component and per pattern, kept by insight generation so that
 * the anomaly and burst baselines read a few thousand rollup rows instead of hours of events.
 * `debug_insight_rollup_state` holds how far the rollups are complete.
 */
export class InsightRollups1764400000001 implements MigrationInterface {
  name = 'InsightRollups1764400000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const time = postgres ? 'timestamptz' : 'datetime';
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

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS debug_insight_rollup_state');
    await queryRunner.query('DROP TABLE IF EXISTS debug_insight_rollups');
  }
}
