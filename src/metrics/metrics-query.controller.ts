import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MetricPointsQueryDto, MetricQueryAnswerDto, MetricSeriesListDto, MetricSeriesQueryDto } from './dto/metrics-query.dto.js';
import { MetricsQueryService } from './metrics-query.service.js';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsQueryController {
  constructor(private readonly metrics: MetricsQueryService) {}

  @Get('series')
  @ApiOperation({ summary: 'Metric series with points in a range (default the last day): name, component, unit, count, min/max/avg' })
  @ApiOkResponse({ type: MetricSeriesListDto })
  @ApiBadRequestResponse({ description: 'A filter is malformed (the field is named), or from is not before to' })
  series(@Query() query: MetricSeriesQueryDto) {
    return this.metrics.series(query);
  }

  @Get('query')
  @ApiOperation({
    summary: 'One metric over a range by step: avg, min, max, sum, count, p50, p95 or p99 per step, per component',
    description: 'Steps without a point are left out. At most 10,000 steps and 200,000 points per query (else 400 naming the fix).',
  })
  @ApiOkResponse({ type: MetricQueryAnswerDto })
  @ApiBadRequestResponse({ description: 'A parameter is malformed, the step too short for the range, or the range holds too many points' })
  query(@Query() query: MetricPointsQueryDto) {
    return this.metrics.query(query);
  }
}
