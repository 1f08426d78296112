import { Module } from '@nestjs/common';
import { InsightsModule } from '../insights/insights.module.js';
import { MetricsQueryModule } from '../metrics/metrics-query.module.js';
import { PatternsModule } from '../patterns/patterns.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { ChangeAnswers } from './ask/change-answers.js';
import { CountAnswers } from './ask/count-answers.js';
import { LatencyAnswers } from './ask/latency-answers.js';
import { AskService } from './ask/ask.service.js';
import { CompareService } from './compare.service.js';
import { ComponentHealthService } from './component-health.service.js';
import { ComponentRegistry } from './component-registry.service.js';
import { EventAnalyticsService } from './event-analytics.service.js';
import { ExplainErrorService } from './explain-error.service.js';
import { OperationProgressService } from './operation-progress.service.js';
import { QueryController } from './query.controller.js';
import { QueryRepository } from './query.repository.js';
import { SessionInsightsController } from './session-insights.controller.js';
import { InsightOccurrencesController } from './insight-occurrences.controller.js';

/** Answers for agents: health, progress, explain, compare, ask. The MCP module exposes the same services as tools. */
@Module({
  imports: [SessionsModule, PatternsModule, InsightsModule, StorageModule, MetricsQueryModule],
  controllers: [QueryController, SessionInsightsController, InsightOccurrencesController],
  providers: [
    QueryRepository,
    ComponentRegistry,
    ComponentHealthService,
    OperationProgressService,
    ExplainErrorService,
    CompareService,
    EventAnalyticsService,
    AskService,
    CountAnswers,
    LatencyAnswers,
    ChangeAnswers,
  ],
  exports: [
    ComponentHealthService,
    OperationProgressService,
    ExplainErrorService,
    CompareService,
    EventAnalyticsService,
    AskService,
    QueryRepository,
  ],
})
export class QueryModule {}
