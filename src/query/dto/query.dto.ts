import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { IsVocabularyList } from '../../common/validation/vocabulary-list.decorator.js';
import { EVENT_TYPES, LEVELS } from '../../common/debug-event.js';
import { IsDateTime } from '../../common/validation/is-date-time.validator.js';

const COMPONENTS_DESCRIPTION =
  'Component selectors: a component_type (every instance), a component_id, or "type/id". Omit for every known component type.';

export class ComponentHealthDto {
  @ApiPropertyOptional({
    description: COMPONENTS_DESCRIPTION,
    example: ['payment-service', 'payments-db'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  components?: string[];

  @ApiPropertyOptional({
    description: 'Length of the window judged, ending now (or at `at`)',
    default: 15,
    minimum: 1,
    maximum: 10080,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10080)
  window_minutes?: number;

  @ApiPropertyOptional({
    description: 'Length of the baseline just before the window',
    default: 24,
    minimum: 1,
    maximum: 720,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(720)
  baseline_hours?: number;

  @ApiPropertyOptional({
    description: 'End of the window (ISO-8601); default now',
    example: '2026-11-24T10:30:00Z',
  })
  @IsOptional()
  @IsDateTime()
  at?: string;

  @ApiPropertyOptional({
    description: 'Scope to a session: its components and the end of its window',
    format: 'uuid',
  })
  @IsOptional()
  @IsUUID()
  session_id?: string;
}

export class WindowedQueryDto {
  @ApiPropertyOptional({ description: COMPONENTS_DESCRIPTION, example: ['checkout'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  components?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 10080, example: 15 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10080)
  window_minutes?: number;

  @ApiPropertyOptional({ description: 'End of the window (ISO-8601); default now' })
  @IsOptional()
  @IsDateTime()
  at?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  session_id?: string;
}

export class CompareDto extends WindowedQueryDto {
  @ApiProperty({
    description:
      'Two or more selectors to set side by side, or one component_type to compare its instances',
    example: ['worker'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  declare components: string[];
}

export class SearchEventsDto {
  @ApiPropertyOptional({ description: COMPONENTS_DESCRIPTION })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  components?: string[];

  @ApiPropertyOptional({ example: ['order-7f3a'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 256, { each: true })
  correlation_ids?: string[];

  @ApiPropertyOptional({ enum: LEVELS, isArray: true })
  @IsOptional()
  @IsVocabularyList(LEVELS)
  levels?: string[];

  @ApiPropertyOptional({ enum: EVENT_TYPES, isArray: true })
  @IsOptional()
  @IsVocabularyList(EVENT_TYPES)
  event_types?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(/^[\w-]{1,64}$/, { message: 'pattern_id must be 1-64 letters, digits, _ or -' })
  pattern_id?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  session_id?: string;

  @ApiPropertyOptional({
    description: 'Words the message contains (case-insensitive)',
    example: 'timeout',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  text?: string;

  @ApiPropertyOptional({ example: '2026-11-24T10:00:00Z' })
  @IsOptional()
  @IsDateTime()
  from?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsDateTime()
  to?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class AskDto {
  @ApiProperty({ example: 'why is payment-service failing since 10:00?' })
  @IsString()
  @Length(1, 1000)
  question: string;

  @ApiPropertyOptional({
    description: 'Answer within this session (its components and window)',
    format: 'uuid',
  })
  @IsOptional()
  @IsUUID()
  session_id?: string;
}

export class OperationParamDto {
  @ApiProperty({ example: 'order-7f3a' })
  @IsString()
  @Length(1, 256)
  correlationId: string;
}

export class OperationQueryDto {
  @ApiPropertyOptional({
    description:
      'Idle time after which an unfinished step counts as stuck; default max(60 s, 10× the longest gap so far, 2× the longest wait of earlier operations after the message it stopped at)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86400)
  stuck_after_seconds?: number;
}

export class EventIdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  eventId: string;
}

export class PatternIdParamDto {
  @ApiProperty({ example: '3fa2b9c01d4e5f67' })
  @IsString()
  @Matches(/^[\w-]{1,64}$/, { message: 'patternId must be 1-64 letters, digits, _ or -' })
  patternId: string;
}
