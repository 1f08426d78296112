import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ApiNullableString, ApiObject } from '../../common/http/api-object.decorator.js';
import { DebugEventDto } from '../../storage/dto/storage-responses.dto.js';
import { INTENTS } from '../ask/question-parser.js';
import { ComponentMetricDto, MetricDifferenceDto } from '../../metrics/dto/metrics-query.dto.js';

const objects = (description: string) => ({
  type: 'array' as const,
  items: { type: 'object' as const, additionalProperties: true },
  description,
});

export class ComponentHealthAnswerDto {
  @ApiProperty({ format: 'date-time' }) evaluated_at: string;
  @ApiObject('The window evaluated: { from, to, minutes }') window: Record<string, unknown>;
  @ApiObject('The baseline before the window: { from, to, hours, slices, sampled_minutes }')
  baseline: Record<string, unknown>;
  @ApiProperty() summary: string;
  @ApiProperty(
    objects(
      'Per component: status, score, reasons (metric_latency and metric_errors name their metric), error rate and p95 against the baseline, open insights, reported_metrics (ComponentMetricDto[])',
    ),
  )
  components: Record<string, unknown>[];
  @ApiProperty({ description: 'Served from the cache' }) cached: boolean;
  @ApiPropertyOptional({ format: 'date-time', description: 'When a cached answer was computed' })
  computed_at?: string;
}

export class OperationProgressDto {
  @ApiProperty() correlation_id: string;
  @ApiProperty({ enum: ['completed', 'failed', 'in_progress', 'stuck'] }) status: string;
  @ApiProperty() summary: string;
  @ApiProperty({ format: 'date-time' }) started_at: string;
  @ApiProperty({ format: 'date-time' }) last_event_at: string;
  @ApiProperty() elapsed_ms: number;
  @ApiProperty() idle_ms: number;
  @ApiProperty() events: number;
  @ApiProperty() events_truncated: boolean;
  @ApiProperty(objects('{ component_type, component_id, events }')) components: Record<
    string,
    unknown
  >[];
  @ApiProperty(
    objects('The steps in order: name, status, started_at, ended_at, duration_ms, events'),
  )
  steps: Record<string, unknown>[];
  @ApiObject('The step in progress, if any', { nullable: true }) current_step: Record<
    string,
    unknown
  > | null;
  @ApiProperty(objects('{ event_id, step, component_type, component_id, timestamp, message }'))
  failures: Record<string, unknown>[];
  @ApiObject('{ is_stuck, idle_ms, threshold_ms, reason }') stuck: Record<string, unknown>;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'For an operation that was open: what earlier operations did after the message it stopped at ({ pattern_id, operations, ended_there, longest_wait_ms }). At least half of 5 or more ended there: this one is completed; the stuck threshold is at least twice the longest wait',
  })
  history?: Record<string, unknown>;
  @ApiProperty() cached: boolean;
}

export class ExplainErrorDto {
  @ApiProperty() summary: string;
  @ApiProperty({ type: DebugEventDto }) event: DebugEventDto;
  @ApiObject(
    '{ pattern_id, sample_message, occurrences, last_hour, last_24h, first_seen, last_seen }',
  )
  pattern: Record<string, unknown>;
  @ApiProperty(objects('Components where the pattern occurred in the last 24 hours'))
  affected_components: Record<string, unknown>[];
  @ApiProperty({
    type: [DebugEventDto],
    description: 'Events of the same correlation id before this one',
  })
  preceding_events: DebugEventDto[];
  @ApiObject(
    '{ event, reason, confidence, is_the_event_itself }: the earliest upstream error on the chain, or the event itself',
  )
  root_cause: Record<string, unknown>;
  @ApiProperty(objects('Open insights about the same pattern or components'))
  related_open_insights: Record<string, unknown>[];
  @ApiProperty(objects('Resolved insights of the same pattern, with their resolution notes'))
  similar_resolved_insights: Record<string, unknown>[];
  @ApiProperty({ type: [String] }) suggestions: string[];
  @ApiProperty() cached: boolean;
}

