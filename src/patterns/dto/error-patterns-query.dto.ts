import { OFFSET_CURSOR_PATTERN } from '../../common/http/list-page.js';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  Matches,
} from 'class-validator';
import { LEVELS } from '../../common/debug-event.js';
import { IsDateTime } from '../../common/validation/is-date-time.validator.js';

/** `?level=error,critical` or `?level=error&level=critical` → ['error', 'critical']. */
function toList({ value }: { value: unknown }): unknown {
  if (value === undefined || value === null) return value;
  const items = Array.isArray(value) ? value : [value];
  return items
    .flatMap((item) => String(item).split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export class ErrorPatternsQueryDto {
  @ApiPropertyOptional({
    description: 'Start of the time range (ISO-8601); default: 24 hours before `to`',
    example: '2026-11-24T09:00:00Z',
  })
  @IsOptional()
  @IsDateTime()
  from?: string;

  @ApiPropertyOptional({ description: 'End of the time range, exclusive (ISO-8601); default: now' })
  @IsOptional()
  @IsDateTime()
  to?: string;

  @ApiPropertyOptional({ example: 'payment-service' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  component_type?: string;

  @ApiPropertyOptional({ example: 'payment-service-2' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  component_id?: string;

  @ApiPropertyOptional({
    description: 'Levels to count, comma-separated or repeated; default: warning, error, critical',
    enum: LEVELS,
    isArray: true,
    example: ['error', 'critical'],
  })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(LEVELS.length)
  @IsIn(LEVELS, { each: true })
  level?: string[];

  @ApiPropertyOptional({
    description: 'Only patterns with at least this many events in the range',
    default: 1,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000_000)
  min_count?: number;

  @ApiPropertyOptional({ default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  offset?: number;

  @ApiPropertyOptional({
    description: 'next_cursor of the previous page (replaces offset)',
    example: '50',
  })
  @IsOptional()
  @Matches(OFFSET_CURSOR_PATTERN, { message: 'cursor must be the next_cursor of a previous page' })
  cursor?: string;
}
