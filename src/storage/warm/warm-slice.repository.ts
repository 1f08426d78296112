import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import copyStreams from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { dayStart, PartitionService, type PartitionedTable } from '../../database/partition.service.js';
import type { ArchiveTableSpec } from '../tiering/archive-tables.js';
import type { FencedTransaction } from '../tiering/tiering-lock.js';
import { splitCopyRow } from './copy-text.js';
import { dialectOf, sqliteTime, timeValue } from '../../database/sql/dialect.js';
import { isoTime, type Row } from '../../database/sql/row-values.js';
import { inTransaction } from '../../database/sql/sql-runner.js';

const DAY_MS = 86_400_000;
const SORT_MEMORY = '256MB';

/** better-sqlite3's Database, as far as the synchronous removal uses it. */
interface SqliteHandle {
  prepare(sql: string): { get(...parameters: unknown[]): unknown; run(...parameters: unknown[]): unknown };
  transaction<T>(work: () => T): () => T;
}

/**
 * One UTC day of one table in the warm store, ready to move: either a whole PostgreSQL
 * day partition (detached and dropped once archived) or the rows of that day in a plain
 * table (SQLite, snapshots, and stray rows in a PostgreSQL default partition), deleted.
 */
export interface WarmSlice {
  table: ArchiveTableSpec['table'];
  start: Date;
  end: Date;
  relation: string;
  wholePartition: boolean;
}

/**
 * The warm store's side of tier migration: which slices are past retention, their rows
 * in time order through a cursor, and their removal (only when the row count still
 * matches what was archived).
 */
