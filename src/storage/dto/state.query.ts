import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/** Versions are PostgreSQL integers: a larger number (1e308) is no version, and the store would refuse it. */
const MAX_VERSION = 2_147_483_647;

export class StateHistoryQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Only versions below this one (the same as `cursor`)' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_VERSION)
  before?: number;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page (the same as `before`)', example: '12' })
  @IsOptional() @Matches(/^[1-9]\d{0,9}$/, { message: 'cursor must be the next_cursor of a previous page' })
  cursor?: string;
}

export class StateDiffQuery {
  @ApiProperty({ description: 'Version to diff from', example: 1 })
  @Type(() => Number) @IsInt() @Min(1) @Max(MAX_VERSION)
  from: number;

  @ApiProperty({ description: 'Version to diff to', example: 2 })
  @Type(() => Number) @IsInt() @Min(1) @Max(MAX_VERSION)
  to: number;
}
