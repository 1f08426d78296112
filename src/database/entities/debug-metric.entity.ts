import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One metric point. Partitioned by day on PostgreSQL like debug_events. */
@Entity('debug_metrics')
export class DebugMetricEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @PrimaryColumn({ name: 'timestamp' })
  timestamp: Date;

  @Column({ type: 'varchar', length: 256 })
  name: string;

  @Column({ name: 'component_type', type: 'varchar', length: 128 })
  componentType: string;

  @Column({ name: 'component_id', type: 'varchar', length: 256 })
  componentId: string;

  @Column({ type: 'double precision' })
  value: number;

  @Column({ type: 'varchar', length: 32, nullable: true })
  unit: string | null;

  @Column({ type: 'json', nullable: true })
  tags: Record<string, string> | null;
}
