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
/** Month and weekday names as they are written: "jun", "Jun", "JUN". */
const DATE_WORDS = new Set(
  [...MONTHS, ...WEEKDAYS].flatMap((w) => [w, w[0].toUpperCase() + w.slice(1), w.toUpperCase()]),
);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^(0x)?[0-9a-f]{8,}$/i;
/** MAC addresses and other colon- or dash-separated hex bytes. */
const HEX_BYTES = /^([0-9a-f]{2}[:-]){3,}[0-9a-f]{2}$/i;
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
/** A Windows path with its drive letter. */
const DRIVE_PATH = /^[a-z]:\\/i;
/**
 * A quoted value: one word in quotes, or nothing (an empty string is a value too), starting
 * and ending at word boundaries (so "can't" is no quote). A quoted phrase ("GET /v1/x
 * HTTP/1.1") keeps its words: it is structure, not a value.
 */
const QUOTED = /(^|[\s=:([{,])(["'])[^"'\s]{0,256}?\2(?=$|[\s,;:.)\]}])/g;
/**
 * A string in double quotes (escapes skipped) that holds an escaped quote (`"key:\"/registry\"
 * limit:500 "`): a value the program printed quoted (Go's `%q`, JSON), whatever is inside,
 * unless it is a sentence.
 */
const ESCAPED_STRING = /(^|[\s=:([{,])"(?:[^"\\\n]|\\.){0,2048}"(?=$|[\s,;:.)\]}])/g;
/** Two words in a row: a sentence (`msg="scheme \"unix\" not registered"`) keeps its words. */
const PROSE = /(?:^|[\s"])[A-Za-z]+[,.:;]?\s+[A-Za-z]+[,.:;]?(?=[\s"]|$)/;
const markEscapedString = (text: string, before: string) =>
  text.includes('\\"') && !PROSE.test(text) ? `${before}${QUOTED_MARK}` : text;
/**
 * A name alone in square brackets right after a word (`servlet [jsp]`, `web application [shop]`,
 * `host [db-01]`): brackets set a value apart from the sentence, as Java servers and monitors
 * print their parameters. An enumeration's constant (`[GREEN]`) stays a word.
 */
const BRACKETED_NAME = /(?<=[A-Za-z]\s)\[([A-Za-z][\w.-]*)\](?=$|[\s,;:.])/g;
/** A word written as programs write an enumeration's constant: `RUNNING`, `HEALTH_OK`, `GET`. */
export const CONSTANT_NAME = /^[A-Z][A-Z0-9_]*$/;
const markBracketedName = (text: string, name: string) =>
  CONSTANT_NAME.test(name) ? text : `[${QUOTED_MARK}]`;
/**
 * A name of several words in quotes (`tag="View Lock"`, `device “Magic Keyboard”`, `reason
 * 'Idle Sleep'`, as Python's repr writes a string): every word capitalised, as names of things
 * are written, and no value among them. One value, like a quoted word. One expression for the
 * three pairs of quotes, the closing quote excluded from the words. A quoted sentence keeps its words: logfmt
 * and JSON logs carry the event's own message that way (`msg="user logged in"`, `msg="Cache
 * warmed"`), and so does a quoted phrase that holds a value (`"GET /v2/x HTTP/1.1"`). A quoted
 * phrase that starts the message is its message too (klog: `"SyncLoop ADD" source="api"`): a
 * name is matched only after whitespace, a key or an opening bracket.
 */
const QUOTED_PHRASE = new RegExp(
  `([\\s=:([{,])(?:${[
    ['"', '"'],
    ['“', '”'],
    ["'", "'"],
  ]
    .map(([open, close]) => {
      const word = `[A-Z][^\\s${close}\\d/\\\\@=<>{}[\\]]*`;
      return `${open}${word}(?: ${word}){1,7}${close}`;
    })
    .join('|')})(?=$|[\\s,;:.)\\]}])`,
  'g',
);
/**
 * A path in quotes (`'/Applications/Google Chrome.app'`, `"C:\\Program Files\\x.exe"`): one
 * value, spaces and all; paths are quoted because they may hold spaces.
 */
const QUOTED_PATH = /(^|[\s=:([{,])(["'])(?:~?\/|[A-Za-z]:\\)[^"'\n]{0,256}?\2(?=$|[\s,;:.)\]}])/g;
/** A word in typographic quotes (`“CalVisitor”`), which the QUOTED expression does not pair. */
const CURLY_QUOTED = /(^|[\s=:([{,])“[^“”\s]{0,256}?”(?=$|[\s,;:.)\]}])/g;
/**
 * A word in angle brackets standing alone: a placeholder written where a value goes
 * (`<module>`, `<unknown>`, `<nil>`) or an address (`<ana@example.com>`).
 */
const ANGLED = /^<[^<>\s]+>([,;.:]?)$/;
const QUOTED_MARK = '\u0002';
/**
 * `::` between the parts of a qualified name (`IOService::start`, `std::io::Error`): one
 * identifier, not a key and its value. Kept whole while the word is split.
 */
const SCOPE = /(?<=[\w])::(?=[A-Za-z_~])/g;
const SCOPE_MARK = '\u0004';
/** Units written after a number: part of the value ("5.2 KB", "30 ms"). */
const UNITS = new Set([
  'b',
  'byte',
  'bytes',
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
const BRACKETS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const LIST_SEPARATORS = new Set([',', ';', '|']);
const KEY_VALUE = new Set(['=', ':']);
/** Punctuation that may end a value written after a key. */
const VALUE_ENDS = new Set([',', ';', ')', ']', '}']);
const LITERALS = new Set(['true', 'false', 'null', 'nil', 'none', 'undefined']);
const BRACKET_OPENER = /[[({]/;
/** Any character that a rule below looks at; a word without one is a plain word. */
const SPECIAL = /[\d=:,;()[\]{}<>"'|/\\~≈@]|\.\./;
const OPENERS: Record<string, string> = {
  '(': ')',
  '[': ']',
  '{': '}',
  '"': '"',
  "'": "'",
  '<': '>',
};

const DIGIT = /\d/;
/**
 * An acronym with a one-digit version after a `v` (`IPV4`, `IPv6`, `SNMPv3`, `TLSv1`): the name
 * of a protocol, not a value. An index (`CPU0`, `SDA1`) or a bare digit (`SOCKS5`) stays a value.
 */
const ACRONYM_VERSION = /^[A-Z]{2,}[vV]\d$/;
/**
 * A name qualified by its scope (`AirPort_Brcm43xx::syncPowerState`, `NHIType2::prePCIWake`):
 * a function or member written in the source, whose digits belong to its identifiers, not a
 * value. Each part an identifier, the last not of hex digits only (an IPv6 address is masked
 * before, and `fe80::1` has no identifier after its `::`).
 */
const QUALIFIED_NAME = /^[A-Za-z_]\w*(?:::[A-Za-z_~]\w*)+$/;
const HEX_ONLY = /^[0-9a-f]+$/i;

function isQualifiedName(token: string): boolean {
  return (
    token.includes('::') &&
    QUALIFIED_NAME.test(token) &&
    !HEX_ONLY.test(token.slice(token.lastIndexOf(':') + 1))
  );
}
/**
 * An IPv6 address (`2001:db8::42`, `::1`, `fe80::1%eth0`, eight groups written out) standing at
 * a word boundary or after a bracket or key: one value, like an IPv4 address. Written with `::`
 * it would otherwise be split at its colons into a varying number of pieces, or read as a
 * qualified name (`fe80::abc`). A match must hold a digit (`dead::beef` stays words), or be `::` in
 * brackets (`[::]:443`, a listener on every address).
 */
const IPV6 =
  /(?<![\w:.])(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){7}|(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?)(?:%[\w.]+)?(?![\w:])/gi;
const SEVEN_COLONS = /^(?:[^:]*:){7}[^:]*$/;

/**
 * The word with each IPv6 address in it written as `0`, a value the next steps mask. Only a
 * word with `::` or seven colons can hold one: the others are returned without a search.
 */
function withIpv6Masked(word: string): string {
  const mayHoldAddress =
    word.includes('::') || (word.length >= 15 && word.includes(':') && SEVEN_COLONS.test(word));
  if (!mayHoldAddress) return word;
  const masked = word.replace(IPV6, (address, at: number) => {
    if (!DIGIT.test(address) && !isBracketedAny(word, address, at)) return address;
    return isHostLiteral(word, address, at) ? BRACKETED_ADDRESS_MARK : '0';
  });
  return masked.includes(BRACKETED_ADDRESS_MARK)
    ? masked.split(`[${BRACKETED_ADDRESS_MARK}]`).join('0')
    : masked;
}
const BRACKETED_ADDRESS_MARK = '\u0005';
/**
 * True for an address in the brackets that URLs and listeners write IPv6 hosts in (`[::1]`,
 * `[2001:db8::7]:443`, RFC 3986): the brackets are part of the address, as in `at [::], FD 5`
 * against `at 0.0.0.0, FD 9`. After a name (`relay[2001:db8::1]`) they hold a host's address.
 */
function isHostLiteral(word: string, address: string, at: number): boolean {
  return (
    word[at - 1] === '[' && word[at + address.length] === ']' && !/[\w.-]/.test(word[at - 2] ?? '')
  );
}
/** `[::]`, the unspecified IPv6 address in the brackets that a port follows (`[::]:443`). */
function isBracketedAny(word: string, address: string, at: number): boolean {
  return address === '::' && word[at - 1] === '[' && word[at + 2] === ']';
}
/** A field with nothing after its `=` but the punctuation or bracket that ends it. */
const EMPTY_FIELD = /^([A-Za-z_][\w.-]*)=([,;)\]}]?)$/;
/** A word that starts a `key=value` field. */
const FIELD_START = /^[A-Za-z_][\w.-]*=/;
/** A value in angle brackets, perhaps empty, brackets inside it allowed (`<[10.0.0.1]>`). */
const ANGLED_VALUE = /^<[^<>\s]*>$/;
/** `key=value` as one word, and the punctuation after the value. */
const KEYED_WORD = /^([A-Za-z_][\w.-]*)=(.+?)([,;)\]}]?)$/;
/**
 * A DNS name of three or more labels followed by `:` and a port (`api.example.org:443`): a
 * network address, one value like an IP address and its port, even when its name holds no digit.
 */
const HOST_PORT =
  /(^|[=([{"'@,/])((?:[a-z\d](?:[a-z\d-]*[a-z\d])?\.){2,}[a-z][a-z\d-]*)(?=:\d{1,5}(?:$|[^\w.:]))/gi;

/**
 * A name glued to an IP address in brackets (`mx.example.org[203.0.113.9]`, `unknown[10.0.0.1]`,
 * `relay[2001:db8::1]`): a host as mail servers and others print it, its name and its address.
 * The name is a value, whatever it is, like the address.
 */
const HOST_ADDRESS =
  /(^|[=([{"'@,/])[a-z][\w-]*(?:\.[\w-]+)*(?=\[(?:\d{1,3}(?:\.\d{1,3}){3}|0)\])/gi;

/**
 * The word with each host name written before a port, or glued to its address in brackets,
 * replaced by `0`, a value the next steps mask.
 */
function withHostsMasked(word: string): string {
  let masked = word;
  if (word.length >= 8 && word.includes(':') && word.includes('.'))
    masked = masked.replace(HOST_PORT, (_, before: string) => `${before}0`);
  if (masked.includes('[') && masked.includes(']'))
    masked = masked.replace(HOST_ADDRESS, (_, before: string) => `${before}0`);
  return masked;
}
/** A path (/x, ./x, ../x) starting a word or after `=`, `(`, `[`, `{`, a quote; punctuation after it. */
const PATH_IN_WORD = /(^|[=([{"'])(\.{0,2}\/[^/\s]\S*?)([)\]}"',;.:]*)$/;
const LETTER = /[a-z]/i;
/** An address written user@domain.tld (mail, Kerberos principals, user@host.example). */
const EMAIL = /^[\w.+-]+@[a-z\d-]+(\.[a-z\d-]+)+$/i;
const PATH = /[/\\][^/\\\s]/;
const WHITESPACE = /\s+/;
/**
 * Two or more items joined by commas with no space, perhaps as the value of a `key=`: a list
 * written as one word. An item is a word with at most one `:` or `/`-joined part
 * (`read:repo`, `eu-west`), not a key=value pair.
 */
const UNSPACED_LIST =
  /^(?:([a-z_][\w.-]*)=)?[\w.@+-]+(?:[:/][\w.@+-]+)?(?:,[\w.@+-]+(?:[:/][\w.@+-]+)?)+$/i;
/**
 * A number written with a comparison or approximation sign: "<1", ">=5", "~30ms". Not a value
 * in angle brackets that starts with a digit ("<14543>", "<8ffb0c@mail.example>"): that is an
 * id or an address, whose brackets are punctuation like any other.
 */
const COMPARED_NUMBER = /^(?:[<>]=?|~|≈)\d[^<>@]*$/;

/** Punctuation that ends a clause, glued to the word before it. */
const ENDING_PUNCTUATION = new Set([',', ';', '.', ':']);
/** The same but the full stop, which a value at the end of a sentence keeps (`port 40785.`). */
const CLAUSE_ENDS = new Set([',', ';', ':']);

/**
 * The tokens of a word that is a whole value, bare or in a bracket and/or followed by the
 * punctuation that ends a clause (`(45:36:AC:88:97:7F)`, `[5be9687c-…-46d03ed90143],`): the
 * opener, `<*>` and what closes it. Undefined for any other word.
 */
function wholeValueTokens(word: string): string[] | undefined {
  if (isWholeValue(word)) return [WILDCARD];
  let start = 0;
  let end = word.length;
  const closers: string[] = [];
  if (ENDING_PUNCTUATION.has(word[end - 1])) closers.unshift(word[--end]);
  const opener = word[0] === '(' || word[0] === '[' ? word[start++] : '';
  if (opener) {
    if (word[end - 1] !== OPENERS[opener]) return undefined;
    closers.unshift(word[--end]);
  }
  if (closers.length === 0 || end - start < 3 || !isWholeValue(word.slice(start, end)))
    return undefined;
  return opener ? [opener, WILDCARD, ...closers] : [WILDCARD, ...closers];
}

/** A word that is one value as a whole: a URL, a drive path, a UUID, hex bytes (a MAC). */
function isWholeValue(word: string): boolean {
  if (COMPARED_NUMBER.test(word)) return true;
  if (word.length < 3) return false;
  // a URL or a drive path runs to the end of the word, but not over the comma, semicolon or
  // colon that ends its clause (`…/p11: scheduler…`), as a number or a path does not
  if (CLAUSE_ENDS.has(word[word.length - 1])) return false;
  if (word.includes('://') && URL_LIKE.test(word)) return true;
  if (word[1] === ':' && DRIVE_PATH.test(word)) return true;
  if (word.length === 36 && UUID.test(word)) return true;
  return word.length >= 11 && HEX_BYTES.test(word);
}

/** True for a token that holds a value rather than a word of the message. */
export function isVariableToken(token: string): boolean {
  if (DIGIT.test(token)) return !ACRONYM_VERSION.test(token) && !isQualifiedName(token);
  if (token.includes(QUOTED_MARK)) return true;
  if (token.length >= 8 && (HEX.test(token) || UUID.test(token))) return true;
  if (token.includes('@') && EMAIL.test(token)) return true;
  // a path: a slash or backslash followed by more characters (/var/log, C:\\Windows), or the root
  if (token === '/') return true;
  if ((token.includes('/') || token.includes('\\')) && PATH.test(token) && LETTER.test(token))
    return true;
  return false;
}

function isDateWord(token: string): boolean {
  if (token.length < 3 || token.length > 5) return false;
  if (DATE_WORDS.has(token)) return true;
  const last = token[token.length - 1];
  return (last === '.' || last === ',') && DATE_WORDS.has(token.slice(0, -1));
}

const markQuoted = (_: string, before: string) => `${before}${QUOTED_MARK}`;

/**
 * Values that the quotes or brackets around them set apart, each replaced by a mark that reads
 * as a value: strings holding escaped quotes, a name alone in square brackets after a word,
 * quoted paths, quoted names of capitalised words, quoted words.
 */
function maskQuoted(message: string): string {
  let text = message;
  if (text.includes('\\"')) text = text.replace(ESCAPED_STRING, markEscapedString);
  if (text.includes('[')) text = text.replace(BRACKETED_NAME, markBracketedName);
  if (text.includes('"') || text.includes('“') || text.includes("'"))
    text = text.replace(QUOTED_PATH, markQuoted).replace(QUOTED_PHRASE, markQuoted);
  if (text.includes('“')) text = text.replace(CURLY_QUOTED, markQuoted);
  if (text.includes('"') || text.includes("'")) text = text.replace(QUOTED, markQuoted);
  return text;
}

const KEY_MARK = /[=:]/;
/** `key=`, perhaps with spaces around the `=`, then a bracket, perhaps after a type name. */
const KEYED_STRUCTURE = String.raw`[\w.-]\s*=\s*(?:[A-Za-z_][\w$.]*)?[[({]`;
/**
 * An object printed with its identity (`Window{6ba0c3b u0 StatusBar}`: a type name glued to `{`
 * and a hex or decimal id first inside, `adffafd` too), anywhere.
 */
const IDENTIFIED_OBJECT = String.raw`(?<![\w$.])[A-Za-z_][\w$.]*\{(?=(?:[\da-f]{6,}|[\da-f]*\d[\da-f]*)[\s}])`;
/**
 * A record of fields in braces after other words (`START u0 {act=… cmp=…}`, `Intent { act=… }`,
 * `find { find: … }`); the look behind is asked at a `{` only.
 */
const FIELD_RECORD = String.raw`\{(?<=\S\s+\{)(?=\s?[A-Za-z_$][\w.$-]*(?:=|:\s))`;
/** A document after a key's colon (`command: { q: … }`, `locks:{ Global: … }`). */
const KEYED_DOCUMENT = String.raw`[\w.$-]:\s?\{(?=\s?[A-Za-z_$"'][\w.$"'-]*:\s)`;
const STRUCTURED_VALUE = new RegExp(
  [KEYED_STRUCTURE, IDENTIFIED_OBJECT, FIELD_RECORD, KEYED_DOCUMENT].join('|'),
  'g',
);

/**
 * The value of a key printed as a structure: `ws=WorkSource{10097 com.android.systemui}`,
 * `pci_devices=[]`, `labels=[blue green]`, `config={a=1, b=2}` is one value whatever is inside,
 * from the type name (if any) to the bracket that closes it, so that `ws=null` and
 * `ws=WorkSource{…}` are one template; so is an object printed with its identity
 * (`Window{6ba0c3b u0 StatusBar}`), like `Window@6ba0c3b`, and a record of `key=` fields in
 * braces after other words (an object's toString, a map: which fields it prints varies with the
 * object, `{act=… cat=[…] flg=… cmp=…}` / `{flg=… cmp=… (has extras)}`), and a document after a
 * key's colon (`locks:{ Global: … }`). A message that is only such a record keeps its fields.
 * Unclosed or unbalanced brackets are left alone.
 */
function maskStructuredValues(message: string): string {
  if (!message.includes('{') && (!message.includes('=') || !BRACKET_OPENER.test(message)))
    return message;
  let out = '';
  let copiedTo = 0;
  // each try reads up to 1 KB ahead: a long run of unclosed `k=[` is given up on early
  let triesLeft = 32;
  STRUCTURED_VALUE.lastIndex = 0;
  for (let match = STRUCTURED_VALUE.exec(message); match; match = STRUCTURED_VALUE.exec(message)) {
    if (--triesLeft < 0) break;
    const open = match.index + match[0].length - 1;
    const close = matchingCloser(message, open);
    if (close < 0) continue;
    const equals = match[0].search(KEY_MARK);
    let valueStart = match.index + (equals < 0 ? 0 : equals + 1);
    while (message[valueStart] === ' ' || message[valueStart] === '\t') valueStart++;
    out += message.slice(copiedTo, valueStart) + QUOTED_MARK;
    copiedTo = close + 1;
    STRUCTURED_VALUE.lastIndex = close + 1;
  }
  return copiedTo === 0 ? message : out + message.slice(copiedTo);
}

/** Index of the bracket that closes the one at `open` (nested brackets of any kind), or -1. */
function matchingCloser(text: string, open: number): number {
  const expected: string[] = [BRACKETS[text[open]]];
  const limit = Math.min(text.length, open + 1024);
  for (let i = open + 1; i < limit; i++) {
    const c = text[i];
    const closer = BRACKETS[c];
    if (closer !== undefined) expected.push(closer);
    else if (c === ')' || c === ']' || c === '}') {
      if (expected.pop() !== c) return -1;
      if (expected.length === 0) return i;
    }
  }
  return -1;
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

/**
 * A message written as fields only, logfmt as Go's slog and logrus write it (`msg="user logged
 * in" user=ana tenant=acme`): every word a `key=value` pair, one value a quoted sentence, the
 * event's message.
 */
const LOGFMT_LINE = /^(?:[A-Za-z_][\w.-]*=(?:"(?:[^"\\]|\\.)*"|[^\s"]*)(?:\s+|$))+$/;
const QUOTED_SENTENCE = /="[^"]*\s[^"]*"/;
const LEADING_MESSAGE = /^"(?:[^"\\]|\\.)*"\s+(?=[A-Za-z_][\w.-]*=)/;
const UNQUOTED_FIELD_VALUE = /(^|\s)([A-Za-z_][\w.-]*=)[^\s"]+/g;

/**
 * In a logfmt line the quoted sentence names the event and every other field is a parameter:
 * an unquoted value is a value however few values it takes (`psp=stripe|klarna`). Quoted
 * values keep their rules.
 */
function maskFieldValues(message: string): string {
  if (!message.includes('="') && message[0] !== '"') return message;
  // klog writes the message first, quoted, then the fields (`"Probe failed" pod="a/b" …`)
  const leading = message[0] === '"' ? LEADING_MESSAGE.exec(message) : null;
  const fields = leading ? message.slice(leading[0].length) : message;
  if ((!leading && !QUOTED_SENTENCE.test(fields)) || !LOGFMT_LINE.test(fields)) return message;
  const masked = fields.replace(
    UNQUOTED_FIELD_VALUE,
    (_, before: string, key: string) => `${before}${key}${QUOTED_MARK}`,
  );
  return leading ? leading[0] + masked : masked;
}

const FIELD_SEPARATOR = ' ; ';

/**
 * A record of `KEY=value` fields set apart by ` ; ` (sudo writes `alice : TTY=pts/1 ; PWD=/srv ;
 * USER=root ; COMMAND=/usr/bin/apt upgrade -y`): the separator, spaced on both sides, says that a
 * value runs to it, spaces and all, and the last one to the end of the message. Such a value with
 * a space in it (a command line) is one value; the others keep their rules.
 */
function maskSeparatedFields(message: string): string {
  if (!message.includes(FIELD_SEPARATOR)) return message;
  const [head, ...fields] = message.split(FIELD_SEPARATOR);
  if (fields.length < 2 || !fields.every((field) => FIELD_START.test(field))) return message;
  const masked = fields.map((field) => {
    const valueStart = field.indexOf('=') + 1;
    return field.includes(' ', valueStart) ? field.slice(0, valueStart) + QUOTED_MARK : field;
  });
  return [head, ...masked].join(FIELD_SEPARATOR);
}

/** `name/version`, a product token as HTTP writes it (RFC 9110 §10.1.5). */
const PRODUCT = String.raw`[A-Za-z][\w.+-]*/(?=[\w.+-]*\d)[\w.+-]+`;
/** A comment in parentheses, one level of parentheses inside it allowed. */
const PRODUCT_COMMENT = String.raw`\([^()]*(?:\([^()]*\)[^()]*)*\)`;
/**
 * A product string (a User-Agent, Server or Via value): products and comments in parentheses,
 * `Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/111.0`, with at least one
 * comment (within the first four products: a long run of `a/1` words without one is given up
 * early). One value, however many products it lists.
 */
const PRODUCT_STRING = new RegExp(
  String.raw`(^|[\s=:"'([])${PRODUCT}(?: ${PRODUCT}){0,3}(?: ${PRODUCT_COMMENT})(?: (?:${PRODUCT}|${PRODUCT_COMMENT}))*(?=$|[\s"'),;\]])`,
  'g',
);

/** Each product string replaced by a mark that reads as a value. */
function maskProductStrings(message: string): string {
  if (!message.includes('/') || !message.includes('(')) return message;
  return message.replace(PRODUCT_STRING, markQuoted);
}

/**
 * Bytes printed in hex, two digits each and spaced (`CDB: 28 00 3a fe 1c aa 00 00 08 00`, a
 * kernel's `Code:` line): a run of four or more with a digit among them is one value, its bytes
 * of letters only (`fe`, `aa`) included, which would otherwise read as words.
 */
const HEX_DUMP = /(?<=^|[\s:])(?:[0-9a-fA-F]{2} ){3,}[0-9a-fA-F]{2}(?=$|\s)/g;

function maskHexDumps(message: string): string {
  return message.replace(HEX_DUMP, (run) => (DIGIT.test(run) ? QUOTED_MARK : run));
}

export function tokenizeWithSpacing(message: string): TokenizedMessage {
  // values that span words (quoted, structured, product strings) are masked once, before splitting
  const unquoted = maskStructuredValues(
    maskQuoted(maskProductStrings(maskSeparatedFields(maskFieldValues(maskHexDumps(message))))),
  );
  const hasBracket = BRACKET_OPENER.test(message);
  const masked = tokenizeMasking(unquoted, hasBracket, false);
  if (masked.tokens.some(isWord) || !GLUED_NAME_IN.test(message)) return masked;
  // a message with no word left names its event only by the names glued to its values
  // ("accumulateSteps50", "readHr91@1723617019967"): those names are kept, their values masked
  return tokenizeMasking(unquoted, hasBracket, true);
}

/** A name of two letters or more with a value glued to it: "accumulateSteps50", "eth0". */
const GLUED_NAME = /^([A-Za-z][A-Za-z_]*[A-Za-z])(\d.*)$/;
const HEX_DIGITS = /^[0-9a-f]+$/i;
const GLUED_NAME_IN = /(?:^|[^\w])[A-Za-z][A-Za-z_]*[A-Za-z]\d/;

/** A token that is a word of the message: not a value, and holding a letter. */
export function isWord(token: string): boolean {
  return token !== WILDCARD && LETTER.test(token);
}

/** `key`, `=`, the value's tokens and the punctuation after them, written as one word. */
function pushField(
  raw: string[],
  rawSpace: boolean[],
  key: string,
  value: readonly string[],
  after: string | undefined,
): void {
  rawSpace.push(raw.length > 0, false, ...value.map(() => false));
  raw.push(key, '=', ...value);
  if (after) {
    raw.push(after);
    rawSpace.push(false);
  }
}

/** The tokens of a message whose multi-word values are masked already (`unquoted`). */
function tokenizeMasking(
  unquoted: string,
  hasBracket: boolean,
  keepGluedNames: boolean,
): TokenizedMessage {
  const raw: string[] = [];
  const rawSpace: boolean[] = [];
  const words = unquoted.split(WHITESPACE);
  for (let w = 0; w < words.length; w++) {
    const written = words[w];
    if (!written) continue;
    const empty = written.includes('=') ? EMPTY_FIELD.exec(written) : null;
    if (empty && (empty[2] || w === words.length - 1 || FIELD_START.test(words[w + 1]))) {
      // "chg=" at the end, "OUT= MAC=…", "[id=0 id_str=]": a field printed with an empty value
      // holds a value as "chg=u" does
      pushField(raw, rawSpace, empty[1], [WILDCARD], empty[2]);
      continue;
    }
    const word = withHostsMasked(withIpv6Masked(written));
    // most words of a message are plain words: one test, and they are kept as written
    if (
      !SPECIAL.test(word) &&
      !word.includes(QUOTED_MARK) &&
      (word.length < 8 || !HEX.test(word))
    ) {
      raw.push(word);
      rawSpace.push(raw.length > 1);
      continue;
    }
    if (word === QUOTED_MARK) {
      raw.push(WILDCARD);
      rawSpace.push(raw.length > 1);
      continue;
    }
    const angled = word[0] === '<' ? ANGLED.exec(word) : null;
    if (angled) {
      raw.push(WILDCARD);
      rawSpace.push(raw.length > 1);
      if (angled[1]) {
        raw.push(angled[1]);
        rawSpace.push(false);
      }
      continue;
    }
    // a URL, a UUID, a MAC…, also "3c:f8:88:fe:70:59," or "(45:36:AC:88:97:7F)": the value,
    // its brackets and the punctuation that ends its clause
    const whole = wholeValueTokens(word);
    if (whole) {
      rawSpace.push(raw.length > 0, ...whole.slice(1).map(() => false));
      raw.push(...whole);
      continue;
    }
    const keyed = word.includes('=') ? KEYED_WORD.exec(word) : null;
    if (keyed && keyed[2][0] === '<' && ANGLED_VALUE.test(keyed[2])) {
      // "helo=<mail.example.com>", "from=<root>", "from=<>": a key's value in angle brackets,
      // as SMTP writes addresses, is one value, empty or not, like a bare word in them
      pushField(raw, rawSpace, keyed[1], ['<', WILDCARD, '>'], keyed[3]);
      continue;
    }
    if (keyed && isWholeValue(keyed[2])) {
      // "mac=51:E8:6D:A6:BD:F0", "url=https://x/y?a=b": the key's value is one value as above
      pushField(raw, rawSpace, keyed[1], [WILDCARD], keyed[3]);
      continue;
    }
    const list = word.includes(',') ? UNSPACED_LIST.exec(word) : null;
    if (list) {
      // "read:repo,write:repo" or "tags=a,b,c": one value, whatever its number of items
      if (list[1]) {
        raw.push(list[1], '=');
        rawSpace.push(raw.length > 1, false);
      }
      raw.push(WILDCARD);
      rawSpace.push(!list[1] && raw.length > 1);
      continue;
    }
    if (!HAS_SPLIT.test(word)) {
      pushPiece(raw, rawSpace, word, raw.length > 0, keepGluedNames);
      continue;
    }
    // a path after a key or bracket is one value with its query string, however many
    // parameters it has: "url=/search?q=a&page=2" is "url=<*>"
    const path = word.includes('/') ? PATH_IN_WORD.exec(word) : null;
    const scoped = word.includes('::') ? word.replace(SCOPE, SCOPE_MARK) : word;
    const pieces = path
      ? [
          ...word.slice(0, path.index + path[1].length).split(SPLIT),
          QUOTED_MARK,
          ...path[3].split(SPLIT),
        ]
      : scoped === word
        ? word.split(SPLIT)
        : scoped.split(SPLIT).map((piece) => piece.replaceAll(SCOPE_MARK, '::'));
    let first = true;
    for (const piece of pieces) {
      if (!piece) continue;
      pushPiece(raw, rawSpace, piece, first && raw.length > 0, keepGluedNames);
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
  for (let i = 1; i < raw.length; i++) {
    // the value of a key that is a literal of every programming language: "ready=false", and
    // after a space when nothing but punctuation follows it: "result: None", "{'id': null}",
    // and a key printed with spaces around its `=` ("allDrawn= false, moved =  true")
    if (!LITERALS.has(raw[i].toLowerCase()) || !KEY_VALUE.has(raw[i - 1])) continue;
    if (!rawSpace[i] || i + 1 === raw.length || VALUE_ENDS.has(raw[i + 1])) raw[i] = WILDCARD;
  }
  if (hasBracket) maskLists(raw, rawSpace);
  return canonicalize(raw, rawSpace);
}

/** A piece of a word, masked when it holds a value, or its glued name kept and its value masked. */
function pushPiece(
  raw: string[],
  rawSpace: boolean[],
  piece: string,
  spaced: boolean,
  keepGluedNames: boolean,
): void {
  if (!isVariableToken(piece)) {
    raw.push(piece);
    rawSpace.push(spaced);
    return;
  }
  // a hex id that starts with letters ("db02cbb5cc13") is one value, no name
  const glued = keepGluedNames && !HEX_DIGITS.test(piece) ? GLUED_NAME.exec(piece) : null;
  if (glued) {
    raw.push(glued[1], WILDCARD);
    rawSpace.push(spaced, false);
    return;
  }
  raw.push(WILDCARD);
  rawSpace.push(spaced);
}

/**
 * A bracketed list of two or more one-token items joined by `,` `;` or `|` is one value,
 * whatever its number of items: "[auth, cache]" and "(eu, us, ap)" are "[<*>]" and "(<*>)".
 */
function maskLists(raw: string[], rawSpace: boolean[]): void {
  for (let i = 0; i < raw.length; i++) {
    const closer = BRACKETS[raw[i]];
    if (closer === undefined) continue;
    let end = i + 1;
    let items = 0;
    let separator: string | undefined;
    for (; end < raw.length; end += 2) {
      const item = raw[end];
      if (item !== WILDCARD && !LETTER.test(item)) break;
      items++;
      const next = raw[end + 1];
      if (next === closer || !LIST_SEPARATORS.has(next) || (separator && next !== separator)) break;
      separator = next;
    }
    if (items < 2 || raw[end + 1] !== closer) continue;
    raw.splice(i + 1, end - i, WILDCARD);
    rawSpace.splice(i + 1, end - i, false);
  }
}

/**
 * The canonical form of masked tokens, the same for a message and for a learned template:
 * a run of values joined only by `: , = ; |` or whitespace is one `<*>` ("10.0.0.1:50010" and
 * "10.0.0.1" give the same template; so do "host:443" and "10.0.0.1" once the host is learned
 * to vary). Brackets stay where they are written: a message with a parenthesis or bracket that
 * another message of the same statement lacks ("451 bytes sent", "1190 bytes (1.16 KB) sent")
 * is another template, as in Loghub's annotation, where a template is one sequence of tokens
 * (Linux's "PCI: Probing PCI hardware" and "PCI: Probing PCI hardware (bus 00)" are two events).
 */
export function canonicalize(
  tokens: readonly string[],
  spaceBefore: readonly boolean[],
): TokenizedMessage {
  const out: string[] = [];
  const outSpace: boolean[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const n = out.length;
    if (token === WILDCARD && out[n - 1] === WILDCARD) continue;
    if (JOINERS.has(token) && out[n - 1] === WILDCARD && tokens[i + 1] === WILDCARD) {
      i++; // "<*> : <*>" → "<*>"
      continue;
    }
    if (
      n >= 3 &&
      out[n - 1] === WILDCARD &&
      OPENERS[out[n - 2]] === token &&
      BRACKETS[out[n - 2]] !== undefined &&
      KEY_VALUE.has(out[n - 3])
    ) {
      // "result: {<*>}", "tags=[<*>]": a bracketed value after a key is that value
      const afterValue = n >= 4 && out[n - 4] === WILDCARD;
      out.length = outSpace.length = afterValue ? n - 3 : n - 2;
      if (!afterValue) {
        out.push(WILDCARD);
        outSpace.push(spaceBefore[i - 2] ?? false);
      }
      continue;
    }
    out.push(token);
    outSpace.push(spaceBefore[i]);
  }
  if (out.length >= 2 * MIN_ITEM + 1) collapseRepeatedItems(out, outSpace);
  return { tokens: out, spaceBefore: outSpace };
}

/** Tokens of a list item of several tokens, fewest and most. */
const MIN_ITEM = 2;
const MAX_ITEM = 32;

/**
 * A list of items of one shape, each several tokens with a value in it, is one value however
 * many items it holds (`[[<*>][<*>], [<*>][<*>]]`, `Map(<*> -> State(<*>), <*> -> State(<*>))`):
 * an item repeated right after `,` is left out, in place, until none is.
 */
function collapseRepeatedItems(out: string[], outSpace: boolean[]): void {
  for (let comma = MIN_ITEM; comma < out.length; comma++) {
    // an empty item on either side (`,,`) is no item of a list of values
    if (out[comma] !== ',' || out[comma - 1] === ',' || out[comma + 1] === ',') continue;
    const longest = Math.min(MAX_ITEM, comma, out.length - comma - 1);
    for (let length = MIN_ITEM; length <= longest; length++) {
      const first = comma - length;
      if (!repeatsAfter(out, outSpace, first, length)) continue;
      out.splice(comma, length + 1);
      outSpace.splice(comma, length + 1);
      comma = first - 1; // the item may be repeated again, or be part of a longer one
      break;
    }
  }
}

const CLOSERS = new Set(Object.values(BRACKETS));

/**
 * True when the `length` tokens from `first` hold a value and come again after a `,`, each
 * copy standing as an item: after a bracket, a `,` or a space, and before a `,`, a closing
 * bracket or the end.
 */
function repeatsAfter(
  out: readonly string[],
  outSpace: readonly boolean[],
  first: number,
  length: number,
): boolean {
  const before = out[first - 1];
  if (before !== undefined && before !== ',' && !outSpace[first] && BRACKETS[before] === undefined)
    return false;
  const next = first + length + 1;
  const after = out[next + length];
  if (after !== undefined && after !== ',' && !CLOSERS.has(after)) return false;
  let value = false;
  for (let i = 0; i < length; i++) {
    if (out[first + i] !== out[next + i]) return false;
    if (out[first + i] === WILDCARD) value = true;
  }
  return value;
}

/** The template as a person reads it: tokens joined with the spacing of the first message. */
export function renderTemplate(tokens: readonly string[], spaceBefore: readonly boolean[]): string {
  let text = '';
  for (let i = 0; i < tokens.length; i++) text += (i > 0 && spaceBefore[i] ? ' ' : '') + tokens[i];
  return text;
}
