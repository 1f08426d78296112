import { Controller, Get, Param, Query } from '@nestjs/common';
import { PatternStatsService } from '../patterns/pattern-stats.service.js';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { DomainError } from '../common/errors/domain-error.js';
import { isUuid } from '../common/ids.js';
import { ListEventsQuery } from './dto/list-events.query.js';
import { decodeCursor, EventsQueryService } from './events-query.service.js';
import type { EventFilter, EventPage, TieredEvent } from './events-query.types.js';
import { EventHistogramDto, EventPageDto, TieredEventDto } from './dto/storage-responses.dto.js';
import { EventHistogramQuery } from './dto/event-histogram.query.js';
import { type EventHistogram, EventHistogramService } from './event-histogram.service.js';
import { requestedGrid } from './histogram-grid.js';

const HOUR_MS = 3_600_000;

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(
    private readonly events: EventsQueryService,
    private readonly patterns: PatternStatsService,
    private readonly histograms: EventHistogramService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Events by filter, in time order, across the warm and cold tiers',
    description:
      'Cursor paging: pass `next_cursor` back as `cursor` with the same filters and order. A range older than ' +
      'warm retention is read from the archive segments whose manifest entry can match, merged in order.',
  })
  @ApiOkResponse({
    description: '{ items: [event + tier], next_cursor, tiers }',
    type: EventPageDto,
  })
  @ApiBadRequestResponse({ description: 'A filter is invalid; the message names it' })
  async list(@Query() query: ListEventsQuery): Promise<EventPage> {
    const order = query.order ?? 'desc';
    const filter: EventFilter = {
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      component_type: query.component_type,
      component_id: query.component_id,
      event_type: query.event_type,
      level: query.level,
      correlation_id: query.correlation_id,
      session_id: query.session_id,
      pattern_ids: query.pattern_id ? await this.patterns.memberIds(query.pattern_id) : undefined,
      text: query.text,
    };
    if (filter.from && filter.to && filter.from > filter.to) {
      throw new DomainError('VALIDATION_FAILED', 'from must not be after to', { field: 'from' });
    }
    return this.events.list(filter, {
      limit: query.limit ?? 100,
      order,
      after: query.cursor ? decodeCursor(query.cursor, order) : undefined,
    });
  }

  @Get('histogram')
  @ApiOperation({
    summary: 'Counts of events over time, with the filters of GET /events',
    description:
      'Every bucket of [from, to] (default: the last hour) with its events and errors. The step is `step`, or the ' +
      'finest round width giving at most `buckets` buckets (default 60, at most 500); bucket starts are whole ' +
      'multiples of the step (UTC). Counts the warm store, the events accepted but not yet written to it (each ' +
      'event once), and the archive segments the range reaches, up to 64 members; `partial` and `tiers` say when ' +
      'a tier was not fully counted.',
  })
  @ApiOkResponse({ description: 'Buckets, totals and the tiers counted', type: EventHistogramDto })
  @ApiBadRequestResponse({
    description:
      'A filter or the bucket size is invalid (both step and buckets, too many buckets); the message names it',
  })
  async histogram(@Query() query: EventHistogramQuery): Promise<EventHistogram> {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - HOUR_MS);
    const grid = requestedGrid(from, to, query);
    return this.histograms.histogram(
      {
        from,
        to,
        component_type: query.component_type,
        component_id: query.component_id,
        event_type: query.event_type,
        level: query.level,
        correlation_id: query.correlation_id,
        session_id: query.session_id,
        pattern_ids: query.pattern_id ? await this.patterns.memberIds(query.pattern_id) : undefined,
        text: query.text,
      },
      grid,
    );
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One event by id: hot tier, then warm, then cold',
    description:
      'The answer is the event with `tier` saying where it was found (hot, warm or cold).',
  })
  @ApiParam({
    name: 'id',
    description: 'Event id (a UUID; UUIDv7 ids also tell which day to look in)',
  })
  @ApiOkResponse({ description: 'The event, with `tier`', type: TieredEventDto })
  @ApiBadRequestResponse({ description: 'id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No tier holds the event' })
  findOne(@Param('id') id: string): Promise<TieredEvent> {
    if (!isUuid(id))
      throw new DomainError('VALIDATION_FAILED', 'id must be a UUID', {
        field: 'id',
        value: id.slice(0, 64),
      });
    return this.events.findById(id);
  }
}
