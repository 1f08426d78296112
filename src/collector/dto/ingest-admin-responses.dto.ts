import { ApiProperty } from '@nestjs/swagger';
import { ApiNullableString } from '../../common/http/api-object.decorator.js';

export class IngestStatusDto {
  @ApiProperty({ enum: ['bull', 'in-process'] }) queue: string;
  @ApiProperty({ description: 'Events in the ingest journal not yet written' }) journal_events: number;
  @ApiProperty() waiting: number;
  @ApiProperty() active: number;
  @ApiProperty() delayed: number;
  @ApiProperty() failed: number;
  @ApiProperty() completed: number;
  @ApiProperty({ description: 'Accepted events not yet written (what backpressure compares with its limit)' }) backlog_events: number;
}

export class FailedIngestJobDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() failed_reason: string;
  @ApiProperty() attempts_made: number;
  @ApiNullableString(undefined, { format: 'date-time' }) failed_at: string | null;
  @ApiProperty({ description: 'Events in the batch' }) events: number;
  @ApiNullableString() first_event_id: string | null;
}

export class FailedIngestJobsDto {
  @ApiProperty({ type: [FailedIngestJobDto] }) items: FailedIngestJobDto[];
  @ApiNullableString('Always null: `limit` bounds the list, `total` counts them all') next_cursor: null;
  @ApiProperty({ description: 'Failed jobs in all' }) total: number;
}

export class ReplayAnswerDto {
  @ApiProperty({ description: 'Jobs put back in the queue' }) replayed: number;
}
