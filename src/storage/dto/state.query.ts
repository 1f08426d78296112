import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class StateHistoryQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Only versions below this one (next_before of the previous page)' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  before?: number;
}

export class StateDiffQuery {
  @ApiProperty({ description: 'Version to diff from', example: 1 })
  @Type(() => Number) @IsInt() @Min(1)
  from: number;

  @ApiProperty({ description: 'Version to diff to', example: 2 })
  @Type(() => Number) @IsInt() @Min(1)
  to: number;
}
