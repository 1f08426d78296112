import { Column, Entity, PrimaryColumn } from 'typeorm';

export const TIERING_OUTCOMES = ['running', 'ok', 'failed', 'skipped'] as const;
export type TieringOutcome = (typeof TIERING_OUTCOMES)[number];

/** One run of a tiering job, whichever worker ran it: what storage stats report as "last runs". */
@Entity('debug_tiering_runs')
export class TieringRunEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  job: string;

  @Column({ name: 'started_at' })
  startedAt: Date;

  @Column({ name: 'finished_at', type: Date, nullable: true })
  finishedAt: Date | null;

  @Column({ type: 'varchar', length: 16 })
  outcome: string;

  @Column({ type: 'json', nullable: true })
  summary: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'varchar', length: 128 })
  worker: string;
}
