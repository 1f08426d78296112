import type { StreamMessage } from './stream-bus.js';

const encoded = new WeakMap<object, string>();

/**
 * The JSON of a payload, computed once however many instances and sockets it goes to
 * (the relay and every per-client batch reuse it).
 */
export function jsonOf(payload: Record<string, unknown>): string {
  let json = encoded.get(payload);
  if (json === undefined) {
    json = JSON.stringify(payload);
    encoded.set(payload, json);
  }
  return json;
}

/** A relay envelope: `<origin id>|[{"channel":…,"payload":…},…]`, so an instance can skip its own without parsing. */
export function encodeRelay(origin: string, messages: readonly StreamMessage[]): string {
  let text = `${origin}|[`;
  for (let index = 0; index < messages.length; index++) {
    if (index > 0) text += ',';
    text += `{"channel":"${messages[index].channel}","payload":${jsonOf(messages[index].payload)}}`;
  }
  return text + ']';
}

/** The origin of a relay envelope and its messages, or null when it is not one. */
export function decodeRelay(text: string, skipOrigin: string): StreamMessage[] | null {
  const bar = text.indexOf('|');
  if (bar <= 0 || text.slice(0, bar) === skipOrigin) return null;
  const messages = JSON.parse(text.slice(bar + 1)) as unknown;
  return Array.isArray(messages) ? (messages as StreamMessage[]) : null;
}

/**
 * A Socket.IO EVENT packet for `channel` carrying the payloads as one array, encoded as
 * socket.io-parser would (`2<nsp>,["<channel>",[…]]`) but from the cached JSON.
 */
export function encodeBatchPacket(namespace: string, channel: string, payloads: readonly Record<string, unknown>[]): string {
  let text = `2${namespace === '/' ? '' : `${namespace},`}["${channel}",[`;
  for (let index = 0; index < payloads.length; index++) {
    if (index > 0) text += ',';
    text += jsonOf(payloads[index]);
  }
  return text + ']]';
}
