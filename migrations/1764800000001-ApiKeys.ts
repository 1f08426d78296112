import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys managed at runtime (src/api-keys): a SHA-256 hash of each secret, never the secret;
 * rows are revoked (revoked_at), never deleted, so that a key table that ever held a key keeps
 * authentication on.
 */
export class ApiKeys1764800000001 implements MigrationInterface {
  name = 'ApiKeys1764800000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const time = queryRunner.connection.options.type === 'postgres' ? 'timestamptz' : 'datetime';
    await queryRunner.query(`CREATE TABLE api_keys (
      id varchar(36) PRIMARY KEY,
      name varchar(200) NOT NULL,
      key_hash char(64) NOT NULL,
      key_prefix varchar(16) NOT NULL,
      scopes varchar(64) NOT NULL,
      created_at ${time} NOT NULL,
      expires_at ${time},
      revoked_at ${time},
      last_used_at ${time}
    )`);
    await queryRunner.query(`CREATE UNIQUE INDEX idx_api_keys_hash ON api_keys (key_hash)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_keys`);
  }
}
