import { offsetOf } from '../common/http/list-page.js';
import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../common/auth/scopes.decorator.js';
import { GenerateInsightsDto, ListInsightsQueryDto, ResolveInsightDto } from './dto/insight.dto.js';
import { InsightsService } from './insights.service.js';
import { GenerationResultDto, InsightDto, InsightPageDto } from './dto/insight-responses.dto.js';

@ApiTags('insights')
@Controller('insights')
export class InsightsController {
  constructor(private readonly insights: InsightsService) {}

  @Get()
  @ApiOperation({ summary: 'Insights, most recently seen first, with filters and paging' })
  @ApiOkResponse({ type: InsightPageDto })
  list(@Query() query: ListInsightsQueryDto) {
    return this.insights.list({
      type: query.type,
      severity: query.severity,
      minSeverity: query.min_severity,
      status: query.status,
      component: query.component,
      componentType: query.component_type,
      sessionId: query.session_id,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      limit: query.limit,
      offset: offsetOf(query.cursor, query.offset),
    });
  }

  @Post('generate')
  @HttpCode(200)
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Run every analyzer now over a scope (default: the last hour); answers the insights created, updated and regressed',
  })
  @ApiBody({ type: GenerateInsightsDto, required: false })
  @ApiOkResponse({ type: GenerationResultDto })
  generate(@Body() body: GenerateInsightsDto = {}) {
    return this.insights.generate({
      from: body.from,
      to: body.to,
      components: body.components,
      session_id: body.session_id,
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'One insight with its evidence, confidence factors and lifecycle' })
  @ApiOkResponse({ description: 'The insight', type: InsightDto })
  get(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.insights.get(id);
  }

  @Put(':id/resolve')
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Mark an insight resolved with a note; the same problem seen again afterwards reopens it as regressed',
  })
  @ApiOkResponse({ description: 'The insight, resolved', type: InsightDto })
  resolve(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: ResolveInsightDto) {
    return this.insights.resolve(id, body.note);
  }
}
