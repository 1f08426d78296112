import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { DataSource, type Repository, type SelectQueryBuilder } from 'typeorm';
import type { FencedTransaction } from '../tiering/tiering-lock.js';
import { ArchiveSegmentEntity } from './archive-segment.entity.js';
import { IdFilter } from './id-filter.js';
import { dialectOf, timeValue } from '../../database/sql/dialect.js';
import { isoTime } from '../../database/sql/row-values.js';

/** Every manifest column but the (large) id filter. */
const LISTED_COLUMNS = [
  'id',
  'segmentKey',
  'tableName',
  'sliceStart',
  'generation',
  'sequence',
  'timeFrom',
  'timeTo',
  'rowCount',
  'byteSize',
  'rawSize',
  'sha256',
  'formatVersion',
  'components',
  'componentTypes',
  'eventTypes',
  'levels',
  'members',
  'warmReleasedAt',
  'createdAt',
] as const;

export type ManifestEntry = Omit<ArchiveSegmentEntity, 'idFilter'>;

export interface ColdTableStats {
  table_name: string;
  segments: number;
  rows: number;
  bytes: number;
  raw_bytes: number;
  oldest: string | null;
  newest: string | null;
  pending_segments: number;
}

/**
 * The manifest of the cold tier (table debug_archive_segments). Readers only ever see
 * entries whose rows have left the warm store (`warm_released_at` set): an entry that is
 * recorded but not released describes rows that are still warm.
 */
@Injectable()
export class ManifestRepository {
  private readonly filters = new LRUCache<string, IdFilter>({ max: 2000 });

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get repository(): Repository<ArchiveSegmentEntity> {
    return this.dataSource.getRepository(ArchiveSegmentEntity);
  }

  private get postgres(): boolean {
    return this.dataSource.options.type === 'postgres';
  }

  /** A time as a query parameter of this dialect. */
  private t(at: Date): string {
    return timeValue(dialectOf(this.dataSource), at);
  }

  private listed(): SelectQueryBuilder<ArchiveSegmentEntity> {
    return this.repository.createQueryBuilder('m').select(LISTED_COLUMNS.map((column) => `m.${column}`));
  }

  /** Entries of a slice recorded by a run that did not get to remove the warm rows. */
  async unreleased(table: string, sliceStart: Date): Promise<ManifestEntry[]> {
    return this.listed()
      .where('m.tableName = :table AND m.sliceStart = :start AND m.warmReleasedAt IS NULL', {
        table,
        start: this.t(sliceStart),
      })
      .orderBy('m.generation')
      .addOrderBy('m.sequence')
      .getMany();
  }

  async maxGeneration(table: string, sliceStart: Date): Promise<number> {
    const row = await this.repository
      .createQueryBuilder('m')
      .select('max(m.generation)', 'generation')
      .where('m.tableName = :table AND m.sliceStart = :start', { table, start: this.t(sliceStart) })
      .getRawOne<{ generation: number | null }>();
    return Number(row?.generation ?? 0);
  }

