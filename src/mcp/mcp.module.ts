import { Module } from '@nestjs/common';
import { AlertingModule } from '../alerting/alerting.module.js';
import { InsightsModule } from '../insights/insights.module.js';
import { QueryModule } from '../query/query.module.js';
import { MetricsQueryModule } from '../metrics/metrics-query.module.js';
import { McpController } from './mcp.controller.js';

/** The query services as MCP tools at /mcp (docs/mcp.md). */
@Module({ imports: [QueryModule, InsightsModule, AlertingModule, MetricsQueryModule], controllers: [McpController] })
export class McpModule {}
