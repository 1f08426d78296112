import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Request, Response } from 'express';
import { QueryCacheService } from '../cache/query-cache.service.js';
import { ApiKeyService } from '../common/auth/api-key.service.js';
import { InsightsModule } from '../insights/insights.module.js';
import { InsightsService } from '../insights/insights.service.js';
import { AskService } from '../query/ask/ask.service.js';
import { CompareService } from '../query/compare.service.js';
import { ComponentHealthService } from '../query/component-health.service.js';
import { EventAnalyticsService } from '../query/event-analytics.service.js';
import { ExplainErrorService } from '../query/explain-error.service.js';
import { OperationProgressService } from '../query/operation-progress.service.js';
import { QueryModule } from '../query/query.module.js';
import { registerTools } from './mcp-tools.js';
import { MetricsQueryModule } from '../metrics/metrics-query.module.js';
import { MetricsQueryService } from '../metrics/metrics-query.service.js';

/** Where the MCP endpoint is mounted: outside the `api/debug` prefix, as MCP clients expect. */
export const MCP_PATH = '/mcp';

/**
 * The agent queries as MCP tools over Streamable HTTP at /mcp, stateless: every POST gets a
 * fresh server and transport, so any API instance can answer any call. The route is added to
 * the Express adapter directly (not a Nest controller), which keeps it out of the global
 * prefix without touching bootstrap; the API key is checked here with ApiKeyService.
 */
@Module({ imports: [QueryModule, InsightsModule, MetricsQueryModule] })
export class McpModule implements OnModuleInit {
  private readonly logger = new Logger(McpModule.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly apiKeys: ApiKeyService,
    private readonly health: ComponentHealthService,
    private readonly progress: OperationProgressService,
    private readonly explain: ExplainErrorService,
    private readonly compare: CompareService,
    private readonly analytics: EventAnalyticsService,
    private readonly ask: AskService,
    private readonly insights: InsightsService,
    private readonly cache: QueryCacheService,
    private readonly metrics: MetricsQueryService,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return; // worker role: no HTTP
    adapter.post(MCP_PATH, (request: Request, response: Response) => void this.handle(request, response));
    const refuse = (_request: Request, response: Response) =>
      reply(response, 405, 'Method Not Allowed', 'this MCP server is stateless: POST JSON-RPC messages to /mcp');
    adapter.get(MCP_PATH, refuse);
    adapter.delete(MCP_PATH, refuse);
  }

  private async handle(request: Request, response: Response): Promise<void> {
    const key = ApiKeyService.keyFromHeaders(request.headers);
    const check = this.apiKeys.check(key, 'read');
    if (check.outcome !== 'allowed') {
      const [status, error, message] =
        check.outcome === 'forbidden'
          ? ([403, 'Forbidden', 'this API key lacks the "read" scope /mcp needs'] as const)
          : check.outcome === 'missing'
            ? ([401, 'Unauthorized', 'an API key is required: send X-API-Key or Authorization: Bearer'] as const)
            : ([401, 'Unauthorized', 'the API key is not valid'] as const);
      reply(response, status, error, message);
      return;
    }
    const write = this.apiKeys.check(key, 'ingest');
    const server = new McpServer({ name: 'ai-debug-system', version: '0.1.0' }, { capabilities: { tools: {} } });
    registerTools(server, {
      health: this.health,
      progress: this.progress,
      explain: this.explain,
      compare: this.compare,
      analytics: this.analytics,
      ask: this.ask,
      insights: this.insights,
      cache: this.cache,
      metrics: this.metrics,
      writeRefusal: write.outcome === 'allowed' ? null : 'resolving an insight needs an API key with the "ingest" scope',
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(request, response, request.body);
    } catch (error) {
      this.logger.error(`MCP request failed: ${(error as Error).message}`, (error as Error).stack);
      if (!response.headersSent) {
        response.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'internal error' }, id: null });
      }
    }
  }
}

function reply(response: Response, statusCode: number, error: string, message: string): void {
  response.status(statusCode).json({ statusCode, error, message });
}
