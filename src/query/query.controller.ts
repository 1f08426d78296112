import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AskService } from './ask/ask.service.js';
import { CompareService } from './compare.service.js';
import { ComponentHealthService } from './component-health.service.js';
import {
  AskDto,
  ComponentHealthDto,
  CompareDto,
  EventIdParamDto,
  OperationParamDto,
  OperationQueryDto,
  PatternIdParamDto,
  SearchEventsDto,
  WindowedQueryDto,
} from './dto/query.dto.js';
import { EventAnalyticsService } from './event-analytics.service.js';
import { ExplainErrorService } from './explain-error.service.js';
import { OperationProgressService } from './operation-progress.service.js';
import * as examples from './query.examples.js';
import { AskAnswerDto, CompareAnswerDto, ComponentHealthAnswerDto, EventSearchDto, ExplainErrorDto, OperationProgressDto, SlowOperationsDto, TopErrorsDto } from './dto/query-responses.dto.js';

@ApiTags('agent queries')
@ApiBadRequestResponse({ description: 'Invalid input; the message names the field' })
@Controller()
export class QueryController {
  constructor(
    private readonly healthService: ComponentHealthService,
    private readonly progressService: OperationProgressService,
    private readonly explainService: ExplainErrorService,
    private readonly compareService: CompareService,
    private readonly analytics: EventAnalyticsService,
    private readonly askService: AskService,
  ) {}

  @Post('analytics/component-health')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Health of one or many components: healthy / degraded / unhealthy, a score and the reasons with numbers',
    description:
      'Error rate and p95 latency of the window against the baseline before it, open insights, silence/staleness, ' +
      'latest state version. Answers from the cache say `cached: true`.',
  })
  @ApiOkResponse({ type: ComponentHealthAnswerDto, example: examples.HEALTH })
  health(@Body() body: ComponentHealthDto) {
    return this.healthService.health(body);
  }

  @Get('operations/:correlationId')
  @ApiOperation({
    summary: 'Progress of one operation (all events of a correlation id): steps in order, status of each, current step, failures, stuck or not',
  })
  @ApiOkResponse({ type: OperationProgressDto, example: examples.PROGRESS })
  @ApiNotFoundResponse({ description: 'No event carries this correlation id' })
  progress(@Param() params: OperationParamDto, @Query() query: OperationQueryDto) {
    return this.progressService.progress(params.correlationId, { stuckAfterSeconds: query.stuck_after_seconds });
  }

  @Get('errors/:eventId/explain')
  @ApiOperation({
    summary: 'Why an error happened: pattern and frequency, affected components, the chain before it, the probable root cause, related and resolved insights, suggestions',
  })
  @ApiOkResponse({ type: ExplainErrorDto, example: examples.EXPLAIN })
  @ApiNotFoundResponse({ description: 'No such event in the warm store' })
  explainEvent(@Param() params: EventIdParamDto) {
    return this.explainService.explainEvent(params.eventId);
  }

  @Get('errors/patterns/:patternId/explain')
  @ApiOperation({ summary: 'Explain an error pattern through its latest (error) event' })
  @ApiOkResponse({ type: ExplainErrorDto, example: examples.EXPLAIN })
  @ApiNotFoundResponse({ description: 'No event has this pattern id' })
  explainPattern(@Param() params: PatternIdParamDto) {
    return this.explainService.explainPattern(params.patternId);
  }

  @Post('analytics/compare')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Components side by side: volume, error rate, latency percentiles, top patterns, where their latest states differ',
    description: 'Name two or more components, or one component_type to compare its instances.',
  })
  @ApiOkResponse({ type: CompareAnswerDto, example: examples.COMPARE })
  compare(@Body() body: CompareDto) {
    return this.compareService.compare(body);
  }

  @Post('analytics/slow-operations')
  @HttpCode(200)
  @ApiOperation({ summary: 'The slowest operations (p95 of duration_ms) of the components in a window' })
  @ApiOkResponse({ type: SlowOperationsDto, example: examples.SLOW })
  slowOperations(@Body() body: WindowedQueryDto) {
    return this.analytics.slowOperations(body);
  }

  @Post('analytics/top-errors')
  @HttpCode(200)
  @ApiOperation({ summary: 'The most frequent error patterns of the components in a window' })
  @ApiOkResponse({ type: TopErrorsDto, example: examples.TOP_ERRORS })
  topErrors(@Body() body: WindowedQueryDto) {
    return this.analytics.topErrors(body);
  }

  @Post('analytics/events-search')
  @HttpCode(200)
  @ApiOperation({ summary: 'A bounded search of the warm store (at most 200 events, newest first)' })
  @ApiOkResponse({ type: EventSearchDto })
  searchEvents(@Body() body: SearchEventsDto) {
    return this.analytics.search(body);
  }

  @Post('ai/query')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Ask in plain words; get a short answer, the data, and the structured queries it ran',
    description:
      'Parsed without a language model: intent + entities (known component names, fuzzy-matched; times such as ' +
      '"last 15 minutes" or "since 10:00"; levels; event, pattern and correlation ids). A question it cannot map ' +
      'gets what was understood and examples that work on this store.',
  })
  @ApiOkResponse({ type: AskAnswerDto, example: examples.ASK })
  ask(@Body() body: AskDto) {
    return this.askService.ask(body.question, { session_id: body.session_id });
  }
}
