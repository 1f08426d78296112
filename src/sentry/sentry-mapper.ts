import type { IngestEventInput } from '../collector/event-shape.js';
import type { MetricInput } from '../collector/metric-intake.js';
import { DomainError } from '../common/errors/domain-error.js';
import { derivedId, spanEventId, uuidOfEventId } from './sentry-ids.js';

type Json = Record<string, unknown>;

/** Who sent an envelope and where to, for the fields Sentry's payloads do not carry. */
export interface SentrySource {
  projectId: string;
  /** component_type of the project's events (DEBUG_SENTRY_PROJECTS, else `sentry-<id>`). */
  componentType: string;
  /** The envelope's `sent_at`, else the time of arrival: the time of payloads without one (check-ins). */
  sentAt: Date;
  /** Fields of `user` that are kept. */
  userFields: readonly string[];
  /** The envelope header's `sdk`, for items whose payload names none (logs, check-ins). */
  sdk?: string;
}

/** What one item becomes. `extras` (breadcrumbs) are dropped one by one if refused; `events` refused fail the item. */
export interface MappedItem {
  events: IngestEventInput[];
  extras: IngestEventInput[];
  metrics: MetricInput[];
}

const LIMITS = {
  message: 32_768,
  operation: 256,
  componentType: 128,
  componentId: 256,
  correlation: 256,
  data: 60_000,
  metadata: 15_000,
};

const LEVEL_OF: Record<string, string> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  log: 'info',
  warn: 'warning',
  warning: 'warning',
  error: 'error',
  fatal: 'critical',
  critical: 'critical',
};

/** Span statuses that are not failures (Sentry's `ok`, OpenTelemetry's `unset`). */
const OK_STATUSES = new Set(['ok', 'unset', 'unknown']);

export class ItemProblem extends DomainError {}

const obj = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const cut = (text: string, max: number): string =>
  text.length > max ? text.slice(0, max - 1) + '…' : text;

