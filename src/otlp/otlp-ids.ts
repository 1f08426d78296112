import { hash } from 'node:crypto';

/**
 * Deterministic ids, so that a retried export (the same bytes, or the same telemetry sent
 * again by a Collector) names the same rows and stores nothing twice.
 */

function digest(parts: readonly (string | number)[]): Buffer {
  // One-shot hashing: a Hash object per id cost more than the hashing itself.
  return hash('sha256', parts.join('\u0000'), 'buffer');
}

function format(bytes: Buffer): string {
  const hex = bytes.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The event of a span: a UUIDv8 (RFC 9562, custom) from the trace and span ids alone, so a
 * child span or a log record can name its parent's event without knowing when the parent
 * started (the parent may arrive in another export, or not yet).
 */
export function spanEventId(traceId: string, spanId: string): string {
  const bytes = digest(['span', traceId, spanId]);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return format(bytes);
}

/**
 * Any other item (a log record, a span event, a metric point): a UUIDv7 whose time is the
 * item's time, so lookups by id find its day at once, and whose other 74 bits are a hash of
 * what identifies the item. Without a time (timeMs null) the id is a UUIDv8 of the hash alone.
 */
export function hashedEventId(timeMs: number | null, parts: readonly (string | number)[]): string {
  const bytes = digest(parts);
  if (timeMs === null) {
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
  } else {
    bytes.writeUIntBE(Math.max(0, Math.floor(timeMs)), 0, 6);
    bytes[6] = (bytes[6] & 0x0f) | 0x70;
  }
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  return format(bytes);
}