@Injectable()
export class WarmSliceRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly partitions: PartitionService,
  ) {}

  private get postgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /** Whole days of `spec.table` that end at or before `cutoff` and hold rows (or are empty partitions). */
  async slicesBefore(spec: ArchiveTableSpec, cutoff: Date): Promise<WarmSlice[]> {
    const slices: WarmSlice[] = [];
    if (this.postgres && spec.partitioned) {
      for (const { name, day } of await this.partitions.list(spec.table as PartitionedTable)) {
        const end = new Date(day.getTime() + DAY_MS);
        if (end <= cutoff) slices.push({ table: spec.table, start: day, end, relation: name, wholePartition: true });
      }
      slices.push(...(await this.rowSlices(spec, `${spec.table}_default`, cutoff)));
    } else {
      slices.push(...(await this.rowSlices(spec, spec.table, cutoff)));
    }
    return slices.sort((a, b) => a.start.getTime() - b.start.getTime());
  }

  /** Days with rows in a plain relation, found by walking from its oldest row (indexed on time). */
  private async rowSlices(spec: ArchiveTableSpec, relation: string, cutoff: Date): Promise<WarmSlice[]> {
    const slices: WarmSlice[] = [];
    const lastDay = dayStart(cutoff).getTime();
    let from = new Date(0);
    for (;;) {
      const rows = (await this.dataSource.query(
        `SELECT min(s.${this.q(spec.timeColumn)}) AS oldest FROM ${relation} s
          WHERE s.${this.q(spec.timeColumn)} >= ${this.p(1)} AND s.${this.q(spec.timeColumn)} < ${this.p(2)}
          ${spec.archivableWhen ? `AND ${spec.archivableWhen}` : ''}`,
        [this.t(from), this.t(new Date(lastDay))],
      )) as { oldest: unknown }[];
      if (!rows[0] || rows[0].oldest === null || rows[0].oldest === undefined) break;
      const start = dayStart(new Date(isoTime(rows[0].oldest)));
      const end = new Date(start.getTime() + DAY_MS);
      slices.push({ table: spec.table, start, end, relation, wholePartition: false });
      from = end;
    }
    return slices;
  }

  /** The rows of a slice in (time, id) order, `batch` at a time; never the whole day in memory. */
  async stream(spec: ArchiveTableSpec, slice: WarmSlice, batch: number, onRows: (rows: Row[]) => Promise<void>): Promise<void> {
    if (this.postgres && spec.fromCopyRow) await this.streamPostgresCopy(spec, slice, onRows);
    else if (this.postgres) await this.streamPostgres(spec, slice, batch, onRows);
    else await this.streamSqlite(spec, slice, batch, onRows);
  }

  /**
   * PostgreSQL, tables with a COPY decoder: `COPY (SELECT …) TO STDOUT` in one snapshot,
   * decoded chunk by chunk with backpressure (the next chunk is read only once the rows of
   * this one are in the segment builder). Rows come in physical order, which for a day
   * partition filled by live ingestion is close to time order; each segment member
   * records its own time range, so nothing depends on the order.
   */
  private async streamPostgresCopy(
    spec: ArchiveTableSpec,
    slice: WarmSlice,
    onRows: (rows: Row[]) => Promise<void>,
  ): Promise<void> {
    const decode = spec.fromCopyRow!;
    await inTransaction(this.dataSource, async (runner, connection) => {
      const client = connection as PoolClient;
      await runner.query(`SET LOCAL TimeZone = 'UTC'`);
      await runner.query(`SET LOCAL DateStyle = 'ISO, YMD'`);
      const source = client.query(
        copyStreams.to(
          `COPY (SELECT ${spec.columns.map((column) => `s.${this.q(column)}`).join(', ')} FROM ${slice.relation} s
            WHERE ${this.sliceWhere(spec, slice, true)}) TO STDOUT`,
        ),
      );
      const text = new StringDecoder('utf8');
      let carry = '';
      await pipeline(
        source,
        new Writable({
          write(chunk: Buffer, _encoding, done) {
            const lines = (carry + text.write(chunk)).split('\n');
            carry = lines.pop() ?? '';
            if (lines.length === 0) return done();
            onRows(lines.map((line) => decode(splitCopyRow(line)))).then(() => done(), done);
          },
          final(done) {
            const rest = carry + text.end();
            if (rest.length === 0) return done();
            onRows(rest.split('\n').filter((line) => line.length > 0).map((line) => decode(splitCopyRow(line)))).then(() => done(), done);
          },
        }),
      );
    }, 'REPEATABLE READ');
  }

  private async streamPostgres(
    spec: ArchiveTableSpec,
    slice: WarmSlice,
    batch: number,
    onRows: (rows: Row[]) => Promise<void>,
  ): Promise<void> {
    // One snapshot for the whole slice; a server-side cursor hands it over in batches.
    await inTransaction(this.dataSource, async (runner) => {
      // The (time, id) sort of a day: in memory where it fits rather than in temp files.
      await runner.query(`SET LOCAL work_mem = '${SORT_MEMORY}'`);
      await runner.query(
        `DECLARE archive_rows NO SCROLL CURSOR FOR
         SELECT ${spec.columns.map((column) => `s.${this.q(column)}`).join(', ')} FROM ${slice.relation} s
          WHERE ${this.sliceWhere(spec, slice, true)}
          ORDER BY s.${this.q(spec.timeColumn)}, s.id`,
      );
      const fetch = () => runner.query(`FETCH ${Math.trunc(batch)} FROM archive_rows`) as Promise<Row[]>;
      let next = fetch();
      for (;;) {
        const rows = await next;
        if (rows.length === 0) break;
        // PostgreSQL prepares the next batch while this one is encoded and compressed.
        next = fetch();
        next.catch(() => undefined);
        await onRows(rows);
      }
      await runner.query('CLOSE archive_rows');
    }, 'REPEATABLE READ');
  }

  private async streamSqlite(
    spec: ArchiveTableSpec,
    slice: WarmSlice,
    batch: number,
    onRows: (rows: Row[]) => Promise<void>,
  ): Promise<void> {
    const time = this.q(spec.timeColumn);
    let after: { time: string; id: string } | null = null;
    for (;;) {
      // Keyset paging on (time, id): each page is an index range scan.
      const rows = (await this.dataSource.query(
        `SELECT ${spec.columns.map((column) => `s.${this.q(column)}`).join(', ')} FROM ${slice.relation} s
          WHERE ${this.sliceWhere(spec, slice, false)}
          ${after ? `AND (s.${time} > ? OR (s.${time} = ? AND s.id > ?))` : ''}
          ORDER BY s.${time}, s.id LIMIT ${Math.trunc(batch)}`,
        after ? [after.time, after.time, after.id] : [],
      )) as Row[];
      if (rows.length === 0) break;
      const last = rows[rows.length - 1];
      after = { time: String(last[spec.timeColumn]), id: String(last.id) };
      await onRows(rows);
      if (rows.length < batch) break;
    }
  }

  /**
   * Removes the slice from the warm store, but only if it still holds exactly `expected`
   * rows (more means rows arrived after the archive was cut: the caller archives again),
   * and runs `alongside` in the same transaction. Returns the count found.
   *
   * PostgreSQL: inside the caller's fenced transaction. SQLite: one connection serves every
   * writer of the process, so a transaction held open across awaits would take in other
   * writers' statements; the check, the delete and `alongside` run instead as one
   * synchronous better-sqlite3 transaction, which nothing can interleave with.
   */
  async removeIfCount(
    transaction: FencedTransaction,
    spec: ArchiveTableSpec,
    slice: WarmSlice,
    expected: number,
    alongside: { sql: string; parameters: unknown[] },
  ): Promise<{ removed: boolean; found: number }> {
    if (!this.postgres) return this.removeIfCountSqlite(spec, slice, expected, alongside);
    // Writers of this day wait (briefly) until the decision is made.
    await transaction.query(
      `LOCK TABLE ${slice.relation} IN ${slice.wholePartition ? 'ACCESS EXCLUSIVE' : 'SHARE ROW EXCLUSIVE'} MODE`,
    );
    const where = this.sliceWhere(spec, slice, true);
    const [{ found }] = (await transaction.query(
      `SELECT count(*) AS found FROM ${slice.relation} s WHERE ${where}`,
    )) as { found: number | string }[];
    if (Number(found) !== expected) return { removed: false, found: Number(found) };
    if (slice.wholePartition) {
      await transaction.query(`ALTER TABLE ${spec.table} DETACH PARTITION ${slice.relation}`);
      await transaction.query(`DROP TABLE ${slice.relation}`);
    } else {
      // `s` is the alias the conditions use.
      await transaction.query(`DELETE FROM ${slice.relation} AS s WHERE ${where}`);
    }
    await transaction.query(alongside.sql, alongside.parameters);
    return { removed: true, found: Number(found) };
  }

  private removeIfCountSqlite(
    spec: ArchiveTableSpec,
    slice: WarmSlice,
    expected: number,
    alongside: { sql: string; parameters: unknown[] },
  ): { removed: boolean; found: number } {
    const database = (this.dataSource.driver as unknown as { databaseConnection: SqliteHandle }).databaseConnection;
    const where = this.sliceWhere(spec, slice, false);
    return database.transaction(() => {
      const { found } = database.prepare(`SELECT count(*) AS found FROM ${slice.relation} s WHERE ${where}`).get() as { found: number };
      if (found !== expected) return { removed: false, found };
      database.prepare(`DELETE FROM ${slice.relation} AS s WHERE ${where}`).run();
      database.prepare(alongside.sql).run(...alongside.parameters);
      return { removed: true, found };
    })();
  }

  /** After a dropped partition's transaction committed: let a later write recreate it. */
  forgetPartition(slice: WarmSlice): void {
    if (slice.wholePartition) this.partitions.forget(slice.relation);
  }

  private sliceWhere(spec: ArchiveTableSpec, slice: WarmSlice, literal: boolean): string {
    const time = `s.${this.q(spec.timeColumn)}`;
    const bounds = literal
      ? `${time} >= '${slice.start.toISOString()}'::timestamptz AND ${time} < '${slice.end.toISOString()}'::timestamptz`
      : this.postgres
        ? `${time} >= '${slice.start.toISOString()}' AND ${time} < '${slice.end.toISOString()}'`
        : `${time} >= '${sqliteTime(slice.start)}' AND ${time} < '${sqliteTime(slice.end)}'`;
    return spec.archivableWhen ? `${bounds} AND ${spec.archivableWhen}` : bounds;
  }

  private q(column: string): string {
    return `"${column}"`;
  }

  private p(index: number): string {
    return this.postgres ? `$${index}` : '?';
  }

  private t(at: Date): string {
    return timeValue(dialectOf(this.dataSource), at);
  }
}
