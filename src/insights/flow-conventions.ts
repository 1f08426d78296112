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
/**
 * In a sentence a bare noun or imperative ("start", "end", "success") says too little: past
 * tenses only, unless the word is the whole message (job runners log "start" … "done" … "fail"
 * under the job's id).
 */
const MESSAGE_START = ['started', 'began'] as const;
const WHOLE_MESSAGE_START = ['start', 'starting'] as const;
const WHOLE_MESSAGE_END = ['end', 'complete'] as const;
const MESSAGE_END = [
  'ended',
  'completed',
  'finished',
  'succeeded',
  'done',
  'cancelled',
  'canceled',
  'aborted',
] as const;
/**
 * Failure words end a unit of work ("job 42 failed"), unless the sentence says it will be tried
 * again ("attempt 1 failed, retrying in 2 s", "timed out; will retry"): a retried failure is a
 * step of the flow, and the flow can still get stuck after it.
 */
const MESSAGE_FAILURE = ['failed', 'timed out'] as const;
const WHOLE_MESSAGE_FAILURE = ['fail'] as const;
const RETRYING = 'retry';
/**
 * Adverbs that may follow the past tense at the end of the sentence ("job 42 completed
 * successfully", "server started successfully"): how it went, not what happened.
 */
const HOW_IT_WENT = ['successfully', 'normally', 'cleanly'] as const;
/**
 * What may follow a lifecycle word as its complement: who, for what, where, when ("started for
 * order 42", "started by scheduler", "finished at 10:02:11", "started on worker-3"), a
 * parenthesis or a clause after a comma or dash ("completed (200 OK)", "finished, 3 rows
 * written"): the sentence still says the work began or is over. An end word takes more: how
 * long and how it went ("finished in 3.2 s", "completed with 0 errors", "failed after 3
 * attempts", "Finished: SUCCESS"); "started with 3 workers" and "started in the background"
 * are as often a step inside a flow.
 */
const START_COMPLEMENTS = [' for ', ' by ', ' at ', ' on ', ' (', ', ', ' - '] as const;
const END_COMPLEMENTS = [...START_COMPLEMENTS, ' in ', ' with ', ' after ', ': '] as const;
/**
 * A sentence that opens with the word names the work after it: "Started GET /orders for
 * 10.0.0.7", "Starting export of 42 rows", "Completed 200 OK in 12 ms", "Finished job 42",
 * "Done processing order 42". A failure word does not end a unit of work from there ("Failed to
 * connect, retrying" is as often one attempt).
 */
const MESSAGE_START_HEADS = ['started', 'starting', 'beginning'] as const;
const MESSAGE_END_HEADS = ['completed', 'finished', 'done'] as const;
/**
 * "complete" is an end as an adjective ("upload complete", "sync 7 complete: 3 files"), except
 * where the work is still to complete ("waiting for the upload to complete", "not complete").
 */
const COMPLETE = 'complete';
const NOT_YET_COMPLETE = [' to complete', ' not complete'] as const;
/** Punctuation that closes a message ("Export finished.", "Done!") and says nothing of its phase. */
const CLOSING_PUNCTUATION = ' .!';
/** How much of a message's end the conventions read (the longest phrase and a complement after it). */
const MESSAGE_TAIL_LENGTH = 64;
/** How much of a message's start they read: the longest head word and its space. */
const MESSAGE_HEAD_LENGTH =
  Math.max(...[...MESSAGE_START_HEADS, ...MESSAGE_END_HEADS].map((word) => word.length)) + 1;

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
    const text = rightOf(dialect, expression, length);
    return caseless ? `lower(${text})` : text;
  };
  return [...byLength]
    .map(([length, values]) => `${tail(length)} IN (${values.map(literal).join(', ')})`)
    .join(' OR ');
}

function rightOf(dialect: Dialect, expression: string, length: number): string {
  return dialect === 'postgres'
    ? `right(${expression}, ${length})`
    : `substr(${expression}, -${length})`;
}

function operationSuffixes(words: readonly string[]): { lower: string[]; camel: string[] } {
  return {
    lower: words.flatMap((word) => SEPARATORS.map((separator) => `${separator}${word}`)),
    // OrderStarted, jobTimedOut: the capitalised word closes a camel-case name
    camel: words.map((word) => (word === 'timedout' ? 'TimedOut' : capitalised(word))),
  };
}

/**
 * Tests that `text` holds one of `words` after a space and followed by one of `complements`: a
 * regular expression (SQLite's REGEXP is registerSqliteFunctions'). On PostgreSQL the words
 * followed by the first character of a complement are tested first: its regular expressions slow
 * down with the alternatives after the words (200k tails: the words alone 0.2 s, with eleven
 * complements 1.0 s), and most messages hold none of the words. The words and complements hold
 * letters, spaces, a colon, a comma, a dash and a parenthesis, which is escaped.
 */
