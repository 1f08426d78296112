import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { RequireScope } from '../common/auth/scopes.decorator.js';
import { DomainError } from '../common/errors/domain-error.js';
import { AlertingService } from './alerting.service.js';
import {
  AlertRuleDto,
  AlertRulesPageDto,
  AlertsPageDto,
  DeletedRuleDto,
  DeliveriesPageDto,
  DeliveryReplayDto,
  EvaluationSummaryDto,
  SilenceDto,
  SilencesPageDto,
} from './dto/alerting-responses.dto.js';

const RULE_EXAMPLE = {
  name: 'billing errors',
  when: {
    insight: {
      min_severity: 'medium',
      types: ['error', 'flow'],
      components: ['service/billing-svc'],
    },
  },
  for_seconds: 0,
  labels: { team: 'payments' },
  channels: [
    { type: 'webhook', url: 'https://hooks.example.com/debug', secret: 's3cr3t' },
    { type: 'alertmanager', url: 'http://alertmanager:9093' },
  ],
};

const SILENCE_EXAMPLE = {
  matchers: [{ name: 'team', value: 'payments', op: '=' }],
  ends_at: '2026-12-03T08:00:00Z',
  comment: 'billing-svc deploy 412',
  created_by: 'oncall@example.com',
};

/**
 * Alerting over REST. Bodies are parsed by the module's own parsers (nested one-of shapes),
 * which name the field at fault; writes need the `ingest` scope, reads `read`.
 */
@ApiTags('alerting')
@Controller('alerts')
export class AlertingController {
  constructor(private readonly alerting: AlertingService) {}

