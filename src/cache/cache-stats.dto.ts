import { ApiProperty } from '@nestjs/swagger';

export class CacheStatsDto {
  @ApiProperty() enabled: boolean;
  @ApiProperty() size: number;
  @ApiProperty() max_entries: number;
  @ApiProperty() ttl_seconds: number;
  @ApiProperty() hits: number;
  @ApiProperty() misses: number;
  @ApiProperty({ minimum: 0, maximum: 1 }) hit_rate: number;
  @ApiProperty() evictions: number;
  @ApiProperty() invalidations: number;
  @ApiProperty() invalidations_received: number;
  @ApiProperty() redis_fan_out: boolean;
}
