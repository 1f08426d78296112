import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type Row, toNullableDate, toDate } from '../database/sql/row-values.js';
import {
  idleSqlite,
  inTransaction,
  type SqlParams,
  SqlRunner,
} from '../database/sql/sql-runner.js';
import { isLastUsableAdmin, scopesOf, scopesText, type StoredKey } from './stored-keys.js';

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

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
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

  /** Sets revoked_at unless already set. */
  async revoke(id: string, at: Date): Promise<void> {
    const [sql, params] = revokeStatement(id, at);
    await this.sql.rows(sql, params);
  }

  async update(id: string, changes: KeyRowChanges): Promise<void> {
    const statement = updateStatement(id, changes);
    if (statement) await this.sql.rows(...statement);
  }

  /** `revoke`, unless `id` is the last usable admin key (false: nothing written). See writeUnlessLastAdmin. */
  revokeUnlessLastAdmin(id: string, at: Date): Promise<boolean> {
    return this.writeUnlessLastAdmin(id, at, revokeStatement(id, at));
  }

  /** `update`, unless `id` is the last usable admin key (false: nothing written). See writeUnlessLastAdmin. */
  updateUnlessLastAdmin(id: string, changes: KeyRowChanges, now: Date): Promise<boolean> {
    return this.writeUnlessLastAdmin(id, now, updateStatement(id, changes));
  }

  /**
   * The check "is `id` the only usable admin key left?" and the write it guards as one
   * serialized step, so that two requests (on one instance or on several) that each take away
   * one of the last two admin keys cannot both pass the check. PostgreSQL: one transaction
   * under an advisory lock every such change takes (the check's statement runs after the lock
   * is granted, so it sees what the previous holder committed). SQLite: one BEGIN IMMEDIATE
   * transaction run synchronously on the connection, so no other statement of this process
   * interleaves and another connection to the file waits for the write lock.
   */
  private async writeUnlessLastAdmin(
    id: string,
    now: Date,
    statement: Statement | null,
  ): Promise<boolean> {
    if (this.sql.isPostgres) {
      return inTransaction(this.dataSource, async (runner) => {
        await runner.query('SELECT pg_advisory_xact_lock(hashtext($1))', [ADMIN_KEYS_LOCK]);
        const keys = await this.sql.rows(UNREVOKED_SCOPES, {}, runner);
        if (isLastUsableAdmin(id, keys.map(toScopedKey), now)) return false;
        if (statement) await this.sql.rows(...statement, runner);
        return true;
      });
    }
    const db = await idleSqlite(this.dataSource, SQLITE_BUSY_WAIT_MS);
    const bound = (sql: string, params: SqlParams) =>
      this.dataSource.driver.escapeQueryWithParameters(sql, params);
    return db
      .transaction(() => {
        const keys = db.prepare(bound(UNREVOKED_SCOPES, {})[0]).all() as Row[];
        if (isLastUsableAdmin(id, keys.map(toScopedKey), now)) return false;
        if (statement) {
          const [sql, values] = bound(...statement);
          db.prepare(sql).run(...values);
        }
        return true;
      })
      .immediate();
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
const UNREVOKED_SCOPES = 'SELECT id, scopes, expires_at FROM api_keys WHERE revoked_at IS NULL';
/** Taken by every change that must leave a usable admin key (PostgreSQL). */
const ADMIN_KEYS_LOCK = 'ads:api-keys:admins';
/** How long a guarded change on SQLite waits for another transaction on the connection to end. */
const SQLITE_BUSY_WAIT_MS = 5_000;

export interface KeyRowChanges {
  name?: string;
  scopes?: StoredKey['scopes'];
  expires_at?: Date | null;
}

/** A statement with `:name` parameters, as SqlRunner.rows takes it. */
type Statement = [sql: string, params: SqlParams];

function revokeStatement(id: string, at: Date): Statement {
  return [`UPDATE api_keys SET revoked_at = :at WHERE id = :id AND revoked_at IS NULL`, { id, at }];
}

/** null: nothing to change. */
function updateStatement(id: string, changes: KeyRowChanges): Statement | null {
  const sets: string[] = [];
  const params: SqlParams = { id };
  if (changes.name !== undefined) {
    sets.push('name = :name');
    params.name = changes.name;
  }
  if (changes.scopes !== undefined) {
    sets.push('scopes = :scopes');
    params.scopes = scopesText(changes.scopes);
  }
  if (changes.expires_at !== undefined) {
    sets.push('expires_at = :expires_at');
    params.expires_at = changes.expires_at;
  }
  if (sets.length === 0) return null;
  return [`UPDATE api_keys SET ${sets.join(', ')} WHERE id = :id`, params];
}

function toScopedKey(row: Row): { id: string; scopes: string; expires_at: Date | null } {
  return {
    id: String(row.id),
    scopes: String(row.scopes),
    expires_at: toNullableDate(row.expires_at),
  };
}

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
