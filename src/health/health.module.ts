import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CollectorModule } from '../collector/collector.module.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' }), CollectorModule],
  controllers: [HealthController],
})
export class HealthModule {}
