import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { SEVERITIES } from '../../common/debug-event.js';
import { ApiNullableString, ApiObject } from '../../common/http/api-object.decorator.js';
import { ALERT_STATES, CHANNEL_TYPES, DELIVERY_STATUSES } from '../alert.types.js';

const LABELS = { type: 'object', additionalProperties: { type: 'string' } } as const;
const BOUNDED_CURSOR = 'Always null: `limit` bounds the list, `truncated` says when it cut';

export class SmtpSettingsDto {
  @ApiProperty() host: string;
  @ApiProperty() port: number;
  @ApiPropertyOptional() secure?: boolean;
  @ApiPropertyOptional() username?: string;
  @ApiProperty({ description: 'Whether a password is stored (it is never returned)' })
  password_set: boolean;
}

export class AlertChannelDto {
  @ApiProperty({ enum: CHANNEL_TYPES }) type: string;
  @ApiPropertyOptional({ description: 'webhook, alertmanager: the target URL' }) url?: string;
  @ApiPropertyOptional({ description: 'slack: scheme and host of the secret incoming-webhook URL' })
  url_redacted?: string;
  @ApiPropertyOptional({
    description: 'webhook: whether a signing secret is stored (it is never returned)',
  })
  secret_set?: boolean;
  @ApiPropertyOptional({ type: [String], description: 'email: recipients' }) to?: string[];
  @ApiPropertyOptional({ description: 'email: sender' }) from?: string;
  @ApiPropertyOptional({ type: SmtpSettingsDto }) smtp?: SmtpSettingsDto;
  @ApiPropertyOptional({
    description:
      'Set when a stored secret cannot be decrypted with DEBUG_SECRETS_KEY: which field and why; the deliveries of the channel fail with it',
  })
  unreadable_secrets?: string;
}

export class AlertRuleDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ enum: SEVERITIES }) severity: string;
  @ApiObject(
    'The condition: exactly one of insight, pattern, metric, silence, stuck_flow (see POST /alerts/rules)',
  )
  when: Record<string, unknown>;
  @ApiProperty() for_seconds: number;
  @ApiProperty() repeat_interval_seconds: number;
  @ApiProperty(LABELS) labels: Record<string, string>;
  @ApiProperty(LABELS) annotations: Record<string, string>;
  @ApiProperty({ type: [AlertChannelDto] }) channels: AlertChannelDto[];
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class DeliveryCountsDto {
  @ApiProperty() pending: number;
  @ApiProperty() delivered: number;
  @ApiProperty() failed: number;
}

export class AlertRuleWithDeliveriesDto extends AlertRuleDto {
  @ApiProperty({ type: DeliveryCountsDto, description: 'Notification outcomes of the rule' })
  deliveries: DeliveryCountsDto;
}

export class AlertRulesPageDto {
  @ApiProperty({ type: [AlertRuleWithDeliveriesDto] }) items: AlertRuleWithDeliveriesDto[];
  @ApiNullableString('Always null: every rule is in the one page') next_cursor: null;
}

export class DeletedRuleDto {
  @ApiProperty({ description: 'The id of the deleted rule' }) deleted: string;
  @ApiProperty({
    description:
      'Its open (pending or firing) alerts, resolved before it went; each firing one whose notice went out was told to the channels once',
  })
  resolved: number;
  @ApiProperty({
    type: [String],
    description: 'Resolve notices that could not be sent (channel and reason); not retried',
  })
  notice_failures: string[];
}

export class AlertEvidenceDto {
  @ApiProperty() summary: string;
  @ApiObject('The insight or the numbers behind the alert') details: Record<string, unknown>;
  @ApiProperty({ type: [String] }) sample_event_ids: string[];
}

export class AlertDto {
  @ApiProperty() rule_id: string;
  @ApiProperty({ description: 'The label group within the rule; stable across evaluations' })
  group_key: string;
  @ApiProperty({ enum: ALERT_STATES }) state: string;
  @ApiProperty(LABELS) labels: Record<string, string>;
  @ApiProperty({ type: AlertEvidenceDto }) details: AlertEvidenceDto;
  @ApiNullableString(undefined, { format: 'date-time' }) active_since: string | null;
  @ApiNullableString(undefined, { format: 'date-time' }) firing_since: string | null;
  @ApiNullableString(undefined, { format: 'date-time' }) resolved_at: string | null;
  @ApiProperty({ format: 'date-time' }) last_evaluated_at: string;
  @ApiNullableString(undefined, { format: 'date-time' }) last_notified_at: string | null;
  @ApiProperty() change_seq: number;
  @ApiProperty() notify_seq: number;
}

