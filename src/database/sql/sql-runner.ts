import type { DataSource, QueryRunner } from 'typeorm';
import type { IsolationLevel } from 'typeorm/driver/types/IsolationLevel.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { type Dialect, dialectOf, sqliteOf, type SqliteDatabase } from './dialect.js';
import type { Row } from './row-values.js';
import type { SqlBuilder } from './statement.js';

export type SqlParams = Record<string, unknown>;

/** Where a statement runs: the data source, a transaction's manager or a query runner. */
export interface Executor {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * Raw SQL on either warm store. `rows`/`one` take `:name` / `:...list` parameters, which
 * TypeORM's driver turns into `$n` (PostgreSQL) or `?` (SQLite), with dates in the SQLite text
 * format, so one query text serves both dialects where their SQL agrees; `run` takes a
 * statement whose `SqlBuilder` already bound positional parameters.
 */
export class SqlRunner {
  readonly dialect: Dialect;

  constructor(private readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
  }

  get isPostgres(): boolean {
    return this.dialect === 'postgres';
  }

  /** `on`: a transaction's manager or query runner (the data source's pool otherwise). */
  async rows<T = Row>(sql: string, params: SqlParams = {}, on?: Executor): Promise<T[]> {
    const [text, values] = this.dataSource.driver.escapeQueryWithParameters(sql, params);
    return (await (on ?? this.dataSource).query(text, values)) as T[];
  }

  async one<T = Row>(sql: string, params: SqlParams = {}): Promise<T | undefined> {
    return (await this.rows<T>(sql, params))[0];
  }

  /** A statement built with `builder` (its positional parameters). */
  async run<T = Row>(builder: SqlBuilder, sql: string, on?: Executor): Promise<T[]> {
    return (await (on ?? this.dataSource).query(sql, builder.params)) as T[];
  }
}

/**
 * `work` inside one transaction on one connection: committed when it returns (unless it
 * committed itself), rolled back when it throws, the connection released either way.
 * `work` also gets the driver's own connection (pg's PoolClient, for COPY).
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  work: (runner: QueryRunner, connection: unknown) => Promise<T>,
  isolation?: IsolationLevel,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  const connection: unknown = await runner.connect();
  try {
    await runner.startTransaction(isolation);
    const result = await work(runner, connection);
    if (runner.isTransactionActive) await runner.commitTransaction();
    return result;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}

/**
 * The one better-sqlite3 connection, once no async TypeORM transaction is open on it: a
 * synchronous transaction started inside one would nest into it and share its fate. Waits up
 * to `waitMs`, then answers 503 (Retry-After 1).
 */
export async function idleSqlite(dataSource: DataSource, waitMs: number): Promise<SqliteDatabase> {
  const db = sqliteOf(dataSource);
  const deadline = Date.now() + waitMs;
  while (db.inTransaction) {
    if (Date.now() > deadline) {
      throw new DomainError(
        'UNAVAILABLE',
        'the embedded store stayed busy with another transaction; try again',
        undefined,
        1,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return db;
}
