import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IngestEventDto } from './ingest-event.dto.js';

export class IngestBatchDto {
  @ApiProperty({ type: [IngestEventDto], description: 'Up to DEBUG_MAX_BATCH_EVENTS (default 1,000) events.' })
  events: IngestEventDto[];
}

export class EventAcceptedAnswer {
  @ApiProperty({ example: '0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a11' })
  id: string;

  @ApiProperty({ enum: ['accepted', 'duplicate'], example: 'accepted', description: '`duplicate`: the id was already accepted; nothing new is stored.' })
  status: 'accepted' | 'duplicate';
}

export class EventResult {
  @ApiProperty({ example: 3 })
  index: number;

  @ApiProperty({ enum: ['accepted', 'duplicate', 'rejected'], example: 'rejected' })
  status: 'accepted' | 'duplicate' | 'rejected';

  @ApiPropertyOptional({ example: '0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a11' })
  id?: string;

  @ApiPropertyOptional({ example: 'events[3].level must be one of: debug, info, warning, error, critical' })
  reason?: string;
}

export class BatchAcceptedAnswer {
  @ApiProperty({ example: 998, description: 'Events newly accepted (durable).' })
  accepted: number;

  @ApiProperty({ example: 1, description: 'Events whose id was already accepted (durable, not stored twice).' })
  duplicates: number;

  @ApiProperty({ example: 1 })
  rejected: number;

  @ApiProperty({
    type: 'array',
    items: { type: 'string', nullable: true },
    description: 'Per input position: the id, or null for a rejected event.',
    example: ['0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a11', null],
  })
  ids: (string | null)[];

  @ApiPropertyOptional({ type: [EventResult], description: 'Only when some events were rejected (status 207).' })
  results?: EventResult[];
}
