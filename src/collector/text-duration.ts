/**
 * How long something took, read from a log line's text, for events that carry no `duration_ms`.
 * Programs that log plain lines say it in a few shapes that do not depend on the program:
 * a time-named key with a unit (`elapsed=1.2s`, `duration_ms: 532`, `"latencyMs":40`),
 * `took 532 ms`, a finished verb before `in`/`after` (`completed in 1.2s`, `timed out after 30s`),
 * a bare time in parentheses (`(532 ms)`) and the access-log line (`GET /x 200 12.3 ms`).
 * A number without a unit is never read as a time (`duration=5` could be anything), nor is
 * a wait that has not happened yet (`retrying in 5s`, `scheduled in 10 min`).
 */

const NUMBER = String.raw`(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?`;
// longest first, so `ms` is not read as minutes and `seconds` not as `s`
const UNIT = String.raw`(nanoseconds?|microseconds?|milliseconds?|millis|msecs?|ms|µs|μs|us|ns|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)(?![a-zµμ])`;
// the rest of Go's time.Duration text: the `2.5s` of `1m2.5s`
const MORE = String.raw`((?:\d+(?:\.\d+)?(?:ms|µs|μs|us|ns|h|m|s)(?![a-zµμ]))*)`;
/** Captures: whole number, fraction, unit, more parts. */
const VALUE = `${NUMBER}\\s?${UNIT}${MORE}`;

const TIME_KEYS = String.raw`duration|elapsed(?:_?time)?|took|latency|time_?taken|response_?time|request_?time|exec(?:ution)?_?time|processing_?time|query_?time|time|dur|rt`;
// a bare `s` only after a separator: `durations: 5` is not five seconds
const KEY_UNIT = String.raw`([_.-]?(?:ms|millis|msecs?|secs?|seconds|us|ns)|[_.-]s)`;

/** Captures: the key's unit, then a number whose unit may be missing. */
const KEYED = new RegExp(
  String.raw`(?:^|[^a-z0-9_])["']?(?:${TIME_KEYS})${KEY_UNIT}?["']?\s*[=:]\s*["']?${NUMBER}(?:\s?${UNIT}${MORE})?`,
  'gi',
);
const SHAPES = [
  new RegExp(String.raw`\btook\s+(?:about\s+|~\s?)?${VALUE}`, 'i'),
  new RegExp(
    String.raw`\b(?!(?:re)?(?:scheduled|queued|planned|expected|delayed)\b)(?:[a-z]+ed|done|timeout|timed\s+out)\s+(?:in|after)\s+${VALUE}`,
    'i',
  ),
  new RegExp(String.raw`\(\s*${VALUE}\s*\)`, 'i'),
  new RegExp(
    String.raw`\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+\S+\s+[1-5]\d\d\s+(?:-\s+)?${VALUE}`,
  ),
];

const MS_PER_UNIT = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Longest duration an event may carry (the ingest schema's bound): a year. */
const MAX_DURATION_MS = 31_536_000_000;

function unitMs(unit: string): number {
  const word = unit.toLowerCase().replace(/^[_.-]/, '');
  if (word.startsWith('nano') || word === 'ns') return MS_PER_UNIT.ns;
  if (word.startsWith('micro') || word === 'us' || word === 'µs' || word === 'μs')
    return MS_PER_UNIT.us;
  if (word.startsWith('milli') || word.startsWith('ms')) return MS_PER_UNIT.ms;
  if (word.startsWith('s')) return MS_PER_UNIT.s;
  if (word.startsWith('m')) return MS_PER_UNIT.m;
  return MS_PER_UNIT.h;
}

function numberOf(whole: string, fraction: string | undefined): number {
  return Number(`${whole.replace(/,/g, '')}${fraction === undefined ? '' : `.${fraction}`}`);
}

/** The milliseconds of a value's trailing Go-style parts (`2.5s` of `1m2.5s`). */
function trailingMs(text: string): number {
  let total = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d+)?)(ms|µs|μs|us|ns|h|m|s)/g)) {
    total += Number(part[1]) * unitMs(part[2]);
  }
  return total;
}

/** A VALUE's milliseconds, its captures starting at `at`. */
function valueMs(match: RegExpMatchArray, at: number): number {
  const [whole, fraction, unit, more] = match.slice(at, at + 4);
  return numberOf(whole, fraction) * unitMs(unit) + trailingMs(more ?? '');
}

function bounded(ms: number | null): number | null {
  if (ms === null || !Number.isFinite(ms) || ms < 0 || ms > MAX_DURATION_MS) return null;
  return Math.round(ms * 1000) / 1000;
}

/** The duration a log line states, in milliseconds, or null when it states none. */
export function durationInText(text: string): number | null {
  if (text.length === 0 || !/\d/.test(text)) return null;
  for (const keyed of text.matchAll(KEYED)) {
    if (keyed[4] !== undefined) return bounded(valueMs(keyed, 2));
    if (keyed[1] !== undefined) return bounded(numberOf(keyed[2], keyed[3]) * unitMs(keyed[1]));
  }
  for (const shape of SHAPES) {
    const match = shape.exec(text);
    if (match) return bounded(valueMs(match, 1));
  }
  return null;
}
