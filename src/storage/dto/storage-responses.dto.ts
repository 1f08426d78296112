import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiNullableString, ApiObject } from '../../common/http/api-object.decorator.js';
import { EVENT_TYPES, LEVELS } from '../../common/debug-event.js';

/** One stored event, as every read route returns it. */
export class DebugEventDto {
  @ApiProperty({ format: 'uuid', example: '0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a11' }) id: string;
  @ApiProperty({ format: 'date-time' }) timestamp: string;
  @ApiProperty({ example: 'error', description: `One of ${EVENT_TYPES.join(', ')}` })
  event_type: string;
  @ApiProperty({ enum: LEVELS }) level: string;
  @ApiProperty({ example: 'payment-service' }) component_type: string;
  @ApiProperty({ example: 'payment-1' }) component_id: string;
  @ApiNullableString(undefined, { example: 'order-7f3a' }) correlation_id: string | null;
  @ApiNullableString() parent_event_id: string | null;
  @ApiNullableString() operation: string | null;
  @ApiProperty({ type: Number, nullable: true }) duration_ms: number | null;
  @ApiProperty() message: string;
  @ApiObject('Free-form event data', { nullable: true }) data: Record<string, unknown> | null;
  @ApiObject('Free-form metadata', { nullable: true }) metadata: Record<string, unknown> | null;
  @ApiNullableString() session_id: string | null;
  @ApiNullableString('Error pattern of the message (warning and above)') pattern_id: string | null;
  @ApiProperty({ format: 'date-time' }) ingested_at: string;
}

export class TieredEventDto extends DebugEventDto {
  @ApiProperty({ enum: ['hot', 'warm', 'cold'], description: 'The tier the event was read from' })
  tier: string;
}

class TiersReadDto {
  @ApiProperty() warm: number;
  @ApiProperty() cold: number;
  @ApiProperty() cold_segments_read: number;
}

export class EventPageDto {
  @ApiProperty({ type: [TieredEventDto] }) items: TieredEventDto[];
  @ApiNullableString('Pass back as `cursor` for the next page; null on the last') next_cursor:
    string | null;
  @ApiProperty({ type: TiersReadDto, description: 'Which tiers this page read' })
  tiers: TiersReadDto;
}

export class SnapshotDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() component_type: string;
  @ApiProperty() component_id: string;
  @ApiProperty({ format: 'date-time' }) captured_at: string;
  @ApiNullableString() correlation_id: string | null;
  @ApiObject('The state as sent') state: Record<string, unknown>;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    nullable: true,
    description: 'RFC 6902 patch from the previous version',
  })
  diff_from_previous: unknown[] | null;
  @ApiProperty() version: number;
  @ApiProperty({ description: 'sha256 of the canonical JSON of the state' }) hash: string;
  @ApiProperty({ enum: ['warm', 'cold'] }) tier: string;
}

export class StateHistoryDto {
  @ApiProperty() component_type: string;
  @ApiProperty() component_id: string;
  @ApiProperty({ type: [SnapshotDto], description: 'Newest version first' }) items: SnapshotDto[];
  @ApiNullableString(
    'Pass back as `cursor` for the next (older) page; null at the first snapshot',
    { example: '12' },
  )
  next_cursor: string | null;
}

export class PatchOperationDto {
  @ApiProperty({ enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'] }) op: string;
  @ApiProperty({ example: '/queue/0' }) path: string;
  @ApiProperty({ required: false, description: 'The new value (add, replace, test)' })
  value?: unknown;
  @ApiProperty({ required: false }) from?: string;
}

export class StateDiffDto {
  @ApiProperty() component_type: string;
  @ApiProperty() component_id: string;
  @ApiProperty() from_version: number;
  @ApiProperty() to_version: number;
  @ApiProperty({ format: 'date-time' }) from_captured_at: string;
  @ApiProperty({ format: 'date-time' }) to_captured_at: string;
  @ApiProperty({
    type: [PatchOperationDto],
    description: 'RFC 6902 operations from the `from` state to the `to` state',
  })
  patch: PatchOperationDto[];
}

export class StorageStatsDto {
  @ApiObject('Hot tier: store, events, oldest_arrival, newest_arrival, ttl_seconds') hot: Record<
    string,
    unknown
  >;
  @ApiObject('Warm tier: store, database_bytes, tables, retention_hours') warm: Record<
    string,
    unknown
  >;
  @ApiObject('Cold tier: store, location, retention_days, tables') cold: Record<string, unknown>;
  @ApiObject('Per tiering job: its last runs and last success') jobs: Record<string, unknown>;
}

export class TieringReportDto {
  @ApiProperty({ format: 'uuid' }) run_id: string;
  @ApiProperty({ enum: ['warm-to-cold', 'cold-retention', 'insight-retention'] }) job: string;
  @ApiProperty({ enum: ['schedule', 'manual'] }) trigger: string;
  @ApiProperty({ example: 'ok' }) outcome: string;
  @ApiProperty({ format: 'date-time' }) started_at: string;
  @ApiProperty({ format: 'date-time' }) finished_at: string;
  @ApiObject('What the run did (per table and day)', { nullable: true }) summary: Record<
    string,
    unknown
  > | null;
  @ApiNullableString() error: string | null;
}

class HistogramBucketDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the bucket (inclusive)' })
  start: string;
  @ApiProperty({ description: 'Events in the bucket' }) count: number;
  @ApiProperty({ description: 'Of them, errors (level error or critical, or type error)' })
  errors: number;
}

class HistogramTierDto {
  @ApiProperty({ enum: ['warm', 'hot', 'cold'] }) tier: string;
  @ApiProperty({ description: "Whether the tier's events in the range are all in the counts" })
  counted: boolean;
  @ApiProperty({ description: 'Events counted from this tier' }) events: number;
  @ApiPropertyOptional({ description: 'hot: newest arrivals checked against the warm store' })
  scanned?: number;
  @ApiPropertyOptional({ description: 'cold: archive segments the range and filters can match' })
  segments?: number;
  @ApiPropertyOptional({ description: 'Why the tier was not (fully) counted' }) reason?: string;
}

export class EventHistogramDto {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty({ description: 'Bucket width; bucket starts are whole multiples of it (UTC)' })
  step_ms: number;
  @ApiProperty({
    type: [HistogramBucketDto],
    description: 'Every bucket of the range, empty ones too',
  })
  buckets: HistogramBucketDto[];
  @ApiProperty() total: number;
  @ApiProperty() errors: number;
  @ApiProperty({
    description: 'True when some tier was not (fully) counted; `tiers` says which and why',
  })
  partial: boolean;
  @ApiProperty({ type: [HistogramTierDto] }) tiers: HistogramTierDto[];
}
