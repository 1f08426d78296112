import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DebugInsightEntity } from '../../database/entities/index.js';
import { sqliteTime } from '../../database/sql/dialect.js';

/** Deletes resolved insights past DEBUG_INSIGHT_RETENTION_HOURS (open and regressed ones stay). */
@Injectable()
export class InsightRetentionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async deleteResolvedBefore(cutoff: Date): Promise<number> {
    const at = this.dataSource.options.type === 'postgres' ? cutoff.toISOString() : sqliteTime(cutoff);
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(DebugInsightEntity)
      .where('status = :status AND resolved_at IS NOT NULL AND resolved_at < :at', { status: 'resolved', at })
      .execute();
    return result.affected ?? 0;
  }
}
