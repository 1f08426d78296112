import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A message template learned by the pattern miner (src/patterns), with running counts. */
@Entity('debug_patterns')
export class DebugPatternEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id: string;

  @Column({ type: 'text' })
  template: string;

  @Column({ type: 'json' })
  tokens: string[];

  @Column({ name: 'merged_into', type: 'varchar', length: 32, nullable: true })
  mergedInto: string | null;

  @Column({ type: 'bigint', default: 0 })
  count: string;

  @Column({ name: 'first_seen', type: Date, nullable: true })
  firstSeen: Date | null;

  @Column({ name: 'last_seen', type: Date, nullable: true })
  lastSeen: Date | null;

  @Column({ type: 'json' })
  components: { component_type: string; component_id: string; count: number }[];

  @Column({ type: 'json' })
  levels: Record<string, number>;

  @Column({ name: 'sample_event_ids', type: 'json' })
  sampleEventIds: string[];

  @Column({ name: 'created_at' })
  createdAt: Date;

  @Column({ name: 'changed_at' })
  changedAt: Date;
}
