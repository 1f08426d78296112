import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsVocabularyList } from '../../common/validation/vocabulary-list.decorator.js';
import { EVENT_TYPES, LEVELS } from '../../common/debug-event.js';
import { IsDateTime } from '../../common/validation/is-date-time.validator.js';

export class SessionFiltersDto {
  @ApiPropertyOptional({
    description: 'Component selectors: a component_type, a component_id, or "type/id"',
    example: ['payment-service', 'worker/worker-3'],
  })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 256, { each: true })
  components?: string[];

  @ApiPropertyOptional({ example: ['order-7f3a'] })
  @IsOptional() @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) @Length(1, 256, { each: true })
  correlation_ids?: string[];

  @ApiPropertyOptional({ enum: LEVELS, isArray: true, example: ['error', 'critical'] })
  @IsOptional() @IsVocabularyList(LEVELS)
  levels?: string[];

  @ApiPropertyOptional({ enum: EVENT_TYPES, isArray: true })
  @IsOptional() @IsVocabularyList(EVENT_TYPES)
  event_types?: string[];

  @ApiPropertyOptional({ description: 'Start of the time window (ISO-8601)', example: '2026-11-24T10:00:00Z' })
  @IsOptional() @IsDateTime()
  from?: string;

  @ApiPropertyOptional({ description: 'End of the time window (ISO-8601)' })
  @IsOptional() @IsDateTime()
  to?: string;
}

export class CreateSessionDto {
  @ApiProperty({ example: 'checkout failures after deploy 412' })
  @IsString() @Length(1, 256)
  name: string;

  @ApiPropertyOptional({ example: 'Payments time out since 10:00; looking at payment-service and its database' })
  @IsOptional() @IsString() @MaxLength(4000)
  description?: string;

  @ApiPropertyOptional({ type: SessionFiltersDto })
  @IsOptional() @ValidateNested() @Type(() => SessionFiltersDto)
  filters?: SessionFiltersDto;

  @ApiPropertyOptional({ example: 'agent:triage-bot' })
  @IsOptional() @IsString() @MaxLength(256)
  created_by?: string;
}

export class CloseSessionDto {
  @ApiPropertyOptional({ example: 'Root cause: connection pool of payments-db exhausted; raised pool size to 50.' })
  @IsOptional() @IsString() @MaxLength(20000)
  summary?: string;
}

export class ListSessionsQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'closed'] })
  @IsOptional() @IsIn(['active', 'closed'])
  status?: 'active' | 'closed';

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'Only sessions created before this time (paging)' })
  @IsOptional() @IsDateTime()
  before?: string;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page (the same as `before`)' })
  @IsOptional() @IsDateTime({ message: 'cursor must be the next_cursor of a previous page' })
  cursor?: string;
}

export class SessionIdParamDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;
}
