import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { LEVELS } from '../../common/debug-event.js';
import { IsDateTime } from '../../common/validation/is-date-time.validator.js';

export const MAX_PAGE_SIZE = 1000;

/** Query string of `GET /events`. Unknown parameters are rejected by name. */
export class ListEventsQuery {
  @ApiPropertyOptional({ description: 'Oldest timestamp, inclusive (ISO-8601)', example: '2026-11-16T00:00:00Z' })
  @IsOptional() @IsDateTime()
  from?: string;

  @ApiPropertyOptional({ description: 'Newest timestamp, inclusive (ISO-8601)', example: '2026-11-17T00:00:00Z' })
  @IsOptional() @IsDateTime()
  to?: string;

  @ApiPropertyOptional({ example: 'api' })
  @IsOptional() @IsString() @MaxLength(128)
  component_type?: string;

  @ApiPropertyOptional({ example: 'payments-1' })
  @IsOptional() @IsString() @MaxLength(256)
  component_id?: string;

  @ApiPropertyOptional({ example: 'error' })
  @IsOptional() @IsString() @MaxLength(32) @Matches(/^[a-z0-9_.-]+$/, { message: 'event_type must be lower-case letters, digits, _ . -' })
  event_type?: string;

  @ApiPropertyOptional({ enum: LEVELS })
  @IsOptional() @IsIn(LEVELS)
  level?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(256)
  correlation_id?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(64)
  session_id?: string;

  @ApiPropertyOptional()
  @IsOptional() @IsString() @MaxLength(64)
  pattern_id?: string;

  @ApiPropertyOptional({ description: 'Case-insensitive substring of the message', example: 'timeout' })
  @IsOptional() @IsString() @MaxLength(256)
  text?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 100 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc', description: 'Time order; desc is newest first' })
  @IsOptional() @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';

  @ApiPropertyOptional({ description: 'next_cursor of the previous page (opaque)' })
  @IsOptional() @IsString() @MaxLength(512)
  cursor?: string;
}
