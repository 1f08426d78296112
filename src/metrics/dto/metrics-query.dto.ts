import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import { ApiNullableString } from '../../common/http/api-object.decorator.js';
import { AGGREGATIONS, GROUPINGS, type Aggregation, type Grouping } from '../metric-aggregation.js';

export class MetricRangeQueryDto {
  @ApiPropertyOptional({
    description: 'Start of the range, inclusive (ISO-8601); default a day before `to`',
    example: '2026-11-24T09:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO-8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ description: 'End of the range, exclusive (ISO-8601); default now' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO-8601 date-time' })
  to?: string;

  @ApiPropertyOptional({ example: 'api' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  component_type?: string;

  @ApiPropertyOptional({ example: 'api-1' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  component_id?: string;
}

export class MetricSeriesQueryDto extends MetricRangeQueryDto {
  @ApiPropertyOptional({ description: 'Only this metric', example: 'http.latency_ms' })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  name?: string;
}

export class MetricPointsQueryDto extends MetricRangeQueryDto {
  @ApiProperty({ description: 'The metric', example: 'http.latency_ms' })
  @IsString()
  @Length(1, 256)
  name: string;

  @ApiPropertyOptional({
    description: 'Step: 30s, 5m, 1h, 1d or seconds; default the range in 60 steps',
    example: '1m',
  })
  @IsOptional()
  @Matches(/^\d{1,9}[smhd]?$/, {
    message: 'step must be a duration such as 30s, 5m, 1h, 1d (or seconds)',
  })
  step?: string;

  @ApiPropertyOptional({
    enum: AGGREGATIONS,
    default: 'avg',
    description: 'Per step; p50/p95/p99 read the points of a step as a histogram',
  })
  @IsOptional()
  @IsIn(AGGREGATIONS, { message: `aggregation must be one of: ${AGGREGATIONS.join(', ')}` })
  aggregation?: Aggregation;

  @ApiPropertyOptional({
    enum: GROUPINGS,
    default: 'component',
    description: 'One series per component, per component type, or one in all',
  })
  @IsOptional()
  @IsIn(GROUPINGS, { message: `group_by must be one of: ${GROUPINGS.join(', ')}` })
  group_by?: Grouping;
}

export class MetricSeriesDto {
  @ApiProperty() name: string;
  @ApiProperty() component_type: string;
  @ApiProperty() component_id: string;
  @ApiNullableString() unit: string | null;
  @ApiProperty({ description: 'Points in the range' }) points: number;
  @ApiNullableString(undefined, { format: 'date-time' }) first_at: string | null;
  @ApiNullableString(undefined, { format: 'date-time' }) last_at: string | null;
  @ApiProperty() min: number;
  @ApiProperty() max: number;
  @ApiProperty() avg: number;
}

export class MetricSeriesListDto {
  @ApiProperty({ type: [MetricSeriesDto] }) items: MetricSeriesDto[];
  @ApiNullableString('Always null: at most 1,000 series, `truncated` says when there were more')
  next_cursor: null;
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty() truncated: boolean;
}

class StepValueDto {
  @ApiProperty({ format: 'date-time', description: 'Start of the step' }) t: string;
  @ApiProperty() value: number;
}

export class AggregatedSeriesDto {
  @ApiNullableString('null with group_by=none') component_type: string | null;
  @ApiNullableString('null unless group_by=component') component_id: string | null;
  @ApiProperty({ description: 'Points of the series in the range' }) samples: number;
  @ApiProperty({ type: [StepValueDto], description: 'Steps with at least one point, oldest first' })
  points: StepValueDto[];
}

export class MetricQueryAnswerDto {
  @ApiProperty({ type: [AggregatedSeriesDto] }) items: AggregatedSeriesDto[];
  @ApiNullableString('Always null: one answer holds every series') next_cursor: null;
  @ApiProperty() name: string;
  @ApiNullableString() unit: string | null;
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty() step_seconds: number;
  @ApiProperty({ enum: AGGREGATIONS }) aggregation: string;
  @ApiProperty({ enum: GROUPINGS }) group_by: string;
}

const nullableNumber = (description?: string) =>
  ApiProperty({ type: 'number', nullable: true, ...(description ? { description } : {}) });

export class ComponentMetricStatsDto {
  @ApiProperty({ description: 'Points in the range' }) samples: number;
  @nullableNumber('The latest value') last: number | null;
  @nullableNumber() min: number | null;
  @nullableNumber() max: number | null;
  @nullableNumber() avg: number | null;
  @nullableNumber('95th percentile of the points, read as observations') p95: number | null;
  @nullableNumber('error_count: the counter’s increase in the range, over its series')
  increase: number | null;
  @nullableNumber('duration: p95 in milliseconds') p95_ms: number | null;
}

export class ComponentMetricBaselineDto extends ComponentMetricStatsDto {
  @nullableNumber('error_count: the baseline’s increase per minute')
  increase_per_minute: number | null;
}

/** A metric a component reported, in health and compare answers (docs/query.md). */
export class ComponentMetricDto extends ComponentMetricStatsDto {
  @ApiProperty() name: string;
  @ApiNullableString() unit: string | null;
  @ApiProperty({
    enum: ['duration', 'error_count', 'other'],
    description:
      'What the name says it measures (OTel/Prometheus conventions): durations and error counters count in the health verdict, others are shown only',
  })
  meaning: string;
  @ApiProperty({
    type: ComponentMetricBaselineDto,
    description: 'The same over the baseline (health); empty in compare',
  })
  baseline: ComponentMetricBaselineDto;
}

export class MetricDifferenceDto {
  @ApiProperty() name: string;
  @ApiNullableString('ms for durations') unit: string | null;
  @ApiProperty({
    enum: ['p95_ms', 'increase', 'avg'],
    description: 'p95_ms for durations, increase for error counters, avg otherwise',
  })
  statistic: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number', nullable: true },
    description: 'Per component: the statistic',
  })
  values: Record<string, number | null>;
  @ApiProperty({ description: 'Largest minus smallest value' }) spread: number;
  @nullableNumber('Largest over smallest; null when the smallest is not above 0')
  ratio: number | null;
}
