import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { QueryCacheService } from './query-cache.service.js';
import { CacheStatsDto } from './cache-stats.dto.js';

@ApiTags('cache')
@Controller('cache')
export class CacheController {
  constructor(private readonly cache: QueryCacheService) {}

  @Get('stats')
  @ApiOperation({ summary: 'Size, hits, misses, hit rate and evictions of this instance\'s query cache' })
  @ApiOkResponse({
    description: 'Counters since start-up',
    type: CacheStatsDto,
    example: {
      enabled: true,
      size: 42,
      max_entries: 5000,
      ttl_seconds: 300,
      hits: 910,
      misses: 120,
      hit_rate: 0.8835,
      evictions: 0,
      invalidations: 37,
      invalidations_received: 12,
      redis_fan_out: true,
    },
  })
  stats() {
    return this.cache.stats();
  }
}
