import { Global, Module } from '@nestjs/common';
import { CacheController } from './cache.controller.js';
import { QueryCacheService } from './query-cache.service.js';

/** LRU + TTL cache of insight and query results, invalidated per component. */
@Global()
@Module({
  controllers: [CacheController],
  providers: [QueryCacheService],
  exports: [QueryCacheService],
})
export class CacheModule {}
