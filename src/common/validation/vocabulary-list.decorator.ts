import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * A list drawn from a closed vocabulary (levels, event types), with one message per problem
 * that names the field and the allowed values. REST DTOs and the Socket.IO `subscribe`
 * payload use it, so a wrong value gets the same answer on both.
 */
export function IsVocabularyList(values: readonly string[], options: { maxSize?: number } = {}): PropertyDecorator {
  const allowed = new Set(values);
  const maxSize = options.maxSize ?? values.length;
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isVocabularyList',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => vocabularyProblem(value, allowed, maxSize) === null,
        defaultMessage: (args: ValidationArguments) => `${args.property} ${vocabularyProblem(args.value, allowed, maxSize)}`,
      },
    });
  };
}

function vocabularyProblem(value: unknown, allowed: Set<string>, maxSize: number): string | null {
  const choices = [...allowed].join(', ');
  if (!Array.isArray(value)) return `must be a list of values from: ${choices}`;
  if (value.length === 0) return `must name at least one of: ${choices}`;
  if (value.length > maxSize) return `must have at most ${maxSize} values`;
  const unknown = value.filter((item) => typeof item !== 'string' || !allowed.has(item));
  if (unknown.length > 0) return `must be one of: ${choices} (got ${unknown.map((item) => JSON.stringify(item)).join(', ')})`;
  return null;
}
