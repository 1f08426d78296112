/**
 * winston transport: `logger.add(new DebugTransport({ client }))` (or `{ baseUrl,
 * componentType, componentId }` for a client of its own) ships every log entry as a debug
 * event. Needs `winston-transport` (installed with winston).
 */
import TransportStream from 'winston-transport';
import { DebugClient } from './debug-client.js';
import { eventOfRecord, levelOfWord } from './log-records.js';
import type { DebugClientOptions } from './types.js';

export type DebugTransportOptions = TransportStream.TransportStreamOptions &
  ({ client: DebugClient } | (DebugClientOptions & { client?: undefined }));

/** winston's own fields (and its Symbol keys, which Object.entries skips). */
const WINSTON_FIELDS = new Set(['level', 'message', 'timestamp']);

export class DebugTransport extends TransportStream {
  readonly client: DebugClient;
  private readonly ownsClient: boolean;

  constructor(options: DebugTransportOptions) {
    const { client, ...rest } = options;
    super(rest);
    this.ownsClient = client === undefined;
    this.client = client ?? new DebugClient(rest as DebugClientOptions);
  }

  override log(info: Record<string, unknown>, callback: () => void): void {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(info)) if (!WINSTON_FIELDS.has(key)) fields[key] = value;
    const { message, level, timestamp } = info;
    const at = typeof timestamp === 'string' || typeof timestamp === 'number' ? new Date(timestamp) : undefined;
    const text = typeof message === 'string' ? message : message === undefined ? '' : JSON.stringify(message);
    // winston colourises levels in place when a colorize format runs first; the level word is what counts.
    // eslint-disable-next-line no-control-regex
    const word = String(level ?? 'info').replace(/\u001b\[[0-9;]*m/g, '');
    this.client.event(eventOfRecord(text || '(no message)', levelOfWord(word), fields, at));
    callback();
  }

  /** Delivers what is buffered; closes the client if the transport made it. */
  override close(): Promise<void> {
    return this.ownsClient ? this.client.close() : this.client.flush();
  }
}
