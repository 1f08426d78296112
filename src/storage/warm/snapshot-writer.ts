import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { SNAPSHOT_COLUMNS, toSnapshotRecord } from './row-mappers.js';
import { dialectOf, sqliteTime } from '../../database/sql/dialect.js';

/** A stored state snapshot (snake_case, as the columns). */
export interface StateSnapshotRecord {
  id: string;
  component_type: string;
  component_id: string;
  captured_at: string;
  correlation_id: string | null;
  state: Record<string, unknown>;
  diff_from_previous: unknown[] | null;
  version: number;
  hash: string;
}

export interface PreviousSnapshot {
  version: number;
  hash: string;
  state: Record<string, unknown>;
}

/** What `append` did: the snapshot stored now, or the one stored before under the same id. */
export interface AppendedSnapshot {
  snapshot: StateSnapshotRecord;
  duplicate: boolean;
}

/** Builds the next snapshot of a component from its previous one (null for the first). */
export type NextSnapshot = (previous: PreviousSnapshot | null) => StateSnapshotRecord;

const UNIQUE_VIOLATION_PG = '23505';
const MAX_ATTEMPTS = 5;

/**
 * Appends state snapshots, one version after another per component. The previous
 * snapshot is read and the next one inserted in one transaction (on PostgreSQL under a
 * per-component advisory lock), so concurrent writers get consecutive versions; the
 * unique (component_type, component_id, version) index is the last guard, and a lost
 * race is retried.
 */
@Injectable()
export class SnapshotWriter {
  private readonly dialect;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.dialect = dialectOf(dataSource);
  }

  /**
   * Committed when it resolves. With a `clientId` already stored for this component, nothing is
   * added and the stored snapshot comes back as a duplicate; a `clientId` another component's
   * snapshot holds is refused (SnapshotIdTakenError).
   */
  async append(
    componentType: string,
    componentId: string,
    next: NextSnapshot,
    clientId?: string,
  ): Promise<AppendedSnapshot> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (manager) => {
          const stored = clientId ? await this.storedWithId(manager, clientId) : null;
          if (
            stored &&
            (stored.component_type !== componentType || stored.component_id !== componentId)
          ) {
            throw new SnapshotIdTakenError(
              clientId!,
              `${stored.component_type}/${stored.component_id}`,
            );
          }
          if (stored) return { snapshot: stored, duplicate: true };
          return {
            snapshot: await this.appendIn(manager, componentType, componentId, next),
            duplicate: false,
          };
        });
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !isUniqueViolation(error)) throw error;
      }
    }
  }

  private async storedWithId(
    manager: EntityManager,
    id: string,
  ): Promise<StateSnapshotRecord | null> {
    const rows: Record<string, unknown>[] = await manager.query(
      `SELECT ${SNAPSHOT_COLUMNS.join(', ')} FROM debug_state_snapshots WHERE id = ${this.dialect === 'postgres' ? '$1' : '?'}`,
      [id],
    );
    return rows.length === 0 ? null : toSnapshotRecord(rows[0]);
  }

  private async appendIn(
    manager: EntityManager,
    componentType: string,
    componentId: string,
    next: NextSnapshot,
  ): Promise<StateSnapshotRecord> {
    const postgres = this.dialect === 'postgres';
    if (postgres) {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `ads:state:${componentType}:${componentId}`,
      ]);
    }
    const rows: { version: number; hash: string; state: unknown }[] = await manager.query(
      `SELECT version, hash, state FROM debug_state_snapshots
       WHERE component_type = ${postgres ? '$1' : '?'} AND component_id = ${postgres ? '$2' : '?'}
       ORDER BY version DESC LIMIT 1`,
      [componentType, componentId],
    );
    const previous = rows[0]
      ? {
          version: Number(rows[0].version),
          hash: rows[0].hash,
          state: (typeof rows[0].state === 'string'
            ? JSON.parse(rows[0].state)
            : rows[0].state) as Record<string, unknown>,
        }
      : null;
    const snapshot = next(previous);
    const values = [
      snapshot.id,
      snapshot.component_type,
      snapshot.component_id,
      postgres ? snapshot.captured_at : sqliteTime(snapshot.captured_at),
      snapshot.correlation_id,
      JSON.stringify(snapshot.state),
      snapshot.diff_from_previous === null ? null : JSON.stringify(snapshot.diff_from_previous),
      snapshot.version,
      snapshot.hash,
    ];
    const placeholders = values.map((_, index) => (postgres ? `$${index + 1}` : '?')).join(', ');
    await manager.query(
      `INSERT INTO debug_state_snapshots
         (id, component_type, component_id, captured_at, correlation_id, state, diff_from_previous, version, hash)
       VALUES (${placeholders})`,
      values,
    );
    return snapshot;
  }
}

/** A client snapshot id that another component's snapshot already holds. */
export class SnapshotIdTakenError extends Error {
  constructor(
    readonly id: string,
    readonly holder: string,
  ) {
    super(`snapshot id ${id} is already the id of a snapshot of ${holder}`);
  }
}

function isUniqueViolation(error: unknown): boolean {
  const cause = error as { code?: string; driverError?: { code?: string }; message?: string };
  const code = cause.code ?? cause.driverError?.code;
  return (
    code === UNIQUE_VIOLATION_PG ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    /UNIQUE constraint failed/.test(cause.message ?? '')
  );
}
