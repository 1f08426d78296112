import { hashedEventId, spanEventId } from './otlp-ids.js';
import { spanOperation } from './span-operation.js';
import {
  anyValue,
  asLabel,
  attributes,
  enumNumber,
  idHex,
  int64,
  isoOfMillis,
  millisOfNanos,
  list,
  OtlpItemError,
  scalars,
  text,
} from './otlp-values.js';

/** An event as the REST batch path takes it (snake_case wire fields); validated by the collector's intake. */
export interface OtlpEvent {
  id: string;
  /** null: the time of arrival. */
  timestamp: string | null;
  event_type: 'log' | 'error' | 'trace';
  level: string;
  component_type: string;
  component_id: string;
  correlation_id: string | null;
  parent_event_id: string | null;
  operation: string | null;
  duration_ms: number | null;
  message: string;
  data: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
}

/** A metric point as POST /metrics takes it. */
export interface OtlpMetricPoint {
  id: string;
  name: string;
  value: number;
  component_type: string;
  component_id: string;
  unit: string | null;
  tags: Record<string, string> | null;
  timestamp: string;
}

/**
 * What one export request maps to. `unit` is the path of the OTLP item a value came from (a
 * log record, a span, a data point): the partial success counts refused units, so a span
 * whose exception event was refused counts once.
 */
export interface Mapped<T> {
  items: { unit: string; path: string; value: T }[];
  refused: { unit: string; path: string; reason: string }[];
}

const LIMITS = {
  componentType: 128,
  componentId: 256,
  operation: 256,
  message: 32_768,
  tagValue: 256,
  metadataBytes: 12_000,
  spanEvents: 20,
};

interface Origin {
  componentType: string;
  componentId: string;
  metadata: Record<string, unknown> | null;
}

const clip = (value: string, limit: number) =>
  value.length > limit ? value.slice(0, limit) : value;

/**
 * Resource `service.name` → component_type, `service.instance.id` (else `host.name`, else the
 * service name) → component_id; the other resource attributes and the scope → metadata.
 */
function originOf(resource: unknown, scope: unknown): Origin {
  const resourceAttributes = attributes((resource as { attributes?: unknown } | null)?.attributes);
  const service = resourceAttributes['service.name'];
  const instance = resourceAttributes['service.instance.id'] ?? resourceAttributes['host.name'];
  const componentType = typeof service === 'string' && service !== '' ? service : 'unknown_service';
  const componentId =
    instance !== undefined && instance !== null && instance !== ''
      ? asLabel(instance)
      : componentType;
  delete resourceAttributes['service.name'];
  delete resourceAttributes['service.instance.id'];
  const metadata: Record<string, unknown> = {};
  if (Object.keys(resourceAttributes).length > 0) metadata.resource = resourceAttributes;
  const scopeObject = scope as { name?: unknown; version?: unknown; attributes?: unknown } | null;
  if (scopeObject && typeof scopeObject === 'object') {
    const scopeMeta: Record<string, unknown> = { ...attributes(scopeObject.attributes) };
    if (text(scopeObject.name)) scopeMeta.name = text(scopeObject.name);
    if (text(scopeObject.version)) scopeMeta.version = text(scopeObject.version);
    if (Object.keys(scopeMeta).length > 0) metadata.scope = scopeMeta;
  }
  return {
    componentType: clip(componentType, LIMITS.componentType),
    componentId: clip(componentId, LIMITS.componentId),
    metadata: Object.keys(metadata).length > 0 ? fitMetadata(metadata) : null,
  };
}

/** Resource attributes can be long (command lines): long values are cut so metadata stays within its limit. */
function fitMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  if (JSON.stringify(metadata).length <= LIMITS.metadataBytes) return metadata;
  const cut = (value: unknown): unknown => {
    const json = JSON.stringify(value) ?? '';
    return json.length > 200 ? `${json.slice(0, 200)}…` : value;
  };
  const fitted: Record<string, unknown> = { truncated: true };
  for (const [section, values] of Object.entries(metadata)) {
    fitted[section] = Object.fromEntries(
      Object.entries(values as Record<string, unknown>).map(([key, value]) => [key, cut(value)]),
    );
  }
  return JSON.stringify(fitted).length <= LIMITS.metadataBytes ? fitted : { truncated: true };
}

const LEVEL_BY_TEXT: Record<string, string> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warn: 'warning',
  warning: 'warning',
  error: 'error',
  fatal: 'critical',
  critical: 'critical',
};

