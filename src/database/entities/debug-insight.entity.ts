import { Column, Entity, PrimaryColumn } from 'typeorm';

export interface ComponentRef {
  component_type: string;
  component_id: string;
}

/** A problem found in the events. The fingerprint is stable: the same problem updates one row. */
@Entity('debug_insights')
export class DebugInsightEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'insight_type', type: 'varchar', length: 32 })
  insightType: string;

  @Column({ type: 'varchar', length: 16 })
  severity: string;

  @Column({ type: 'varchar', length: 512 })
  title: string;

  @Column({ type: 'text' })
  summary: string;

  @Column({ type: 'varchar', length: 128, unique: true })
  fingerprint: string;

  @Column({ name: 'affected_components', type: 'json' })
  affectedComponents: ComponentRef[];

  @Column({ type: 'json' })
  evidence: Record<string, unknown>;

  @Column({ type: 'double precision' })
  confidence: number;

  @Column({ name: 'confidence_factors', type: 'json' })
  confidenceFactors: Record<string, number>;

  @Column({ type: 'json' })
  suggestions: string[];

  @Column({ type: 'integer', default: 1 })
  occurrences: number;

  @Column({ name: 'first_seen' })
  firstSeen: Date;

  @Column({ name: 'last_seen' })
  lastSeen: Date;

  @Column({ type: 'varchar', length: 16, default: 'open' })
  status: string;

  @Column({ name: 'resolved_at', type: Date, nullable: true })
  resolvedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  resolution: string | null;

  @Column({ name: 'session_id', type: 'varchar', length: 64, nullable: true })
  sessionId: string | null;

  @Column({ name: 'created_at' })
  createdAt: Date;

  @Column({ name: 'updated_at' })
  updatedAt: Date;
}
