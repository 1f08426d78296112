import { EVENT_TYPES, LEVELS } from '../common/debug-event.js';

/**
 * The one description of an event as clients send it. The ajv schema of the batch path
 * (event-schema.ts) and the class-validator DTO of the single-event path
 * (dto/ingest-event.dto.ts) are both generated from this table, so they cannot drift.
 */
export interface IngestEventInput {
  id?: string | null;
  timestamp?: string | null;
  event_type: string;
  level?: string | null;
  component_type: string;
  component_id: string;
  correlation_id?: string | null;
  parent_event_id?: string | null;
  operation?: string | null;
  duration_ms?: number | null;
  message?: string | null;
  data?: Record<string, unknown> | null;
  metadata?: Record<string, unknown> | null;
  session_id?: string | null;
}

export type EventFieldName = keyof IngestEventInput;

interface FieldBase {
  name: EventFieldName;
  required: boolean;
  description: string;
  example: unknown;
}

export interface StringField extends FieldBase {
  kind: 'string';
  minLength: number;
  maxLength: number;
  enum?: readonly string[];
  pattern?: { source: string; says: string };
}

export interface NumberField extends FieldBase {
  kind: 'number';
  minimum: number;
  maximum: number;
}

export interface ObjectField extends FieldBase {
  kind: 'object';
  maxProperties: number;
  /** Largest size of the value as JSON text. */
  maxBytes: number;
}

export type EventField = StringField | NumberField | ObjectField;

export const UUID_PATTERN =
  '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const DATE_TIME_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|z|[+-]\\d{2}:\\d{2})$';

export const EVENT_FIELDS: readonly EventField[] = [
  {
    name: 'id',
    kind: 'string',
    required: false,
    minLength: 36,
    maxLength: 36,
    pattern: { source: UUID_PATTERN, says: 'a UUID' },
    description:
      'Client-chosen id (a UUIDv7 is best: its time is the event time). Sending the same id again is a no-op, so retries are safe. Assigned by the server when absent.',
    example: '0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a11',
  },
  {
    name: 'timestamp',
    kind: 'string',
    required: false,
    minLength: 20,
    maxLength: 40,
    pattern: { source: DATE_TIME_PATTERN, says: 'an RFC 3339 date-time with a time zone' },
    description:
      'When it happened (RFC 3339). Defaults to the time of a UUIDv7 id, else the time of arrival.',
    example: '2026-11-24T08:15:30.123Z',
  },
  {
    name: 'event_type',
    kind: 'string',
    required: true,
    minLength: 1,
    maxLength: 32,
    enum: EVENT_TYPES,
    description: 'What kind of event this is.',
    example: 'log',
  },
  {
    name: 'level',
    kind: 'string',
    required: false,
    minLength: 1,
    maxLength: 16,
    enum: LEVELS,
    description: 'Severity; `info` when absent.',
    example: 'error',
  },
  {
    name: 'component_type',
    kind: 'string',
    required: true,
    minLength: 1,
    maxLength: 128,
    description: 'Kind of component that emitted the event (agent, worker, api, …).',
    example: 'agent',
  },
  {
    name: 'component_id',
    kind: 'string',
    required: true,
    minLength: 1,
    maxLength: 256,
    description: 'The emitting instance.',
    example: 'planner-7',
  },
  {
    name: 'correlation_id',
    kind: 'string',
    required: false,
    minLength: 1,
    maxLength: 256,
    description:
      'Ties the events of one operation together. Filled from X-Correlation-Id or traceparent when absent.',
    example: 'order-4711',
  },
  {
    name: 'parent_event_id',
    kind: 'string',
    required: false,
    minLength: 1,
    maxLength: 64,
    description: 'The event that caused this one.',
    example: '0193a4c8-6f1d-7000-8000-000000000001',
  },
  {
    name: 'operation',
    kind: 'string',
    required: false,
    minLength: 1,
    maxLength: 256,
    description: 'The operation or step being performed.',
    example: 'plan.generate',
  },
  {
    name: 'duration_ms',
    kind: 'number',
    required: false,
    minimum: 0,
    maximum: 31_536_000_000,
    description: 'How long the operation took, in milliseconds.',
    example: 182.5,
  },
  {
    name: 'message',
    kind: 'string',
    required: false,
    minLength: 0,
    maxLength: 32_768,
    description: 'Human-readable text; empty when absent.',
    example: 'tool call failed: timeout after 30000 ms',
  },
  {
    name: 'data',
    kind: 'object',
    required: false,
    maxProperties: 200,
    maxBytes: 65_536,
    description: 'Structured payload (a JSON object, at most 64 KiB as JSON).',
    example: { tool: 'search', attempt: 3, timeout_ms: 30000 },
  },
  {
    name: 'metadata',
    kind: 'object',
    required: false,
    maxProperties: 100,
    maxBytes: 16_384,
    description:
      'Context about the emitter (host, version, …; a JSON object, at most 16 KiB as JSON).',
    example: { host: 'node-3', version: '2.4.1' },
  },
  {
    name: 'session_id',
    kind: 'string',
    required: false,
    minLength: 1,
    maxLength: 64,
    description: 'Debugging session the event belongs to.',
    example: '0193a4c8-0000-7000-8000-00000000abcd',
  },
];

export const EVENT_FIELD_NAMES = EVENT_FIELDS.map((field) => field.name);

/** The sentence a rejected field gets, the same on both validation paths. */
export const fieldMessages = {
  required: (path: string) => `${path} is required`,
  notAllowed: (path: string) => `${path} is not a known field`,
  type: (path: string, kind: EventField['kind']) =>
    `${path} must be ${kind === 'object' ? 'a JSON object' : `a ${kind}`}`,
  enum: (path: string, values: readonly string[]) => `${path} must be one of: ${values.join(', ')}`,
  minLength: (path: string, limit: number) =>
    limit <= 1 ? `${path} must not be empty` : `${path} must be at least ${limit} characters`,
  maxLength: (path: string, limit: number) => `${path} must be at most ${limit} characters`,
  pattern: (path: string, says: string) => `${path} must be ${says}`,
  minimum: (path: string, limit: number) => `${path} must be >= ${limit}`,
  maximum: (path: string, limit: number) => `${path} must be <= ${limit}`,
  maxProperties: (path: string, limit: number) => `${path} must have at most ${limit} keys`,
  maxBytes: (path: string, limit: number) => `${path} must be at most ${limit} bytes as JSON`,
};

export const EVENT_FIELD_BY_NAME = new Map<string, EventField>(
  EVENT_FIELDS.map((field) => [field.name, field]),
);
