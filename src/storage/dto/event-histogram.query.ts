import { ApiPropertyOptional, IntersectionType, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import {
  DEFAULT_HISTOGRAM_BUCKETS,
  MAX_HISTOGRAM_BUCKETS,
  STEP_PATTERN,
} from '../histogram-grid.js';
import { ListEventsQuery } from './list-events.query.js';

/** The bucket size of a histogram: a count of buckets or a step, not both. */
export class HistogramGridQuery {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_HISTOGRAM_BUCKETS,
    default: DEFAULT_HISTOGRAM_BUCKETS,
    description:
      'At most this many buckets: the step is the finest round width (1 s, 5 s, 1 min, 5 min, 1 h, 1 d, …) that fits',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_HISTOGRAM_BUCKETS)
  buckets?: number;

  @ApiPropertyOptional({
    description: `Bucket width instead of \`buckets\`: milliseconds, or a number with ms, s, m, h or d; at most ${MAX_HISTOGRAM_BUCKETS} buckets over the range`,
    example: '5m',
  })
  @IsOptional()
  @IsString()
  @MaxLength(16)
  @Matches(STEP_PATTERN, {
    message: 'step must be a positive whole number of ms, s, m, h or d (e.g. 500ms, 30s, 5m, 1h)',
  })
  step?: string;
}

/** Query string of `GET /events/histogram`: the list's filters and a bucket size. */
export class EventHistogramQuery extends IntersectionType(
  OmitType(ListEventsQuery, ['limit', 'order', 'cursor'] as const),
  HistogramGridQuery,
) {}
