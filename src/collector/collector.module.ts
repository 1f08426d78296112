import { Module } from '@nestjs/common';
import { InsightsModule } from '../insights/insights.module.js';
import { PatternsModule } from '../patterns/patterns.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { CollectorController } from './collector.controller.js';
import { EventIntake } from './event-intake.service.js';
import { IngestAdminController } from './ingest-admin.controller.js';
import { IngestBacklog } from './ingest-backlog.js';
import { IngestJournal } from './ingest-journal.js';
import { IngestJournalWriter } from './ingest-journal.writer.js';
import { IngestEnabledGuard } from './ingest-enabled.guard.js';
import { IngestMetrics } from './ingest-metrics.js';
import { IngestProcessor } from './ingest.processor.js';
import { IngestService } from './ingest.service.js';
import { JournalDurability } from './journal-durability.js';
import { MetricsIngestController } from './metrics-ingest.controller.js';
import { MetricsIngestService } from './metrics-ingest.service.js';
import { StateController } from './state.controller.js';
import { StateService } from './state.service.js';

/** Ingestion: events, batches, state snapshots and metrics in; hot tier + ingest journal out; the journal's warm writers and the retry queue's worker. */
@Module({
  imports: [StorageModule, PatternsModule, InsightsModule],
  controllers: [
    CollectorController,
    StateController,
    MetricsIngestController,
    IngestAdminController,
  ],
  providers: [
    EventIntake,
    IngestService,
    IngestBacklog,
    IngestJournal,
    IngestJournalWriter,
    IngestMetrics,
    IngestProcessor,
    IngestEnabledGuard,
    JournalDurability,
    StateService,
    MetricsIngestService,
  ],
  exports: [IngestService, IngestJournal, JournalDurability, EventIntake, MetricsIngestService],
})
export class CollectorModule {}
