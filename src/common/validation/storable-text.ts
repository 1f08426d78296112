/**
 * Text PostgreSQL can store: no NUL (text and jsonb refuse it) and no unpaired UTF-16 surrogate
 * (no UTF-8 form; Node writes U+FFFD or jsonb refuses the \ud800 escape). One bad string in a
 * batch failed the whole write of everyone's events, so every intake refuses it at the door:
 * the REST DTOs through StorableInputPipe, the event paths (REST, OTLP, Sentry) through
 * normalizeEvent, both with this helper.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const MAYBE_UNSTORABLE_TEXT = /[\u0000\ud800-\udfff]/;
const UNSTORABLE_TEXT =
  // eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
  /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired surrogates';

/** Deeper JSON than this is refused: nothing this service takes needs it, and recursive code (validation, canonical JSON, jsonb) meets its limits past it. */
export const MAX_JSON_DEPTH = 64;

/** Keys JavaScript objects on the way (assignment, canonical JSON, patches) would drop or misread. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__']);
/** …and those class-transformer drops, or fails on, when a body becomes a DTO instance. */
export const DTO_REFUSED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor']);

export function isStorableText(value: string): boolean {
  return !(MAYBE_UNSTORABLE_TEXT.test(value) && UNSTORABLE_TEXT.test(value));
}

/**
 * The first problem of a parsed JSON value (or query object) under `path`: a string or key PostgreSQL
 * cannot store, or nesting deeper than MAX_JSON_DEPTH; null when there is none. Iterative: a
 * hostile 100,000-deep body does not overflow the stack here.
 */
export function unstorableInputProblem(
  value: unknown,
  path: string,
  refusedKeys: ReadonlySet<string> = PROTOTYPE_KEYS,
  checkText = true,
): string | null {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      if (checkText && !isStorableText(item.value))
        return `${item.path || 'value'} ${UNSTORABLE_TEXT_MESSAGE}`;
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null || !isJsonContainer(item.value))
      continue;
    if (item.depth >= MAX_JSON_DEPTH)
      return `${item.path || 'body'} is nested more than ${MAX_JSON_DEPTH} levels deep`;
    if (Array.isArray(item.value)) {
      for (let index = item.value.length - 1; index >= 0; index--) {
        stack.push({
          value: item.value[index],
          path: `${item.path}[${index}]`,
          depth: item.depth + 1,
        });
      }
      continue;
    }
    for (const key of Object.keys(item.value)) {
      const keyPath = item.path ? `${item.path}.${key}` : key;
      if (checkText && !isStorableText(key))
        return `a key under ${item.path || 'the body'} ${UNSTORABLE_TEXT_MESSAGE}`;
      if (refusedKeys.has(key)) return `${keyPath} is not an allowed key`;
      stack.push({
        value: (item.value as Record<string, unknown>)[key],
        path: keyPath,
        depth: item.depth + 1,
      });
    }
  }
  return null;
}

/** Arrays and plain objects: what JSON parsing makes. A raw body (Buffer) or a class instance is not walked. */
function isJsonContainer(value: object): boolean {
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** Only the nesting depth of `value` (its text is checked elsewhere, item by item). */
export function nestingProblem(value: unknown): string | null {
  return unstorableInputProblem(value, '', NO_KEYS, false);
}

const NO_KEYS: ReadonlySet<string> = new Set();
