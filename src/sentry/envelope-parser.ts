import { DomainError } from '../common/errors/domain-error.js';

/** One item of an envelope: its header and its payload bytes (parsed lazily by type). */
export interface EnvelopeItem {
  /** Position in the envelope, from 0, for error messages. */
  index: number;
  type: string;
  headers: Record<string, unknown>;
  payload: Buffer;
}

export interface Envelope {
  headers: Record<string, unknown>;
  items: EnvelopeItem[];
}

const NEWLINE = 0x0a;

/**
 * Sentry's envelope format: a JSON header line, then items, each a JSON header line and a
 * payload that is either `length` bytes (when the header says so) or the rest of the line.
 * A problem throws 400 naming the item.
 */
export function parseEnvelope(body: Buffer): Envelope {
  let offset = 0;
  const readLine = (): Buffer => {
    const end = body.indexOf(NEWLINE, offset);
    const line = body.subarray(offset, end < 0 ? body.length : end);
    offset = end < 0 ? body.length : end + 1;
    return line;
  };
  const headers = jsonObject(readLine(), 'the envelope header');
  const items: EnvelopeItem[] = [];
  while (offset < body.length) {
    const headerLine = readLine();
    // Trailing newlines (and blank lines between items) carry nothing.
    if (headerLine.length === 0 || (headerLine.length === 1 && headerLine[0] === 0x0d)) continue;
    const index = items.length;
    const itemHeaders = jsonObject(headerLine, `item ${index}: its header`);
    const type = itemHeaders.type;
    if (typeof type !== 'string' || type.length === 0) {
      throw new DomainError('VALIDATION_FAILED', `item ${index}: the header has no "type"`, {
        item: index,
      });
    }
    const length = itemHeaders.length;
    let payload: Buffer;
    if (length === undefined || length === null) {
      payload = readLine();
    } else {
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
        throw new DomainError(
          'VALIDATION_FAILED',
          `item ${index} (${type}): "length" must be a non-negative integer`,
          { item: index, type },
        );
      }
      if (offset + length > body.length) {
        throw new DomainError(
          'VALIDATION_FAILED',
          `item ${index} (${type}): "length" says ${length} bytes but only ${body.length - offset} follow`,
          { item: index, type },
        );
      }
      payload = body.subarray(offset, offset + length);
      offset += length;
      // The payload is followed by a newline, or by the end of the envelope.
      if (offset < body.length && body[offset] === NEWLINE) offset += 1;
    }
    items.push({ index, type, headers: itemHeaders, payload });
  }
  return { headers, items };
}

function jsonObject(line: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    throw new DomainError('VALIDATION_FAILED', `${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DomainError('VALIDATION_FAILED', `${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** The JSON payload of an item as an object; 400 naming the item otherwise. */
export function itemJson(item: EnvelopeItem): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(item.payload.toString('utf8'));
  } catch {
    throw new DomainError(
      'VALIDATION_FAILED',
      `item ${item.index} (${item.type}): the payload is not valid JSON`,
      {
        item: item.index,
        type: item.type,
      },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `item ${item.index} (${item.type}): the payload must be a JSON object`,
      {
        item: item.index,
        type: item.type,
      },
    );
  }
  return value as Record<string, unknown>;
}
