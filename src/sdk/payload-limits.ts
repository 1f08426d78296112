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
