import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import {
  IsDefined,
  IsIn,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  type ValidationArguments,
} from 'class-validator';
import {
  EVENT_FIELDS,
  type EventField,
  fieldMessages,
  type IngestEventInput,
} from '../event-shape.js';

/**
 * One event as POST /events takes it. Its validation rules and its Swagger schema are
 * applied below from EVENT_FIELDS, the same table the batch path's ajv schema is built
 * from: one source of truth for the event shape.
 */
export class IngestEventDto implements IngestEventInput {
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

type PropertyDecoratorFn = (target: object, propertyKey: string) => void;

const say = (build: (path: string) => string) => ({
  message: (args: ValidationArguments) => build(args.property),
});

function decoratorsOf(field: EventField): PropertyDecoratorFn[] {
  const decorators: PropertyDecoratorFn[] = [
    field.required ? IsDefined(say(fieldMessages.required)) : IsOptional(),
  ];
  switch (field.kind) {
    case 'string':
      decorators.push(IsString(say((path) => fieldMessages.type(path, 'string'))));
      if (field.enum) {
        const values = field.enum;
        decorators.push(
          IsIn(
            [...values],
            say((path) => fieldMessages.enum(path, values)),
          ),
        );
      }
      if (field.minLength > 0)
        decorators.push(
          MinLength(
            field.minLength,
            say((path) => fieldMessages.minLength(path, field.minLength)),
          ),
        );
      decorators.push(
        MaxLength(
          field.maxLength,
          say((path) => fieldMessages.maxLength(path, field.maxLength)),
        ),
      );
      if (field.pattern) {
        const { source, says } = field.pattern;
        decorators.push(
          Matches(
            new RegExp(source),
            say((path) => fieldMessages.pattern(path, says)),
          ),
        );
      }
      break;
    case 'number':
      decorators.push(
        IsNumber(
          { allowNaN: false, allowInfinity: false },
          say((path) => fieldMessages.type(path, 'number')),
        ),
        Min(
          field.minimum,
          say((path) => fieldMessages.minimum(path, field.minimum)),
        ),
        Max(
          field.maximum,
          say((path) => fieldMessages.maximum(path, field.maximum)),
        ),
      );
      break;
    case 'object':
      decorators.push(
        IsObject(say((path) => fieldMessages.type(path, 'object'))),
        ValidateBy({
          name: 'maxProperties',
          validator: {
            validate: (value: unknown) =>
              typeof value !== 'object' ||
              value === null ||
              Object.keys(value).length <= field.maxProperties,
            defaultMessage: (args?: ValidationArguments) =>
              fieldMessages.maxProperties(args?.property ?? field.name, field.maxProperties),
          },
        }),
      );
      break;
  }
  decorators.push(ApiProperty(swaggerOf(field)) as PropertyDecoratorFn);
  return decorators;
}

function swaggerOf(field: EventField): ApiPropertyOptions {
  const common = {
    required: field.required,
    description: field.description,
    example: field.example,
    nullable: !field.required,
  };
  switch (field.kind) {
    case 'string':
      return {
        ...common,
        type: String,
        minLength: field.minLength,
        maxLength: field.maxLength,
        ...(field.enum ? { enum: [...field.enum] } : {}),
        ...(field.pattern ? { pattern: field.pattern.source } : {}),
      };
    case 'number':
      return { ...common, type: Number, minimum: field.minimum, maximum: field.maximum };
    case 'object':
      return {
        ...common,
        type: 'object',
        additionalProperties: true,
        maxProperties: field.maxProperties,
      } as unknown as ApiPropertyOptions;
  }
}

for (const field of EVENT_FIELDS) {
  for (const decorate of decoratorsOf(field)) decorate(IngestEventDto.prototype, field.name);
}
