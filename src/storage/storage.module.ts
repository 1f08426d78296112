import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  DebugEventEntity,
  DebugMetricEntity,
  DebugStateSnapshotEntity,
} from '../database/entities/index.js';
import { ArchiveSegmentEntity } from './cold/archive-segment.entity.js';
import { TieringRunEntity } from './tiering/tiering-run.entity.js';
import { HOT_STORE } from './hot/hot-store.js';
import { hotStoreProvider } from './hot/hot-store.provider.js';
import { EventWriter } from './warm/event-writer.js';
import { MetricWriter } from './warm/metric-writer.js';
import { SnapshotWriter } from './warm/snapshot-writer.js';
import { InsightsModule } from '../insights/insights.module.js';
import { PatternsModule } from '../patterns/patterns.module.js';
import { Clock } from '../common/clock.js';
import { blobStoreProvider } from './cold/blob-store.provider.js';
import { BLOB_STORE } from './cold/blob-store.js';
import { ColdReader } from './cold/cold-reader.js';
import { ManifestRepository } from './cold/manifest.repository.js';
import { EventsController } from './events.controller.js';
import { EventsQueryService } from './events-query.service.js';
import { EventHistogramService } from './event-histogram.service.js';
import { StateController } from './state.controller.js';
import { StateQueryService } from './state-query.service.js';
import { StorageAdminController } from './storage-admin.controller.js';
import { StorageStatsService } from './storage-stats.service.js';
import { tieringLockProvider } from './tiering/tiering-lock.provider.js';
import { TieringRunsRepository } from './tiering/tiering-runs.repository.js';
import { TieringScheduler } from './tiering/tiering.scheduler.js';
import { TieringService } from './tiering/tiering.service.js';
import { EventQueryRepository } from './warm/event-query.repository.js';
import { SnapshotQueryRepository } from './warm/snapshot-query.repository.js';
import { WarmSliceRepository } from './warm/warm-slice.repository.js';
import { WarmStatsRepository } from './warm/warm-stats.repository.js';

/** Cold tier, tier migration and tier-spanning reads (issue 4). */
const TIERING_PROVIDERS = [
  Clock,
  blobStoreProvider,
  ManifestRepository,
  ColdReader,
  EventQueryRepository,
  SnapshotQueryRepository,
  WarmSliceRepository,
  WarmStatsRepository,
  EventsQueryService,
  EventHistogramService,
  StateQueryService,
  StorageStatsService,
  TieringRunsRepository,
  tieringLockProvider,
  TieringService,
  TieringScheduler,
];

/** The three tiers: hot (Redis / memory), warm (PostgreSQL / SQLite), cold (archive segments). */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      DebugEventEntity,
      DebugStateSnapshotEntity,
      DebugMetricEntity,
      ArchiveSegmentEntity,
      TieringRunEntity,
    ]),
    PatternsModule,
    InsightsModule,
  ],
  controllers: [EventsController, StateController, StorageAdminController],
  providers: [hotStoreProvider, EventWriter, MetricWriter, SnapshotWriter, ...TIERING_PROVIDERS],
  exports: [
    HOT_STORE,
    EventWriter,
    MetricWriter,
    SnapshotWriter,
    Clock,
    BLOB_STORE,
    EventsQueryService,
    EventHistogramService,
    StateQueryService,
    TieringService,
  ],
})
export class StorageModule {}