  /** Records the segments of one archiving pass together: all of them or none. */
  async record(entries: ArchiveSegmentEntity[]): Promise<void> {
    if (entries.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      for (let index = 0; index < entries.length; index += 100) {
        await manager.getRepository(ArchiveSegmentEntity).insert(entries.slice(index, index + 100));
      }
    });
  }

  /**
   * The statement that releases entries (they answer reads from then on). It must run in
   * the same transaction that removes their rows from the warm store.
   */
  releaseStatement(ids: readonly string[], at: Date): { sql: string; parameters: unknown[] } {
    const placeholders = ids.map((_, index) => (this.postgres ? `$${index + 2}` : '?')).join(', ');
    return {
      sql: `UPDATE debug_archive_segments SET warm_released_at = ${this.postgres ? '$1' : '?'} WHERE id IN (${placeholders})`,
      parameters: [this.t(at), ...ids],
    };
  }

  async delete(ids: readonly string[], transaction?: FencedTransaction): Promise<void> {
    if (ids.length === 0) return;
    if (transaction) {
      const placeholders = ids.map((_, index) => (this.postgres ? `$${index + 1}` : '?')).join(', ');
      await transaction.query(`DELETE FROM debug_archive_segments WHERE id IN (${placeholders})`, [...ids]);
    } else {
      await this.repository.delete([...ids]);
    }
    for (const id of ids) this.filters.delete(id);
  }

  /**
   * Released entries of `table` whose time range meets [from, to] (either end open),
   * in time order; optionally only those that list `componentType`.
   */
  async overlapping(table: string, from: Date | null, to: Date | null): Promise<ManifestEntry[]> {
    const query = this.listed().where('m.tableName = :table AND m.warmReleasedAt IS NOT NULL', { table });
    if (from) query.andWhere('m.timeTo >= :from', { from: this.t(from) });
    if (to) query.andWhere('m.timeFrom <= :to', { to: this.t(to) });
    return query.orderBy('m.timeFrom').addOrderBy('m.generation').addOrderBy('m.sequence').getMany();
  }

  /** Released entries that may hold `id`, those whose time range covers `hint` first. */
  async mayHold(table: string, id: string, hint: Date | null): Promise<ManifestEntry[]> {
    const rows = await this.repository
      .createQueryBuilder('m')
      .select(['m.id', 'm.timeFrom', 'm.timeTo'])
      .where('m.tableName = :table AND m.warmReleasedAt IS NOT NULL', { table })
      .getMany();
    await this.loadFilters(rows.map((row) => row.id));
    const candidates = rows.filter((row) => this.filters.get(row.id)?.mightContain(id) ?? true).map((row) => row.id);
    if (candidates.length === 0) return [];
    const entries = await this.listed().where('m.id IN (:...ids)', { ids: candidates }).getMany();
    const covers = (entry: ManifestEntry) => hint !== null && entry.timeFrom <= hint && hint <= entry.timeTo;
    return entries.sort((a, b) => Number(covers(b)) - Number(covers(a)) || a.timeFrom.getTime() - b.timeFrom.getTime());
  }

  /** Released entries of any table whose newest row is older than `cutoff`. */
  async olderThan(cutoff: Date): Promise<ManifestEntry[]> {
    return this.listed()
      .where('m.timeTo < :cutoff AND m.warmReleasedAt IS NOT NULL', { cutoff: this.t(cutoff) })
      .orderBy('m.timeTo')
      .getMany();
  }

  /** Slices (table, day) that still have any entry: the blob sweep leaves their folders alone. */
  async slicesWithEntries(): Promise<Set<string>> {
    const rows = await this.repository
      .createQueryBuilder('m')
      .select('m.tableName', 'table')
      .addSelect('m.sliceStart', 'start')
      .distinct(true)
      .getRawMany<{ table: string; start: unknown }>();
    return new Set(rows.map((row) => `${row.table}@${dayKey(row.start)}`));
  }

  async stats(): Promise<ColdTableStats[]> {
    const rows = await this.repository
      .createQueryBuilder('m')
      .select('m.tableName', 'table_name')
      .addSelect('count(*)', 'segments')
      .addSelect('sum(CASE WHEN m.warmReleasedAt IS NULL THEN 1 ELSE 0 END)', 'pending_segments')
      .addSelect('sum(CASE WHEN m.warmReleasedAt IS NULL THEN 0 ELSE m.rowCount END)', 'rows')
      .addSelect('sum(m.byteSize)', 'bytes')
      .addSelect('sum(m.rawSize)', 'raw_bytes')
      .addSelect('min(m.timeFrom)', 'oldest')
      .addSelect('max(m.timeTo)', 'newest')
      .groupBy('m.tableName')
      .getRawMany<Record<string, unknown>>();
    return rows.map((row) => ({
      table_name: String(row.table_name),
      segments: Number(row.segments),
      rows: Number(row.rows ?? 0),
      bytes: Number(row.bytes ?? 0),
      raw_bytes: Number(row.raw_bytes ?? 0),
      oldest: row.oldest ? toIso(row.oldest) : null,
      newest: row.newest ? toIso(row.newest) : null,
      pending_segments: Number(row.pending_segments ?? 0),
    }));
  }

  /** Segments are immutable, so their decoded filters are cached for good. */
  private async loadFilters(ids: readonly string[]): Promise<void> {
    const missing = ids.filter((id) => !this.filters.has(id));
    for (let index = 0; index < missing.length; index += 200) {
      const rows = await this.repository
        .createQueryBuilder('m')
        .select(['m.id', 'm.idFilter'])
        .where('m.id IN (:...ids)', { ids: missing.slice(index, index + 200) })
        .getMany();
      for (const row of rows) this.filters.set(row.id, IdFilter.decode(row.idFilter));
    }
  }
}

const toIso = isoTime;

export function dayKey(value: unknown): string {
  return toIso(value).slice(0, 10);
}