  @Post('rules')
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Create an alert rule',
    description:
      '`when` has exactly one of: insight {types, kinds, min_severity, min_confidence, components, pattern}, pattern {pattern_id, new, min_count, window_seconds}, ' +
      'metric {name, op, threshold, aggregate, window_seconds, components}, silence {components, quiet_minutes}, stuck_flow {components, min_chains}. ' +
      'Channels: webhook {url, secret}, slack {url}, alertmanager {url}, email {to, from, smtp}. Secrets are never returned.',
  })
  @ApiBody({ schema: { type: 'object', example: RULE_EXAMPLE } })
  @ApiCreatedResponse({ description: 'The rule (secrets redacted)', type: AlertRuleDto })
  @ApiBadRequestResponse({ description: 'The rule is invalid; the message names the field' })
  createRule(@Body() body: unknown) {
    return this.alerting.createRule(body);
  }

  @Get('rules')
  @ApiOperation({ summary: 'Alert rules, with delivery outcomes per rule (secrets redacted)' })
  @ApiOkResponse({
    description: '{ items: [rule + deliveries], next_cursor: null }',
    type: AlertRulesPageDto,
  })
  listRules() {
    return this.alerting.listRules();
  }

  @Get('rules/:id')
  @ApiOperation({ summary: 'One alert rule (secrets redacted)' })
  @ApiOkResponse({ type: AlertRuleDto })
  @ApiNotFoundResponse({ description: 'No rule has this id' })
  getRule(@Param('id') id: string) {
    return this.alerting.getRule(id);
  }

  @Put('rules/:id')
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Replace an alert rule; a channel sent back without its secret keeps the stored one',
  })
  @ApiBody({ schema: { type: 'object', example: RULE_EXAMPLE } })
  @ApiOkResponse({ description: 'The rule as stored', type: AlertRuleDto })
  @ApiBadRequestResponse({ description: 'The rule is invalid; the message names the field' })
  @ApiNotFoundResponse({ description: 'No rule has this id' })
  replaceRule(@Param('id') id: string, @Body() body: unknown) {
    return this.alerting.replaceRule(id, body);
  }

  @Delete('rules/:id')
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Delete an alert rule and its current alerts (history and deliveries stay)',
  })
  @ApiOkResponse({ type: DeletedRuleDto })
  @ApiNotFoundResponse({ description: 'No rule has this id' })
  deleteRule(@Param('id') id: string) {
    return this.alerting.deleteRule(id);
  }

  @Get()
  @ApiOperation({
    summary:
      'Current alerts (pending, firing, resolved) and the history of state changes, newest first',
  })
  @ApiQuery({ name: 'rule_id', required: false })
  @ApiQuery({ name: 'state', required: false, enum: ['pending', 'firing', 'resolved'] })
  @ApiQuery({ name: 'since', required: false, description: 'History from this ISO-8601 time' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiOkResponse({
    description: '{ items: [alert], next_cursor: null, truncated, history: [state change] }',
    type: AlertsPageDto,
  })
  @ApiBadRequestResponse({ description: 'state, since or limit is invalid; the message names it' })
  alerts(
    @Query('rule_id') ruleId?: string,
    @Query('state') state?: string,
    @Query('since') since?: string,
    @Query('limit') limit?: string,
  ) {
    return this.alerting.alerts({ rule_id: ruleId, state, since, limit: intQuery(limit, 'limit') });
  }

  @Post('evaluate')
  @HttpCode(200)
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Evaluate every rule now (also runs on schedule and after each insights run)',
  })
  @ApiOkResponse({ type: EvaluationSummaryDto })
  evaluate() {
    return this.alerting.evaluateNow();
  }

  @Post('silences')
  @RequireScope('ingest')
  @ApiOperation({
    summary:
      'Silence alerts by rule, component or label matchers until ends_at; with `schedule` {days, start, duration_minutes} (UTC) it is a maintenance window',
  })
  @ApiBody({ schema: { type: 'object', example: SILENCE_EXAMPLE } })
  @ApiCreatedResponse({ description: 'The silence, with `active`', type: SilenceDto })
  @ApiBadRequestResponse({ description: 'The silence is invalid; the message names the field' })
  createSilence(@Body() body: unknown) {
    return this.alerting.createSilence(body);
  }

  @Get('silences')
  @ApiOperation({ summary: 'Silences not over yet (include_ended=true for all)' })
  @ApiQuery({ name: 'include_ended', required: false })
  @ApiOkResponse({
    description: '{ items: [silence], next_cursor: null, truncated }',
    type: SilencesPageDto,
  })
  listSilences(@Query('include_ended') includeEnded?: string) {
    return this.alerting.listSilences(includeEnded === 'true');
  }

  @Delete('silences/:id')
  @RequireScope('ingest')
  @ApiOperation({ summary: 'End a silence now' })
  @ApiOkResponse({ description: 'The silence, now ended', type: SilenceDto })
  @ApiNotFoundResponse({ description: 'No silence has this id' })
  expireSilence(@Param('id') id: string) {
    return this.alerting.expireSilence(id);
  }

  @Get('deliveries')
  @ApiOperation({
    summary:
      'Notification outcomes, newest first, with counts per rule; status=failed for the failed set',
  })
  @ApiQuery({ name: 'rule_id', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ['pending', 'delivered', 'failed'] })
  @ApiQuery({ name: 'limit', required: false })
  @ApiOkResponse({
    description: '{ items: [delivery], next_cursor: null, truncated, by_rule }',
    type: DeliveriesPageDto,
  })
  @ApiBadRequestResponse({ description: 'status or limit is invalid; the message names it' })
  deliveries(
    @Query('rule_id') ruleId?: string,
    @Query('status') status?: string,
    @Query('limit') limit?: string,
  ) {
    return this.alerting.deliveries({ rule_id: ruleId, status, limit: intQuery(limit, 'limit') });
  }

  @Get('deliveries/failed')
  @ApiOperation({
    summary: 'The failed set: notifications that ran out of attempts or were refused',
  })
  @ApiQuery({ name: 'rule_id', required: false })
  @ApiOkResponse({
    description: '{ items: [delivery], next_cursor: null, truncated, by_rule } (at most 500)',
    type: DeliveriesPageDto,
  })
  failed(@Query('rule_id') ruleId?: string) {
    return this.alerting.deliveries({ rule_id: ruleId, status: 'failed', limit: 500 });
  }

  @Post('deliveries/replay')
  @HttpCode(200)
  @RequireScope('ingest')
  @ApiOperation({
    summary: "Send failed notifications again: all, one rule's (rule_id) or chosen ones (ids)",
  })
  @ApiBody({ schema: { type: 'object', example: { rule_id: '019ab3…' } } })
  @ApiOkResponse({ type: DeliveryReplayDto })
  @ApiBadRequestResponse({ description: 'The body is invalid; the message names the field' })
  replay(@Body() body: unknown) {
    return this.alerting.replay(replayBody(body));
  }
}

function intQuery(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new DomainError('VALIDATION_FAILED', `${field} must be a positive integer`, { field });
  return Number(value);
}

function replayBody(body: unknown): { rule_id?: string; ids?: string[] } {
  const value = (body ?? {}) as Record<string, unknown>;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new DomainError('VALIDATION_FAILED', 'body must be an object', { field: 'body' });
  for (const key of Object.keys(value)) {
    if (key !== 'rule_id' && key !== 'ids')
      throw new DomainError(
        'VALIDATION_FAILED',
        `${key} is not a known field (allowed: rule_id, ids)`,
        { field: key },
      );
  }
  if (value.rule_id !== undefined && typeof value.rule_id !== 'string')
    throw new DomainError('VALIDATION_FAILED', 'rule_id must be a string', { field: 'rule_id' });
  if (
    value.ids !== undefined &&
    (!Array.isArray(value.ids) ||
      value.ids.some((id) => typeof id !== 'string') ||
      value.ids.length > 1000)
  ) {
    throw new DomainError(
      'VALIDATION_FAILED',
      'ids must be an array of at most 1000 delivery ids',
      { field: 'ids' },
    );
  }
  return { rule_id: value.rule_id as string | undefined, ids: value.ids as string[] | undefined };
}
