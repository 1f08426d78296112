import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import { newId } from '../../common/ids.js';
import { type TieringOutcome, TieringRunEntity } from './tiering-run.entity.js';
import { dialectOf, timeValue } from '../../database/sql/dialect.js';

const KEEP_DAYS = 30;

/** The log of tiering job runs (debug_tiering_runs), shared by every worker. */
@Injectable()
export class TieringRunsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get repository(): Repository<TieringRunEntity> {
    return this.dataSource.getRepository(TieringRunEntity);
  }

  private t(at: Date): string {
    return timeValue(dialectOf(this.dataSource), at);
  }

  async start(job: string, worker: string, at: Date): Promise<string> {
    const id = newId(at);
    await this.repository.insert({ id, job, startedAt: at, finishedAt: null, outcome: 'running', summary: null, error: null, worker });
    return id;
  }

  async finish(id: string, outcome: TieringOutcome, at: Date, summary: Record<string, unknown> | null, error: string | null) {
    const changes: Partial<TieringRunEntity> = { outcome, finishedAt: at, summary, error };
    await this.repository.update({ id }, changes as Parameters<Repository<TieringRunEntity>['update']>[1]);
  }

  /** A run that found the lock taken: recorded so "overlapping schedules" are visible. */
  async skipped(job: string, worker: string, at: Date, reason: string): Promise<string> {
    const id = newId(at);
    await this.repository.insert({
      id,
      job,
      startedAt: at,
      finishedAt: at,
      outcome: 'skipped',
      summary: { reason },
      error: null,
      worker,
    });
    return id;
  }

  /**
   * Runs of `job` still marked running while the caller holds the job's lock: their
   * worker died mid-run. Marked failed so stats do not show them as running for ever.
   */
  async abandon(job: string, at: Date): Promise<number> {
    const result = await this.repository
      .createQueryBuilder()
      .update(TieringRunEntity)
      .set({ outcome: 'failed', finishedAt: at, error: 'abandoned: the worker running it stopped before finishing' })
      .where('job = :job AND outcome = :running', { job, running: 'running' })
      .execute();
    return result.affected ?? 0;
  }

  async prune(now: Date): Promise<void> {
    await this.repository
      .createQueryBuilder()
      .delete()
      .from(TieringRunEntity)
      .where('started_at < :cutoff', { cutoff: this.t(new Date(now.getTime() - KEEP_DAYS * 86_400_000)) })
      .execute();
  }

  /** The latest `perJob` runs of each job, newest first, and each job's last successful run. */
  async recent(jobs: readonly string[], perJob: number): Promise<Record<string, { runs: TieringRunEntity[]; lastOk: TieringRunEntity | null }>> {
    const result: Record<string, { runs: TieringRunEntity[]; lastOk: TieringRunEntity | null }> = {};
    for (const job of jobs) {
      const runs = await this.repository.find({ where: { job }, order: { startedAt: 'DESC' }, take: perJob });
      const lastOk = await this.repository.findOne({ where: { job, outcome: 'ok' }, order: { startedAt: 'DESC' } });
      result[job] = { runs, lastOk };
    }
    return result;
  }
}