/** A Sentry timestamp (seconds since the epoch as a number, or RFC 3339 text) as a Date. */
function dateOf(value: unknown): Date | undefined {
  if (typeof value === 'number' && Number.isFinite(value))
    return new Date(Math.round(value * 1000));
  if (typeof value === 'string') {
    const parsed = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`);
    if (!Number.isNaN(parsed)) return new Date(parsed);
  }
  return undefined;
}

function levelOf(value: unknown, fallback: string): string {
  return LEVEL_OF[typeof value === 'string' ? value.toLowerCase() : ''] ?? fallback;
}

function sdkOf(payload: Json, source: SentrySource): string | undefined {
  const sdk = obj(payload.sdk);
  const name = str(sdk?.name);
  return name ? `${name}${str(sdk?.version) ? `/${str(sdk?.version)}` : ''}` : source.sdk;
}

/** component_type: a `component_type` tag, else the project's; component_id: a `component_id` tag, else server_name. */
function componentOf(
  payload: Json,
  source: SentrySource,
  fallbackId?: string,
): { component_type: string; component_id: string } {
  const tags = tagsOf(payload.tags);
  return {
    component_type: cut(tags.component_type ?? source.componentType, LIMITS.componentType),
    component_id: cut(
      tags.component_id ?? str(payload.server_name) ?? fallbackId ?? 'unknown',
      LIMITS.componentId,
    ),
  };
}

/** Tags come as an object or as [key, value] pairs. */
function tagsOf(value: unknown): Record<string, string> {
  const tags: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const pair of value)
      if (Array.isArray(pair) && pair.length === 2) tags[String(pair[0])] = String(pair[1]);
  } else if (obj(value)) {
    for (const [key, tag] of Object.entries(value as Json))
      tags[key] = typeof tag === 'string' ? tag : JSON.stringify(tag);
  }
  return tags;
}

function without<T extends Json>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

/** Keeps a JSON object under a size: each shrink step in turn, until it fits; the last resort keeps `essentials`. */
function shrinkToFit(
  value: Json,
  maxBytes: number,
  steps: ((value: Json) => void)[],
  essentials: () => Json,
): Json {
  const size = () => Buffer.byteLength(JSON.stringify(value));
  if (size() <= maxBytes) return value;
  for (const step of steps) {
    step(value);
    if (size() <= maxBytes) return { ...value, truncated: true };
  }
  return { ...essentials(), truncated: true };
}

function metadataOf(payload: Json, source: SentrySource, extra: Json = {}): Json {
  const metadata = without({
    source: 'sentry',
    sentry_project: source.projectId,
    sdk: sdkOf(payload, source),
    platform: str(payload.platform),
    release: str(payload.release),
    environment: str(payload.environment),
    server_name: str(payload.server_name),
    logger: str(payload.logger),
    ...extra,
  });
  return shrinkToFit(metadata, LIMITS.metadata, [(value) => delete value.in_app_frames], () => ({
    source: 'sentry',
    sentry_project: source.projectId,
  }));
}

function scrubUser(user: unknown, fields: readonly string[]): Json | undefined {
  const given = obj(user);
  if (!given) return undefined;
  const kept: Json = {};
  for (const field of fields) if (given[field] !== undefined) kept[field] = given[field];
  return Object.keys(kept).length > 0 ? kept : undefined;
}

// ---------------------------------------------------------------------------------------------
// errors and messages

interface ExceptionFrame {
  filename?: string;
  function?: string;
  module?: string;
  lineno?: number;
  colno?: number;
  context_line?: string;
  in_app?: boolean;
}

function exceptionsOf(payload: Json): Json[] {
  const exception = payload.exception;
  const values = Array.isArray(exception) ? exception : obj(exception)?.values;
  return Array.isArray(values)
    ? values.filter((value): value is Json => obj(value) !== undefined)
    : [];
}

function framesOf(exception: Json): ExceptionFrame[] {
  const frames = obj(exception.stacktrace)?.frames;
  if (!Array.isArray(frames)) return [];
  return frames
    .filter((frame) => obj(frame))
    .map((frame: Json) =>
      without({
        filename: str(frame.filename) ?? str(frame.abs_path),
        function: str(frame.function),
        module: str(frame.module),
        lineno: num(frame.lineno),
        colno: num(frame.colno),
        context_line:
          typeof frame.context_line === 'string' ? cut(frame.context_line.trim(), 300) : undefined,
        in_app: typeof frame.in_app === 'boolean' ? frame.in_app : undefined,
      }),
    );
}

/** The text of a message event: `logentry.formatted`, its template, or `message`. */
function messageText(payload: Json): string | undefined {
  const logentry = obj(payload.logentry) ?? obj(payload.message);
  return str(logentry?.formatted) ?? str(logentry?.message) ?? str(payload.message);
}

/**
 * An `event` item (or a /store/ body): errors and messages. The main exception (Sentry lists the
 * outermost last) names the message `Type: value`, which is what the pattern miner groups on;
 * every exception's frames (innermost last, as Sentry orders them) go to `data.exception`.
 */
export function mapErrorEvent(payload: Json, source: SentrySource, where: string): MappedItem {
  const id = uuidOfEventId(payload.event_id);
  if (payload.event_id !== undefined && id === null) {
    throw new ItemProblem(
      'VALIDATION_FAILED',
      `${where}: event_id must be 32 hexadecimal digits (a UUID)`,
    );
  }
  const time = dateOf(payload.timestamp) ?? source.sentAt;
  const exceptions = exceptionsOf(payload);
  // captureMessage attaches its stack as a synthetic exception without a type: still a message.
  const named = exceptions.filter(
    (exception) => str(exception.type) || obj(exception.mechanism)?.synthetic !== true,
  );
  const main = named[named.length - 1];
  const mainType = str(main?.type);
  const mainValue = str(main?.value);
  const text = messageText(payload);
  const message = main
    ? [mainType, mainValue].filter(Boolean).join(': ') || text || 'exception'
    : (text ?? '(no message)');
  const level = levelOf(payload.level, main ? 'error' : 'info');
  const trace = obj(obj(payload.contexts)?.trace);
  const traceId = str(trace?.trace_id)?.toLowerCase();
  const eventHex = id?.replace(/-/g, '') ?? null;
  const correlation = traceId ?? (eventHex ? `sentry-event-${eventHex}` : null);
  const component = componentOf(payload, source);

  const exceptionData = exceptions.map((exception) =>
    without({
      type: str(exception.type),
      value: str(exception.value),
      module: str(exception.module),
      mechanism: obj(exception.mechanism)
        ? { type: str(obj(exception.mechanism)!.type), handled: obj(exception.mechanism)!.handled }
        : undefined,
      frames: framesOf(exception),
    }),
  );
  const contexts = obj(payload.contexts) ? { ...(payload.contexts as Json) } : undefined;
  const request = obj(payload.request);
  const data = shrinkToFit(
    without({
      exception: exceptionData.length > 0 ? exceptionData : undefined,
      message_template: str(obj(payload.logentry)?.message),
      message_params: Array.isArray(obj(payload.logentry)?.params)
        ? obj(payload.logentry)!.params
        : undefined,
      transaction: str(payload.transaction),
      tags: Object.keys(tagsOf(payload.tags)).length > 0 ? tagsOf(payload.tags) : undefined,
      contexts,
      extra: obj(payload.extra),
      user: scrubUser(payload.user, source.userFields),
      request: request
        ? without({ method: str(request.method), url: str(request.url) })
        : undefined,
      fingerprint: Array.isArray(payload.fingerprint) ? payload.fingerprint : undefined,
      span_id: str(trace?.span_id),
      trace_id: traceId,
    }),
    LIMITS.data,
    [
      (value) => delete value.extra,
      (value) => delete value.contexts,
      (value) => {
        for (const exception of (value.exception as Json[] | undefined) ?? []) {
          exception.frames = (exception.frames as ExceptionFrame[])
            .slice(-30)
            .map(({ context_line: _line, ...frame }) => frame);
        }
      },
    ],
    () => ({
      exception: exceptionData.map(({ type, value }) => ({
        type,
        value: typeof value === 'string' ? cut(value, 2000) : value,
      })),
    }),
  );
  const inAppFrames = exceptionData.flatMap((exception, position) =>
    (exception.frames as ExceptionFrame[]).flatMap((frame, index) =>
      frame.in_app ? [`${position}.${index}`] : [],
    ),
  );

  const event: IngestEventInput = {
    id,
    timestamp: time.toISOString(),
    event_type: main || level === 'error' || level === 'critical' ? 'error' : 'log',
    level,
    ...component,
    correlation_id: correlation ? cut(correlation, LIMITS.correlation) : null,
    operation: str(payload.transaction) ? cut(str(payload.transaction)!, LIMITS.operation) : null,
    message: cut(message, LIMITS.message),
    data,
    metadata: metadataOf(payload, source, {
      sentry_event_id: eventHex ?? undefined,
      exception_type: mainType,
      in_app_frames: inAppFrames.length > 0 ? inAppFrames : undefined,
    }),
  };
  return {
    events: [event],
    extras: breadcrumbsOf(payload, source, correlation, component, time),
    metrics: [],
  };
}

/**
 * Breadcrumbs become the events that preceded the error on its chain. Their id comes from the
 * chain, time and content: the same breadcrumb sent again with the next error of the chain is
 * stored once.
 */
function breadcrumbsOf(
  payload: Json,
  source: SentrySource,
  correlation: string | null,
  component: { component_type: string; component_id: string },
  eventTime: Date,
): IngestEventInput[] {
  const given = payload.breadcrumbs;
  const list = Array.isArray(given) ? given : obj(given)?.values;
  if (!Array.isArray(list)) return [];
  const events: IngestEventInput[] = [];
  for (const crumb of list) {
    const breadcrumb = obj(crumb);
    if (!breadcrumb) continue;
    const time = dateOf(breadcrumb.timestamp);
    if (!time || time.getTime() > eventTime.getTime()) continue;
    const category = str(breadcrumb.category);
    const crumbData = obj(breadcrumb.data);
    const message =
      str(breadcrumb.message) ??
      (crumbData && (str(crumbData.method) || str(crumbData.url))
        ? [crumbData.method, crumbData.url, crumbData.status_code]
            .filter((part) => part !== undefined)
            .join(' ')
        : (category ?? 'breadcrumb'));
    events.push({
      id: derivedId('breadcrumb', correlation, time.toISOString(), category, message),
      timestamp: time.toISOString(),
      event_type: 'log',
      level: levelOf(breadcrumb.level, 'info'),
      ...component,
      correlation_id: correlation,
      operation: category ? cut(category, LIMITS.operation) : null,
      message: cut(message, LIMITS.message),
      data: crumbData ? shrinkToFit({ ...crumbData }, LIMITS.data, [], () => ({})) : null,
      metadata: metadataOf(payload, source, {
        breadcrumb: true,
        breadcrumb_type: str(breadcrumb.type),
      }),
    });
  }
  return events;
}

// ---------------------------------------------------------------------------------------------
// transactions and spans

interface SpanLike {
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  op?: string;
  description?: string;
  status?: string;
  start: Date;
  end?: Date;
  data?: Json;
}

function spanEvent(
  span: SpanLike,
  payload: Json,
  source: SentrySource,
  extraData: Json = {},
): IngestEventInput {
  const operation = span.description ?? span.op ?? 'span';
  const status = span.status?.toLowerCase();
  const failed = status !== undefined && !OK_STATUSES.has(status);
  const level = !failed ? 'info' : status === 'cancelled' ? 'warning' : 'error';
  const label = span.op && span.description ? `${span.op} ${span.description}` : operation;
  const duration = span.end ? Math.max(0, span.end.getTime() - span.start.getTime()) : null;
  return {
    id: spanEventId(span.trace_id, span.span_id),
    timestamp: span.start.toISOString(),
    event_type: 'trace',
    level,
    ...componentOf(payload, source),
    correlation_id: span.trace_id,
    parent_event_id: span.parent_span_id ? spanEventId(span.trace_id, span.parent_span_id) : null,
    operation: cut(operation, LIMITS.operation),
    duration_ms: duration,
    message: cut(failed ? `${label} failed: ${status}` : `${label} completed`, LIMITS.message),
    data: shrinkToFit(
      without({
        op: span.op,
        description: span.description,
        status,
        trace_id: span.trace_id,
        span_id: span.span_id,
        parent_span_id: span.parent_span_id,
        attributes: span.data,
        ...extraData,
      }),
      LIMITS.data,
      [(value) => delete value.attributes, (value) => delete value.measurements],
      () => ({ op: span.op, trace_id: span.trace_id, span_id: span.span_id }),
    ),
    metadata: metadataOf(payload, source),
  };
}

function spanOf(value: Json, traceIdFallback: string | undefined, where: string): SpanLike {
  const traceId = (str(value.trace_id) ?? traceIdFallback)?.toLowerCase();
  const spanId = str(value.span_id)?.toLowerCase();
  const start = dateOf(value.start_timestamp);
  if (!traceId || !spanId)
    throw new ItemProblem('VALIDATION_FAILED', `${where}: a span needs trace_id and span_id`);
  if (!start)
    throw new ItemProblem(
      'VALIDATION_FAILED',
      `${where}: span ${spanId} has no valid start_timestamp`,
    );
  return without({
    trace_id: traceId,
    span_id: spanId,
    parent_span_id: str(value.parent_span_id)?.toLowerCase(),
    op: str(value.op),
    description: str(value.description) ?? str(value.name),
    status: str(value.status),
    start,
    end: dateOf(value.timestamp) ?? dateOf(value.end_timestamp),
    data: obj(value.data) ?? obj(value.attributes),
  });
}

/**
 * A `transaction` item: its root span (contexts.trace, named by the transaction) and each child
 * span become `trace` events: trace id → correlation id, span → parent_event_id links, op and
 * description → operation, duration, status → level.
 */
export function mapTransaction(payload: Json, source: SentrySource, where: string): MappedItem {
  const trace = obj(obj(payload.contexts)?.trace);
  if (!trace)
    throw new ItemProblem('VALIDATION_FAILED', `${where}: a transaction needs contexts.trace`);
  const root = spanOf(
    {
      ...trace,
      description: str(payload.transaction) ?? trace.description,
      start_timestamp: payload.start_timestamp,
      timestamp: payload.timestamp,
    },
    undefined,
    where,
  );
  const extra = without({
    transaction: str(payload.transaction),
    sentry_event_id: str(payload.event_id),
    measurements: obj(payload.measurements),
    tags: Object.keys(tagsOf(payload.tags)).length > 0 ? tagsOf(payload.tags) : undefined,
  });
  const events = [spanEvent(root, payload, source, extra)];
  const spans = Array.isArray(payload.spans) ? payload.spans : [];
  spans.forEach((span, index) => {
    const value = obj(span);
    if (!value)
      throw new ItemProblem('VALIDATION_FAILED', `${where}: spans[${index}] must be an object`);
    events.push(
      spanEvent(spanOf(value, root.trace_id, `${where} spans[${index}]`), payload, source),
    );
  });
  return { events, extras: [], metrics: [] };
}

/** Typed attributes (`{ key: { value, type } }`, as span v2 and log records carry them) as plain values, split into ours and `sentry.*`. */
function attributesOf(value: unknown): { plain: Json; sentry: Json } {
  const plain: Json = {};
  const sentry: Json = {};
  for (const [key, attribute] of Object.entries(obj(value) ?? {})) {
    const unwrapped =
      obj(attribute) && 'value' in (attribute as Json) ? (attribute as Json).value : attribute;
    if (key.startsWith('sentry.')) sentry[key.slice('sentry.'.length)] = unwrapped;
    else plain[key] = unwrapped;
  }
  return { plain, sentry };
}

/**
 * A `span` item, as span streaming sends them (@sentry/node 10+): a container
 * `{ version: 2, items: [span, …] }` whose spans carry typed attributes (`sentry.op`, release,
 * SDK…) and `is_segment` for the root; or one span (version 1). Each becomes a `trace` event.
 */
export function mapSpan(payload: Json, source: SentrySource, where: string): MappedItem {
  const spans = Array.isArray(payload.items) ? payload.items : [payload];
  const events = spans.map((value, index) => {
    const span = obj(value);
    const at = Array.isArray(payload.items) ? `${where} items[${index}]` : where;
    if (!span) throw new ItemProblem('VALIDATION_FAILED', `${at}: a span must be an object`);
    const { plain, sentry } = attributesOf(span.attributes);
    const parsed = spanOf(
      { ...span, op: span.op ?? sentry.op, data: obj(span.data) ?? plain, attributes: undefined },
      undefined,
      at,
    );
    // A streamed span carries neither the scope's tags nor the SDK's server name; its
    // `server.address` is the peer it called (OpenTelemetry's client spans), not this process.
    // Its component comes from `component_type` / `component_id` attributes (scope attributes
    // reach every span), else from the project.
    const origin: Json = {
      release: sentry.release,
      environment: sentry.environment,
      sdk: sentry['sdk.name']
        ? { name: sentry['sdk.name'], version: sentry['sdk.version'] }
        : undefined,
      tags: plain,
    };
    const extra = without({
      segment: str(sentry['segment.name']),
      is_segment: span.is_segment === true ? true : undefined,
      origin: str(sentry.origin),
    });
    return spanEvent(parsed, { ...payload, ...origin }, source, extra);
  });
  return { events, extras: [], metrics: [] };
}

// ---------------------------------------------------------------------------------------------
// logs, check-ins, sessions

/** A `log` item: a container of Sentry structured log records, each an event. */
export function mapLogs(payload: Json, source: SentrySource, where: string): MappedItem {
  const records = payload.items;
  if (!Array.isArray(records))
    throw new ItemProblem(
      'VALIDATION_FAILED',
      `${where}: a log item needs "items", an array of log records`,
    );
  const events = records.map((value, index) => {
    const record = obj(value);
    const time = dateOf(record?.timestamp);
    if (!record || !time)
      throw new ItemProblem(
        'VALIDATION_FAILED',
        `${where} items[${index}]: a log record needs a timestamp`,
      );
    const { plain: attributes, sentry: sentryAttributes } = attributesOf(record.attributes);
    const body = typeof record.body === 'string' ? record.body : JSON.stringify(record.body ?? '');
    const traceId = str(record.trace_id)?.toLowerCase();
    const template = str(sentryAttributes['message.template']);
    const origin: Json = {
      server_name: str(attributes['server.address']),
      release: str(sentryAttributes.release),
      environment: str(sentryAttributes.environment),
      tags: attributes,
    };
    return {
      id: derivedId('log', traceId, time.toISOString(), body, index),
      timestamp: time.toISOString(),
      event_type: 'log',
      level: levelOf(record.level, 'info'),
      ...componentOf(origin, source),
      correlation_id: traceId ?? null,
      operation: null,
      message: cut(body, LIMITS.message),
      data: shrinkToFit(
        without({ ...attributes, message_template: template, span_id: str(record.span_id) }),
        LIMITS.data,
        [],
        () => ({ message_template: template }),
      ),
      metadata: metadataOf(origin, source, {
        sdk:
          [str(sentryAttributes['sdk.name']), str(sentryAttributes['sdk.version'])]
            .filter(Boolean)
            .join('/') || source.sdk,
        severity_number: num(record.severity_number),
      }),
    } satisfies IngestEventInput;
  });
  return { events, extras: [], metrics: [] };
}

const CHECK_IN_PHASE: Record<string, string> = {
  in_progress: 'start',
  ok: 'completed',
  error: 'failed',
};

/**
 * A `check_in` item (cron monitors): a lifecycle event on the chain `cron:<slug>:<check_in_id>`
 * with data.phase start/completed/failed, so a run that began and never finished is a stuck flow.
 */
export function mapCheckIn(payload: Json, source: SentrySource, where: string): MappedItem {
  const slug = str(payload.monitor_slug);
  const checkInId = str(payload.check_in_id);
  const status = str(payload.status)?.toLowerCase();
  if (!slug) throw new ItemProblem('VALIDATION_FAILED', `${where}: a check-in needs monitor_slug`);
  if (!checkInId)
    throw new ItemProblem('VALIDATION_FAILED', `${where}: a check-in needs check_in_id`);
  if (!status || !(status in CHECK_IN_PHASE)) {
    throw new ItemProblem('VALIDATION_FAILED', `${where}: status must be in_progress, ok or error`);
  }
  const seconds = num(payload.duration);
  const trace = obj(obj(payload.contexts)?.trace);
  return {
    events: [
      {
        id: derivedId('check_in', checkInId, status),
        timestamp: source.sentAt.toISOString(),
        event_type: 'lifecycle',
        level: status === 'error' ? 'error' : 'info',
        ...componentOf(payload, source, slug),
        correlation_id: cut(`cron:${slug}:${checkInId}`, LIMITS.correlation),
        operation: cut(`cron ${slug}`, LIMITS.operation),
        duration_ms: seconds !== undefined ? Math.round(seconds * 1000) : null,
        message: cut(
          `cron monitor ${slug} ${status === 'in_progress' ? 'started' : status === 'ok' ? 'completed' : 'failed'}`,
          LIMITS.message,
        ),
        data: without({
          phase: CHECK_IN_PHASE[status],
          monitor_slug: slug,
          check_in_id: checkInId,
          status,
          monitor_config: obj(payload.monitor_config),
          trace_id: str(trace?.trace_id),
        }),
        metadata: metadataOf(payload, source),
      },
    ],
    extras: [],
    metrics: [],
  };
}

/** A `session` item (release health): one point `sentry.session.<status>` of value 1, plus its errors and duration; component_id = the release. */
export function mapSession(payload: Json, source: SentrySource, where: string): MappedItem {
  const sid = str(payload.sid);
  const status = str(payload.status)?.toLowerCase() ?? 'ok';
  const time = dateOf(payload.timestamp) ?? dateOf(payload.started) ?? source.sentAt;
  if (!sid) throw new ItemProblem('VALIDATION_FAILED', `${where}: a session needs sid`);
  const attrs = obj(payload.attrs) ?? {};
  const tags = sessionTags(attrs, status);
  // The session's `did` is often a user id or e-mail: it is not kept. The release is the instance that matters here.
  const base = {
    component_type: source.componentType,
    component_id: cut(str(attrs.release) ?? 'unknown', LIMITS.componentId),
    tags,
    timestamp: time.toISOString(),
  };
  const seq = num(payload.seq) ?? 0;
  const metrics: MetricInput[] = [
    {
      ...base,
      id: derivedId('session', sid, seq, status),
      name: `sentry.session.${status}`,
      value: 1,
      unit: 'sessions',
    },
  ];
  const errors = num(payload.errors);
  if (errors !== undefined && errors > 0)
    metrics.push({
      ...base,
      id: derivedId('session.errors', sid, seq),
      name: 'sentry.session.errors',
      value: errors,
      unit: 'errors',
    });
  const duration = num(payload.duration);
  if (duration !== undefined)
    metrics.push({
      ...base,
      id: derivedId('session.duration', sid, seq),
      name: 'sentry.session.duration',
      value: duration,
      unit: 's',
    });
  return { events: [], extras: [], metrics };
}

/** A `sessions` item (aggregated release health): per bucket and outcome a point `sentry.sessions.<outcome>` with its count. */
export function mapSessionAggregates(
  payload: Json,
  source: SentrySource,
  where: string,
): MappedItem {
  const aggregates = payload.aggregates;
  if (!Array.isArray(aggregates))
    throw new ItemProblem(
      'VALIDATION_FAILED',
      `${where}: a sessions item needs "aggregates", an array`,
    );
  const attrs = obj(payload.attrs) ?? {};
  const metrics: MetricInput[] = [];
  aggregates.forEach((value, index) => {
    const bucket = obj(value);
    const started = dateOf(bucket?.started);
    if (!bucket || !started)
      throw new ItemProblem(
        'VALIDATION_FAILED',
        `${where} aggregates[${index}]: needs a valid "started"`,
      );
    for (const outcome of ['exited', 'errored', 'crashed', 'abnormal']) {
      const count = num(bucket[outcome]);
      if (count === undefined || count <= 0) continue;
      metrics.push({
        id: derivedId(
          'sessions',
          source.projectId,
          str(attrs.release),
          str(attrs.environment),
          str(bucket.did),
          started.toISOString(),
          outcome,
        ),
        name: `sentry.sessions.${outcome}`,
        value: count,
        unit: 'sessions',
        component_type: source.componentType,
        component_id: cut(str(attrs.release) ?? 'unknown', LIMITS.componentId),
        tags: sessionTags(attrs),
        timestamp: started.toISOString(),
      });
    }
  });
  return { events: [], extras: [], metrics };
}

function sessionTags(attrs: Json, status?: string): Record<string, string> {
  return without({
    release: str(attrs.release),
    environment: str(attrs.environment),
    status,
  }) as Record<string, string>;
}
