import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { DATE_TIME_PATTERN } from '../event-shape.js';

export const MAX_STATE_BYTES = 262_144;

/** A component's whole state at one moment. */
export class StateSnapshotDto {
  @ApiPropertyOptional({
    example: '0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a11',
    description:
      'Client snapshot id (a UUID; the SDK sends a UUIDv7). Sending the same id again answers the stored snapshot ' +
      '(`duplicate: true`) instead of adding a version, so a retry after a lost answer is safe.',
    type: String,
    nullable: true,
  })
  @IsOptional() @IsUUID('all', { message: 'id must be a UUID' })
  id?: string | null;

  @ApiProperty({ example: 'agent', maxLength: 128 })
  @IsString() @MinLength(1) @MaxLength(128)
  component_type: string;

  @ApiProperty({ example: 'planner-7', maxLength: 256 })
  @IsString() @MinLength(1) @MaxLength(256)
  component_id: string;

  @ApiProperty({
    description: `The state as a JSON object (at most ${MAX_STATE_BYTES / 1024} KiB as JSON).`,
    example: { status: 'planning', queue: ['task-1', 'task-2'], retries: 0 },
    type: 'object',
    additionalProperties: true,
  })
  @IsObject({ message: 'state must be a JSON object' })
  state: Record<string, unknown>;

  @ApiPropertyOptional({ type: String, example: 'order-4711', maxLength: 256, nullable: true })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(256)
  correlation_id?: string | null;

  @ApiPropertyOptional({ type: String, format: 'date-time', example: '2026-11-24T08:15:30.123Z', description: 'When the state was read; now when absent.', nullable: true })
  @IsOptional() @IsString() @Matches(new RegExp(DATE_TIME_PATTERN), { message: 'captured_at must be an RFC 3339 date-time with a time zone' })
  captured_at?: string | null;

  @ApiPropertyOptional({ type: String, example: '0193a4c8-0000-7000-8000-00000000abcd', maxLength: 64, nullable: true })
  @IsOptional() @IsString() @MaxLength(64)
  session_id?: string | null;
}

export class StateSnapshotAnswer {
  @ApiProperty({ example: '0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a11' })
  id: string;

  @ApiProperty({ example: 'agent' })
  component_type: string;

  @ApiProperty({ example: 'planner-7' })
  component_id: string;

  @ApiProperty({ example: 3, description: 'Previous version + 1; 1 for the first snapshot.' })
  version: number;

  @ApiProperty({ example: null, nullable: true, type: Number })
  previous_version: number | null;

  @ApiProperty({ example: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', description: 'sha256 of the canonical JSON of the state.' })
  hash: string;

  @ApiProperty({
    description: 'RFC 6902 operations from the previous snapshot to this one (null for the first).',
    example: [{ op: 'replace', path: '/status', value: 'planning' }],
    nullable: true,
    type: 'array',
    items: { type: 'object' },
  })
  diff_from_previous: unknown[] | null;

  @ApiProperty({ example: false, description: 'The state equals the previous one.' })
  unchanged: boolean;

  @ApiProperty({ example: false, description: 'True when a snapshot with this client id was stored before: the answer is that snapshot.' })
  duplicate: boolean;

  @ApiProperty({ example: '2026-11-24T08:15:30.123Z' })
  captured_at: string;

  @ApiProperty({ nullable: true, type: String, description: 'The state_change event emitted (null if it could not be queued).' })
  event_id: string | null;
}
