import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The manifest: one row per cold-tier segment. A segment holds the rows of one table for
 * part of one UTC day (a "slice"); the rows of one archiving pass of a slice share a
 * generation. `warmReleasedAt` is null while the same rows are still in the warm store
 * (archived, not yet dropped there): readers skip such segments so nothing is read twice.
 */
@Entity('debug_archive_segments')
export class ArchiveSegmentEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'segment_key', type: 'varchar', length: 512, unique: true })
  segmentKey: string;

  @Column({ name: 'table_name', type: 'varchar', length: 64 })
  tableName: string;

  @Column({ name: 'slice_start' })
  sliceStart: Date;

  @Column({ type: 'integer' })
  generation: number;

  @Column({ type: 'integer' })
  sequence: number;

  @Column({ name: 'time_from' })
  timeFrom: Date;

  @Column({ name: 'time_to' })
  timeTo: Date;

  @Column({ name: 'row_count', type: 'integer' })
  rowCount: number;

  @Column({ name: 'byte_size', type: 'integer' })
  byteSize: number;

  @Column({ name: 'raw_size', type: 'integer' })
  rawSize: number;

  @Column({ type: 'varchar', length: 64 })
  sha256: string;

  @Column({ name: 'format_version', type: 'integer' })
  formatVersion: number;

  /** `component_type/component_id` of every row, or null when there were too many to list. */
  @Column({ type: 'json', nullable: true })
  components: string[] | null;

  @Column({ name: 'component_types', type: 'json' })
  componentTypes: string[];

  @Column({ name: 'event_types', type: 'json', nullable: true })
  eventTypes: string[] | null;

  @Column({ type: 'json', nullable: true })
  levels: string[] | null;

  /** The segment's gzip members: [offset, length, rows, first time ms, last time ms] each (see SegmentMember). */
  @Column({ type: 'json' })
  members: [number, number, number, number, number][];

  /** Base64 Bloom filter of the row ids: answers "might this segment hold id X" without reading it. */
  @Column({ name: 'id_filter', type: 'text' })
  idFilter: string;

  @Column({ name: 'warm_released_at', type: Date, nullable: true })
  warmReleasedAt: Date | null;

  @Column({ name: 'created_at' })
  createdAt: Date;
}