/** SeverityNumber ranges of the logs data model: 1–8 trace/debug, 9–12 info, 13–16 warn, 17–20 error, 21–24 fatal. */
export function levelOf(severityNumber: number, severityText: string): string {
  if (severityNumber >= 21) return 'critical';
  if (severityNumber >= 17) return 'error';
  if (severityNumber >= 13) return 'warning';
  if (severityNumber >= 9) return 'info';
  if (severityNumber >= 1) return 'debug';
  return LEVEL_BY_TEXT[severityText.trim().toLowerCase()] ?? 'info';
}

const LEVEL_RANK = ['debug', 'info', 'warning', 'error', 'critical'];
const atLeastError = (level: string) => (LEVEL_RANK.indexOf(level) >= 3 ? level : 'error');

function exceptionMessage(attrs: Record<string, unknown>): string | null {
  const type = attrs['exception.type'];
  const message = attrs['exception.message'];
  if (type === undefined && message === undefined) return null;
  return [type, message]
    .filter((part) => part !== undefined && part !== null && part !== '')
    .map(asLabel)
    .join(': ');
}

const hasException = (attrs: Record<string, unknown>) =>
  Object.keys(attrs).some((key) => key.startsWith('exception.'));
const orNull = (data: Record<string, unknown>) => (Object.keys(data).length > 0 ? data : null);

/** Runs `map` on every item, sorting what it returns from what it refuses. */
function collect<T>(into: Mapped<T>, unit: string, path: string, map: () => T | T[]): void {
  try {
    const values = map();
    for (const value of Array.isArray(values) ? values : [values])
      into.items.push({ unit, path, value });
  } catch (error) {
    if (!(error instanceof OtlpItemError)) throw error;
    into.refused.push({ unit, path, reason: error.message });
  }
}

/** Span event ids of one request, by trace and span id: the log records of one span share it. */
function spanIdCache(): (traceId: string, spanId: string) => string {
  const ids = new Map<string, string>();
  return (traceId, spanId) => {
    const key = traceId + spanId;
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = spanEventId(traceId, spanId)));
    return id;
  };
}

export function mapLogs(request: Record<string, unknown>): Mapped<OtlpEvent> {
  const mapped: Mapped<OtlpEvent> = { items: [], refused: [] };
  const spanEvent = spanIdCache();
  list(request.resourceLogs).forEach((resourceLogs, r) => {
    list(resourceLogs.scopeLogs).forEach((scopeLogs, s) => {
      const origin = originOf(resourceLogs.resource, scopeLogs.scope);
      list(scopeLogs.logRecords).forEach((record, l) => {
        const path = `resourceLogs[${r}].scopeLogs[${s}].logRecords[${l}]`;
        collect(mapped, path, path, () => mapLogRecord(record, origin, spanEvent));
      });
    });
  });
  return mapped;
}

function mapLogRecord(
  record: Record<string, unknown>,
  origin: Origin,
  spanEvent: (traceId: string, spanId: string) => string,
): OtlpEvent {
  const timeMs = millisOfNanos(record.timeUnixNano);
  const observedMs = millisOfNanos(record.observedTimeUnixNano);
  const timestamp = isoOfMillis(timeMs || observedMs);
  const traceId = idHex(record.traceId, 16, 'traceId');
  const spanId = idHex(record.spanId, 8, 'spanId');
  const severityNumber = enumNumber(record.severityNumber);
  const severityText = text(record.severityText);
  const eventName = text(record.eventName);
  const attrs = attributes(record.attributes);
  const body = anyValue(record.body);
  const exception = hasException(attrs);

  const data: Record<string, unknown> = attrs;
  let message: string;
  if (typeof body === 'string') message = body;
  else if (body === null) message = (exception ? exceptionMessage(attrs) : null) ?? eventName;
  else {
    data.body = body;
    message = JSON.stringify(body);
  }
  if (severityText) data['otel.severity_text'] = severityText;
  if (spanId) data['otel.span_id'] = spanId;

  let level = levelOf(severityNumber, severityText);
  if (exception) level = atLeastError(level);
  const timeOfRecord = timeMs || observedMs;
  const identity = `log\u0000${origin.componentType}\u0000${origin.componentId}\u0000${timeMs}\u0000${observedMs}\u0000${severityNumber}\u0000${message}\u0000${JSON.stringify(data)}\u0000${traceId ?? ''}\u0000${eventName}`;
  return {
    id: hashedEventId(timestamp ? Math.floor(timeOfRecord) : null, [identity]),
    timestamp,
    event_type: exception ? 'error' : 'log',
    level,
    component_type: origin.componentType,
    component_id: origin.componentId,
    correlation_id: traceId,
    parent_event_id: traceId && spanId ? spanEvent(traceId, spanId) : null,
    operation: eventName ? clip(eventName, LIMITS.operation) : null,
    duration_ms: null,
    message: clip(message, LIMITS.message),
    data: orNull(data),
    metadata: origin.metadata,
  };
}

