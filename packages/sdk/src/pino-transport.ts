/**
 * pino transport: `pino({ transport: { target: '@ai-debug/sdk/pino', options: { baseUrl,
 * componentType, componentId } } })` ships every line as a debug event. pino runs it in a
 * worker thread, so its options are plain data (no callbacks) and the correlation scope of
 * the logging thread reaches it only through the line: add `mixin: correlationMixin` to
 * the logger to carry `client.correlated()` ids.
 */
import { Writable } from 'node:stream';
import { currentScope } from './correlation.js';
import { DebugClient } from './debug-client.js';
import { eventOfRecord, levelOfNumber, levelOfWord } from './log-records.js';
import type { DebugClientOptions } from './types.js';

export type PinoTransportOptions = Omit<DebugClientOptions, 'onFailure' | 'fetch' | 'handleProcessExit'>;

/** pino's own fields, not the caller's data. */
const PINO_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

/** A pino `mixin`: the correlation id, parent and operation of the surrounding `client.correlated()`. */
export function correlationMixin(): Record<string, string> {
  const scope = currentScope();
  if (!scope) return {};
  const fields: Record<string, string> = { correlation_id: scope.correlationId };
  if (scope.parentEventId) fields.parent_event_id = scope.parentEventId;
  if (scope.operation) fields.operation = scope.operation;
  return fields;
}

/** The stream pino writes NDJSON lines to; ending it delivers what is buffered. */
export function createPinoStream(client: DebugClient): Writable {
  let partial = '';
  const record = (line: string) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      client.event({ message: line, level: 'info' });
      return;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      client.event({ message: line, level: 'info' });
      return;
    }
    const { level, time, msg, pid, hostname } = parsed as Record<string, unknown>;
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(parsed)) if (!PINO_FIELDS.has(key)) fields[key] = value;
    const debugLevel = typeof level === 'number' ? levelOfNumber(level) : levelOfWord(String(level ?? 'info'));
    const at = typeof time === 'number' || typeof time === 'string' ? new Date(time) : undefined;
    const event = eventOfRecord(typeof msg === 'string' ? msg : '', debugLevel, fields, at);
    if (event.message === '') event.message = event.data?.error ? String((event.data.error as { message?: unknown }).message) : '(no message)';
    const metadata: Record<string, unknown> = {};
    if (pid !== undefined) metadata.pid = pid;
    if (hostname !== undefined) metadata.hostname = hostname;
    if (Object.keys(metadata).length > 0) event.metadata = metadata;
    client.event(event);
  };
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, callback) {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) record(line);
      callback();
    },
    final(callback) {
      if (partial) record(partial);
      partial = '';
      client.close().then(() => callback(), callback);
    },
  });
}

/** The transport pino loads (its default export): one client per transport. */
export default async function pinoTransport(options: PinoTransportOptions): Promise<Writable> {
  return createPinoStream(new DebugClient(options));
}
