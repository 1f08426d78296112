import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  Matches,
} from 'class-validator';
import { OFFSET_CURSOR_PATTERN } from '../../common/http/list-page.js';
import { INSIGHT_STATUSES, INSIGHT_TYPES, SEVERITIES } from '../../common/debug-event.js';
import type { InsightStatus, InsightType, Severity } from '../insight.types.js';
import { IsDateTime } from '../../common/validation/is-date-time.validator.js';

/** `"type"` → `{ component_type }`, `"type/id"` → both; anything else as it came. */
function componentOfName(item: unknown): unknown {
  if (typeof item !== 'string') return item;
  const slash = item.indexOf('/');
  return slash > 0 && slash < item.length - 1
    ? { component_type: item.slice(0, slash), component_id: item.slice(slash + 1) }
    : { component_type: item };
}

export class ComponentFilterDto {
  @ApiProperty({ example: 'payment-service' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  component_type: string;

  @ApiPropertyOptional({
    example: 'payment-1',
    description: 'Omit to mean every component of the type',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  component_id?: string;
}

export class GenerateInsightsDto {
  @ApiPropertyOptional({
    example: '2026-11-24T09:00:00Z',
    description: 'Start of the scope (default: one hour before `to`)',
  })
  @IsOptional()
  @IsDateTime()
  from?: string;

  @ApiPropertyOptional({
    example: '2026-11-24T10:00:00Z',
    description: 'End of the scope (default: now)',
  })
  @IsOptional()
  @IsDateTime()
  to?: string;

  @ApiPropertyOptional({
    type: [ComponentFilterDto],
    description:
      'Only these components (default: all). A name is taken too, as the other routes take it: `"payment-service"` (a component type) or `"payment-service/pay-1"` (type/id)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ComponentFilterDto)
  @Transform(({ obj }: { obj: { components?: unknown } }) =>
    Array.isArray(obj.components)
      ? obj.components.map((item: unknown) =>
          plainToInstance(ComponentFilterDto, componentOfName(item)),
        )
      : obj.components,
  )
  components?: ComponentFilterDto[];

  @ApiPropertyOptional({
    description: 'Only events of this debugging session; insights are stored under it',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  session_id?: string;
}

export class ListInsightsQueryDto {
  @ApiPropertyOptional({ enum: INSIGHT_TYPES })
  @IsOptional()
  @IsIn(INSIGHT_TYPES)
  type?: InsightType;

  @ApiPropertyOptional({ enum: SEVERITIES })
  @IsOptional()
  @IsIn(SEVERITIES)
  severity?: Severity;

  @ApiPropertyOptional({ enum: SEVERITIES, description: 'This severity or above' })
  @IsOptional()
  @IsIn(SEVERITIES)
  min_severity?: Severity;

  @ApiPropertyOptional({ enum: INSIGHT_STATUSES })
  @IsOptional()
  @IsIn(INSIGHT_STATUSES)
  status?: InsightStatus;

  @ApiPropertyOptional({ description: 'An affected component id' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  component?: string;

  @ApiPropertyOptional({ description: 'An affected component type' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  component_type?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  session_id?: string;

  @ApiPropertyOptional({ description: 'Insights last seen at or after this time' })
  @IsOptional()
  @IsDateTime()
  from?: string;

  @ApiPropertyOptional({ description: 'Insights first seen before this time' })
  @IsOptional()
  @IsDateTime()
  to?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ default: 0, minimum: 0 })
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

export class ResolveInsightDto {
  @ApiProperty({
    example: 'Rolled back release 4.2.1; connection pool size restored',
    description: 'What was done',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(4000)
  note: string;
}
