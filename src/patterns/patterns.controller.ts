import { offsetOf } from '../common/http/list-page.js';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorPatternsQueryDto } from './dto/error-patterns-query.dto.js';
import { WARNING_AND_ABOVE } from '../common/debug-event.js';
import { PatternStatsService } from './pattern-stats.service.js';
import { ErrorPatternsPageDto } from './dto/error-patterns-responses.dto.js';

const DAY_MS = 24 * 60 * 60 * 1000;

const PATTERN_EXAMPLE = {
  pattern_id: '3f1c2a9be07d4410',
  template: 'connection to <*> timed out after <*>',
  count: 412,
  first_seen: '2026-11-24T09:02:11.000Z',
  last_seen: '2026-11-24T09:58:40.000Z',
  levels: { error: 400, critical: 12 },
  components: [
    { component_type: 'payment-service', component_id: 'payment-service-2', count: 390 },
  ],
  sample_event_ids: ['019ab3c2-7a10-7cc1-9a51-3f0c3c1d2e4f'],
  total_count: 5120,
  first_seen_ever: '2026-11-20T14:00:03.000Z',
  merged_pattern_ids: ['a81d0c6e5f2b9a33'],
};

@ApiTags('analytics')
@Controller('analytics')
export class PatternsController {
  constructor(private readonly stats: PatternStatsService) {}

  @Get('error-patterns')
  @ApiOperation({
    summary: 'Message patterns of warning-and-above events in a time range, most frequent first',
    description:
      'Each pattern is a template with its variable parts masked as <*>. `count`, `levels`, `first_seen`, ' +
      '`last_seen` and `components` cover the range and filters; `total_count`, `first_seen_ever` and ' +
      '`sample_event_ids` are the stored totals of the pattern (and of the patterns merged into it, ' +
      'listed in `merged_pattern_ids`). List the events of a pattern with GET /events?pattern_id=.',
  })
  @ApiOkResponse({
    type: ErrorPatternsPageDto,
    example: {
      items: [PATTERN_EXAMPLE],
      next_cursor: null,
      from: '2026-11-24T09:00:00.000Z',
      to: '2026-11-24T10:00:00.000Z',
      levels: ['warning', 'error', 'critical'],
      total: 1,
      limit: 50,
      offset: 0,
    },
  })
  @ApiBadRequestResponse({
    description: 'A filter is malformed (the field is named), or from is not before to',
  })
  errorPatterns(@Query() query: ErrorPatternsQueryDto) {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DAY_MS);
    return this.stats.errorPatterns({
      from,
      to,
      levels: query.level && query.level.length > 0 ? query.level : [...WARNING_AND_ABOVE],
      componentType: query.component_type,
      componentId: query.component_id,
      minCount: query.min_count ?? 1,
      limit: query.limit ?? 50,
      offset: offsetOf(query.cursor, query.offset),
    });
  }
}
