import { Module } from '@nestjs/common';

/** Insight engine: patterns, anomalies, performance, flows, state consistency. */
@Module({})
export class InsightsModule {}
