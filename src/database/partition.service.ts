import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.service.js';
import { inTransaction } from './sql/sql-runner.js';

export const PARTITIONED_TABLES = ['debug_events', 'debug_metrics'] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

const DAY_MS = 86_400_000;

export function dayStart(at: Date | number): Date {
  const time = typeof at === 'number' ? at : at.getTime();
  return new Date(Math.floor(time / DAY_MS) * DAY_MS);
}

export function partitionName(table: PartitionedTable, day: Date): string {
  return `${table}_p${day.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/**
 * Keeps PostgreSQL day partitions of debug_events and debug_metrics in place: created
 * ahead of time for today + N days, and on demand for any day a write touches. Rows
 * that reached the default partition first are moved into the new day partition.
 * On SQLite every method is a no-op.
 */
@Injectable()
export class PartitionService {
  private readonly logger = new Logger(PartitionService.name);
  private readonly known = new Set<string>();
  /** Creations of this process, one after another (see createPartition). */
  private creating: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  get partitioned(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /** Creates partitions for yesterday through today + DEBUG_PARTITION_DAYS_AHEAD. */
  async maintain(now = new Date()): Promise<string[]> {
    if (!this.partitioned) return [];
    const today = dayStart(now).getTime();
    const days: Date[] = [];
    for (let offset = -1; offset <= this.config.partitionDaysAhead; offset++)
      days.push(new Date(today + offset * DAY_MS));
    const created: string[] = [];
    for (const table of PARTITIONED_TABLES) created.push(...(await this.ensureDays(table, days)));
    return created;
  }

  /** Makes sure every day that one of `times` falls on has its partition. Cheap when they exist. */
  async ensureFor(table: PartitionedTable, times: Iterable<Date | number>): Promise<string[]> {
    if (!this.partitioned) return [];
    const days = new Map<number, Date>();
    for (const time of times) {
      const day = dayStart(time);
      if (!this.known.has(partitionName(table, day))) days.set(day.getTime(), day);
    }
    return days.size === 0 ? [] : this.ensureDays(table, [...days.values()]);
  }

  /** The day partitions of `table`, oldest first, with their day. */
  async list(table: PartitionedTable): Promise<{ name: string; day: Date }[]> {
    if (!this.partitioned) return [];
    const rows: { name: string }[] = await this.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i
         JOIN pg_class c ON c.oid = i.inhrelid
         JOIN pg_class p ON p.oid = i.inhparent
       WHERE p.relname = $1 AND c.relname ~ '_p[0-9]{8}$' ORDER BY c.relname`,
      [table],
    );
    return rows.map(({ name }) => {
      const digits = name.slice(-8);
      return {
        name,
        day: new Date(
          `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}T00:00:00Z`,
        ),
      };
    });
  }

  /** Forgets a dropped partition so that a later write recreates it. */
  forget(name: string): void {
    this.known.delete(name);
  }

  private ensureDays(table: PartitionedTable, days: Date[]): Promise<string[]> {
    const run = this.creating.then(() => this.createMissing(table, days));
    this.creating = run.catch(() => undefined);
    return run;
  }

  private async createMissing(table: PartitionedTable, days: Date[]): Promise<string[]> {
    const created: string[] = [];
    for (const day of days) {
      const name = partitionName(table, day);
      if (this.known.has(name)) continue;
      if (await this.createPartition(table, name, day)) created.push(name);
      this.known.add(name);
    }
    if (created.length > 0) this.logger.log(`created partitions ${created.join(', ')}`);
    return created;
  }

  private async createPartition(
    table: PartitionedTable,
    name: string,
    day: Date,
  ): Promise<boolean> {
    const from = day.toISOString();
    const to = new Date(day.getTime() + DAY_MS).toISOString();
    return inTransaction(this.dataSource, async (runner) => {
      // One creator per parent table at a time, across processes: two CREATE … PARTITION OF
      // the same parent for different days deadlock on the parent and its default partition.
      await runner.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ads:partition:${table}`]);
      const [{ exists }] = await runner.query('SELECT to_regclass($1) IS NOT NULL AS exists', [
        name,
      ]);
      if (exists) return false;
      const bounds = `FOR VALUES FROM ('${from}') TO ('${to}')`;
      const [{ strays }] = await runner.query(
        `SELECT count(*)::int AS strays FROM ${table}_default WHERE "timestamp" >= $1 AND "timestamp" < $2`,
        [from, to],
      );
      if (strays === 0) {
        await runner.query(`CREATE TABLE ${name} PARTITION OF ${table} ${bounds}`);
      } else {
        // Rows of that day already sit in the default partition: move them into the new one.
        await runner.query(`CREATE TABLE ${name} (LIKE ${table} INCLUDING DEFAULTS)`);
        await runner.query(
          `WITH moved AS (DELETE FROM ${table}_default WHERE "timestamp" >= $1 AND "timestamp" < $2 RETURNING *)
           INSERT INTO ${name} SELECT * FROM moved`,
          [from, to],
        );
        await runner.query(`ALTER TABLE ${table} ATTACH PARTITION ${name} ${bounds}`);
        this.logger.log(
          `moved ${strays} rows of ${from.slice(0, 10)} from ${table}_default into ${name}`,
        );
      }
      return true;
    });
  }
}