const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const SPAN_KIND_NAMES = SPAN_KINDS.map((kind) => `SPAN_KIND_${kind.toUpperCase()}`);
const STATUS_CODES = ['unset', 'ok', 'error'];
const STATUS_CODE_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

export function mapSpans(request: Record<string, unknown>): Mapped<OtlpEvent> {
  const mapped: Mapped<OtlpEvent> = { items: [], refused: [] };
  list(request.resourceSpans).forEach((resourceSpans, r) => {
    list(resourceSpans.scopeSpans).forEach((scopeSpans, s) => {
      const origin = originOf(resourceSpans.resource, scopeSpans.scope);
      list(scopeSpans.spans).forEach((span, i) => {
        const path = `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`;
        collect(mapped, path, path, () => mapSpan(span, origin));
      });
    });
  });
  return mapped;
}

/** Span flags (OTLP `Span.flags`, bits 8 and 9): whether the parent's remoteness is known, and whether it is remote. */
const PARENT_REMOTENESS_KNOWN = 0x100;
const PARENT_IS_REMOTE = 0x200;
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CONSUMER = 5;

/**
 * A span's phase in its trace, as a flow (written as `metadata.phase`, which the flow analyzer
 * reads as it reads the SDK's phases). A span is exported when it ends, and a root span ends after
 * everything it started, so the root's arrival ends the trace: 'end'. A span whose parent runs in
 * the same process says that a root is still to come: 'start'. A trace whose root never arrives
 * is then open, and stuck once quiet, with no history to learn from. A span whose parent is in
 * another process (the flags say so; without flags, a server or consumer span, which a call from
 * elsewhere starts) marks nothing: whether that caller exports its spans is not known.
 */
function spanPhase(
  parentSpanId: string | null,
  flags: unknown,
  kind: number,
): 'start' | 'end' | null {
  if (!parentSpanId) return 'end';
  const known = typeof flags === 'number' && (flags & PARENT_REMOTENESS_KNOWN) !== 0;
  const remote = known
    ? ((flags as number) & PARENT_IS_REMOTE) !== 0
    : kind === SPAN_KIND_SERVER || kind === SPAN_KIND_CONSUMER;
  return remote ? null : 'start';
}

function withPhase(
  metadata: Record<string, unknown> | null,
  phase: 'start' | 'end' | null,
): Record<string, unknown> | null {
  return phase ? { ...metadata, phase } : metadata;
}