export class AlertHistoryEntryDto {
  @ApiProperty() id: string;
  @ApiProperty() rule_id: string;
  @ApiProperty() group_key: string;
  @ApiProperty({ enum: ALERT_STATES, nullable: true, type: String }) from_state: string | null;
  @ApiProperty({ enum: ALERT_STATES }) to_state: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty(LABELS) labels: Record<string, string>;
  @ApiProperty({ type: AlertEvidenceDto }) details: AlertEvidenceDto;
}

export class AlertsPageDto {
  @ApiProperty({ type: [AlertDto], description: 'Current alerts, last evaluated first' })
  items: AlertDto[];
  @ApiNullableString(BOUNDED_CURSOR) next_cursor: null;
  @ApiProperty({ description: 'More alerts matched than `limit`' }) truncated: boolean;
  @ApiProperty({
    type: [AlertHistoryEntryDto],
    description: 'State changes, newest first (at most `limit`)',
  })
  history: AlertHistoryEntryDto[];
}

export class EvaluationErrorDto {
  @ApiProperty() rule_id: string;
  @ApiProperty() error: string;
}

export class SlowRuleDto {
  @ApiProperty() rule_id: string;
  @ApiProperty() name: string;
  @ApiProperty() ms: number;
}

export class EvaluationSummaryDto {
  @ApiProperty({ description: 'Rules evaluated' }) rules: number;
  @ApiProperty({ description: 'State changes' }) changes: number;
  @ApiProperty({ description: 'Notifications queued' }) notifications: number;
  @ApiProperty({ description: 'Notifications held back by a silence' }) silenced: number;
  @ApiProperty({ type: [EvaluationErrorDto] }) errors: EvaluationErrorDto[];
  @ApiProperty() duration_ms: number;
  @ApiProperty({ type: [SlowRuleDto], description: 'The rules that took longest' })
  slowest: SlowRuleDto[];
}

export class SilenceMatcherDto {
  @ApiProperty() name: string;
  @ApiProperty() value: string;
  @ApiProperty({ enum: ['=', '!=', '=~', '!~'] }) op: string;
}

export class SilenceScheduleDto {
  @ApiProperty({ type: [Number], description: 'Days of the week, 0 = Sunday (UTC)' })
  days: number[];
  @ApiProperty({ example: '02:00', description: 'HH:MM, UTC' }) start: string;
  @ApiProperty() duration_minutes: number;
}

export class SilenceDto {
  @ApiProperty() id: string;
  @ApiNullableString() rule_id: string | null;
  @ApiNullableString() component: string | null;
  @ApiProperty({ type: [SilenceMatcherDto] }) matchers: SilenceMatcherDto[];
  @ApiProperty({ format: 'date-time' }) starts_at: string;
  @ApiProperty({ format: 'date-time' }) ends_at: string;
  @ApiProperty({
    type: SilenceScheduleDto,
    nullable: true,
    description: 'Set for a recurring maintenance window',
  })
  schedule: SilenceScheduleDto | null;
  @ApiProperty() comment: string;
  @ApiProperty() created_by: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiNullableString('Set when the silence was ended early', { format: 'date-time' }) expired_at:
    string | null;
  @ApiProperty({ description: 'Holds notifications back right now' }) active: boolean;
}

export class SilencesPageDto {
  @ApiProperty({ type: [SilenceDto], description: 'Newest first, at most 500' })
  items: SilenceDto[];
  @ApiNullableString(BOUNDED_CURSOR) next_cursor: null;
  @ApiProperty({ description: 'More than 500 silences matched' }) truncated: boolean;
}

export class DeliveryDto {
  @ApiProperty({ description: 'The idempotency key the channel receives, plus the channel index' })
  id: string;
  @ApiProperty() rule_id: string;
  @ApiProperty() group_key: string;
  @ApiProperty({ description: 'The alert state notified (firing or resolved)' }) state: string;
  @ApiProperty() channel_index: number;
  @ApiProperty({ enum: CHANNEL_TYPES }) channel_type: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: string;
  @ApiProperty() attempts: number;
  @ApiNullableString() last_error: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiNullableString(undefined, { format: 'date-time' }) delivered_at: string | null;
}

export class DeliveriesPageDto {
  @ApiProperty({ type: [DeliveryDto], description: 'Newest first' }) items: DeliveryDto[];
  @ApiNullableString(BOUNDED_CURSOR) next_cursor: null;
  @ApiProperty({ description: 'More deliveries matched than `limit`' }) truncated: boolean;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: getSchemaPath(DeliveryCountsDto) },
    description: 'Outcome counts keyed by rule id',
  })
  by_rule: Record<string, DeliveryCountsDto>;
}

export class DeliveryReplayDto {
  @ApiProperty({ description: 'Failed notifications queued again' }) replayed: number;
  @ApiProperty({ type: [String] }) ids: string[];
}
