import { DomainError } from '../common/errors/domain-error.js';
import {
  INSIGHT_TYPES,
  type InsightType,
  SEVERITIES,
  type Severity,
} from '../common/debug-event.js';
import {
  CHANNEL_TYPES,
  type ChannelConfig,
  METRIC_AGGREGATES,
  METRIC_OPERATORS,
  type RuleCondition,
  type RuleInput,
  type SilenceInput,
  type SilenceMatcher,
  type SilenceSchedule,
} from './alert.types.js';

/**
 * Rules and silences arrive as nested JSON with one-of parts (`when` kinds, channel types),
 * which class-validator DTOs express poorly; these parsers check every field and throw a
 * VALIDATION_FAILED naming it (`when.metric.threshold`, `channels[1].url`), for REST and MCP alike.
 */
type Json = Record<string, unknown>;

const CONDITION_KINDS = ['insight', 'pattern', 'metric', 'silence', 'stuck_flow'] as const;
/** An insight's evidence.kind: lower-case words joined by underscores. */
const INSIGHT_KIND = /^[a-z][a-z_]{0,39}$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DAY_SECONDS = 86_400;

function invalid(field: string, message: string): never {
  throw new DomainError('VALIDATION_FAILED', `${field} ${message}`, { field });
}

function object(value: unknown, field: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    invalid(field, 'must be an object');
  return value as Json;
}

function onlyKeys(value: Json, field: string, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key))
      invalid(
        field ? `${field}.${key}` : key,
        `is not a known field (allowed: ${allowed.join(', ')})`,
      );
  }
}

function string(value: unknown, field: string, max = 500): string {
  if (typeof value !== 'string' || value.trim().length === 0)
    invalid(field, 'must be a non-empty string');
  if (value.length > max) invalid(field, `must be at most ${max} characters`);
  return value;
}

function optionalString(value: unknown, field: string, max = 500): string | undefined {
  return value === undefined ? undefined : string(value, field, max);
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function finite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(field, 'must be a number');
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T))
    invalid(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function stringList(value: unknown, field: string, maxItems = 50): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0)
    invalid(field, 'must be a non-empty array of strings');
  if (value.length > maxItems) invalid(field, `must have at most ${maxItems} items`);
  return value.map((item, index) => string(item, `${field}[${index}]`, 300));
}

function labels(value: unknown, field: string): Record<string, string> {
  if (value === undefined) return {};
  const map = object(value, field);
  const keys = Object.keys(map);
  if (keys.length > 30) invalid(field, 'must have at most 30 labels');
  const result: Record<string, string> = {};
  for (const key of keys) {
    if (!LABEL_NAME.test(key))
      invalid(
        `${field}.${key}`,
        'is not a valid label name (letters, digits, _; not starting with a digit)',
      );
    result[key] = string(map[key], `${field}.${key}`, 300);
  }
  return result;
}

