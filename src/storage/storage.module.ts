import { Module } from '@nestjs/common';
import { HOT_STORE } from './hot/hot-store.js';
import { hotStoreProvider } from './hot/hot-store.provider.js';

/** The three tiers: hot (Redis / memory), warm (PostgreSQL / SQLite), cold (archive segments). */
@Module({
  providers: [hotStoreProvider],
  exports: [HOT_STORE],
})
export class StorageModule {}
