import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * debug_patterns: the message templates the pattern miner learned, with running counts.
 * `merged_into` points a pattern that was generalized into a wider one at that one (always
 * at the root: merges flatten); `changed_at` moves when a template is learned or merged, and
 * is what worker processes poll to share what they learned.
 */
export class DebugPatterns1764300000001 implements MigrationInterface {
  name = 'DebugPatterns1764300000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const json = postgres ? 'jsonb' : 'text';
    const time = postgres ? 'timestamptz' : 'datetime';
    await queryRunner.query(`CREATE TABLE debug_patterns (
      id varchar(32) PRIMARY KEY,
      template text NOT NULL,
      tokens ${json} NOT NULL,
      merged_into varchar(32),
      count bigint NOT NULL DEFAULT 0,
      first_seen ${time},
      last_seen ${time},
      components ${json} NOT NULL DEFAULT '[]',
      levels ${json} NOT NULL DEFAULT '{}',
      sample_event_ids ${json} NOT NULL DEFAULT '[]',
      created_at ${time} NOT NULL,
      changed_at ${time} NOT NULL
    )`);
    await queryRunner.query(
      `CREATE INDEX idx_debug_patterns_changed ON debug_patterns (changed_at)`,
    );
    await queryRunner.query(
      `CREATE INDEX idx_debug_patterns_last_seen ON debug_patterns (last_seen)`,
    );
    await queryRunner.query(
      `CREATE INDEX idx_debug_patterns_merged_into ON debug_patterns (merged_into) WHERE merged_into IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS debug_patterns`);
  }
}
