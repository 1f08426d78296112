import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type Row, toNullableDate, toDate } from '../database/sql/row-values.js';
import { SqlRunner } from '../database/sql/sql-runner.js';
import { scopesOf, scopesText, type StoredKey } from './stored-keys.js';

export interface NewKeyRow {
  id: string;
  name: string;
  hash: string;
  prefix: string;
  scopes: StoredKey['scopes'];
  created_at: Date;
  expires_at: Date | null;
}

/** api_keys: the API-keys module's table. Hashes go in; they never come out except to the directory. */
@Injectable()
export class ApiKeyRepository {
  private readonly sql: SqlRunner;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new SqlRunner(dataSource);
  }

  async insert(key: NewKeyRow): Promise<void> {
    await this.sql.rows(
      `INSERT INTO api_keys (id, name, key_hash, key_prefix, scopes, created_at, expires_at)
       VALUES (:id, :name, :hash, :prefix, :scopes, :created_at, :expires_at)`,
      { ...key, scopes: scopesText(key.scopes) },
    );
  }

  async find(id: string): Promise<StoredKey | null> {
    const row = await this.sql.one(`SELECT ${COLUMNS} FROM api_keys WHERE id = :id`, { id });
    return row ? toStoredKey(row) : null;
  }

  /** Oldest first (ids are UUIDv7), `limit` after `afterId`. */
  async page(afterId: string | undefined, limit: number): Promise<StoredKey[]> {
    const rows = await this.sql.rows(
      `SELECT ${COLUMNS} FROM api_keys ${afterId ? 'WHERE id > :afterId' : ''} ORDER BY id LIMIT :limit`,
      { afterId, limit },
    );
    return rows.map(toStoredKey);
  }

  /** Every unrevoked key with its hash (expired ones too: expiry is checked at each use). */
  async unrevoked(): Promise<
    { id: string; hash: string; scopes: string; expires_at: Date | null }[]
  > {
    const rows = await this.sql.rows(
      `SELECT id, key_hash, scopes, expires_at FROM api_keys WHERE revoked_at IS NULL`,
    );
    return rows.map((row) => ({
      id: String(row.id),
      hash: String(row.key_hash),
      scopes: String(row.scopes),
      expires_at: toNullableDate(row.expires_at),
    }));
  }

  async anyKey(): Promise<boolean> {
    return (await this.sql.one(`SELECT id FROM api_keys LIMIT 1`)) !== undefined;
  }

  /** Sets revoked_at unless already set; false when there is no such key. */
  async revoke(id: string, at: Date): Promise<boolean> {
    await this.sql.rows(
      `UPDATE api_keys SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL`,
      { id, at },
    );
    return (await this.find(id)) !== null;
  }

  async update(
    id: string,
    changes: { name?: string; scopes?: StoredKey['scopes']; expires_at?: Date | null },
  ): Promise<void> {
    const sets: string[] = [];
    if (changes.name !== undefined) sets.push('name = :name');
    if (changes.scopes !== undefined) sets.push('scopes = :scopes');
    if (changes.expires_at !== undefined) sets.push('expires_at = :expires_at');
    if (sets.length === 0) return;
    await this.sql.rows(`UPDATE api_keys SET ${sets.join(', ')} WHERE id = :id`, {
      id,
      name: changes.name,
      scopes: changes.scopes && scopesText(changes.scopes),
      expires_at: changes.expires_at,
    });
  }

  async markUsed(ids: readonly string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.rows(`UPDATE api_keys SET last_used_at = :at WHERE id IN (:...ids)`, {
      ids,
      at,
    });
  }
}

const COLUMNS = 'id, name, key_prefix, scopes, created_at, expires_at, revoked_at, last_used_at';

function toStoredKey(row: Row): StoredKey {
  return {
    id: String(row.id),
    name: String(row.name),
    key_prefix: String(row.key_prefix),
    scopes: scopesOf(String(row.scopes)),
    created_at: toDate(row.created_at),
    expires_at: toNullableDate(row.expires_at),
    revoked_at: toNullableDate(row.revoked_at),
    last_used_at: toNullableDate(row.last_used_at),
  };
}
