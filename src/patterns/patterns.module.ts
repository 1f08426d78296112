import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DebugPatternEntity } from './debug-pattern.entity.js';
import { PatternStatsService } from './pattern-stats.service.js';
import { PatternRepository } from './pattern.repository.js';
import { PatternService } from './pattern.service.js';
import { PatternsController } from './patterns.controller.js';

/**
 * Message patterns: the template miner that labels every event at ingest time (collector),
 * its learned templates in `debug_patterns`, and pattern counts for storage, query, streaming
 * and insights. Below all of them: it knows nothing of insights.
 */
@Module({
  imports: [TypeOrmModule.forFeature([DebugPatternEntity])],
  controllers: [PatternsController],
  providers: [PatternRepository, PatternService, PatternStatsService],
  exports: [PatternService, PatternStatsService],
})
export class PatternsModule {}
