import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DebugSessionEntity } from '../database/entities/debug-session.entity.js';
import { InsightsModule } from '../insights/insights.module.js';
import { SessionRepository } from './session.repository.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';

/** Named debugging sessions that scope queries, streams and insights. */
@Module({
  imports: [TypeOrmModule.forFeature([DebugSessionEntity]), InsightsModule],
  controllers: [SessionsController],
  providers: [SessionRepository, SessionsService],
  exports: [SessionsService],
})
export class SessionsModule {}
