export const TIERING_LOCK = Symbol('TIERING_LOCK');

/** The statements a fenced transaction may run (raw SQL, in the lock holder's session). */
export interface FencedTransaction {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** A held lock. Destructive steps run through `fenced`, which only runs while the lock is still held. */
export interface TieringLease {
  readonly name: string;
  /**
   * Runs `work` in one database transaction that cannot commit unless this lease still
   * holds the lock (PostgreSQL: on the very session that holds the advisory lock, so a
   * worker whose session died cannot drop or delete anything).
   */
  fenced<T>(work: (transaction: FencedTransaction) => Promise<T>): Promise<T>;
  release(): Promise<void>;
}

/**
 * One run of a job at a time across every worker process: PostgreSQL session advisory
 * locks in full mode, a mutex in the (single-process) embedded mode.
 */
export interface TieringLock {
  readonly kind: 'postgres-advisory' | 'in-process';
  /** The lease, or null when another run holds the lock (the caller skips, it does not wait). */
  tryAcquire(name: string): Promise<TieringLease | null>;
}
