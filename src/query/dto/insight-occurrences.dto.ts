import { ApiProperty, ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { HistogramGridQuery } from '../../storage/dto/event-histogram.query.js';
import { ListEventsQuery } from '../../storage/dto/list-events.query.js';
import { EventHistogramDto } from '../../storage/dto/storage-responses.dto.js';

/** Query string of `GET /insights/{id}/occurrences`. */
export class InsightOccurrencesQuery extends IntersectionType(
  PickType(ListEventsQuery, ['from', 'to'] as const),
  HistogramGridQuery,
) {}

class OccurrenceComponentDto {
  @ApiProperty() component_type: string;
  @ApiPropertyOptional() component_id?: string;
}

class OccurrenceSubjectDto {
  @ApiPropertyOptional({
    type: [String],
    description: 'The error pattern the evidence names and the patterns merged into it',
  })
  pattern_ids?: string[];
  @ApiPropertyOptional({
    type: [OccurrenceComponentDto],
    description: 'The affected components (when no pattern is named)',
  })
  components?: OccurrenceComponentDto[];
  @ApiPropertyOptional({ description: 'The operation the evidence names' }) operation?: string;
  @ApiPropertyOptional({ description: "The insight's session" }) session_id?: string;
}

export class InsightOccurrencesDto extends EventHistogramDto {
  @ApiProperty({ format: 'uuid' }) insight_id: string;
  @ApiProperty({ type: OccurrenceSubjectDto, description: 'Which events were counted' })
  subject: OccurrenceSubjectDto;
}
