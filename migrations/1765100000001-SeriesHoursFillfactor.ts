import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL: debug_insight_series_hours pages keep half their room free. Every refresh
 * rewrites the open hour's rows of every active series (one update per series a minute); with
 * room on its page, an update is a heap-only tuple (no index entry, the old version pruned in
 * place) instead of a move to a new page with two index insertions. The rows of closed hours,
 * never updated again, pay with twice the pages (the table holds 8 days, a few MB per hour).
 * Only pages written after this take the setting. SQLite has no such setting.
 */
export class SeriesHoursFillfactor1765100000001 implements MigrationInterface {
  name = 'SeriesHoursFillfactor1765100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query('ALTER TABLE debug_insight_series_hours SET (fillfactor = 50)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query('ALTER TABLE debug_insight_series_hours RESET (fillfactor)');
  }
}
