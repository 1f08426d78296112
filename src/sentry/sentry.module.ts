import { Module } from '@nestjs/common';
import { CollectorModule } from '../collector/collector.module.js';
import { SentryController } from './sentry.controller.js';
import { SentryIntakeService } from './sentry-intake.service.js';

/** Sentry SDK compatibility: the envelope and store endpoints, mapped onto events and metrics (docs/sentry.md). */
@Module({
  imports: [CollectorModule],
  controllers: [SentryController],
  providers: [SentryIntakeService],
})
export class SentryModule {}
