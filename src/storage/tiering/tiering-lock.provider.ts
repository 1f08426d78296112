import type { Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { FencedTransaction, TieringLease, TieringLock } from './tiering-lock.js';
import { TIERING_LOCK } from './tiering-lock.js';

/**
 * A session-level advisory lock held on a connection of its own for the whole run. If the
 * worker dies, PostgreSQL ends the session and the lock goes with it; if the session
 * dies while the worker lives on, its fenced transactions fail, because they run on that
 * same session.
 */
export class PostgresAdvisoryLock implements TieringLock {
  readonly kind = 'postgres-advisory' as const;

  constructor(private readonly dataSource: DataSource) {}

  async tryAcquire(name: string): Promise<TieringLease | null> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [`ads:${name}`],
      )) as { locked: boolean }[];
      if (!locked) {
        await runner.release();
        return null;
      }
      return new PostgresLease(name, runner);
    } catch (error) {
      await runner.release();
      throw error;
    }
  }
}

class PostgresLease implements TieringLease {
  private released = false;

  constructor(
    readonly name: string,
    private readonly runner: QueryRunner,
  ) {}

  async fenced<T>(work: (transaction: FencedTransaction) => Promise<T>): Promise<T> {
    if (this.released) throw new Error(`lock ${this.name} was released`);
    await this.runner.startTransaction();
    try {
      const [{ held }] = (await this.runner.query(
        `SELECT count(*)::int AS held FROM pg_locks
          WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted`,
      )) as { held: number }[];
      if (held === 0) throw new Error(`lock ${this.name} is no longer held by this session`);
      const result = await work(this.runner.manager as EntityManager);
      await this.runner.commitTransaction();
      return result;
    } catch (error) {
      if (this.runner.isTransactionActive)
        await this.runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    try {
      await this.runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`ads:${this.name}`]);
    } finally {
      await this.runner.release();
    }
  }
}

/**
 * Embedded mode: one process, so a mutex per lock name does. Fenced work runs statement by
 * statement (autocommit): SQLite has one connection for every writer of the process, and a
 * transaction held open across awaits would sweep their statements into it. Steps that must
 * be atomic run as one synchronous better-sqlite3 transaction (WarmSliceRepository).
 */
export class InProcessLock implements TieringLock {
  readonly kind = 'in-process' as const;
  private readonly held = new Set<string>();

  constructor(private readonly dataSource: DataSource) {}

  async tryAcquire(name: string): Promise<TieringLease | null> {
    if (this.held.has(name)) return null;
    this.held.add(name);
    const dataSource = this.dataSource;
    let released = false;
    return {
      name,
      fenced: async <T>(work: (transaction: FencedTransaction) => Promise<T>): Promise<T> => {
        if (released) throw new Error(`lock ${name} was released`);
        return work({ query: (sql, parameters) => dataSource.query(sql, parameters) });
      },
      release: async () => {
        released = true;
        this.held.delete(name);
      },
    };
  }
}

export const tieringLockProvider: Provider<TieringLock> = {
  provide: TIERING_LOCK,
  inject: [getDataSourceToken()],
  useFactory: (dataSource: DataSource): TieringLock =>
    dataSource.options.type === 'postgres'
      ? new PostgresAdvisoryLock(dataSource)
      : new InProcessLock(dataSource),
};
