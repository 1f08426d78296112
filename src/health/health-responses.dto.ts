import { ApiProperty } from '@nestjs/swagger';

export class LivenessDto {
  @ApiProperty({ enum: ['ok'] }) status: string;
  @ApiProperty({ enum: ['all', 'api', 'worker'] }) role: string;
  @ApiProperty({ enum: ['postgres', 'sqlite'] }) dialect: string;
  @ApiProperty({ description: 'Redis is configured' }) redis: boolean;
}

export class EffectiveConfigDto {
  @ApiProperty({ enum: ['all', 'api', 'worker'] }) role: string;
  @ApiProperty({ enum: ['postgres', 'sqlite'] }) dialect: string;
  @ApiProperty() redis: boolean;
  @ApiProperty() streaming_enabled: boolean;
  @ApiProperty({ description: 'DEBUG_API_KEYS has keys, or a key was ever stored' })
  auth_enabled: boolean;
  @ApiProperty({ description: 'How many keys DEBUG_API_KEYS holds (never the keys)' })
  api_keys: number;
  @ApiProperty() event_retention_hours: number;
  @ApiProperty() insight_retention_hours: number;
  @ApiProperty() cold_retention_days: number;
  @ApiProperty() hot_ttl_seconds: number;
  @ApiProperty() batch_size: number;
  @ApiProperty() batch_window_ms: number;
  @ApiProperty() max_batch_events: number;
  @ApiProperty({ example: '10mb' }) body_limit: string;
  @ApiProperty() ingest_backlog_limit: number;
  @ApiProperty() cache_ttl_seconds: number;
}

const INDICATORS = {
  type: 'object' as const,
  additionalProperties: {
    type: 'object' as const,
    additionalProperties: true,
    properties: { status: { type: 'string' as const, enum: ['up', 'down'] } },
  },
  example: { database: { status: 'up' }, redis: { status: 'up' } },
};

/** Terminus's answer, documented here (its own documentation needs a CommonJS require of @nestjs/swagger). */
export class ReadinessDto {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'] }) status: string;
  @ApiProperty({ ...INDICATORS, description: 'The indicators that are up' }) info: Record<
    string,
    unknown
  >;
  @ApiProperty({ ...INDICATORS, description: 'The indicators that are down' }) error: Record<
    string,
    unknown
  >;
  @ApiProperty({ ...INDICATORS, description: 'Every indicator' }) details: Record<string, unknown>;
}
