import { createHash } from 'node:crypto';

const HEX32 = /^[0-9a-f]{32}$/i;
const DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A Sentry event_id (32 hex digits, or a dashed UUID) as our id; null when it is neither. */
export function uuidOfEventId(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  if (DASHED.test(value)) return value.toLowerCase();
  if (!HEX32.test(value)) return null;
  const hex = value.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A stable UUID (version 8, name-based on SHA-256) for what Sentry sends without an event id:
 * spans, breadcrumbs, log records, check-ins. The same parts give the same id, so a retried
 * envelope is stored once.
 */
export function derivedId(...parts: (string | number | null | undefined)[]): string {
  const bytes = createHash('sha256')
    .update(parts.map((part) => String(part ?? '')).join('\u0000'))
    .digest();
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The event of a span: derived from trace and span id, so a child names its parent without having seen it. */
export function spanEventId(traceId: string, spanId: string): string {
  return derivedId('span', traceId.toLowerCase(), spanId.toLowerCase());
}
