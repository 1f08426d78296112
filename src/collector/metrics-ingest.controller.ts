import { Body, Controller, HttpCode, HttpStatus, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBody, ApiCreatedResponse, ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { RequireScope } from '../common/auth/scopes.decorator.js';
import { ErrorEnvelope } from '../common/errors/error-envelope.js';
import { MetricBatchDto, MetricPointDto } from './dto/metric.dto.js';
import { IngestEnabledGuard } from './ingest-enabled.guard.js';
import { MetricsIngestService, type MetricsAnswer } from './metrics-ingest.service.js';
import { BatchAcceptedAnswer } from './dto/ingest-answers.dto.js';

@ApiTags('ingestion')
@Controller()
@UseGuards(IngestEnabledGuard)
@ApiExtraModels(MetricPointDto, MetricBatchDto)
export class MetricsIngestController {
  constructor(private readonly metrics: MetricsIngestService) {}

  @Post('metrics')
  @RequireScope('ingest')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Record metric points (one, or { "metrics": [...] })',
    description:
      'Committed to the warm store before the answer and streamed as debug:metric_update. A batch with some bad points ' +
      'answers 207 with a result per point; the good ones are kept. (GET /metrics is the Prometheus scrape of this service.)',
  })
  @ApiBody({
    schema: { oneOf: [{ $ref: getSchemaPath(MetricPointDto) }, { $ref: getSchemaPath(MetricBatchDto) }] },
    examples: {
      single: { value: { name: 'queue.depth', value: 42, component_type: 'worker', component_id: 'billing-2', unit: 'jobs' } },
      batch: {
        value: {
          metrics: [
            { name: 'latency.p99', value: 182.5, unit: 'ms', component_type: 'api', component_id: 'gateway-1', tags: { route: '/orders' } },
            { name: 'tokens.used', value: 1532, component_type: 'agent', component_id: 'planner-7' },
          ],
        },
      },
    },
  })
  @ApiCreatedResponse({ description: 'Every point accepted (or a known duplicate)', type: BatchAcceptedAnswer })
  @ApiResponse({ status: 207, description: 'Some points rejected: `results` says which and why.', type: BatchAcceptedAnswer })
  @ApiBadRequestResponse({ type: ErrorEnvelope })
  async record(@Body() body: unknown, @Res({ passthrough: true }) response: Response): Promise<MetricsAnswer> {
    const answer = await this.metrics.ingest(body);
    if (answer.rejected > 0) response.status(207);
    return answer;
  }
}
