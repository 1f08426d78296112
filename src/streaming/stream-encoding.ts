import type { AppEvent } from '../common/events/app-events.js';

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

/**
 * A relay envelope: `<origin id>|[{"name":…,"payload":…},…]`, so an instance can skip its own
 * without parsing. Items of a list payload reuse their cached JSON.
 */
export function encodeRelay(origin: string, events: readonly AppEvent[]): string {
  let text = `${origin}|[`;
  for (let index = 0; index < events.length; index++) {
    if (index > 0) text += ',';
    const { name, payload } = events[index];
    text += `{"name":"${name}","payload":`;
    if (Array.isArray(payload)) {
      text += '[';
      for (let item = 0; item < payload.length; item++) {
        if (item > 0) text += ',';
        text += jsonOf(payload[item] as Record<string, unknown>);
      }
      text += ']}';
    } else {
      text += `${jsonOf(payload as unknown as Record<string, unknown>)}}`;
    }
  }
  return text + ']';
}

/** The origin of a relay envelope and its events, or null when it is not one. */
export function decodeRelay(text: string, skipOrigin: string): AppEvent[] | null {
  const bar = text.indexOf('|');
  if (bar <= 0 || text.slice(0, bar) === skipOrigin) return null;
  const events = JSON.parse(text.slice(bar + 1)) as unknown;
  return Array.isArray(events) ? (events as AppEvent[]) : null;
}

/**
 * A Socket.IO EVENT packet for `channel` carrying the payloads as one array, encoded as
 * socket.io-parser would (`2<nsp>,["<channel>",[…]]`) but from the cached JSON.
 */
export function encodeBatchPacket(
  namespace: string,
  channel: string,
  payloads: readonly Record<string, unknown>[],
): string {
  let text = `2${namespace === '/' ? '' : `${namespace},`}["${channel}",[`;
  for (let index = 0; index < payloads.length; index++) {
    if (index > 0) text += ',';
    text += jsonOf(payloads[index]);
  }
  return text + ']]';
}
