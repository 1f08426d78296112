import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * debug_pattern_spans: the token sequences of patterns whose `<*>` at `span_at` takes a value
 * of several words (`Started <*>` for "Started Login Service."), which a pattern's template
 * alone does not say. A process that loads the patterns (a restart, another worker) loads these
 * too, so that such messages keep the pattern they were given where the span was learned.
 * `id` is the shape's content address; `created_at` is what workers poll, as `changed_at` of
 * debug_patterns.
 */
export class PatternSpans1765300000001 implements MigrationInterface {
  name = 'PatternSpans1765300000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const json = postgres ? 'jsonb' : 'text';
    const time = postgres ? 'timestamptz' : 'datetime';
    await queryRunner.query(`CREATE TABLE debug_pattern_spans (
      id varchar(32) PRIMARY KEY,
      pattern_id varchar(32) NOT NULL,
      tokens ${json} NOT NULL,
      space_before ${json} NOT NULL,
      span_at integer NOT NULL,
      created_at ${time} NOT NULL
    )`);
    await queryRunner.query(
      `CREATE INDEX idx_debug_pattern_spans_created ON debug_pattern_spans (created_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS debug_pattern_spans`);
  }
}
