import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ArchiveTableSpec } from '../tiering/archive-tables.js';
import { isoTime } from '../../database/sql/row-values.js';

export interface WarmTableStats {
  rows: number;
  /** On-disk size of the table with its indexes (PostgreSQL); null on SQLite, which reports the database file instead. */
  bytes: number | null;
  oldest: string | null;
  newest: string | null;
  partitions: number | null;
}

/** Sizes and time ranges of the warm tables, for storage stats. */
@Injectable()
export class WarmStatsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get postgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  async table(spec: ArchiveTableSpec): Promise<WarmTableStats> {
    const [summary] = (await this.dataSource.query(
      `SELECT count(*) AS rows, min("${spec.timeColumn}") AS oldest, max("${spec.timeColumn}") AS newest FROM ${spec.table}`,
    )) as { rows: string | number; oldest: unknown; newest: unknown }[];
    let bytes: number | null = null;
    let partitions: number | null = null;
    if (this.postgres) {
      const [size] = (await this.dataSource.query(
        `SELECT coalesce(sum(pg_total_relation_size(i.inhrelid)), 0) + pg_total_relation_size($1::regclass) AS bytes,
                count(i.inhrelid) AS partitions
           FROM pg_class p LEFT JOIN pg_inherits i ON i.inhparent = p.oid
          WHERE p.oid = $1::regclass`,
        [spec.table],
      )) as { bytes: string; partitions: string }[];
      bytes = Number(size.bytes);
      partitions = spec.partitioned ? Number(size.partitions) : null;
    }
    return {
      rows: Number(summary.rows),
      bytes,
      oldest: summary.oldest ? isoTime(summary.oldest) : null,
      newest: summary.newest ? isoTime(summary.newest) : null,
      partitions,
    };
  }

  /** Size of the whole warm database (PostgreSQL database or SQLite file). */
  async databaseBytes(): Promise<number> {
    if (this.postgres) {
      const [row] = (await this.dataSource.query(
        'SELECT pg_database_size(current_database()) AS bytes',
      )) as { bytes: string }[];
      return Number(row.bytes);
    }
    const [pages] = (await this.dataSource.query('PRAGMA page_count')) as { page_count: number }[];
    const [size] = (await this.dataSource.query('PRAGMA page_size')) as { page_size: number }[];
    return pages.page_count * size.page_size;
  }
}
