import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `debug_insight_hour_versions`: per hour of the insight rollups, a version that changes in the
 * same transaction as any of the hour's rows in `debug_insight_series_hours` or
 * `debug_insight_error_minutes` (written by InsightRollupRefresher). Readers keep closed hours in
 * memory and read again only the hours whose version moved (insight-hour-cache.ts). The rolled-up
 * range is forgotten, so the first run after this migration rebuilds the rollups it needs and
 * every hour gets a version.
 */
export class InsightHourVersions1764900000001 implements MigrationInterface {
  name = 'InsightHourVersions1764900000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const time = queryRunner.connection.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    await queryRunner.query(`CREATE TABLE debug_insight_hour_versions (
      hour_start ${time} PRIMARY KEY,
      version varchar(36) NOT NULL
    )`);
    await queryRunner.query('DELETE FROM debug_insight_rollup_state');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS debug_insight_hour_versions');
  }
}
