import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { newId, timeOfUuidV7 } from '../common/ids.js';
import type { DebugMetricRecord } from '../storage/warm/metric-writer.js';
import { hasUnstorableJson } from './event-normalizer.js';
import { DATE_TIME_PATTERN, UUID_PATTERN } from './event-shape.js';

/** A metric point as clients send it. */
export interface MetricInput {
  id?: string | null;
  name: string;
  value: number;
  component_type: string;
  component_id: string;
  unit?: string | null;
  tags?: Record<string, string> | null;
  timestamp?: string | null;
}

export const METRIC_LIMITS = {
  name: 256,
  componentType: 128,
  componentId: 256,
  unit: 32,
  tags: 50,
  tagValue: 256,
} as const;

const METRIC_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'value', 'component_type', 'component_id'],
  properties: {
    id: { type: ['string', 'null'], pattern: UUID_PATTERN },
    name: { type: 'string', minLength: 1, maxLength: METRIC_LIMITS.name },
    value: { type: 'number' },
    component_type: { type: 'string', minLength: 1, maxLength: METRIC_LIMITS.componentType },
    component_id: { type: 'string', minLength: 1, maxLength: METRIC_LIMITS.componentId },
    unit: { type: ['string', 'null'], maxLength: METRIC_LIMITS.unit },
    tags: {
      type: ['object', 'null'],
      maxProperties: METRIC_LIMITS.tags,
      additionalProperties: { type: 'string', maxLength: METRIC_LIMITS.tagValue },
      propertyNames: { maxLength: 64 },
    },
    timestamp: { type: ['string', 'null'], pattern: DATE_TIME_PATTERN },
  },
} as const;

export type MetricItem =
  | { index: number; metric: DebugMetricRecord; reason?: undefined }
  | { index: number; metric?: undefined; reason: string };

/** Validates metric points (one, or `{ "metrics": [...] }`) with a compiled schema. */
export class MetricIntake {
  private readonly validate: ValidateFunction;

  constructor() {
    this.validate = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true }).compile(
      METRIC_SCHEMA,
    );
  }

  check(value: unknown, path: string, now: Date, oldestMs: number): string | DebugMetricRecord {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return `${path} must be a JSON object`;
    if (!this.validate(value)) return describe(this.validate.errors![0], path);
    const input = value as MetricInput;
    if (hasUnstorableJson(JSON.stringify(input)))
      return `${path} must not contain NUL characters or unpaired surrogates`;
    const id = input.id?.toLowerCase() ?? null;
    const timeMs = input.timestamp
      ? Date.parse(input.timestamp)
      : ((id ? timeOfUuidV7(id)?.getTime() : undefined) ?? now.getTime());
    if (Number.isNaN(timeMs)) return `${path}.timestamp must be a real date-time`;
    if (timeMs < oldestMs)
      return `${path}.timestamp is older than the retention (${new Date(oldestMs).toISOString()})`;
    if (timeMs > now.getTime() + 86_400_000) return `${path}.timestamp is too far in the future`;
    return {
      id: id ?? newId(new Date(timeMs)),
      timestamp: new Date(timeMs).toISOString(),
      name: input.name,
      component_type: input.component_type,
      component_id: input.component_id,
      value: input.value,
      unit: input.unit ?? null,
      tags: input.tags ?? null,
    };
  }
}

function describe(error: ErrorObject, path: string): string {
  const field = error.instancePath
    ? `${path}${error.instancePath.replace(/^\//, '.').replaceAll('/', '.')}`
    : path;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${path}.${String(params.missingProperty)} is required`;
    case 'additionalProperties':
      return `${path}.${String(params.additionalProperty)} is not a known field`;
    case 'pattern':
      return `${field} must be ${field.endsWith('.id') ? 'a UUID' : 'an RFC 3339 date-time with a time zone'}`;
    case 'minLength':
      return `${field} must not be empty`;
    case 'maxLength':
      return `${field} must be at most ${String(params.limit)} characters`;
    case 'maxProperties':
      return `${field} must have at most ${String(params.limit)} keys`;
    case 'type':
      return `${field} must be ${params.type === 'object,null' ? 'a JSON object' : `a ${String(params.type).split(',')[0]}`}`;
    default:
      return `${field} ${error.message ?? 'is invalid'}`;
  }
}