export class ComparedComponentDto {
  @ApiProperty({ example: 'worker/worker-1' }) component: string;
  @ApiPropertyOptional() component_type?: string;
  @ApiPropertyOptional({ type: String, nullable: true }) component_id?: string | null;
  @ApiProperty() events: number;
  @ApiProperty() errors: number;
  @ApiProperty({ type: 'number', nullable: true }) error_rate: number | null;
  @ApiObject('{ p50, p95, p99, samples } of duration_ms') latency_ms: Record<string, unknown>;
  @ApiProperty(objects('{ pattern_id, occurrences, sample_message, last_seen }, at most 5'))
  top_patterns: Record<string, unknown>[];
  @ApiObject('The latest state: { version, captured_at, hash }', { nullable: true })
  state: Record<string, unknown> | null;
  @ApiProperty({
    type: [ComponentMetricDto],
    description: 'The metrics the component reported in the window (POST /metrics, OTLP)',
  })
  reported_metrics: ComponentMetricDto[];
}

export class CompareAnswerDto {
  @ApiObject('{ from, to, minutes }') window: Record<string, unknown>;
  @ApiProperty() summary: string;
  @ApiProperty({ type: [ComparedComponentDto] })
  components: ComparedComponentDto[];
  @ApiProperty(objects('{ path, values: { <component>: value } } where the latest states differ'))
  state_differences: Record<string, unknown>[];
  @ApiProperty({
    type: [MetricDifferenceDto],
    description:
      'Metrics two or more components reported, the statistic their meaning compares side by side, widest apart first',
  })
  metric_differences: MetricDifferenceDto[];
  @ApiProperty(
    objects(
      '{ component, did_you_mean }: names no component has sent events under, left out of the comparison',
    ),
  )
  unknown: Record<string, unknown>[];
  @ApiProperty({
    type: [String],
    description:
      'A type named alone compares its first 60 instances by name: the others, left out (name them to compare them)',
  })
  omitted: string[];
  @ApiProperty() cached: boolean;
}

export class SlowOperationsDto {
  @ApiObject('{ from, to, minutes }') window: Record<string, unknown>;
  @ApiProperty() summary: string;
  @ApiProperty(objects('Per operation: component, calls, p50/p95/p99 and max duration'))
  slowest: Record<string, unknown>[];
  @ApiProperty({
    description: 'Timed calls an operation needed to be ranked (5; 1 when no operation had 5)',
    example: 5,
  })
  min_samples: number;
  @ApiProperty() cached: boolean;
}

export class TopErrorsDto {
  @ApiObject('{ from, to, minutes }') window: Record<string, unknown>;
  @ApiProperty() summary: string;
  @ApiProperty(
    objects('Per pattern: pattern_id, sample_message, count, components, first_seen, last_seen'),
  )
  patterns: Record<string, unknown>[];
  @ApiProperty() cached: boolean;
}

export class EventSearchDto {
  @ApiProperty({ type: [DebugEventDto], description: 'Newest first' }) items: DebugEventDto[];
  @ApiNullableString('Always null: the search is bounded by `limit` (`truncated` says it cut)')
  next_cursor: null;
  @ApiProperty() limit: number;
  @ApiProperty({ description: 'More events matched than `limit`' }) truncated: boolean;
}

export class AskAnswerDto {
  @ApiProperty() question: string;
  @ApiProperty({
    example: 'component_health',
    enum: INTENTS,
  })
  intent: string;
  @ApiProperty({ minimum: 0, maximum: 1 }) confidence: number;
  @ApiObject('The entities read from the question: components, time range, ids') understood: Record<
    string,
    unknown
  >;
  @ApiProperty() answer: string;
  @ApiObject("The answer of the structured query the question became (its shape is that route's)", {
    nullable: true,
  })
  data: Record<string, unknown> | null;
  @ApiProperty(
    objects('The structured queries that produced the answer: { method, path, body, tool }'),
  )
  queries: Record<string, unknown>[];
  @ApiProperty() cached: boolean;
  @ApiPropertyOptional({
    type: [String],
    description: 'Questions it understands, when it did not understand this one',
  })
  examples?: string[];
}
