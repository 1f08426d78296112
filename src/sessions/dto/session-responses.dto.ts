import { ApiProperty } from '@nestjs/swagger';
import { ApiNullableString, ApiObject } from '../../common/http/api-object.decorator.js';

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiNullableString() description: string | null;
  @ApiProperty({ enum: ['active', 'closed'] }) status: string;
  @ApiObject('{ components, correlation_ids, levels, event_types, from, to }') filters: Record<string, unknown>;
  @ApiNullableString() created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiNullableString(undefined, { format: 'date-time' }) closed_at: string | null;
  @ApiNullableString() summary: string | null;
}

export class SessionPageDto {
  @ApiProperty({ type: [SessionDto] }) items: SessionDto[];
  @ApiNullableString('Pass back as `cursor` for the next (older) page; null when this page was not full', { format: 'date-time' })
  next_cursor: string | null;
}

export class SessionDetailDto extends SessionDto {
  @ApiProperty({ description: 'Events that carry the session id or match its filters (counted up to a cap)' }) events_count: number;
  @ApiProperty() events_count_capped: boolean;
  @ApiObject('{ from, to } (null ends are open)') window: Record<string, unknown>;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true }, description: '{ id, insight_type, severity, title, status, last_seen }' })
  insights: Record<string, unknown>[];
  @ApiObject('{ bucket_seconds, buckets, notable_events }') timeline: Record<string, unknown>;
}
