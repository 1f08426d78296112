import { Module } from '@nestjs/common';
import { MetricRepository } from './metric.repository.js';
import { MetricsQueryController } from './metrics-query.controller.js';
import { MetricsQueryService } from './metrics-query.service.js';

/** Reading back the metric points `POST /metrics` stores (docs/metrics.md). */
@Module({
  controllers: [MetricsQueryController],
  providers: [MetricRepository, MetricsQueryService],
  exports: [MetricsQueryService],
})
export class MetricsQueryModule {}
