import { Column, Entity, PrimaryColumn } from 'typeorm';

export const SESSION_STATUSES = ['active', 'closed'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** A named debugging session that scopes queries, streams and insights. */
@Entity('debug_sessions')
export class DebugSessionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 256 })
  name: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'varchar', length: 16, default: 'active' })
  status: string;

  @Column({ type: 'json' })
  filters: Record<string, unknown>;

  @Column({ name: 'created_by', type: 'varchar', length: 256, nullable: true })
  createdBy: string | null;

  @Column({ name: 'created_at' })
  createdAt: Date;

  @Column({ name: 'closed_at', type: Date, nullable: true })
  closedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  summary: string | null;
}
