import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One debug event. On PostgreSQL the table is range-partitioned by day on `timestamp`,
 * so the primary key is (id, timestamp); ids are UUIDv7, whose leading bits are that time.
 * Date columns carry no explicit type: TypeORM maps `Date` to timestamptz-compatible
 * values on PostgreSQL and UTC datetime text on SQLite (the migration fixes the real type).
 */
@Entity('debug_events')
export class DebugEventEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @PrimaryColumn({ name: 'timestamp' })
  timestamp: Date;

  @Column({ name: 'event_type', type: 'varchar', length: 32 })
  eventType: string;

  @Column({ type: 'varchar', length: 16 })
  level: string;

  @Column({ name: 'component_type', type: 'varchar', length: 128 })
  componentType: string;

  @Column({ name: 'component_id', type: 'varchar', length: 256 })
  componentId: string;

  @Column({ name: 'correlation_id', type: 'varchar', length: 256, nullable: true })
  correlationId: string | null;

  @Column({ name: 'parent_event_id', type: 'varchar', length: 64, nullable: true })
  parentEventId: string | null;

  @Column({ type: 'varchar', length: 256, nullable: true })
  operation: string | null;

  @Column({ name: 'duration_ms', type: 'double precision', nullable: true })
  durationMs: number | null;

  @Column({ type: 'text' })
  message: string;

  @Column({ type: 'json', nullable: true })
  data: Record<string, unknown> | null;

  @Column({ type: 'json', nullable: true })
  metadata: Record<string, unknown> | null;

  @Column({ name: 'session_id', type: 'varchar', length: 64, nullable: true })
  sessionId: string | null;

  @Column({ name: 'pattern_id', type: 'varchar', length: 64, nullable: true })
  patternId: string | null;

  @Column({ name: 'ingested_at' })
  ingestedAt: Date;
}
