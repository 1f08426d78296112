import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/** The two warm stores: PostgreSQL (full mode) and SQLite (embedded). */
export type Dialect = 'postgres' | 'sqlite';

export function dialectOf(dataSource: DataSource): Dialect {
  return dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
}

/** better-sqlite3's Database, as far as the writers use it. */
export interface SqliteDatabase {
  prepare(sql: string): {
    run(...values: unknown[]): { changes: number };
    get(...values: unknown[]): Record<string, unknown> | undefined;
    all(...values: unknown[]): Record<string, unknown>[];
  };
  /** `.immediate` begins with BEGIN IMMEDIATE: the file's write lock is taken before the first read. */
  transaction<A extends unknown[], R>(
    fn: (...args: A) => R,
  ): ((...args: A) => R) & { immediate(...args: A): R };
  readonly inTransaction: boolean;
}

/** The pg pool under TypeORM's PostgreSQL driver: raw COPY and array binds go through it. */
export function pgPoolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/** The better-sqlite3 connection under TypeORM's driver: prepared statements in one transaction. */
export function sqliteOf(dataSource: DataSource): SqliteDatabase {
  return (dataSource.driver as unknown as { databaseConnection: SqliteDatabase })
    .databaseConnection;
}

/** A time (Date or ISO-8601) as SQLite stores it: 'YYYY-MM-DD HH:MM:SS.SSS' UTC text, as TypeORM writes dates. */
export function sqliteTime(value: Date | string): string {
  return (typeof value === 'string' ? new Date(value) : value)
    .toISOString()
    .slice(0, 23)
    .replace('T', ' ');
}

/** A time bound as the dialect compares it: ISO text on PostgreSQL, SQLite's UTC text otherwise. */
export function timeValue(dialect: Dialect, value: Date): string {
  return dialect === 'postgres' ? value.toISOString() : sqliteTime(value);
}
