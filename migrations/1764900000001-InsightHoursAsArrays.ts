import type { MigrationInterface, QueryRunner } from 'typeorm';

const VALUE_COLUMNS = ['counts', 'errors', 'sums', 'squares'];

/**
 * PostgreSQL: the per-minute arrays of `debug_insight_series_hours` as `double precision[]`
 * rather than `json`. The performance analyzer's read picks 12 elements of each duration row,
 * and every `json ->> n` parses the array's text again: 5,045 rows over the benchmark's 5 hours
 * took 226–426 ms as json, 100–152 ms as jsonb and 36–42 ms as float8[] (fixed-width elements
 * are found by offset). These rows stay under the 2 kB TOAST threshold (61 values of 8 bytes
 * per array), so they are stored uncompressed. SQLite keeps them as JSON text.
 */
export class InsightHoursAsArrays1764900000001 implements MigrationInterface {
  name = 'InsightHoursAsArrays1764900000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    // a JSON array of numbers is an array literal once its brackets are braces
    const columns = VALUE_COLUMNS.map(
      (column) =>
        `ALTER COLUMN ${column} TYPE double precision[] USING translate(${column}::text, '[]', '{}')::double precision[]`,
    );
    await queryRunner.query(`ALTER TABLE debug_insight_series_hours ${columns.join(', ')}`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    const columns = VALUE_COLUMNS.map(
      (column) => `ALTER COLUMN ${column} TYPE json USING array_to_json(${column})`,
    );
    await queryRunner.query(`ALTER TABLE debug_insight_series_hours ${columns.join(', ')}`);
  }
}
