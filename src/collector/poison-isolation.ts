import type { DebugEventRecord } from '../common/debug-event.js';

/** An event the warm store refuses whatever the moment (bad bytes, a value out of range): kept aside with why. */
export interface PoisonEvent {
  event: DebugEventRecord;
  reason: string;
}

export interface IsolatedWrite {
  written: number;
  poisoned: PoisonEvent[];
}

/**
 * SQLSTATE classes that a row earns by its content, not by the moment: 22 data exception
 * (invalid byte sequence, a NUL in text or a \u0000 in jsonb, a value out of range), 23
 * integrity (a unique conflict is handled by the writer before it gets here), 54 program limit
 * (a row or JSON too large or too deep). A connection error or a timeout is none of these:
 * the whole batch is retried as it is, nothing bisected.
 */
const POISON_CLASSES = new Set(['22', '23', '54']);

export function isPoisonError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 && POISON_CLASSES.has(code.slice(0, 2));
}

/** The database's own words, with where in the statement (column, line) when it says; never the values. */
export function poisonReason(error: unknown): string {
  const { message, where, column } = error as { message?: string; where?: string; column?: string };
  const at = [column && `column ${column}`, where].filter(Boolean).join('; ');
  return `${message ?? String(error)}${at ? ` (${at.slice(0, 200)})` : ''}`;
}

/**
 * Writes `events` with `write`; when the batch fails for a row's content, halves it and writes
 * each half the same way, so that every good event is written and each bad one is returned
 * with its reason: one poison event costs about 2·log2(n) extra writes, not the batch.
 */
export async function writeIsolatingPoison(
  events: readonly DebugEventRecord[],
  write: (events: DebugEventRecord[]) => Promise<number>,
): Promise<IsolatedWrite> {
  try {
    return { written: await write([...events]), poisoned: [] };
  } catch (error) {
    if (!isPoisonError(error)) throw error;
    if (events.length === 1) return { written: 0, poisoned: [{ event: events[0], reason: poisonReason(error) }] };
    const middle = Math.ceil(events.length / 2);
    const first = await writeIsolatingPoison(events.slice(0, middle), write);
    const second = await writeIsolatingPoison(events.slice(middle), write);
    return { written: first.written + second.written, poisoned: [...first.poisoned, ...second.poisoned] };
  }
}