function followedBy(
  dialect: Dialect,
  text: string,
  words: readonly string[],
  complements: readonly string[],
): string {
  const escape = (value: string) => value.replace(/[()]/g, (character) => `\\${character}`);
  const alternatives = (values: readonly string[]) => values.map(escape).join('|');
  const pattern = ` (?:${alternatives(words)})(?:${alternatives(complements)})`;
  if (dialect === 'sqlite') return `${text} REGEXP ${literal(pattern)}`;
  const firsts = [...new Set(complements.map((complement) => complement.charAt(0)))];
  const prefilter = ` (?:${alternatives(words)})[${firsts.map((character) => (character === '-' ? '\\-' : character)).join('')}]`;
  return `CASE WHEN ${text} ~ ${literal(prefilter)} THEN ${text} ~ ${literal(pattern)} ELSE false END`;
}

/**
 * A test that `text` holds one of `words` anywhere, as one regular expression over the words no
 * other of them contains ("end" for "end" and "ended"): a message tail holding none of a phase's
 * words is passed over by its other tests, which cost about ten times as much (PostgreSQL,
 * 200k tails), and few messages hold a lifecycle word.
 */
function holdsAny(dialect: Dialect, text: string, words: readonly string[]): string {
  const unique = [...new Set(words)];
  const stems = unique.filter(
    (word) => !unique.some((other) => other !== word && word.includes(other)),
  );
  const pattern = literal(`(?:${stems.join('|')})`);
  return dialect === 'postgres' ? `${text} ~ ${pattern}` : `${text} REGEXP ${pattern}`;
}

const longest = (texts: readonly string[]) => Math.max(...texts.map((text) => text.length));

/**
 * The columns conventionalPhaseSql reads with `{ tails: true }`: the ends of the operation and of
 * the message, as long as the longest word or suffix the conventions test, taken once per event.
 * Every test is then on a few characters: right() and lower() of a whole message scan it, and
 * the conventions test up to a dozen suffix lengths (timed on PostgreSQL: the phase of an event
 * from tails costs about half).
 */
export const CONVENTION_TAILS = {
  operation: 'convention_operation_tail',
  lowerOperation: 'convention_lower_operation_tail',
  lowerMessage: 'convention_lower_message_tail',
  lowerMessageHead: 'convention_lower_message_head',
} as const;

/**
 * The lowered end of a message without its closing punctuation, MESSAGE_TAIL_LENGTH characters
 * long at most: what every message convention reads, directly or as a tail column.
 */
function messageTailSql(dialect: Dialect, message: string): string {
  return `lower(${rightOf(dialect, `rtrim(${message}, ${literal(CLOSING_PUNCTUATION)})`, MESSAGE_TAIL_LENGTH)})`;
}

/** The lowered start of a message, MESSAGE_HEAD_LENGTH characters long: what the head words are tested on. */
function messageHeadSql(message: string): string {
  return `lower(substr(ltrim(${message}), 1, ${MESSAGE_HEAD_LENGTH}))`;
}

/** `… AS convention_…` select items of CONVENTION_TAILS, over unqualified operation and message. */
export function conventionTailsSql(dialect: Dialect): string {
  const words = [...START_WORDS, ...END_WORDS];
  const suffixes = operationSuffixes(words);
  const lowerLength = longest([...words, ...suffixes.lower]);
  const camelLength = longest(suffixes.camel);
  return [
    `${rightOf(dialect, 'operation', camelLength)} AS ${CONVENTION_TAILS.operation}`,
    `lower(${rightOf(dialect, 'operation', lowerLength)}) AS ${CONVENTION_TAILS.lowerOperation}`,
    `${messageTailSql(dialect, 'message')} AS ${CONVENTION_TAILS.lowerMessage}`,
    `${messageHeadSql('message')} AS ${CONVENTION_TAILS.lowerMessageHead}`,
  ].join(', ');
}

/**
 * SQL that names the lifecycle phase an event's conventions imply: 'start', 'end' or '' (none).
 * Reads, in order: the operation name (`order.start`, `payment.completed`, `JobFinished`), a
 * `lifecycle` event's message holding such a word, and a message ending with a past-tense
 * start/end word ("export started", "job 42 finished"). Columns are unqualified; with `tails`,
 * the operation's and the message's ends are read from the CONVENTION_TAILS columns
 * (conventionTailsSql), which the caller selects in a subquery below.
 */
