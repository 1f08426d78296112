import { Module } from '@nestjs/common';
import { AlertingModule } from '../alerting/alerting.module.js';
import { AlertingService } from '../alerting/alerting.service.js';
import { ApiKeysModule } from '../api-keys/api-keys.module.js';
import { InsightsModule } from '../insights/insights.module.js';
import { MetricsQueryModule } from '../metrics/metrics-query.module.js';
import { PatternsModule } from '../patterns/patterns.module.js';
import { QueryModule } from '../query/query.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { InvestigationTools } from './investigation-tools.js';
import { McpController } from './mcp.controller.js';
import { FIRING_ALERTS_SOURCE, firingAlertsOf, TriageService } from './triage.service.js';

/** The query services as MCP tools at /mcp (docs/mcp.md). */
@Module({
  imports: [
    QueryModule,
    InsightsModule,
    AlertingModule,
    ApiKeysModule,
    MetricsQueryModule,
    PatternsModule,
    StorageModule,
  ],
  controllers: [McpController],
  providers: [
    TriageService,
    InvestigationTools,
    { provide: FIRING_ALERTS_SOURCE, inject: [AlertingService], useFactory: firingAlertsOf },
  ],
})
export class McpModule {}
