import { Module } from '@nestjs/common';

/** LRU + TTL cache of insight and query results, invalidated per component. */
@Module({})
export class CacheModule {}
