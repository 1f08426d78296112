import type { MigrationInterface, QueryRunner } from 'typeorm';

const VALUE_COLUMNS = ['counts', 'errors', 'sums', 'squares'];

/**
 * `debug_insight_series_hours` keeps per-minute values for every kind of series (durations were
 * 61 running totals), and on PostgreSQL as `float8[]` rather than `json`. A refresh then writes
 * only the minutes it aggregated into the rows it already holds (array slices, a few values a
 * row) instead of every row's whole hour as JSON text: about 2,000 rows a minute, 1.75 MB of
 * text that PostgreSQL parsed and checked at every refresh. A minute's change no longer moves
 * every later running total either.
 *
 * The rollups are derived from debug_events: the rows are dropped (on both dialects, whose
 * stored form of durations changes) with the rollup state, so the first insight run after this
 * migration rebuilds what it needs.
 */
export class SeriesHoursAsArrays1765200000001 implements MigrationInterface {
  name = 'SeriesHoursAsArrays1765200000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await this.reset(queryRunner);
    await this.retype(queryRunner, 'float8[]');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await this.reset(queryRunner);
    await this.retype(queryRunner, 'json');
  }

  private async reset(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    for (const table of [
      'debug_insight_rollup_state',
      'debug_insight_hour_versions',
      'debug_insight_series_hours',
    ])
      await queryRunner.query(postgres ? `TRUNCATE ${table}` : `DELETE FROM ${table}`);
  }

  private async retype(queryRunner: QueryRunner, type: 'float8[]' | 'json'): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    const columns = VALUE_COLUMNS.map((column) => `ALTER COLUMN ${column} TYPE ${type} USING NULL`);
    await queryRunner.query(`ALTER TABLE debug_insight_series_hours ${columns.join(', ')}`);
  }
}
