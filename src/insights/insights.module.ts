import { Module } from '@nestjs/common';
import { PatternService } from './patterns/pattern.service.js';

/** Insight engine: patterns, anomalies, performance, flows, state consistency. */
@Module({
  providers: [PatternService],
  exports: [PatternService],
})
export class InsightsModule {}
