import {
  Controller,
  Delete,
  Get,
  Logger,
  MethodNotAllowedException,
  Post,
  Req,
  RequestMethod,
  Res,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AlertingService } from '../alerting/alerting.service.js';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Request, Response } from 'express';
import { ApiKeyService } from '../common/auth/api-key.service.js';
import { Public } from '../common/auth/scopes.decorator.js';
import { InsightsService } from '../insights/insights.service.js';
import { AskService } from '../query/ask/ask.service.js';
import { CompareService } from '../query/compare.service.js';
import { ComponentHealthService } from '../query/component-health.service.js';
import { EventAnalyticsService } from '../query/event-analytics.service.js';
import { ExplainErrorService } from '../query/explain-error.service.js';
import { OperationProgressService } from '../query/operation-progress.service.js';
import { registerApiKeyTools } from './api-key-tools.js';
import { InvestigationTools } from './investigation-tools.js';
import { registerTools } from './mcp-tools.js';
import { MetricsQueryService } from '../metrics/metrics-query.service.js';

/** Where the MCP endpoint is: outside the `api/debug` prefix, as MCP clients expect. */
export const MCP_ROUTES = [{ path: 'mcp', method: RequestMethod.ALL }];

/**
 * The agent queries as MCP tools over Streamable HTTP at /mcp, stateless: every POST gets a
 * fresh server and transport, so any API instance can answer any call. The global API-key
 * guard admits it (the `read` scope) and the global filter answers its errors with the
 * envelope; resolving an insight needs the `ingest` scope too, and the API-key tools `admin`,
 * which the tools check.
 */
@ApiExcludeController()
@Controller('mcp')
export class McpController {
  private readonly logger = new Logger(McpController.name);

  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly health: ComponentHealthService,
    private readonly progress: OperationProgressService,
    private readonly explain: ExplainErrorService,
    private readonly compare: CompareService,
    private readonly analytics: EventAnalyticsService,
    private readonly ask: AskService,
    private readonly insights: InsightsService,
    private readonly metrics: MetricsQueryService,
    private readonly alerting: AlertingService,
    private readonly investigation: InvestigationTools,
    private readonly keys: ApiKeysService,
  ) {}

  @Post()
  async call(@Req() request: Request, @Res() response: Response): Promise<void> {
    const presented = ApiKeyService.keyFromHeaders(request.headers);
    const write = this.apiKeys.check(presented, 'ingest');
    const admin = this.apiKeys.check(presented, 'admin');
    const server = new McpServer(
      { name: 'ai-debug-system', version: '0.1.0' },
      { capabilities: { tools: {} } },
    );
    registerTools(server, {
      health: this.health,
      progress: this.progress,
      explain: this.explain,
      compare: this.compare,
      analytics: this.analytics,
      ask: this.ask,
      insights: this.insights,
      metrics: this.metrics,
      alerting: this.alerting,
      writeRefusal:
        write.outcome === 'allowed'
          ? null
          : 'resolving an insight needs an API key with the "ingest" scope',
    });
    this.investigation.register(server);
    registerApiKeyTools(
      server,
      this.keys,
      admin.outcome === 'allowed'
        ? null
        : 'managing API keys needs an API key with the "admin" scope',
    );
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    response.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(request, response, request.body);
    } catch (error) {
      this.logger.error(`MCP request failed: ${(error as Error).message}`, (error as Error).stack);
      // a JSON-RPC error, as the client speaks JSON-RPC here (the envelope is for REST)
      if (!response.headersSent) {
        response
          .status(500)
          .json({ jsonrpc: '2.0', error: { code: -32603, message: 'internal error' }, id: null });
      }
    }
  }

  @Get()
  @Delete()
  @Public()
  refuse(): never {
    throw new MethodNotAllowedException(
      'this MCP server is stateless: POST JSON-RPC messages to /mcp',
    );
  }
}
