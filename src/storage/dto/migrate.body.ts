import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { TIERING_JOBS, type TieringJob } from '../tiering/tiering.service.js';

export class RunTieringJobBody {
  @ApiPropertyOptional({ enum: TIERING_JOBS, default: 'warm-to-cold' })
  @IsOptional()
  @IsIn(TIERING_JOBS)
  job?: TieringJob;
}