function url(value: unknown, field: string): string {
  const text = string(value, field, 2000);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    invalid(field, 'must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    invalid(field, 'must be an http(s) URL');
  return text;
}

export function parseCondition(value: unknown): RuleCondition {
  const when = object(value, 'when');
  const kinds = Object.keys(when);
  if (kinds.length !== 1) invalid('when', `must have exactly one of ${CONDITION_KINDS.join(', ')}`);
  const kind = oneOf(kinds[0], 'when', CONDITION_KINDS);
  const body = object(when[kind], `when.${kind}`);
  const at = (name: string) => `when.${kind}.${name}`;
  switch (kind) {
    case 'insight': {
      onlyKeys(body, `when.${kind}`, [
        'types',
        'kinds',
        'min_severity',
        'min_confidence',
        'components',
        'pattern',
        'active_within_seconds',
      ]);
      const types =
        body.types === undefined
          ? undefined
          : stringList(body.types, at('types'), 5)!.map((type, index) =>
              oneOf(type, `${at('types')}[${index}]`, INSIGHT_TYPES),
            );
      const kinds = stringList(body.kinds, at('kinds'), 20)?.map((kind, index) => {
        if (!INSIGHT_KIND.test(kind))
          invalid(`${at('kinds')}[${index}]`, 'must be a kind of finding such as broken_flow');
        return kind;
      });
      const minConfidence =
        body.min_confidence === undefined
          ? undefined
          : finite(body.min_confidence, at('min_confidence'));
      if (minConfidence !== undefined && (minConfidence < 0 || minConfidence > 1))
        invalid(at('min_confidence'), 'must be from 0 to 1');
      return {
        insight: {
          types: types as InsightType[] | undefined,
          kinds,
          min_severity:
            body.min_severity === undefined
              ? undefined
              : oneOf(body.min_severity, at('min_severity'), SEVERITIES),
          min_confidence: minConfidence,
          components: stringList(body.components, at('components')),
          pattern: optionalString(body.pattern, at('pattern'), 300),
          active_within_seconds:
            body.active_within_seconds === undefined
              ? undefined
              : integer(
                  body.active_within_seconds,
                  at('active_within_seconds'),
                  60,
                  30 * DAY_SECONDS,
                ),
        },
      };
    }
    case 'pattern': {
      onlyKeys(body, `when.${kind}`, [
        'pattern_id',
        'new',
        'min_count',
        'window_seconds',
        'components',
        'levels',
      ]);
      if (body.new !== undefined && typeof body.new !== 'boolean')
        invalid(at('new'), 'must be true or false');
      const minCount =
        body.min_count === undefined
          ? undefined
          : integer(body.min_count, at('min_count'), 1, 1_000_000_000);
      if (!body.new && minCount === undefined)
        invalid(at('min_count'), 'is required unless new is true');
      return {
        pattern: {
          pattern_id: optionalString(body.pattern_id, at('pattern_id'), 64),
          new: body.new === true ? true : undefined,
          min_count: minCount,
          window_seconds: integer(
            body.window_seconds ?? 300,
            at('window_seconds'),
            10,
            7 * DAY_SECONDS,
          ),
          components: stringList(body.components, at('components')),
          levels: stringList(body.levels, at('levels'), 6),
        },
      };
    }
    case 'metric': {
      onlyKeys(body, `when.${kind}`, [
        'name',
        'op',
        'threshold',
        'aggregate',
        'window_seconds',
        'components',
      ]);
      return {
        metric: {
          name: string(body.name, at('name'), 256),
          op: oneOf(body.op ?? '>', at('op'), METRIC_OPERATORS),
          threshold: finite(body.threshold, at('threshold')),
          aggregate: oneOf(body.aggregate ?? 'avg', at('aggregate'), METRIC_AGGREGATES),
          window_seconds: integer(body.window_seconds ?? 60, at('window_seconds'), 10, DAY_SECONDS),
          components: stringList(body.components, at('components')),
        },
      };
    }
    case 'silence': {
      onlyKeys(body, `when.${kind}`, ['components', 'quiet_minutes']);
      if (body.components === undefined) invalid(at('components'), 'is required');
      return {
        silence: {
          components: stringList(body.components, at('components'))!,
          quiet_minutes: integer(body.quiet_minutes, at('quiet_minutes'), 1, 24 * 60),
        },
      };
    }
    case 'stuck_flow': {
      onlyKeys(body, `when.${kind}`, ['components', 'min_chains']);
      return {
        stuck_flow: {
          components: stringList(body.components, at('components')),
          min_chains:
            body.min_chains === undefined
              ? undefined
              : integer(body.min_chains, at('min_chains'), 1, 100_000),
        },
      };
    }
  }
}

function parseChannel(value: unknown, index: number): ChannelConfig {
  const field = `channels[${index}]`;
  const body = object(value, field);
  const type = oneOf(body.type, `${field}.type`, CHANNEL_TYPES);
  switch (type) {
    case 'webhook':
      onlyKeys(body, field, ['type', 'url', 'secret']);
      return {
        type,
        url: url(body.url, `${field}.url`),
        secret: optionalString(body.secret, `${field}.secret`, 500),
      };
    case 'slack':
      // Slack's incoming-webhook URL is its secret: the API never shows it, and a PUT may leave it out to keep it.
      onlyKeys(body, field, ['type', 'url']);
      return { type, url: body.url === undefined ? undefined : url(body.url, `${field}.url`) };
    case 'alertmanager':
      onlyKeys(body, field, ['type', 'url']);
      return { type, url: url(body.url, `${field}.url`) };
    case 'email': {
      onlyKeys(body, field, ['type', 'to', 'from', 'smtp']);
      const to = stringList(body.to, `${field}.to`, 20);
      if (!to) invalid(`${field}.to`, 'is required');
      to.forEach((address, at) => {
        if (!/^[^\s@]+@[^\s@]+$/.test(address))
          invalid(`${field}.to[${at}]`, 'must be an e-mail address');
      });
      let smtp: ChannelConfig['smtp'];
      if (body.smtp !== undefined) {
        const settings = object(body.smtp, `${field}.smtp`);
        onlyKeys(settings, `${field}.smtp`, ['host', 'port', 'secure', 'username', 'password']);
        if (settings.secure !== undefined && typeof settings.secure !== 'boolean')
          invalid(`${field}.smtp.secure`, 'must be true or false');
        smtp = {
          host: string(settings.host, `${field}.smtp.host`, 253),
          port: integer(settings.port ?? 587, `${field}.smtp.port`, 1, 65535),
          secure: settings.secure as boolean | undefined,
          username: optionalString(settings.username, `${field}.smtp.username`, 300),
          password: optionalString(settings.password, `${field}.smtp.password`, 500),
        };
      }
      return { type, to, from: optionalString(body.from, `${field}.from`, 300), smtp };
    }
  }
}

const RULE_FIELDS = [
  'name',
  'enabled',
  'severity',
  'when',
  'for_seconds',
  'repeat_interval_seconds',
  'labels',
  'annotations',
  'channels',
];

/**
 * A rule from a create or full-replace body. `previous` (on PUT) lets a channel keep its stored
 * secret when the client sends it back without one (the API never shows secrets).
 */
export function parseRule(value: unknown, previous?: RuleInput): RuleInput {
  const body = object(value ?? undefined, 'body');
  onlyKeys(body, '', RULE_FIELDS);
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean')
    invalid('enabled', 'must be true or false');
  if (body.when === undefined) invalid('when', 'is required');
  if (!Array.isArray(body.channels ?? [])) invalid('channels', 'must be an array');
  const channelList = (body.channels ?? []) as unknown[];
  if (channelList.length > 10) invalid('channels', 'must have at most 10 items');
  const channels = channelList.map((channel, index) => parseChannel(channel, index));
  if (previous) keepSecrets(channels, previous.channels);
  channels.forEach((channel, index) => {
    if (channel.type === 'slack' && !channel.url) invalid(`channels[${index}].url`, 'is required');
  });
  return {
    name: string(body.name, 'name', 200),
    enabled: body.enabled === undefined ? true : (body.enabled as boolean),
    severity:
      body.severity === undefined
        ? 'high'
        : (oneOf(body.severity, 'severity', SEVERITIES) as Severity),
    when: parseCondition(body.when),
    for_seconds:
      body.for_seconds === undefined ? 0 : integer(body.for_seconds, 'for_seconds', 0, DAY_SECONDS),
    repeat_interval_seconds:
      body.repeat_interval_seconds === undefined
        ? 4 * 3600
        : integer(body.repeat_interval_seconds, 'repeat_interval_seconds', 60, 7 * DAY_SECONDS),
    labels: labels(body.labels, 'labels'),
    annotations: labels(body.annotations, 'annotations'),
    channels,
  };
}

function keepSecrets(channels: ChannelConfig[], stored: ChannelConfig[]): void {
  channels.forEach((channel, index) => {
    if (channel.type !== 'slack' || channel.url) return;
    const slack =
      stored[index]?.type === 'slack'
        ? stored[index]
        : stored.filter((old) => old.type === 'slack').length === 1
          ? stored.find((old) => old.type === 'slack')
          : undefined;
    channel.url = slack?.url;
  });
  for (const channel of channels) {
    const same = stored.find(
      (old) =>
        old.type === channel.type &&
        (old.url ?? old.to?.join(',')) === (channel.url ?? channel.to?.join(',')),
    );
    if (!same) continue;
    if (channel.type === 'webhook' && channel.secret === undefined) channel.secret = same.secret;
    if (
      channel.smtp &&
      channel.smtp.password === undefined &&
      same.smtp?.host === channel.smtp.host
    )
      channel.smtp.password = same.smtp.password;
  }
}

const MATCHER_OPS = ['=', '!=', '=~', '!~'] as const;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

function date(value: unknown, field: string): Date {
  const text = string(value, field, 64);
  const parsed = new Date(text);
  if (Number.isNaN(parsed.getTime())) invalid(field, 'must be an ISO-8601 date-time');
  return parsed;
}

export function parseSilence(value: unknown, now = new Date()): SilenceInput {
  const body = object(value ?? undefined, 'body');
  onlyKeys(body, '', [
    'rule_id',
    'component',
    'matchers',
    'starts_at',
    'ends_at',
    'schedule',
    'comment',
    'created_by',
  ]);
  const matchers: SilenceMatcher[] = [];
  if (body.matchers !== undefined) {
    if (!Array.isArray(body.matchers)) invalid('matchers', 'must be an array');
    if (body.matchers.length > 20) invalid('matchers', 'must have at most 20 items');
    body.matchers.forEach((item, index) => {
      const field = `matchers[${index}]`;
      const matcher = object(item, field);
      onlyKeys(matcher, field, ['name', 'value', 'op']);
      const op = oneOf(matcher.op ?? '=', `${field}.op`, MATCHER_OPS);
      const value =
        typeof matcher.value === 'string'
          ? matcher.value
          : invalid(`${field}.value`, 'must be a string');
      if (op === '=~' || op === '!~') {
        try {
          new RegExp(value);
        } catch {
          invalid(`${field}.value`, 'is not a valid regular expression');
        }
      }
      matchers.push({ name: string(matcher.name, `${field}.name`, 100), value, op });
    });
  }
  const ruleId = optionalString(body.rule_id, 'rule_id', 36) ?? null;
  const component = optionalString(body.component, 'component', 300) ?? null;
  if (!ruleId && !component && matchers.length === 0)
    invalid('matchers', 'are required unless rule_id or component is given');
  const startsAt = body.starts_at === undefined ? now : date(body.starts_at, 'starts_at');
  const endsAt = date(body.ends_at, 'ends_at');
  if (endsAt.getTime() <= startsAt.getTime()) invalid('ends_at', 'must be after starts_at');
  let schedule: SilenceSchedule | null = null;
  if (body.schedule !== undefined && body.schedule !== null) {
    const raw = object(body.schedule, 'schedule');
    onlyKeys(raw, 'schedule', ['days', 'start', 'duration_minutes']);
    if (!Array.isArray(raw.days) || raw.days.length === 0 || raw.days.length > 7)
      invalid('schedule.days', 'must list 1 to 7 days (0 = Sunday … 6 = Saturday)');
    const days = raw.days.map((day, index) => integer(day, `schedule.days[${index}]`, 0, 6));
    const start = string(raw.start, 'schedule.start', 5);
    if (!TIME.test(start)) invalid('schedule.start', 'must be HH:MM (UTC)');
    schedule = {
      days,
      start,
      duration_minutes: integer(raw.duration_minutes, 'schedule.duration_minutes', 1, 7 * 24 * 60),
    };
  }
  return {
    rule_id: ruleId,
    component,
    matchers,
    starts_at: startsAt.toISOString(),
    ends_at: endsAt.toISOString(),
    schedule,
    comment: string(body.comment, 'comment', 2000),
    created_by: optionalString(body.created_by, 'created_by', 200) ?? 'api',
  };
}
