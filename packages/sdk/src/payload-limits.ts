import type { DebugEventPayload } from './types.js';

/**
 * The service refuses an event whose text or payload is over its limits (and the
 * client cannot fix it by retrying), so the client trims oversize fields at record time:
 * a debug event that arrives cut is worth more than one that is refused.
 */
export const EVENT_LIMITS = {
  messageChars: 32_768,
  operationChars: 256,
  correlationIdChars: 256,
  dataBytes: 65_536,
  metadataBytes: 16_384,
} as const;

const PREVIEW_CHARS = 2_000;

/** Below this many characters of JSON no field can be over its limit (a character is at most 3 UTF-8 bytes). */
const SURELY_FITS_CHARS = Math.floor(EVENT_LIMITS.metadataBytes / 3);

/** The event's JSON, trimmed to the service's limits when it has to be (one stringify when it fits). */
export function encodeEvent(event: DebugEventPayload): string {
  try {
    const json = JSON.stringify(event);
    if (json.length <= SURELY_FITS_CHARS) return json;
  } catch {
    // Not JSON (a cycle, a BigInt): fitting replaces the offending field.
  }
  return JSON.stringify(fitEventToLimits(event));
}

export function fitEventToLimits(event: DebugEventPayload): DebugEventPayload {
  if (event.message.length > EVENT_LIMITS.messageChars) event.message = cut(event.message, EVENT_LIMITS.messageChars);
  if (event.operation && event.operation.length > EVENT_LIMITS.operationChars) {
    event.operation = cut(event.operation, EVENT_LIMITS.operationChars);
  }
  if (event.data) event.data = fitObject(event.data, EVENT_LIMITS.dataBytes);
  if (event.metadata) event.metadata = fitObject(event.metadata, EVENT_LIMITS.metadataBytes);
  return event;
}

function cut(text: string, limit: number): string {
  return `${text.slice(0, limit - 1)}…`;
}

/** The object, or when its JSON is over `maxBytes` (or not JSON at all) a small note saying so. */
function fitObject(value: Record<string, unknown>, maxBytes: number): Record<string, unknown> {
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    return { _unserialisable: error instanceof Error ? error.message : String(error) };
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= maxBytes) return value;
  return { _truncated: { original_bytes: bytes, limit_bytes: maxBytes, preview: json.slice(0, PREVIEW_CHARS) } };
}
