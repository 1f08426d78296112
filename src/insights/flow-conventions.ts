import type { Dialect } from '../database/sql/dialect.js';

/*
 * How people mark the start and the end of a unit of work without a `phase` field. The words are
 * the verbs of the lifecycle vocabularies in common use, not of any one log: job and task runners
 * (started / completed / failed / cancelled), workflow engines and CI (begin / finished /
 * succeeded / aborted / timed out), event naming in message buses and domain events
 * (`order.created` … `order.completed`, `OrderStarted` / `OrderFinished`) and the SDK's own
 * phases. A chain is started by a start word and ended by an end word; failure words end it too
 * (a failed unit of work is over, not stuck).
 */
export const START_WORDS = ['start', 'started', 'begin', 'began', 'begun'] as const;
export const END_WORDS = [
  'end',
  'ended',
  'complete',
  'completed',
  'finish',
  'finished',
  'success',
  'succeeded',
  'done',
  'failed',
  'failure',
  'cancelled',
  'canceled',
  'aborted',
  'timeout',
  'timedout',
] as const;
/** Separators between a name and its lifecycle word: `order.start`, `job_failed`, `checkout-begin`, `sync:done`, `a/b/end`. */
const SEPARATORS = ['.', '_', '-', ':', '/'] as const;
/** In messages a bare noun or imperative ("start", "end", "success") says too little: past tenses only. */
const MESSAGE_START = ['started', 'began'] as const;
const MESSAGE_END = [
  'ended',
  'completed',
  'finished',
  'succeeded',
  'done',
  'failed',
  'cancelled',
  'canceled',
  'aborted',
  'timed out',
] as const;

const capitalised = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * `expression` ends with one of `suffixes`: one IN test per suffix length. `caseless` lowers the
 * tail only, not the whole text (a message is lowered once per suffix length otherwise); lower()
 * maps character to character in both dialects, so the tail of the lowered text is the lowered tail.
 */
function endsWithAny(
  dialect: Dialect,
  expression: string,
  suffixes: readonly string[],
  caseless = false,
): string {
  const byLength = new Map<number, string[]>();
  for (const suffix of suffixes)
    byLength.set(suffix.length, [...(byLength.get(suffix.length) ?? []), suffix]);
  const tail = (length: number) => {
    const text =
      dialect === 'postgres'
        ? `right(${expression}, ${length})`
        : `substr(${expression}, -${length})`;
    return caseless ? `lower(${text})` : text;
  };
  return [...byLength]
    .map(([length, values]) => `${tail(length)} IN (${values.map(literal).join(', ')})`)
    .join(' OR ');
}

function operationSuffixes(words: readonly string[]): { lower: string[]; camel: string[] } {
  return {
    lower: words.flatMap((word) => SEPARATORS.map((separator) => `${separator}${word}`)),
    // OrderStarted, jobTimedOut: the capitalised word closes a camel-case name
    camel: words.map((word) => (word === 'timedout' ? 'TimedOut' : capitalised(word))),
  };
}

/**
 * SQL that names the lifecycle phase an event's conventions imply: 'start', 'end' or '' (none).
 * Reads, in order: the operation name (`order.start`, `payment.completed`, `JobFinished`), a
 * `lifecycle` event's message holding such a word, and a message ending with a past-tense
 * start/end word ("export started", "job 42 finished"). Columns are unqualified.
 */
export function conventionalPhaseSql(dialect: Dialect): string {
  const operation = 'operation';
  const lowerOperation = `lower(${operation})`;
  const message = 'lower(message)';
  const spaced = `(' ' || ${message} || ' ')`;
  const tests = (words: readonly string[], messageWords: readonly string[]) => {
    const suffixes = operationSuffixes(words);
    const byName = [
      `${lowerOperation} IN (${words.map(literal).join(', ')})`,
      endsWithAny(dialect, operation, suffixes.lower, true),
      endsWithAny(dialect, operation, suffixes.camel),
    ].join(' OR ');
    const inLifecycle = words
      .map((word) => `${spaced} LIKE ${literal(`% ${word} %`)}`)
      .join(' OR ');
    const messageEnd = [
      `${message} IN (${messageWords.map(literal).join(', ')})`,
      endsWithAny(
        dialect,
        'message',
        messageWords.map((word) => ` ${word}`),
        true,
      ),
    ].join(' OR ');
    return { byName, inLifecycle, messageEnd };
  };
  const start = tests(START_WORDS, MESSAGE_START);
  const end = tests(END_WORDS, MESSAGE_END);
  return `CASE
    WHEN ${operation} IS NOT NULL AND (${start.byName}) THEN 'start'
    WHEN ${operation} IS NOT NULL AND (${end.byName}) THEN 'end'
    WHEN event_type = 'lifecycle' AND (${start.inLifecycle}) THEN 'start'
    WHEN event_type = 'lifecycle' AND (${end.inLifecycle}) THEN 'end'
    WHEN ${start.messageEnd} THEN 'start'
    WHEN ${end.messageEnd} THEN 'end'
    ELSE '' END`;
}
