import { Module } from '@nestjs/common';
import { HOT_STORE } from './hot/hot-store.js';
import { hotStoreProvider } from './hot/hot-store.provider.js';
import { EventWriter } from './warm/event-writer.js';
import { MetricWriter } from './warm/metric-writer.js';
import { SnapshotWriter } from './warm/snapshot-writer.js';

/** The three tiers: hot (Redis / memory), warm (PostgreSQL / SQLite), cold (archive segments). */
@Module({
  providers: [hotStoreProvider, EventWriter, MetricWriter, SnapshotWriter],
  exports: [HOT_STORE, EventWriter, MetricWriter, SnapshotWriter],
})
export class StorageModule {}
