import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The cold tier's manifest (debug_archive_segments) and the log of tiering job runs
 * (debug_tiering_runs).
 */
export class ArchiveManifest1764200000001 implements MigrationInterface {
  name = 'ArchiveManifest1764200000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.options.type === 'postgres';
    const time = postgres ? 'timestamptz' : 'datetime';
    const json = postgres ? 'jsonb' : 'text';
    const uuid = postgres ? 'uuid' : 'varchar(36)';
    await queryRunner.query(`CREATE TABLE debug_archive_segments (
      id ${uuid} PRIMARY KEY,
      segment_key varchar(512) NOT NULL UNIQUE,
      table_name varchar(64) NOT NULL,
      slice_start ${time} NOT NULL,
      generation integer NOT NULL,
      sequence integer NOT NULL,
      time_from ${time} NOT NULL,
      time_to ${time} NOT NULL,
      row_count integer NOT NULL,
      byte_size integer NOT NULL,
      raw_size integer NOT NULL,
      sha256 varchar(64) NOT NULL,
      format_version integer NOT NULL,
      components ${json},
      component_types ${json} NOT NULL,
      event_types ${json},
      levels ${json},
      members ${json} NOT NULL,
      id_filter text NOT NULL,
      warm_released_at ${time},
      created_at ${time} NOT NULL,
      UNIQUE (table_name, slice_start, generation, sequence)
    )`);
    await queryRunner.query(
      `CREATE INDEX idx_archive_segments_table_time ON debug_archive_segments (table_name, time_from, time_to)`,
    );
    await queryRunner.query(`CREATE TABLE debug_tiering_runs (
      id ${uuid} PRIMARY KEY,
      job varchar(64) NOT NULL,
      started_at ${time} NOT NULL,
      finished_at ${time},
      outcome varchar(16) NOT NULL,
      summary ${json},
      error text,
      worker varchar(128) NOT NULL
    )`);
    await queryRunner.query(
      `CREATE INDEX idx_tiering_runs_job_started ON debug_tiering_runs (job, started_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE IF EXISTS debug_tiering_runs');
    await queryRunner.query('DROP TABLE IF EXISTS debug_archive_segments');
  }
}
