/**
 * Readers over a decoded export request. Binary requests come out of protobufjs (ids as bytes,
 * 64-bit integers as Long, unset fields on the prototype); OTLP/JSON requests come out of
 * JSON.parse (ids as hex, 64-bit integers as strings or numbers, unset fields absent). Field
 * names are lowerCamelCase in both, so these readers are all that differs between them.
 */

/** A problem with one item of a request: refused in the partial success, the rest is kept. */
export class OtlpItemError extends Error {}

type Int64 = number | string | { toNumber(): number } | null | undefined;

/** A 64-bit integer field as a JS number (nanosecond times lose sub-microsecond digits, no more). */
export function int64(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number))
      throw new OtlpItemError(`"${value.slice(0, 40)}" is not an integer`);
    return number;
  }
  if (
    typeof value === 'object' &&
    typeof (value as { toNumber?: unknown }).toNumber === 'function'
  ) {
    return (value as Exclude<Int64, number | string | null | undefined>).toNumber();
  }
  throw new OtlpItemError(`${typeof value} is not an integer`);
}

const HEX_ID = /^[0-9a-fA-F]*$/;

/**
 * A trace or span id as lowercase hex, or null when absent or all zero (the specification's
 * "invalid" id). OTLP/JSON sends hex (the one departure from proto3's JSON mapping).
 */
export function idHex(value: unknown, bytes: 8 | 16, field: string): string | null {
  let hex: string;
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') {
    if (value === '') return null;
    if (value.length !== bytes * 2 || !HEX_ID.test(value))
      throw new OtlpItemError(`${field} must be ${bytes * 2} hex digits`);
    hex = value.toLowerCase();
  } else if (value instanceof Uint8Array) {
    if (value.length === 0) return null;
    if (value.length !== bytes) throw new OtlpItemError(`${field} must be ${bytes} bytes`);
    hex = Buffer.from(value.buffer, value.byteOffset, value.length).toString('hex');
  } else if (Array.isArray(value) && value.length === 0) {
    return null; // protobufjs' default of an unset bytes field
  } else {
    throw new OtlpItemError(`${field} must be ${bytes * 2} hex digits`);
  }
  return /^0+$/.test(hex) ? null : hex;
}

/** An enum field: OTLP/JSON must send integers; names are accepted too where the caller maps them. */
export function enumNumber(value: unknown, names: readonly string[] = []): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const index = names.indexOf(value);
    if (index >= 0) return index;
    if (/^\d+$/.test(value)) return Number(value);
  }
  throw new OtlpItemError(`${JSON.stringify(value).slice(0, 40)} is not a known enum value`);
}

export function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function own(value: object, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** An AnyValue as plain JSON: strings, numbers, booleans, arrays, objects; bytes as base64. */
export function anyValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return null;
  let field: unknown;
  if ((field = own(value, 'stringValue')) !== undefined) return field;
  if ((field = own(value, 'boolValue')) !== undefined) return field;
  if ((field = own(value, 'intValue')) !== undefined) return int64(field);
  if ((field = own(value, 'doubleValue')) !== undefined)
    return typeof field === 'number' ? field : Number(field);
  if ((field = own(value, 'arrayValue')) !== undefined) {
    const values = (field as { values?: unknown[] } | null)?.values ?? [];
    return values.map(anyValue);
  }
  if ((field = own(value, 'kvlistValue')) !== undefined) {
    return attributes((field as { values?: unknown[] } | null)?.values);
  }
  if ((field = own(value, 'bytesValue')) !== undefined) {
    return field instanceof Uint8Array ? Buffer.from(field).toString('base64') : field;
  }
  return null;
}

/** A repeated KeyValue as an object (a later duplicate key wins). */
export function attributes(list: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (!Array.isArray(list)) return result;
  for (const entry of list as { key?: unknown; value?: unknown }[]) {
    if (
      entry === null ||
      typeof entry !== 'object' ||
      typeof entry.key !== 'string' ||
      entry.key === ''
    )
      continue;
    result[entry.key] = anyValue(entry.value);
  }
  return result;
}

/** A repeated message field as an array of its messages (absent: empty; a JSON null or scalar in it: skipped). */
export function list(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  return (value as unknown[]).filter(
    (item): item is Record<string, unknown> => item !== null && typeof item === 'object',
  );
}

/** A repeated scalar field as an array (absent: empty). */
export function scalars(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/**
 * A fixed64 time in nanoseconds as milliseconds since the epoch (with a fraction; 0 when unset),
 * computed from exact integer parts: a double cannot hold today's nanoseconds exactly, and a
 * 250 ms span must not come out as 249.999872 ms.
 */
export function millisOfNanos(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string') {
    if (!/^\d{1,20}$/.test(value))
      throw new OtlpItemError(`"${value.slice(0, 40)}" is not a time in nanoseconds`);
    return value.length <= 6
      ? Number(value) / 1e6
      : Number(value.slice(0, -6)) + Number(value.slice(-6)) / 1e6;
  }
  if (typeof value === 'number') return value / 1e6;
  if (typeof value === 'object' && typeof (value as { high?: unknown }).high === 'number') {
    // high·2^32 + low, with 2^32 = 4294·10^6 + 967296: every partial product stays below 2^53.
    const { high, low } = value as { high: number; low: number };
    const rest = (high >>> 0) * 967_296 + (low >>> 0);
    return (high >>> 0) * 4294 + Math.floor(rest / 1e6) + (rest % 1e6) / 1e6;
  }
  throw new OtlpItemError(`${typeof value} is not a time in nanoseconds`);
}

/** Milliseconds since the epoch as ISO-8601, or null for 0 (unset). */
export function isoOfMillis(millis: number): string | null {
  if (millis <= 0) return null;
  const date = new Date(Math.floor(millis));
  if (Number.isNaN(date.getTime())) throw new OtlpItemError('a time is out of range');
  return date.toISOString();
}

/** An attribute value as a metric tag or a short label: strings as they are, others as JSON. */
export function asLabel(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
