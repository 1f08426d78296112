/**
 * Turns a log message into template tokens: variable parts become `<*>`, everything else
 * stays as it was written. One set of rules for every kind of log, decided by the shape of
 * a token (its character classes), never by the system that wrote it.
 */
export const WILDCARD = '<*>';

/** Punctuation that separates a key from its value or one item from the next. */
const SPLIT = /([=:,;()[\]{}<>"'|]|\.{2,})/;
const HAS_SPLIT = /[=:,;()[\]{}<>"'|]|\.{2}/;
/** Separators that may sit between the pieces of one variable (ip:port, a, b, k=v lists). */
const JOINERS = new Set([':', ',', '=', ';', '|']);

const MONTHS = new Set([
  'jan',
  'feb',
  'mar',
  'apr',
  'may',
  'jun',
  'jul',
  'aug',
  'sep',
  'sept',
  'oct',
  'nov',
  'dec',
]);
const WEEKDAYS = new Set(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^(0x)?[0-9a-f]{8,}$/i;
/** MAC addresses and other colon- or dash-separated hex bytes. */
const HEX_BYTES = /^([0-9a-f]{2}[:-]){3,}[0-9a-f]{2}$/i;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
/** A Windows path with its drive letter. */
const DRIVE_PATH = /^[a-z]:\\/i;
/**
 * A quoted value: one word in quotes, starting and ending at word boundaries (so "can't" is no
 * quote). A quoted phrase ("GET /v1/x HTTP/1.1") keeps its words: it is structure, not a value.
 */
const QUOTED = /(^|[\s=:([,])(["'])[^"'\s]{1,256}?\2(?=$|[\s,;:.)\]])/g;
const QUOTED_MARK = '\u0002';
/** Units written after a number: part of the value ("5.2 KB", "30 ms"). */
const UNITS = new Set([
  'b',
  'kb',
  'mb',
  'gb',
  'tb',
  'pb',
  'kib',
  'mib',
  'gib',
  'tib',
  'ms',
  'us',
  'µs',
  'ns',
  's',
  'sec',
  'secs',
  'min',
  'mins',
  'h',
  'hrs',
]);
const OPENERS: Record<string, string> = {
  '(': ')',
  '[': ']',
  '{': '}',
  '"': '"',
  "'": "'",
  '<': '>',
};

const DIGIT = /\d/;
const LETTER = /[a-z]/i;
const PATH = /[/\\][^/\\\s]/;
const WHITESPACE = /\s+/;
/** A number written with a comparison or approximation sign: "<1", ">=5", "~30ms". */
const COMPARED_NUMBER = /^(?:[<>]=?|~|≈)\d/;

/** A word that is one value as a whole: a URL, a drive path, a UUID, hex bytes (a MAC). */
function isWholeValue(word: string): boolean {
  if (COMPARED_NUMBER.test(word)) return true;
  if (word.length < 3) return false;
  if (word.includes('://') && URL_LIKE.test(word)) return true;
  if (word[1] === ':' && DRIVE_PATH.test(word)) return true;
  if (word.length === 36 && UUID.test(word)) return true;
  return word.length >= 11 && HEX_BYTES.test(word);
}

/** True for a token that holds a value rather than a word of the message. */
export function isVariableToken(token: string): boolean {
  if (DIGIT.test(token) || token.includes(QUOTED_MARK)) return true;
  if (token.length >= 8 && (HEX.test(token) || UUID.test(token))) return true;
  // a path: a slash or backslash followed by more characters (/var/log, C:\\Windows); a lone "/" is punctuation
  if ((token.includes('/') || token.includes('\\')) && PATH.test(token) && LETTER.test(token))
    return true;
  return false;
}

function isDateWord(token: string): boolean {
  if (token.length < 3 || token.length > 5) return false;
  const lower = token.toLowerCase().replace(/[.,]$/, '');
  return MONTHS.has(lower) || WEEKDAYS.has(lower);
}

/**
 * Masked tokens of a message. Steps: a quoted word ('…' or "…" at word boundaries) is one
 * variable; split on whitespace; a whole word that is a URL, a drive path, a UUID or hex bytes
 * (a MAC) is one variable; otherwise split on key/value and list punctuation (`=`, `:`, `,`, brackets,
 * quotes, runs of dots); a piece with a digit, a path or a long hex run is a variable; a unit
 * right after a variable (KB, ms) belongs to it; an empty bracket standing as a word holds an
 * empty variable;
 * month and weekday names next to a variable are part of a date; finally a run of variables
 * joined only by `:`/`,`/`=`/`;`/`|`/whitespace collapses into one `<*>`, so that
 * "10.0.0.1:50010" and "10.0.0.1" give the same template.
 */
export function tokenize(message: string): string[] {
  return tokenizeWithSpacing(message).tokens;
}

/** The masked tokens and, for each, whether whitespace preceded it (to render the template). */
export interface TokenizedMessage {
  tokens: string[];
  spaceBefore: boolean[];
}

export function tokenizeWithSpacing(message: string): TokenizedMessage {
  const raw: string[] = [];
  const rawSpace: boolean[] = [];
  const unquoted =
    message.includes('"') || message.includes("'")
      ? message.replace(QUOTED, (_, before: string) => `${before}${QUOTED_MARK}`)
      : message;
  for (const word of unquoted.split(WHITESPACE)) {
    if (!word) continue;
    if (word === QUOTED_MARK) {
      raw.push(WILDCARD);
      rawSpace.push(raw.length > 1);
      continue;
    }
    if (isWholeValue(word)) {
      raw.push(WILDCARD);
      rawSpace.push(raw.length > 1);
      continue;
    }
    if (!HAS_SPLIT.test(word)) {
      raw.push(isVariableToken(word) ? WILDCARD : word);
      rawSpace.push(raw.length > 1);
      continue;
    }
    let first = true;
    for (const piece of word.split(SPLIT)) {
      if (!piece) continue;
      raw.push(isVariableToken(piece) ? WILDCARD : piece);
      rawSpace.push(first && raw.length > 1);
      first = false;
    }
  }
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== WILDCARD && raw[i - 1] === WILDCARD && UNITS.has(raw[i].toLowerCase()))
      raw[i] = WILDCARD;
  }
  for (let i = 0; i < raw.length; i++) {
    // an empty bracket or quote standing as a word holds a value that happens to be empty:
    // "from 1.2.3.4 () at" is "from <*> (<*>) at"; a call's brackets ("init()") stay as written
    const startsWord = i === 0 || rawSpace[i];
    if (
      startsWord &&
      OPENERS[raw[i]] !== undefined &&
      raw[i + 1] === OPENERS[raw[i]] &&
      !rawSpace[i + 1]
    ) {
      raw.splice(i + 1, 0, WILDCARD);
      rawSpace.splice(i + 1, 0, false);
    }
  }
  for (let i = 0; i < raw.length; i++) {
    if (
      raw[i] !== WILDCARD &&
      isDateWord(raw[i]) &&
      (raw[i - 1] === WILDCARD || raw[i + 1] === WILDCARD || isDateWord(raw[i + 1] ?? ''))
    ) {
      raw[i] = WILDCARD;
    }
  }
  return collapse(raw, rawSpace);
}

function collapse(tokens: string[], spaceBefore: boolean[]): TokenizedMessage {
  const out: string[] = [];
  const outSpace: boolean[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === WILDCARD && out[out.length - 1] === WILDCARD) continue;
    if (JOINERS.has(token) && out[out.length - 1] === WILDCARD && tokens[i + 1] === WILDCARD) {
      i++; // "<*> : <*>" → "<*>"
      continue;
    }
    out.push(token);
    outSpace.push(spaceBefore[i]);
  }
  return { tokens: out, spaceBefore: outSpace };
}

/** The template as a person reads it: tokens joined with the spacing of the first message. */
export function renderTemplate(tokens: readonly string[], spaceBefore: readonly boolean[]): string {
  let text = '';
  for (let i = 0; i < tokens.length; i++) text += (i > 0 && spaceBefore[i] ? ' ' : '') + tokens[i];
  return text;
}
