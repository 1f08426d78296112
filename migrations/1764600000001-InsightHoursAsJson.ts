import type { MigrationInterface, QueryRunner } from 'typeorm';

const VALUE_COLUMNS = ['counts', 'errors', 'sums', 'squares'];

/**
 * PostgreSQL: the per-minute arrays of `debug_insight_series_hours` as `json` (the text, checked)
 * rather than `jsonb`. Every refresh rewrites about 2,000 of these rows, and jsonb parses each of
 * their numbers into a numeric: the upsert took 72 ms with jsonb against 35 ms with json (2,000
 * rows, the benchmark's database). Reading them is faster too: whole rows 57–62 ms against
 * 65–95 ms (10,000 rows), and the duration sums' element lookups 2.6 against 4.3 ms, since these
 * short arrays are stored uncompressed either way. SQLite stores them as text already.
 */
export class InsightHoursAsJson1764600000001 implements MigrationInterface {
  name = 'InsightHoursAsJson1764600000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await this.retype(queryRunner, 'json');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await this.retype(queryRunner, 'jsonb');
  }

  private async retype(queryRunner: QueryRunner, type: 'json' | 'jsonb'): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    const columns = VALUE_COLUMNS.map(
      (column) => `ALTER COLUMN ${column} TYPE ${type} USING ${column}::${type}`,
    );
    await queryRunner.query(`ALTER TABLE debug_insight_series_hours ${columns.join(', ')}`);
  }
}
