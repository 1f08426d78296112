import { Module } from '@nestjs/common';
import { InsightsModule } from '../insights/insights.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { CollectorController } from './collector.controller.js';
import { EventIntake } from './event-intake.service.js';
import { IngestAdminController } from './ingest-admin.controller.js';
import { IngestBacklog } from './ingest-backlog.js';
import { IngestEnabledGuard } from './ingest-enabled.guard.js';
import { IngestMetrics } from './ingest-metrics.js';
import { IngestProcessor } from './ingest.processor.js';
import { IngestService } from './ingest.service.js';
import { MetricsIngestController } from './metrics-ingest.controller.js';
import { MetricsIngestService } from './metrics-ingest.service.js';
import { StateController } from './state.controller.js';
import { StateService } from './state.service.js';

/** Ingestion: events, batches, state snapshots and metrics in; hot tier + ingest queue out; the ingest worker. */
@Module({
  imports: [StorageModule, InsightsModule],
  controllers: [CollectorController, StateController, MetricsIngestController, IngestAdminController],
  providers: [
    EventIntake,
    IngestService,
    IngestBacklog,
    IngestMetrics,
    IngestProcessor,
    IngestEnabledGuard,
    StateService,
    MetricsIngestService,
  ],
  exports: [IngestService],
})
export class CollectorModule {}
