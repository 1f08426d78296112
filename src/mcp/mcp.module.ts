import { Module } from '@nestjs/common';
import { InsightsModule } from '../insights/insights.module.js';
import { QueryModule } from '../query/query.module.js';
import { PatternsModule } from '../patterns/patterns.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { InvestigationTools } from './investigation-tools.js';
import { McpController } from './mcp.controller.js';
import { TriageService } from './triage.service.js';

/** The query services as MCP tools at /mcp (docs/mcp.md). */
@Module({
  imports: [QueryModule, InsightsModule, PatternsModule, StorageModule],
  controllers: [McpController],
  providers: [TriageService, InvestigationTools],
})
export class McpModule {}
