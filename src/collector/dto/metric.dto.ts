import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { METRIC_LIMITS } from '../metric-intake.js';

/** Swagger description of a metric point (validated by the compiled schema in metric-intake.ts). */
export class MetricPointDto {
  @ApiPropertyOptional({
    example: '0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a12',
    description: 'Client id for idempotent retries (UUID).',
  })
  id?: string;

  @ApiProperty({ example: 'queue.depth', maxLength: METRIC_LIMITS.name })
  name: string;

  @ApiProperty({ example: 42 })
  value: number;

  @ApiProperty({ example: 'worker', maxLength: METRIC_LIMITS.componentType })
  component_type: string;

  @ApiProperty({ example: 'billing-2', maxLength: METRIC_LIMITS.componentId })
  component_id: string;

  @ApiPropertyOptional({ example: 'jobs', maxLength: METRIC_LIMITS.unit })
  unit?: string;

  @ApiPropertyOptional({
    example: { region: 'eu-west-1' },
    type: 'object',
    additionalProperties: { type: 'string' },
    description: `At most ${METRIC_LIMITS.tags} string tags.`,
  })
  tags?: Record<string, string>;

  @ApiPropertyOptional({ example: '2026-11-24T08:15:30.123Z' })
  timestamp?: string;
}

export class MetricBatchDto {
  @ApiProperty({ type: [MetricPointDto] })
  metrics: MetricPointDto[];
}