export function conventionalPhaseSql(dialect: Dialect, options: { tails?: boolean } = {}): string {
  const operation = 'operation';
  // a tail as long as the longest word equals a word exactly when the whole text does
  const lowerOperation = options.tails ? CONVENTION_TAILS.lowerOperation : `lower(${operation})`;
  const message = options.tails
    ? CONVENTION_TAILS.lowerMessage
    : messageTailSql(dialect, 'message');
  const head = options.tails ? CONVENTION_TAILS.lowerMessageHead : messageHeadSql('message');
  const spaced = `(' ' || lower(message) || ' ')`;
  const operationEnds = (suffixes: readonly string[], caseless: boolean) =>
    options.tails
      ? endsWithAny(
          dialect,
          caseless ? CONVENTION_TAILS.lowerOperation : CONVENTION_TAILS.operation,
          suffixes,
        )
      : endsWithAny(dialect, operation, suffixes, caseless);
  const messageEnds = (suffixes: readonly string[]) => endsWithAny(dialect, message, suffixes);
  const spacedTail = `(' ' || ${message})`;
  /** An operation name or a lifecycle event's message holding one of `words`. */
  const byWord = (words: readonly string[]) => {
    const suffixes = operationSuffixes(words);
    // the lowered tail holds the camel-case suffixes too (it is at least as long)
    const byName = `CASE WHEN ${holdsAny(dialect, lowerOperation, words)} THEN (${[
      `${lowerOperation} IN (${words.map(literal).join(', ')})`,
      operationEnds(suffixes.lower, true),
      operationEnds(suffixes.camel, false),
    ].join(' OR ')}) ELSE false END`;
    const inLifecycle = words
      .map((word) => `${spaced} LIKE ${literal(`% ${word} %`)}`)
      .join(' OR ');
    return { byName, inLifecycle };
  };
  /**
   * A message whose sentence ends with one of `pastTenses` (or is one of `whole`), `also`
   * besides, tested only when the tail holds one of the words; and one that opens with a head.
   */
  const bySentence = (sentence: {
    pastTenses: readonly string[];
    whole: readonly string[];
    heads: readonly string[];
    complements: readonly string[];
  }) => {
    const { pastTenses, complements } = sentence;
    const messageWords = [
      ...pastTenses,
      ...pastTenses.flatMap((word) => HOW_IT_WENT.map((how) => `${word} ${how}`)),
    ];
    const ending = [
      `${message} IN (${[...messageWords, ...sentence.whole].map(literal).join(', ')})`,
      // a key's value closes the message too: "job=42 status=completed"
      messageEnds([
        ...messageWords.map((word) => ` ${word}`),
        ...pastTenses.map((word) => `=${word}`),
      ]),
      followedBy(dialect, spacedTail, pastTenses, complements),
    ].join(' OR ');
    // CASE, not AND: evaluated in this order on both dialects
    const endsWith = (also?: string) =>
      `CASE WHEN ${holdsAny(dialect, message, [...pastTenses, ...sentence.whole])} THEN (${also ? `${ending} OR ${also}` : ending}) ELSE false END`;
    const opensWith = sentence.heads
      .map((word) => `${head} LIKE ${literal(`${word} %`)}`)
      .join(' OR ');
    return { endsWith, opensWith };
  };
  const [startWords, endWords] = [byWord(START_WORDS), byWord(END_WORDS)];
  const start = bySentence({
    pastTenses: MESSAGE_START,
    whole: WHOLE_MESSAGE_START,
    heads: MESSAGE_START_HEADS,
    complements: START_COMPLEMENTS,
  });
  const end = bySentence({
    pastTenses: MESSAGE_END,
    whole: WHOLE_MESSAGE_END,
    heads: MESSAGE_END_HEADS,
    complements: END_COMPLEMENTS,
  });
  const failure = bySentence({
    pastTenses: MESSAGE_FAILURE,
    whole: WHOLE_MESSAGE_FAILURE,
    heads: [],
    complements: END_COMPLEMENTS,
  });
  const complete = `((${messageEnds([` ${COMPLETE}`])} OR ${followedBy(dialect, spacedTail, [COMPLETE], END_COMPLEMENTS)})
      AND NOT (${NOT_YET_COMPLETE.map((phrase) => `${spacedTail} LIKE ${literal(`%${phrase}%`)}`).join(' OR ')}))`;
  const failed = `(${failure.endsWith()} AND NOT ${spacedTail} LIKE ${literal(`%${RETRYING}%`)})`;
  return `CASE
    WHEN ${operation} IS NOT NULL AND (${startWords.byName}) THEN 'start'
    WHEN ${operation} IS NOT NULL AND (${endWords.byName}) THEN 'end'
    WHEN event_type = 'lifecycle' AND (${startWords.inLifecycle}) THEN 'start'
    WHEN event_type = 'lifecycle' AND (${endWords.inLifecycle}) THEN 'end'
    WHEN ${start.endsWith()} THEN 'start'
    WHEN ${end.endsWith(complete)} OR ${failed} THEN 'end'
    WHEN ${start.opensWith} THEN 'start'
    WHEN ${end.opensWith} THEN 'end'
    ELSE '' END`;
}
