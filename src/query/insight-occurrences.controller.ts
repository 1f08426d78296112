import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { InsightView } from '../insights/insight.types.js';
import { InsightsService } from '../insights/insights.service.js';
import { PatternStatsService } from '../patterns/pattern-stats.service.js';
import { EventHistogramService } from '../storage/event-histogram.service.js';
import type { EventFilter } from '../storage/events-query.types.js';
import { requestedGrid } from '../storage/histogram-grid.js';
import { InsightOccurrencesDto, InsightOccurrencesQuery } from './dto/insight-occurrences.dto.js';

const HOUR_MS = 3_600_000;
const DEFAULT_OCCURRENCE_BUCKETS = 48;

/** The events an insight is about, as an events filter, and that filter as the answer states it. */
export interface OccurrenceSubject {
  pattern_ids?: string[];
  components?: { component_type: string; component_id?: string }[];
  operation?: string;
  session_id?: string;
}

/**
 * An insight's events: those of the error pattern its evidence names (with the patterns merged
 * into it), else those of its affected components, narrowed to the operation its evidence names
 * (a latency regression is about one operation); within its session when it was found in one.
 */
export function occurrenceSubject(insight: InsightView, patternMembers: string[] | null) {
  const subject: OccurrenceSubject = {};
  if (patternMembers) subject.pattern_ids = patternMembers;
  else
    subject.components = insight.affected_components.map((component) =>
      component.component_id
        ? { component_type: component.component_type, component_id: component.component_id }
        : { component_type: component.component_type },
    );
  const operation = insight.evidence.operation;
  if (!patternMembers && typeof operation === 'string') subject.operation = operation;
  if (insight.session_id) subject.session_id = insight.session_id;
  return subject;
}

@ApiTags('insights')
@Controller('insights')
export class InsightOccurrencesController {
  constructor(
    private readonly insights: InsightsService,
    private readonly patterns: PatternStatsService,
    private readonly histograms: EventHistogramService,
  ) {}

  @Get(':id/occurrences')
  @ApiOperation({
    summary: "An insight's events over time: counts and errors per bucket",
    description:
      'The events the insight is about (`subject`): those of the error pattern its evidence names, else those of ' +
      'its affected components (and the operation its evidence names), within its session if it has one. Counted ' +
      'as GET /events/histogram counts them, over [from, to] (default: an hour before first_seen to an hour after ' +
      'last_seen, but not past now unless last_seen is) in at most `buckets` buckets (default 48) or buckets of `step`.',
  })
  @ApiOkResponse({ type: InsightOccurrencesDto })
  @ApiBadRequestResponse({
    description: 'id is not a UUID, or the range or bucket size is invalid',
  })
  @ApiNotFoundResponse({ description: 'No insight has this id' })
  async occurrences(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: InsightOccurrencesQuery,
  ) {
    const insight = await this.insights.get(id);
    const patternId = insight.evidence.pattern_id;
    const subject = occurrenceSubject(
      insight,
      typeof patternId === 'string' ? await this.patterns.memberIds(patternId) : null,
    );
    // An hour either side, but not past now (unless the events themselves are: clock skew).
    const lastSeen = Date.parse(insight.last_seen);
    const to = query.to
      ? new Date(query.to)
      : new Date(Math.max(lastSeen, Math.min(Date.now(), lastSeen + HOUR_MS)));
    const from = query.from
      ? new Date(query.from)
      : new Date(Math.min(to.getTime(), Date.parse(insight.first_seen) - HOUR_MS));
    const grid = requestedGrid(from, to, {
      step: query.step,
      buckets: query.buckets ?? (query.step ? undefined : DEFAULT_OCCURRENCE_BUCKETS),
    });
    const filter: EventFilter & { from: Date; to: Date } = {
      from,
      to,
      pattern_ids: subject.pattern_ids,
      components: subject.components,
      operation: subject.operation,
      session_id: subject.session_id,
    };
    const histogram = await this.histograms.histogram(filter, grid);
    return { insight_id: insight.id, subject, ...histogram };
  }
}
