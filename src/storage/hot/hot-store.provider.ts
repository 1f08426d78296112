import type { Provider } from '@nestjs/common';
import { RedisService } from '../../common/redis/redis.service.js';
import { AppConfig } from '../../config/app-config.service.js';
import { HOT_STORE, type HotStore } from './hot-store.js';
import { ingestJournalKeys } from './ingest-journal-keys.js';
import { MemoryHotStore } from './memory-hot-store.js';
import { RedisHotStore } from './redis-hot-store.js';

/** Chooses the hot tier once, from config. */
export const hotStoreProvider: Provider<HotStore> = {
  provide: HOT_STORE,
  inject: [AppConfig, RedisService],
  useFactory: (config: AppConfig, redis: RedisService): HotStore =>
    redis.enabled
      ? new RedisHotStore(
          redis.client(),
          config.redisPrefix,
          config.hotTtlSeconds,
          ingestJournalKeys(config.redisPrefix),
        )
      : new MemoryHotStore(config.hotTtlSeconds, config.hotMaxEntries),
};
