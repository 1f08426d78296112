import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../common/auth/scopes.decorator.js';
import { JobName } from '../common/queues.js';
import { RunTieringJobBody } from './dto/migrate.body.js';
import { StorageStatsService } from './storage-stats.service.js';
import { type TieringReport, TieringService } from './tiering/tiering.service.js';
import { StorageStatsDto, TieringReportDto } from './dto/storage-responses.dto.js';

@ApiTags('storage')
@Controller('storage')
@RequireScope('admin')
export class StorageAdminController {
  constructor(
    private readonly stats: StorageStatsService,
    private readonly tiering: TieringService,
  ) {}

  @Get('stats')
  @ApiOperation({ summary: 'Per tier: count, bytes, oldest/newest; last runs of the tiering jobs (admin scope)' })
  @ApiOkResponse({ description: '{ hot, warm, cold, jobs }', type: StorageStatsDto })
  storageStats() {
    return this.stats.stats();
  }

  @Post('migrate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run a tiering job now, in this process (admin scope)',
    description:
      'Runs warm-to-cold (default), cold-retention or insight-retention and answers with its report. ' +
      'The job takes the same lock as the scheduled runs: if one is already running the answer has outcome "skipped".',
  })
  @ApiOkResponse({ description: '{ run_id, job, outcome: ok | skipped | failed, summary, error }', type: TieringReportDto })
  migrate(@Body() body: RunTieringJobBody): Promise<TieringReport> {
    return this.tiering.run(body.job ?? JobName.WarmToCold, 'manual');
  }
}
