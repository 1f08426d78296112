import { ApiProperty } from '@nestjs/swagger';
import { ApiNullableString } from '../../common/http/api-object.decorator.js';
import { LEVELS } from '../../common/debug-event.js';

class ComponentCountDto {
  @ApiProperty() component_type: string;
  @ApiProperty() component_id: string;
  @ApiProperty() count: number;
}

export class ErrorPatternDto {
  @ApiProperty() pattern_id: string;
  @ApiProperty({ example: 'connection to <*> timed out after <*> ms' }) template: string;
  @ApiProperty() count: number;
  @ApiProperty({ format: 'date-time' }) first_seen: string;
  @ApiProperty({ format: 'date-time' }) last_seen: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'Count per level' }) levels: Record<string, number>;
  @ApiProperty({ type: [ComponentCountDto] }) components: ComponentCountDto[];
  @ApiProperty({ type: [String] }) sample_event_ids: string[];
  @ApiProperty() total_count: number;
  @ApiNullableString(undefined, { format: 'date-time' }) first_seen_ever: string | null;
  @ApiProperty({ type: [String] }) merged_pattern_ids: string[];
}

export class ErrorPatternsPageDto {
  @ApiProperty({ type: [ErrorPatternDto], description: 'Most frequent first' }) items: ErrorPatternDto[];
  @ApiNullableString('Pass back as `cursor` for the next page; null on the last', { example: '50' }) next_cursor: string | null;
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty({ enum: LEVELS, isArray: true }) levels: string[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}
