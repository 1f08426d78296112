import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DebugInsightEntity } from '../database/entities/debug-insight.entity.js';
import { PatternsModule } from '../patterns/patterns.module.js';
import { AnomalyAnalyzer } from './analyzers/anomaly.analyzer.js';
import { ConsistencyAnalyzer } from './analyzers/consistency.analyzer.js';
import { ErrorPatternAnalyzer } from './analyzers/error-pattern.analyzer.js';
import { FlowAnalyzer } from './analyzers/flow.analyzer.js';
import { PerformanceAnalyzer } from './analyzers/performance.analyzer.js';
import { InsightAggregatesRepository } from './insight-aggregates.repository.js';
import { InsightRepository } from './insight.repository.js';
import { RollupHourCache } from './insight-hour-cache.js';
import { InsightRollupReader } from './insight-rollup.reader.js';
import { InsightRollupRefresher } from './insight-rollup.refresher.js';
import { InsightsController } from './insights.controller.js';
import { LateEventMinutes } from './late-event-minutes.js';
import { InsightsProcessor } from './insights.processor.js';
import { InsightsService } from './insights.service.js';

/** Insight engine: error patterns, anomalies, performance, flows, state consistency. */
@Module({
  imports: [TypeOrmModule.forFeature([DebugInsightEntity]), PatternsModule],
  controllers: [InsightsController],
  providers: [
    InsightRepository,
    InsightAggregatesRepository,
    InsightRollupRefresher,
    InsightRollupReader,
    RollupHourCache,
    LateEventMinutes,
    ErrorPatternAnalyzer,
    AnomalyAnalyzer,
    PerformanceAnalyzer,
    FlowAnalyzer,
    ConsistencyAnalyzer,
    InsightsService,
    InsightsProcessor,
  ],
  exports: [InsightsService, LateEventMinutes],
})
export class InsightsModule {}
