import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import {
  EVENT_FIELDS,
  EVENT_FIELD_BY_NAME,
  type EventField,
  fieldMessages,
} from './event-shape.js';

/** JSON Schema of one event, generated from the field table. */
export function eventJsonSchema(): SchemaObject {
  const properties: Record<string, SchemaObject> = {};
  for (const field of EVENT_FIELDS) properties[field.name] = fieldSchema(field);
  return {
    type: 'object',
    additionalProperties: false,
    required: EVENT_FIELDS.filter((field) => field.required).map((field) => field.name),
    properties,
  };
}

function fieldSchema(field: EventField): SchemaObject {
  const nullable = !field.required;
  switch (field.kind) {
    case 'string': {
      const schema: SchemaObject = {
        type: nullable ? ['string', 'null'] : 'string',
        minLength: field.minLength,
        maxLength: field.maxLength,
      };
      if (field.enum) schema.enum = nullable ? [...field.enum, null] : [...field.enum];
      if (field.pattern) schema.pattern = field.pattern.source;
      return schema;
    }
    case 'number':
      return {
        type: nullable ? ['number', 'null'] : 'number',
        minimum: field.minimum,
        maximum: field.maximum,
      };
    case 'object':
      return { type: nullable ? ['object', 'null'] : 'object', maxProperties: field.maxProperties };
  }
}

/**
 * Compiled once: validating a 1,000-event batch costs well under a millisecond,
 * where class-validator (plainToInstance + validate per event) was measured at ~28k events/s.
 */
export class EventSchemaValidator {
  private readonly validateEvent: ValidateFunction;

  constructor() {
    // allErrors off: the first problem of an event is its reason, and it is the fast mode.
    const ajv = new Ajv({
      allErrors: false,
      strict: true,
      allowUnionTypes: true,
      unicodeRegExp: false,
    });
    this.validateEvent = ajv.compile(eventJsonSchema());
  }

  /**
   * The reason `value` is not a structurally valid event, naming the field under `path`,
   * or null. Sizes of object fields and times are checked by normalizeEvent, for both paths.
   */
  check(value: unknown, path: string): string | null {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return `${path} must be a JSON object`;
    if (this.validateEvent(value)) return null;
    return describeAjvError(this.validateEvent.errors![0], path);
  }
}

function describeAjvError(error: ErrorObject, path: string): string {
  const name = error.instancePath.split('/')[1];
  const fieldPath = name ? `${path}.${name}` : path;
  const field = name ? EVENT_FIELD_BY_NAME.get(name) : undefined;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return fieldMessages.required(`${path}.${String(params.missingProperty)}`);
    case 'additionalProperties':
      return fieldMessages.notAllowed(`${path}.${String(params.additionalProperty)}`);
    case 'type':
      return field
        ? fieldMessages.type(fieldPath, field.kind)
        : `${fieldPath} ${error.message ?? 'has the wrong type'}`;
    case 'enum':
      return field?.kind === 'string' && field.enum
        ? fieldMessages.enum(fieldPath, field.enum)
        : `${fieldPath} ${error.message}`;
    case 'minLength':
      return fieldMessages.minLength(fieldPath, Number(params.limit));
    case 'maxLength':
      return fieldMessages.maxLength(fieldPath, Number(params.limit));
    case 'pattern':
      return field?.kind === 'string' && field.pattern
        ? fieldMessages.pattern(fieldPath, field.pattern.says)
        : `${fieldPath} ${error.message}`;
    case 'minimum':
      return fieldMessages.minimum(fieldPath, Number(params.limit));
    case 'maximum':
      return fieldMessages.maximum(fieldPath, Number(params.limit));
    case 'maxProperties':
      return fieldMessages.maxProperties(fieldPath, Number(params.limit));
    default:
      return `${fieldPath} ${error.message ?? 'is invalid'}`;
  }
}