/** A span → its `trace` event, plus one `error` event per exception it recorded, on the same chain. */
function mapSpan(span: Record<string, unknown>, origin: Origin): OtlpEvent[] {
  const traceId = idHex(span.traceId, 16, 'traceId');
  const spanId = idHex(span.spanId, 8, 'spanId');
  if (!traceId) throw new OtlpItemError('traceId is required (16 bytes, not all zero)');
  if (!spanId) throw new OtlpItemError('spanId is required (8 bytes, not all zero)');
  const parentSpanId = idHex(span.parentSpanId, 8, 'parentSpanId');
  const data: Record<string, unknown> = attributes(span.attributes);
  const name = spanOperation(text(span.name) || '(unnamed span)', data);
  const startMs = millisOfNanos(span.startTimeUnixNano);
  const endMs = millisOfNanos(span.endTimeUnixNano);
  const start = isoOfMillis(startMs);
  if (!start) throw new OtlpItemError('startTimeUnixNano is required');
  const kind = enumNumber(span.kind, SPAN_KIND_NAMES);
  const status = (span.status ?? null) as { code?: unknown; message?: unknown } | null;
  const statusCode = enumNumber(status?.code, STATUS_CODE_NAMES);
  const statusMessage = text(status?.message);
  const failed = statusCode === 2;
  const eventId = spanEventId(traceId, spanId);
  // A failed span is stamped when it failed (its end): the earliest error of a trace is then its
  // innermost failure, which is what root-cause analysis looks for; start time stays in data.
  const timestamp = (failed ? isoOfMillis(endMs) : null) ?? start;

  data['otel.span_id'] = spanId;
  data['otel.start_time'] = start;
  if (parentSpanId) data['otel.parent_span_id'] = parentSpanId;
  data['otel.span_kind'] = SPAN_KINDS[kind] ?? String(kind);
  data['otel.status_code'] = STATUS_CODES[statusCode] ?? String(statusCode);
  if (statusMessage) data['otel.status_message'] = statusMessage;
  const links = list(span.links)
    .map((link) => ({
      trace_id: idHex(link.traceId, 16, 'links.traceId'),
      span_id: idHex(link.spanId, 8, 'links.spanId'),
    }))
    .filter((link) => link.trace_id && link.span_id);
  if (links.length > 0) data['otel.links'] = links;

  const spanEvents = list(span.events);
  const errors: OtlpEvent[] = [];
  const notes: Record<string, unknown>[] = [];
  spanEvents.forEach((spanEvent, index) => {
    const eventAttrs = attributes(spanEvent.attributes);
    const eventName = text(spanEvent.name);
    const eventMs = millisOfNanos(spanEvent.timeUnixNano);
    if (eventName !== 'exception' && !hasException(eventAttrs)) {
      if (notes.length < LIMITS.spanEvents)
        notes.push({ name: eventName, time: isoOfMillis(eventMs), ...orNull(eventAttrs) });
      return;
    }
    const at = isoOfMillis(eventMs) ?? timestamp;
    const message = exceptionMessage(eventAttrs) || statusMessage || `${name}: exception`;
    eventAttrs['otel.span_id'] = spanId;
    errors.push({
      id: hashedEventId(Date.parse(at), [
        'span-exception',
        traceId,
        spanId,
        index,
        eventMs,
        eventName,
      ]),
      timestamp: at,
      event_type: 'error',
      level: 'error',
      component_type: origin.componentType,
      component_id: origin.componentId,
      correlation_id: traceId,
      parent_event_id: eventId,
      operation: clip(name, LIMITS.operation),
      duration_ms: null,
      message: clip(message, LIMITS.message),
      data: eventAttrs,
      metadata: origin.metadata,
    });
  });
  if (notes.length > 0) data['otel.events'] = notes;

  const trace: OtlpEvent = {
    id: eventId,
    timestamp,
    event_type: 'trace',
    level: failed ? 'error' : 'info',
    component_type: origin.componentType,
    component_id: origin.componentId,
    correlation_id: traceId,
    parent_event_id: parentSpanId ? spanEventId(traceId, parentSpanId) : null,
    operation: clip(name, LIMITS.operation),
    duration_ms:
      endMs > startMs ? Math.round((endMs - startMs) * 1000) / 1000 : endMs > 0 ? 0 : null,
    message: clip(failed && statusMessage ? `${name}: ${statusMessage}` : name, LIMITS.message),
    data,
    metadata: withPhase(origin.metadata, spanPhase(parentSpanId, span.flags, kind)),
  };
  return [trace, ...errors];
}

export function mapMetrics(request: Record<string, unknown>): Mapped<OtlpMetricPoint> {
  const mapped: Mapped<OtlpMetricPoint> = { items: [], refused: [] };
  list(request.resourceMetrics).forEach((resourceMetrics, r) => {
    list(resourceMetrics.scopeMetrics).forEach((scopeMetrics, s) => {
      const origin = originOf(resourceMetrics.resource, scopeMetrics.scope);
      list(scopeMetrics.metrics).forEach((metric, m) => {
        const base = `resourceMetrics[${r}].scopeMetrics[${s}].metrics[${m}]`;
        mapMetric(metric, origin, base, mapped);
      });
    });
  });
  return mapped;
}

