import type { DebugLevel, EventInput } from './types.js';

/** Where a log line's level word maps to (npm, syslog and pino names). */
const LEVEL_WORDS: Record<string, DebugLevel> = {
  silly: 'debug',
  trace: 'debug',
  debug: 'debug',
  verbose: 'debug',
  http: 'debug',
  info: 'info',
  notice: 'info',
  warn: 'warning',
  warning: 'warning',
  error: 'error',
  err: 'error',
  fatal: 'critical',
  crit: 'critical',
  critical: 'critical',
  alert: 'critical',
  emerg: 'critical',
};

/** Pino's numeric levels: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
export function levelOfNumber(level: number): DebugLevel {
  if (level >= 60) return 'critical';
  if (level >= 50) return 'error';
  if (level >= 40) return 'warning';
  if (level >= 30) return 'info';
  return 'debug';
}

export function levelOfWord(level: string): DebugLevel {
  return LEVEL_WORDS[level.toLowerCase()] ?? 'info';
}

/** Fields of a log record that become event fields rather than `data`. */
const CORRELATION_KEYS = ['correlation_id', 'correlationId'] as const;
const PARENT_KEYS = ['parent_event_id', 'parentEventId'] as const;
const OPERATION_KEYS = ['operation'] as const;
const DURATION_KEYS = ['duration_ms', 'durationMs'] as const;

/**
 * A structured log record (the fields besides message, level and time) as an event:
 * correlation id, parent, operation and duration are lifted to the event's own fields,
 * an error (`err` or `error`, or a `stack` beside the message) goes to `data.error`, the
 * rest stays in `data`.
 */
export function eventOfRecord(message: string, level: DebugLevel, fields: Record<string, unknown>, timestamp?: Date): EventInput {
  const data: Record<string, unknown> = {};
  const event: EventInput = { message, level, type: level === 'error' || level === 'critical' ? 'error' : 'log' };
  if (timestamp && !Number.isNaN(timestamp.getTime())) event.timestamp = timestamp;
  const taken = new Set<string>();
  const pick = (keys: readonly string[], accept: (value: unknown) => boolean): unknown => {
    for (const key of keys) {
      if (accept(fields[key])) {
        for (const other of keys) taken.add(other);
        return fields[key];
      }
    }
    return undefined;
  };
  const isText = (value: unknown) => typeof value === 'string' && value.length > 0;
  event.correlationId = pick(CORRELATION_KEYS, isText) as string | undefined;
  event.parentEventId = pick(PARENT_KEYS, isText) as string | undefined;
  event.operation = pick(OPERATION_KEYS, isText) as string | undefined;
  event.durationMs = pick(DURATION_KEYS, (value) => typeof value === 'number' && value >= 0) as number | undefined;
  const error = errorOf(fields, message);
  if (error) {
    data.error = error;
    taken.add('err').add('error').add('stack');
  }
  for (const [key, value] of Object.entries(fields)) {
    if (!taken.has(key) && value !== undefined) data[key] = value;
  }
  if (Object.keys(data).length > 0) event.data = data;
  for (const key of ['correlationId', 'parentEventId', 'operation', 'durationMs'] as const) {
    if (event[key] === undefined) delete event[key];
  }
  return event;
}

function errorOf(fields: Record<string, unknown>, message: string): Record<string, unknown> | null {
  const given = fields.err ?? fields.error;
  if (given && typeof given === 'object') {
    const { type, name, message, stack, ...rest } = given as Record<string, unknown>;
    const error: Record<string, unknown> = { name: String(type ?? name ?? 'Error'), message: String(message ?? '') };
    if (typeof stack === 'string') error.stack = stack;
    return Object.keys(rest).length > 0 ? { ...error, ...rest } : error;
  }
  if (typeof fields.stack === 'string') return { name: 'Error', message: typeof given === 'string' ? given : message, stack: fields.stack };
  return null;
}
