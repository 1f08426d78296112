import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A component's state at one moment, with the JSON patch from its previous snapshot. */
@Entity('debug_state_snapshots')
export class DebugStateSnapshotEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'component_type', type: 'varchar', length: 128 })
  componentType: string;

  @Column({ name: 'component_id', type: 'varchar', length: 256 })
  componentId: string;

  @Column({ name: 'captured_at' })
  capturedAt: Date;

  @Column({ name: 'correlation_id', type: 'varchar', length: 256, nullable: true })
  correlationId: string | null;

  @Column({ type: 'json' })
  state: Record<string, unknown>;

  /** RFC 6902 operations that turn the previous snapshot's state into this one. */
  @Column({ name: 'diff_from_previous', type: 'json', nullable: true })
  diffFromPrevious: unknown[] | null;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'varchar', length: 64 })
  hash: string;
}