function mapMetric(
  metric: Record<string, unknown>,
  origin: Origin,
  base: string,
  mapped: Mapped<OtlpMetricPoint>,
): void {
  const name = text(metric.name);
  const unit = text(metric.unit) || null;
  const own = (key: string) =>
    Object.prototype.hasOwnProperty.call(metric, key)
      ? (metric[key] as Record<string, unknown> | null)
      : null;
  const gauge = own('gauge') ?? own('sum');
  const histogram = own('histogram');
  const summary = own('summary');
  const exponential = own('exponentialHistogram');
  const kind = gauge
    ? own('gauge')
      ? 'gauge'
      : 'sum'
    : histogram
      ? 'histogram'
      : summary
        ? 'summary'
        : exponential
          ? 'exponentialHistogram'
          : null;
  const points = list((gauge ?? histogram ?? summary ?? exponential)?.dataPoints);
  if (kind === null) {
    mapped.refused.push({
      unit: base,
      path: base,
      reason: `metric "${name}" has no data (gauge, sum, histogram or summary)`,
    });
    return;
  }
  points.forEach((point, index) => {
    const path = `${base}.${kind}.dataPoints[${index}]`;
    collect(mapped, path, path, () => {
      if (!name) throw new OtlpItemError('the metric name is required');
      if (kind === 'exponentialHistogram') {
        throw new OtlpItemError(
          `metric "${name}" is an exponential histogram, which is not supported: export explicit-bucket histograms`,
        );
      }
      const row = rowMaker(point, name, origin);
      if (kind === 'gauge' || kind === 'sum') {
        const value = Object.prototype.hasOwnProperty.call(point, 'asInt')
          ? int64(point.asInt)
          : finite(point.asDouble);
        return [row('', value, unit)];
      }
      if (kind === 'summary') {
        const rows = [
          row('.count', int64(point.count), null),
          row('.sum', finite(point.sum), unit),
        ];
        for (const quantile of list(point.quantileValues)) {
          const q = finite(quantile.quantile ?? 0);
          rows.push(row('', finite(quantile.value ?? 0), unit, { quantile: String(q) }));
        }
        return rows;
      }
      return histogramRows(point, row, unit);
    });
  });
}

type RowMaker = (
  suffix: string,
  value: number,
  unit: string | null,
  extraTags?: Record<string, string>,
) => OtlpMetricPoint;

/** Histogram → `name.count`, `name.sum`, `name.min`, `name.max` and cumulative `name.bucket` rows tagged `le` (Prometheus' shape). */
function histogramRows(
  point: Record<string, unknown>,
  row: RowMaker,
  unit: string | null,
): OtlpMetricPoint[] {
  const rows = [row('.count', int64(point.count), null)];
  const has = (key: string) =>
    Object.prototype.hasOwnProperty.call(point, key) && point[key] !== null;
  if (has('sum')) rows.push(row('.sum', finite(point.sum), unit));
  if (has('min')) rows.push(row('.min', finite(point.min), unit));
  if (has('max')) rows.push(row('.max', finite(point.max), unit));
  const bounds = scalars(point.explicitBounds).map(finite);
  const counts = scalars(point.bucketCounts).map(int64);
  if (counts.length > 0 && counts.length !== bounds.length + 1) {
    throw new OtlpItemError(
      `bucketCounts has ${counts.length} entries for ${bounds.length} explicitBounds (must be one more)`,
    );
  }
  let cumulative = 0;
  counts.forEach((count, index) => {
    cumulative += count;
    rows.push(
      row('.bucket', cumulative, null, {
        le: index < bounds.length ? String(bounds[index]) : '+Inf',
      }),
    );
  });
  return rows;
}

function rowMaker(point: Record<string, unknown>, name: string, origin: Origin): RowMaker {
  const timeMs = millisOfNanos(point.timeUnixNano);
  const timestamp = isoOfMillis(timeMs);
  if (!timestamp) throw new OtlpItemError('timeUnixNano is required');
  const startMs = millisOfNanos(point.startTimeUnixNano);
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes(point.attributes)))
    tags[key] = clip(asLabel(value), LIMITS.tagValue);
  const idTime = Date.parse(timestamp);
  return (suffix, value, unit, extraTags) => {
    const rowTags = extraTags ? { ...tags, ...extraTags } : tags;
    const rowName = `${name}${suffix}`;
    return {
      id: hashedEventId(idTime, [
        'metric',
        origin.componentType,
        origin.componentId,
        rowName,
        JSON.stringify(rowTags),
        timeMs,
        startMs,
      ]),
      name: rowName,
      value,
      component_type: origin.componentType,
      component_id: origin.componentId,
      unit,
      tags: Object.keys(rowTags).length > 0 ? rowTags : null,
      timestamp,
    };
  };
}

function finite(value: unknown): number {
  const number =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(number))
    throw new OtlpItemError(`${JSON.stringify(value) ?? 'a missing value'} is not a finite number`);
  return number;
}
