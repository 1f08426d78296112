import type { DebugEventRecord } from '../common/debug-event.js';
import { newId, timeOfUuidV7 } from '../common/ids.js';
import {
  EVENT_FIELDS,
  fieldMessages,
  type IngestEventInput,
  type ObjectField,
} from './event-shape.js';
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '../common/validation/storable-text.js';
import { durationInText } from './text-duration.js';

export { isStorableText, unstorableInputProblem } from '../common/validation/storable-text.js';

/** Correlation taken from request headers, for events whose body carries none. */
export interface RequestContext {
  correlationId: string | null;
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
const SAFE_CORRELATION = /^[\x21-\x7e]{1,256}$/;

/**
 * `X-Correlation-Id` wins; otherwise the trace id of a W3C `traceparent`
 * (version-traceid-parentid-flags), so events of one distributed trace correlate.
 */
export function requestContextOf(headers: {
  correlationId?: string;
  traceparent?: string;
}): RequestContext {
  const explicit = headers.correlationId?.trim();
  if (explicit && SAFE_CORRELATION.test(explicit)) return { correlationId: explicit };
  const match = headers.traceparent?.trim().toLowerCase().match(TRACEPARENT);
  if (match && !/^0+$/.test(match[1])) return { correlationId: match[1] };
  return { correlationId: null };
}

export interface TimeWindow {
  /** Oldest accepted event time, ms: anything older could not be kept. */
  oldestMs: number;
  /** Newest accepted event time, ms (clock skew allowance). */
  newestMs: number;
}

/** A kept event comes with its JSON, which the hot tier stores: serialized once, here. */
export type Normalized =
  | { event: DebugEventRecord; json: string; reason?: undefined }
  | { event?: undefined; json?: undefined; reason: string };

// A NUL or a lone surrogate survives JSON.stringify as an escape that PostgreSQL's jsonb
// (and text) refuses; a job holding one would fail forever, so it is refused at the door.
const UNSTORABLE_JSON = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** JSON text holding a NUL or a lone surrogate, which PostgreSQL cannot store. */
export function hasUnstorableJson(json: string): boolean {
  return UNSTORABLE_JSON.test(json);
}

const DATE_PARTS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;

/**
 * Milliseconds of a date-time, or NaN when it is not a real one (Date.parse takes 2026-02-30 as
 * March 2nd, and 24:00; a calendar does not). A time in toISOString's form is read by its
 * digits; others (offsets, other fractions) go through Date.parse.
 */
function timeOf(text: string): number {
  if (!DATE_PARTS.test(text)) return NaN;
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  )
    return NaN;
  if (!isCanonicalTime(text)) return Date.parse(text);
  return (
    daysSinceEpoch(year, month, day) * 86_400_000 +
    hour * 3_600_000 +
    minute * 60_000 +
    second * 1000 +
    threeDigits(text, 20)
  );
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/** Days from 1970-01-01 to a proleptic Gregorian date (the "days from civil" arithmetic). */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

function threeDigits(text: string, at: number): number {
  return twoDigits(text, at) * 10 + text.charCodeAt(at + 2) - 48;
}

/** `YYYY-MM-DDTHH:MM:SS.mmmZ` (toISOString's form, UTC), its fraction three digits. */
function isCanonicalTime(text: string): boolean {
  return (
    text.length === 24 &&
    text.charCodeAt(19) === 46 /* . */ &&
    text.charCodeAt(23) === 90 /* Z */ &&
    isDigit(text, 20) &&
    isDigit(text, 21) &&
    isDigit(text, 22)
  );
}

function isDigit(text: string, at: number): boolean {
  const code = text.charCodeAt(at);
  return code >= 48 && code <= 57;
}

// A batch shares one `now`: format it once.
let lastNow: Date | undefined;
let lastNowIso = '';
function nowIso(now: Date): string {
  if (now !== lastNow) {
    lastNow = now;
    lastNowIso = now.toISOString();
  }
  return lastNowIso;
}

/**
 * Turns a structurally valid event (checked by the ajv schema or the DTO) into the record
 * that is stored: ids and times filled in, limits that a schema cannot state checked.
 * A client UUIDv7 id without a timestamp takes the id's time, so a retried event is
 * the same row.
 */
export function normalizeEvent(
  input: IngestEventInput,
  path: string,
  context: RequestContext,
  window: TimeWindow,
  now: Date,
): Normalized {
  for (const name of STRING_FIELD_NAMES) {
    const value = input[name];
    if (typeof value === 'string' && !isStorableText(value)) {
      return { reason: `${path}.${name} ${UNSTORABLE_TEXT_MESSAGE}` };
    }
  }

  let id = input.id ? input.id.toLowerCase() : null;
  let timeMs: number;
  if (input.timestamp) {
    timeMs = timeOf(input.timestamp);
    if (Number.isNaN(timeMs)) {
      return { reason: fieldMessages.pattern(`${path}.timestamp`, 'a real date-time') };
    }
  } else {
    timeMs = (id ? timeOfUuidV7(id)?.getTime() : undefined) ?? now.getTime();
  }
  if (timeMs < window.oldestMs) {
    return {
      reason: `${path}.timestamp is older than the retention (${new Date(window.oldestMs).toISOString()})`,
    };
  }
  if (timeMs > window.newestMs) {
    return {
      reason: `${path}.timestamp is too far in the future (after ${new Date(window.newestMs).toISOString()})`,
    };
  }
  id ??= newId(new Date(timeMs));
  const timestamp =
    input.timestamp && isCanonicalTime(input.timestamp)
      ? input.timestamp
      : new Date(timeMs).toISOString();

  const event: DebugEventRecord = {
    id,
    timestamp,
    event_type: input.event_type,
    level: input.level ?? 'info',
    component_type: input.component_type,
    component_id: input.component_id,
    correlation_id: input.correlation_id ?? context.correlationId,
    parent_event_id: input.parent_event_id ?? null,
    operation: input.operation ?? null,
    duration_ms: input.duration_ms ?? statedDuration(input),
    message: input.message ?? '',
    data: input.data ?? null,
    metadata: input.metadata ?? null,
    session_id: input.session_id ?? null,
    pattern_id: null,
    ingested_at: nowIso(now),
  };
  const json = JSON.stringify(event);
  // The whole event's JSON bounds each object's: only a long one, or one with an escape that may
  // be a NUL or a lone surrogate, needs its objects looked at one by one.
  if (
    json.length * 3 > SMALLEST_OBJECT_LIMIT ||
    (json.includes('\\u') && UNSTORABLE_JSON.test(json))
  ) {
    const problem = objectFieldProblem(input, path);
    if (problem !== null) return { reason: problem };
  }
  return { event, json };
}

// A metric's or a state's text names a value or a setting (`timeout=30s`), not how long work took.
const UNTIMED_TYPES: ReadonlySet<string> = new Set(['metric', 'state_change']);

/** The duration a log line's text states, for an event sent without `duration_ms`. */
function statedDuration(input: IngestEventInput): number | null {
  if (UNTIMED_TYPES.has(input.event_type) || !input.message) return null;
  return durationInText(input.message);
}

const STRING_FIELD_NAMES = EVENT_FIELDS.filter((field) => field.kind === 'string').map(
  (field) => field.name,
);
const OBJECT_FIELDS = EVENT_FIELDS.filter((field): field is ObjectField => field.kind === 'object');
/** UTF-8 takes at most 3 bytes per UTF-16 unit: JSON shorter than a third of this fits every object limit. */
const SMALLEST_OBJECT_LIMIT = Math.min(...OBJECT_FIELDS.map((field) => field.maxBytes));

function objectFieldProblem(input: IngestEventInput, path: string): string | null {
  for (const field of OBJECT_FIELDS) {
    const value = input[field.name];
    if (value === undefined || value === null) continue;
    const json = JSON.stringify(value);
    if (
      json.length > field.maxBytes ||
      (json.length * 3 > field.maxBytes && Buffer.byteLength(json) > field.maxBytes)
    ) {
      return fieldMessages.maxBytes(`${path}.${field.name}`, field.maxBytes);
    }
    if (json.includes('\\u') && UNSTORABLE_JSON.test(json)) {
      return `${path}.${field.name} must not contain NUL characters or unpaired surrogates`;
    }
  }
  return null;
}
