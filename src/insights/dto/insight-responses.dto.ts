import { ApiProperty } from '@nestjs/swagger';
import { ApiNullableString, ApiObject } from '../../common/http/api-object.decorator.js';
import { INSIGHT_STATUSES, INSIGHT_TYPES, SEVERITIES } from '../../common/debug-event.js';

export class ComponentRefDto {
  @ApiProperty({ example: 'payment-service' }) component_type: string;
  @ApiProperty({ required: false, example: 'payment-1' }) component_id?: string;
}

export class InsightDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: INSIGHT_TYPES }) insight_type: string;
  @ApiProperty({ enum: SEVERITIES }) severity: string;
  @ApiProperty() title: string;
  @ApiProperty() summary: string;
  @ApiProperty({ description: 'Stable identity of the problem: a regression updates the same insight' }) fingerprint: string;
  @ApiProperty({ type: [ComponentRefDto] }) affected_components: ComponentRefDto[];
  @ApiObject('What the analyzer saw: `kind` and its figures, with sample event ids') evidence: Record<string, unknown>;
  @ApiProperty({ minimum: 0, maximum: 1 }) confidence: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, description: 'The factors the confidence is made of' })
  confidence_factors: Record<string, number>;
  @ApiProperty({ type: [String] }) suggestions: string[];
  @ApiProperty() occurrences: number;
  @ApiProperty({ format: 'date-time' }) first_seen: string;
  @ApiProperty({ format: 'date-time' }) last_seen: string;
  @ApiProperty({ enum: INSIGHT_STATUSES }) status: string;
  @ApiNullableString(undefined, { format: 'date-time' }) resolved_at: string | null;
  @ApiNullableString() resolution: string | null;
  @ApiNullableString() session_id: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class InsightPageDto {
  @ApiProperty({ type: [InsightDto], description: 'Most recently seen first' }) items: InsightDto[];
  @ApiNullableString('Pass back as `cursor` for the next page; null on the last', { example: '50' }) next_cursor: string | null;
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export class GenerationResultDto {
  @ApiObject('{ from, to, components, session_id }') scope: Record<string, unknown>;
  @ApiProperty({ type: [InsightDto] }) created: InsightDto[];
  @ApiProperty({ type: [InsightDto] }) updated: InsightDto[];
  @ApiProperty({ type: [InsightDto] }) regressed: InsightDto[];
  @ApiProperty() unchanged: number;
  @ApiObject('Per analyzer: { found, ms, error? }') analyzers: Record<string, unknown>;
  @ApiProperty() duration_ms: number;
}
