import type { DataSource } from 'typeorm';
import type { Pool } from 'pg';

/** better-sqlite3's Database, as far as the writers use it. */
export interface SqliteDatabase {
  prepare(sql: string): { run(...values: unknown[]): { changes: number } };
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
}

export type WarmDialect = 'postgres' | 'sqlite';

export function dialectOf(dataSource: DataSource): WarmDialect {
  return dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
}

/** The pg pool under TypeORM's PostgreSQL driver: raw COPY and array binds go through it. */
export function pgPoolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/** The better-sqlite3 connection under TypeORM's driver: prepared statements in one transaction. */
export function sqliteOf(dataSource: DataSource): SqliteDatabase {
  return (dataSource.driver as unknown as { databaseConnection: SqliteDatabase }).databaseConnection;
}

/** ISO-8601 → the 'YYYY-MM-DD HH:MM:SS.SSS' UTC text TypeORM stores dates as on SQLite. */
export function sqliteTime(iso: string): string {
  return new Date(iso).toISOString().slice(0, 23).replace('T', ' ');
}

export function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

