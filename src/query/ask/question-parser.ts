import * as chrono from 'chrono-node';
import { distance } from 'fastest-levenshtein';

export const INTENTS = [
  'component_health',
  'diagnose',
  'operation_progress',
  'explain_error',
  'compare_components',
  'slow_operations',
  'search_events',
  'top_errors',
  'list_insights',
  'rank_failures',
  'count_events',
  'since_when',
  'what_changed',
  'unknown',
] as const;
export type Intent = (typeof INTENTS)[number];

export interface ComponentMention {
  /** The words of the question that named it. */
  text: string;
  /** The known name it matched. */
  name: string;
  kind: 'type' | 'id';
  /** Edit distance of the match (0 = exact). */
  distance: number;
  /** Other known names the same words could mean ("api" → "api-gateway"): the store's evidence decides. */
  alternatives?: string[];
}

export interface TimeRange {
  from: string;
  to: string;
  /** The words that gave it. */
  expression: string;
}

export interface QuestionEntities {
  components: ComponentMention[];
  event_ids: string[];
  correlation_ids: string[];
  pattern_ids: string[];
  session_ids: string[];
  insight_ids: string[];
  /**
   * Ids as people write them ("order 123", "order-123", "4bf92f35…"), with the spellings the store
   * may hold ("order-123", "order_123", "123", …), best first: looked up among correlation ids,
   * event ids and trace ids before use. A trailing "…" marks a prefix.
   */
  id_candidates: string[];
  levels: string[];
  time_range: TimeRange | null;
  /**
   * The kinds of flow insight the question asks about (work that hangs: `stuck_flow`; work that
   * skipped a step: `broken_flow`), empty when it asks about no flow.
   */
  flow_kinds: string[];
  /**
   * Words the events must contain, when the question filters by text ("errors mentioning
   * timeout", "logs with 'connection refused'") or names an error class ("the TypeError in
   * checkout"); null otherwise.
   */
  text: string | null;
  /**
   * A thing the question is about that names no known component ("anything wrong with
   * payments?", "which uploads failed?"), singular and lower case; null when a component is named
   * or nothing is.
   */
  topic: string | null;
  /**
   * Set when answering: an id the question wrote that the store keys no event by, found in the
   * messages of these operations (the latest first).
   */
  mentioned?: {
    text: string;
    operations: { correlation_id: string; events: number; last_at: string }[];
  };
}

export interface ParsedQuestion {
  intent: Intent;
  confidence: number;
  entities: QuestionEntities;
}

export interface KnownNames {
  types: readonly string[];
  ids: readonly string[];
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const HEX16 = /\b[0-9a-f]{16}\b/gi;
const CORRELATION_WORDS =
  'correlation|correlation[-_ ]id|request|trace|operation|op|flow|transaction|job|order|run';
const CORRELATION_ID = new RegExp(
  `\\b(?:${CORRELATION_WORDS})(?:\\s+id)?\\s*[:=#]?\\s*["'\`]?([A-Za-z0-9][\\w.:\\-]{2,127})`,
  'gi',
);

const LEVEL_WORDS: [RegExp, string][] = [
  [/\b(errors?|erroring|failures?|exceptions?)\b/i, 'error'],
  [/\b(warn|warns|warned|warnings?)\b/i, 'warning'],
  [/\b(critical|fatal)\b/i, 'critical'],
  [/\binfo\b/i, 'info'],
  [/\bdebug (logs?|events?|messages?|level)\b/i, 'debug'],
];

/** Words that never name a component, however close they look. */
const STOPWORDS = new Set(
  (
    'a an the is are was were be been being am do does did doing done have has had of in on at to for from by with ' +
    'and or not no any all every some this that these those it its what which who whom why how when where there ' +
    'show list find get give me my us our i you your please can could would should tell about since until between ' +
    'last past previous next minute minutes min mins hour hours hr hrs day days second seconds sec secs today yesterday ' +
    'ago now recent recently error errors warning warnings critical info debug event events log logs message messages ' +
    'failing fails failed failure failures broken down up ok okay healthy health status slow slowest latency performance ' +
    'compare comparison versus vs difference differences disagree disagreeing differ explain cause caused root ' +
    'correlation request trace operation op flow transaction id progress stuck step steps happening happened ' +
    'insight insights problem problems issue issues open alert alerts anomaly anomalies top common frequent most ' +
    'pattern patterns going on doing working wrong service services component components system everything anything ' +
    'config configuration state settings than more less much many fast faster quick p95 p99 p50 time times'
  ).split(' '),
);

/** Parses a question into an intent and entities without any language model. */
export function parseQuestion(question: string, known: KnownNames, now: Date): ParsedQuestion {
  const text = question.trim();
  // the words a message must hold ("logs with 'No courier available'", "errors mentioning
  // es-catalog-2") name no component and no id
  const named = blankSearchedWords(text, known);
  const ids = extractIds(named);
  const consumed = new Set<string>([...ids.all, ...ids.hex].map((id) => id.toLowerCase()));
  const { mentions: components, spans } = findComponents(named, known, consumed);
  const idCandidates = findIdCandidates(named, ids, components, known);
  // The words that named a component are not vocabulary ("payment-service" says nothing about
  // "services"), and a misspelt keyword ("erors", "lateny") reads as the keyword it misspells.
  const lower = correctTypos(maskSpans(text, spans).toLowerCase());
  const levels = LEVEL_WORDS.filter(([pattern]) => pattern.test(lower)).map(([, level]) => level);
  const timeRange = parseTimeRange(correctTypos(text.toLowerCase()), now);
  const entities: QuestionEntities = {
    components,
    event_ids: ids.event,
    correlation_ids: ids.correlation,
    pattern_ids: ids.pattern,
    session_ids: ids.session,
    insight_ids: ids.insight,
    id_candidates: idCandidates,
    levels,
    time_range: timeRange,
    flow_kinds: [
      ...(STUCK_WORDS.test(lower) ? ['stuck_flow'] : []),
      ...(SKIPPED_WORDS.test(lower) ? ['broken_flow'] : []),
    ],
    text: searchText(text, components),
    topic: components.length === 0 ? topicOf(lower) : null,
  };
  const { intent, confidence } = classify(lower, entities);
  return { intent, confidence, entities };
}

/** A quoted phrase: "…", '…', `…`, “…” or ‘…’. */
const QUOTED =
  /(?:^|[\s(:=])["'`\u201c\u2018]([^"'`\u201c\u201d\u2018\u2019]{2,200})["'`\u201d\u2019](?=$|[\s?.,!;:)])/;
/** What introduces the words a message must hold. */
const TEXT_LEAD =
  /\b(?:mentioning|mentions?|containing|contains?|matching|match(?:es)?|including|that (?:say|says|said|mention|mentions|contain|contains|include|includes)|with (?:the )?(?:text|message|string|word|words|phrase))\s+(.+)$/i;
/** Where the words end: a time, a place, a filter, or the end of the sentence. */
const TEXT_END =
  /\s+(?:in|on|from|since|during|over|within|between|for|at|today|yesterday|this|last|past|before|after|by|and|or|but|when|while|where)\b|[?!,;]|\.(?:\s|$)/i;
/** An error class as programs name them: TypeError, NullPointerException, ECONNREFUSED. */
const ERROR_NAME = /\b([A-Z][A-Za-z0-9]*(?:Error|Exception|Fault)|E[A-Z]{4,})\b/;

/**
 * The words the events must contain: a quoted phrase, else what follows "mentioning",
 * "containing", "with the message"… up to a time, a place or the sentence's end, else an error
 * class named in the question. Not a component the question names.
 */
function searchText(text: string, components: readonly ComponentMention[]): string | null {
  const named = new Set(
    components.flatMap((mention) => [mention.text, mention.name].map((name) => name.toLowerCase())),
  );
  const accept = (candidate: string | undefined) => {
    const words = candidate
      ?.trim()
      .replace(/^["'`\u201c\u2018]|["'`\u201d\u2019]$/g, '')
      .trim();
    if (!words || words.length < 2 || named.has(words.toLowerCase())) return null;
    return STOPWORDS.has(words.toLowerCase()) ? null : words.slice(0, 200);
  };
  for (const [from, to] of searchedSpans(text)) {
    const words = accept(text.slice(from, to));
    if (words) return words;
  }
  return accept(ERROR_NAME.exec(text)?.[1]);
}

/** Where the words a message must hold may be: a quoted phrase, then what follows "mentioning"… */
function searchedSpans(text: string): [from: number, to: number][] {
  const spans: [number, number][] = [];
  const quoted = QUOTED.exec(text);
  if (quoted) {
    const from = quoted.index + quoted[0].indexOf(quoted[1]);
    spans.push([from, from + quoted[1].length]);
  }
  const lead = TEXT_LEAD.exec(text);
  if (lead) {
    const from = lead.index + lead[0].length - lead[1].length;
    const end = TEXT_END.exec(lead[1]);
    spans.push([from, from + (end ? end.index : lead[1].length)]);
  }
  return spans;
}

/**
 * The question with the words a message must hold (a quoted phrase, what follows "mentioning",
 * "containing"…) blanked out, unless they are exactly a known component's name ("logs mentioning
 * payment-service" names the component).
 */
function blankSearchedWords(text: string, known: KnownNames): string {
  const names = new Set([...known.types, ...known.ids].map((name) => name.toLowerCase()));
  const blank = (from: number, to: number) => {
    const words = text
      .slice(from, to)
      .trim()
      .replace(/^["'`\u201c\u2018]|["'`\u201d\u2019]$/g, '')
      .trim();
    if (words.length < 2 || names.has(words.toLowerCase())) return text;
    return text.slice(0, from) + ' '.repeat(to - from) + text.slice(to);
  };
  const [first] = searchedSpans(text);
  return first ? blank(...first) : text;
}

/** Words that are never a topic, beyond the stopwords and the rules' keywords. */
const NOT_TOPICS = new Set(
  'going happening wrong right usual normal today yesterday morning night week weekend production prod staging thing stuff platform cluster site world life total overall general whole average'.split(
    ' ',
  ),
);

/**
 * What the question is about when it names no component: the word after "with", "about", "for",
 * "of"… ("anything wrong with payments?"), or the subject of "which/what/any X failed…"
 * ("which uploads failed?"); not a stopword, a word the rules read or a time.
 */
function topicOf(lower: string): string | null {
  const candidates = [
    /\b(?:with|about|for|of|on|in|to)\s+(?:the\s+|our\s+|my\s+|any\s+)?([a-z][a-z0-9_.-]{3,})/g,
    /\b(?:which|what|any|how many)\s+([a-z][a-z0-9_.-]{3,})\s+(?:failed|fail|failing|are failing|errored|hung|hang|are stuck|got stuck|timed out|broke)\b/g,
    // "is stripe down?", "is the fraud service healthy?", "how is the kitchen-display-service?"
    /^(?:is|are|how is|how's|hows|how are)\s+(?:the\s+|our\s+|my\s+)?([a-z][a-z0-9_.-]{3,}?)(?:[- ](?:service|svc|api|server|app))?\s*(?:down|up|ok|okay|healthy|working|alive|broken|failing|slow|fine|running|doing|\?|$)/g,
    // "when did checkout start failing?", "since when is search broken?"
    /\b(?:when did|when was|when were|since when (?:is|are|has|have|did)|how long (?:has|have))\s+(?:the\s+|our\s+|my\s+)?([a-z][a-z0-9_.-]{3,})\b/g,
  ].flatMap((pattern) => [...lower.matchAll(pattern)].map((match) => match[1]));
  for (const word of candidates) {
    const singular = singularOf(word.replace(/[.-]+$/, ''));
    if (
      singular.length >= 4 &&
      !STOPWORDS.has(word) &&
      !STOPWORDS.has(singular) &&
      !KEYWORD_SET.has(word) &&
      !KEYWORD_SET.has(singular) &&
      !NOT_TOPICS.has(singular) &&
      !/\d/.test(singular) &&
      singular !== 'xcomponentx'
    )
      return singular;
  }
  return null;
}

/** The question with the given character ranges replaced by a placeholder no rule reads. */
function maskSpans(text: string, spans: readonly [number, number][]): string {
  let out = '';
  let at = 0;
  for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    if (start < at) continue;
    out += `${text.slice(at, start)}xcomponentx`;
    at = end;
  }
  return out + text.slice(at);
}

/**
 * The words the intent, level and time rules read. A word of the question one slip away from one
 * of them (a letter left out or doubled, two letters swapped, or, in words of 8 letters or more, one
 * letter wrong) is read as it: "erors", "warnigns", "lateny", "compre", "perfomance".
 */
const KEYWORDS = (
  'error errors erroring exception exceptions failure failures failing warning warnings critical fatal ' +
  'latency latencies slowest sluggish performance bottleneck bottlenecks timeout timeouts response ' +
  'compare compared comparing comparison difference different differently versus contrast ' +
  'healthy health status broken crashing crashed crashes restarting outage unstable misbehaving ' +
  'throwing returning diagnose investigate troubleshoot explain progress finished completed pending ' +
  'insights insight anomaly anomalies incidents incident alerts problems problem issues ' +
  'summary summarize summarise frequent common recurring breakdown events messages ' +
  'minutes minute hours seconds yesterday today morning afternoon evening weekend monday tuesday ' +
  'wednesday thursday friday saturday sunday between since stuck hanging skipped'
).split(' ');
const KEYWORD_SET = new Set(KEYWORDS);
/** Real words one slip away from a keyword: never corrected. */
const NOT_TYPOS = new Set(
  'stats filed filing alters terror latest warming lower commons'.split(' '),
);

/** One slip: a letter added or left out, two neighbours swapped, or (8+ letters) one letter wrong. */
function oneSlip(word: string, keyword: string): boolean {
  if (Math.abs(word.length - keyword.length) > 1 || word === keyword) return false;
  if (word.length === keyword.length) {
    const diff: number[] = [];
    for (let i = 0; i < word.length && diff.length < 3; i++)
      if (word[i] !== keyword[i]) diff.push(i);
    if (diff.length === 1) return keyword.length >= 8;
    return (
      diff.length === 2 &&
      diff[1] === diff[0] + 1 &&
      word[diff[0]] === keyword[diff[1]] &&
      word[diff[1]] === keyword[diff[0]]
    );
  }
  const [long, short] = word.length > keyword.length ? [word, keyword] : [keyword, word];
  let i = 0;
  while (i < short.length && long[i] === short[i]) i++;
  return long.slice(i + 1) === short.slice(i);
}

/** Standalone words of 5+ letters (not parts of names or ids) corrected to the keyword they misspell. */
export function correctTypos(lower: string): string {
  return lower.replace(/(?<![\w.:/-])[a-z]{5,}(?![\w:/-])/g, (word) => {
    if (KEYWORD_SET.has(word) || STOPWORDS.has(word) || NOT_TYPOS.has(word)) return word;
    const matches = KEYWORDS.filter((keyword) => keyword.length >= 5 && oneSlip(word, keyword));
    return matches.length === 1 ? matches[0] : word;
  });
}

function has(lower: string, pattern: RegExp): boolean {
  return pattern.test(lower);
}

const COMPARE =
  /\b(diff|compare[sd]?|comparing|comparison|vs\.?|versus|differ|differs|difference|differences|different|differently|the same|identical|disagree\w*|side by side|diverg\w*|mismatch\w*|inconsisten\w*|out of sync)\b/;
/** A window set against an earlier one: "with the hour before", "vs yesterday", "than an hour ago". */
const TWO_WINDOWS =
  /\b(the (previous|prior|preceding|last) (hour|day|week|\d+ ?(minutes?|mins?|hours?))|(hour|day|week|minutes?|mins?|hours?) (before|earlier|prior)|yesterday|last week|an? (hour|day|week) ago|\d+ ?(minutes?|mins?|hours?|days?) ago|earlier today|before (that|then|it))\b/;
const EXPLAIN =
  /\b(explain\w*|root cause|what caused|cause of|caused by|why did|why was|why does|tell me about|what does .* mean|what is this error)\b/;
const PROGRESS =
  /\b(progress|stuck|hang\w*|hung|step|steps|where is|where's|status of|track\w*|follow|happen\w*|going on|finish\w*|complete\w*|done|waiting|blocked|timeline)\b/;
const SEARCH =
  /\b(show|list|find|get|search|display|give me|fetch|print|tail|grep|which events|what events|see|pull( up)?|bring up|dump|export|view|retrieve|grab)\b/;
/** "auth-service logs from the past hour", "warnings since 9": a list of events, filtered. */
const EVENTS_FILTERED =
  /\b(logs?|events?|messages?|entries|output|warns?|warnings?|errors?|exceptions?)\s+(from|for|of|in|on|at|since|during|over|within|between|today|yesterday|this|last|past|mentioning|containing|matching|with|about|like|that)\b|\bwhat did\b.*\b(log|logged|print|printed|emit|emitted|say|write|output)\b/;
/** Events filtered by their text: "errors mentioning timeout", "logs with 'refused'". */
const TEXT_FILTER =
  /\b(mentioning|mentions?|containing|contains?|matching|match|that (say|says|said|mention|contain)|with (the )?(text|message|string|word))\b|(^|\s)["'`][^"'`]{2,}["'`](\s|$|[?.,!])/;
const EVENT_NOUNS =
  /\b(events?|logs?|logged|errors?|warns?|warnings?|messages?|entries|exceptions?|failures?|traces?)\b/;
const SLOW =
  /\b(slow\w*|latenc\w*|forever|ages|timing out|time ?outs?|timed out|crawl\w*|laggy|performance|perf|p9\d|p50|sluggish|takes? (so )?long|taking (so )?long|lag\w*|bottlenecks?|response times?|fast|long[- ]running|longest|(most|much|more) time|time (is )?(spent|going|goes)|(take|takes|took|taking|spends?|spending|spent) (over |more than |about |around |like )?\d+(\.\d+)? ?(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?))\b/;
const DIAGNOSE =
  /\b(why|what'?s wrong|what is wrong|(is|are) (something |anything )?wrong|what went wrong|failing|fails|broken|crash\w*|erroring|throwing|returning errors|misbehav\w*|root cause|restart\w*|acting (up|weird|strange)|br(oke|eaks?|eaking)|outages?|went down|can'?t|cannot|unable to|not working|(does|is)n'?t work\w*|leak\w*|oom|out of memory|weird|flaky|[45]xx|[45]0\ds|off with|up with|going on with|wrong with|problem with|issue with|investigat\w*|diagnos\w*|troubleshoot\w*|look into|dig into|dying|died|dies|dead|unstable|instabilit\w*|degraded|what caused|caused by|cause of|what'?s causing|errors? out|keeps? (on )?(?!working|running|improving)\w+ing|fall(s|ing|en)? over|fell over|(return\w*|throw\w*|giv\w*|gett?ing|got|serv\w*|respond\w*|spitting( out)?)( (a|an|the|lots of|many|some|http))? [45]\d\ds?)\b/;
/** With a component named: "what happened to checkout", "what's up with auth". */
const DIAGNOSE_COMPONENT = /\b(happen\w*|going on|what'?s up|what is up|news on)\b/;
const TOP_ERRORS =
  /\b(summar\w*|breakdown|overview|count|how many|top|most (common|frequent)|frequent|recurring|common|biggest|main|noisiest|kinds? of|types? of|sorts? of)\b.*\b(errors?|patterns?|exceptions?|failures?|problems?)\b|\b(errors?|exceptions?|failures?)\b.*\b(the most|most often|most frequently)\b|\b(errors?|exceptions?|failures?)\s+(breakdown|summary|overview|counts?|stats|statistics|distribution)\b/;
const INSIGHTS =
  /\b(insights?|problems?|issues?|anomal\w*|alerts?|incidents?|findings?|regress\w*|on fire|worry|attention|urgent|anything new|what'?s new|(should|need to|ought to)( i| we)? (know|look|check|care)|burning|fires|blowing up|exploding|melt(ing|down)|keep an eye|unusual|abnormal|suspicious|out of the ordinary)\b/;
/** Work that hangs or never finished ("what's stuck?", "flows that never completed"). */
const STUCK_WORDS =
  /\b(stuck|hung|hangs?|hanging|stall(s|ed|ing)?|never (finish\w*|complet\w*|end\w*|return\w*|came back)|(did|does|has|have)n'?t (finish\w*|complete\w*|end\w*)|not (finish\w*|complet\w*)|unfinished|incomplete|in limbo|halfway|midway|waiting forever|open (flows?|traces?|operations?))\b/;
/** Work that left out a step ("did any onboarding skip the identity check?"). */
const SKIPPED_WORDS =
  /\b(skip(s|ped|ping)?|bypass(es|ed|ing)?|left out|missed (a |the )?(step|check)|missing (a |the )?(step|check)|without (the |a )?\w+ (step|check))\b/;
const HEALTH =
  /\b(worst|unhealthy|health\w*|status|how is|how's|how are|ok|okay|alive|down|up|doing|state of|working|running|fine|green|smooth\w*|reachable|responsive|responding|available|stable|operational)\b/;

/** "what changed at 06:21?", "recent config changes", "did the payments config change today?" */
const WHAT_CHANGED =
  /\b(what|anything|something|which \w+|who) (has |have |had |was |were |got )?(changed|been changed|deployed|been deployed|released|rolled out|updated)\b|\b(recent|latest|last|any|new) (config(uration)? |settings? |state )?(changes?|deploy(s|ments?)?|releases?|rollouts?)\b|\b(config(uration)?|settings?|state) (changes?|changed|change)\b|\bchanges? (to|in|of) (the )?(config(uration)?|settings?|state)\b/;
/** "how many errors did payments log", "number of warnings since 9": a count, not a list. */
const COUNT =
  /\b(how many|how much|number of|count of|count the|total (number )?of|how often|how frequently)\b/;
/** What a count is of: events, or work that failed ("how many orders failed"). */
const COUNTED =
  /\b(events?|logs?|logged|errors?|warns?|warnings?|messages?|entries|lines|exceptions?|failures?|fail\w*|errored|time ?outs?|timed out|time out|crash\w*|retr(y|ies|ied)|rejected|declined|times)\b/;
/** "when did checkout start failing?", "since when is dispatch down?": when a trouble began. */
const SINCE_WHEN =
  /^(since when|when did|when was|when were|when has|when have|when is|when are|at what time|what time did|what time was|how long (has|have|had|is|are)( \S+){0,3} been)\b/;
const TROUBLE =
  /\b(fail\w*|errors?|erroring|broke\w*|break\w*|down|crash\w*|stop\w*|silent|quiet|slow\w*|degrad\w*|problems?|issues?|trouble|outage|timing out|timeouts?|wrong|go(ne)? bad|went bad|start\w*|begin|began|begun|first)\b/;

const RANK_WORDS =
  /\b(most|worst|highest|top|rank\w*|least (reliable|stable)|leaderboard|biggest offenders?|the culprit|\w+iest|loudest)\b/;
const FAIL_WORDS =
  /\b(least reliable|fail\w*|errors?|erroring|error[- ]rates?|crash\w*|broken|unreliable|flak\w*|5xx|exceptions?|throw\w*|nois\w*|loudest|chatt\w*|bugg\w*|unstable|shak\w*)\b/;
const WHO_WORDS =
  /\b(which|who|whose|what (service|component|app|system|instance)s?)\b|\b(services?|components?|apps?|microservices?|instances?|systems?|nodes?|workers?)\b|\berror[- ]rates?\b/;
/** The question asks about messages, not components: "which errors happen most often". */
const MESSAGE_WORDS =
  /\b(messages?|patterns?|kinds? of|types? of|common|frequent|recurring)\b|\b(which|what) (kinds? of |types? of )?(errors?|exceptions?|failures?|messages?)\b/;
/** Two components weighed against each other: "which is worse, A or B", "is A slower than B". */
const COMPARATIVE =
  /\b(contrast\w*|against|relative to|which of)\b|\b(better|worse|slower|faster|healthier|more|less|fewer|higher|lower)\b.*\b(than|or)\b|\b(which|who)\b.*\b(better|worse|slower|faster|healthier)\b/;

/** "which service fails most", "top failing services", "worst error rate": components ranked, not messages. */
function isFailureRanking(lower: string): boolean {
  if (!FAIL_WORDS.test(lower) || !WHO_WORDS.test(lower)) return false;
  if (MESSAGE_WORDS.test(lower) && !/\berror[- ]rates?\b/.test(lower)) return false;
  return (
    RANK_WORDS.test(lower) ||
    /\b(fails?|failing|errors?) (the )?most\b/.test(lower) ||
    (/\berror[- ]rates?\b/.test(lower) &&
      /\b(which|who|compare|rank|by|per|each|across)\b/.test(lower)) ||
    /\b(per|by|each|across)\s+(the\s+)?(services?|components?|instances?|apps?|nodes?|workers?)\b/.test(
      lower,
    ) ||
    /^(which|who)\b/.test(lower)
  );
}

function classify(
  lower: string,
  entities: QuestionEntities,
): { intent: Intent; confidence: number } {
  const hasComponents = entities.components.length > 0;
  const hasCorrelation = entities.correlation_ids.length > 0 || entities.id_candidates.length > 0;
  const hasEventOrPattern = entities.event_ids.length > 0 || entities.pattern_ids.length > 0;
  const textFilter = has(lower, TEXT_FILTER) && has(lower, EVENT_NOUNS);
  const searching =
    (has(lower, SEARCH) && has(lower, EVENT_NOUNS)) ||
    /^(the )?(errors?|logs?|events?|warnings?|exceptions?) (for|of|from|in)\b/.test(lower) ||
    textFilter ||
    (has(lower, EVENTS_FILTERED) && !has(lower, DIAGNOSE) && !/\bwhy\b/.test(lower));

  // "compare errors this hour with the hour before": two windows of one thing, not two components
  if (has(lower, COMPARE) && entities.components.length <= 1 && TWO_WINDOWS.test(lower))
    return has(lower, SLOW)
      ? { intent: 'slow_operations', confidence: 0.75 }
      : { intent: 'count_events', confidence: 0.75 };
  if (
    (has(lower, COMPARE) &&
      (entities.components.length >= 1 ||
        /\b(workers?|instances?|replicas?|nodes?)\b/.test(lower))) ||
    (has(lower, COMPARATIVE) && entities.components.length >= 2)
  ) {
    return {
      intent: 'compare_components',
      confidence: entities.components.length >= 2 ? 0.9 : 0.75,
    };
  }
  // "explain the TypeError in checkout": the newest error with those words is the one meant
  if (entities.text && !hasEventOrPattern && !hasCorrelation && has(lower, EXPLAIN))
    return { intent: 'explain_error', confidence: 0.75 };
  if (hasEventOrPattern && !searching)
    return {
      intent: 'explain_error',
      confidence: has(lower, EXPLAIN) || has(lower, DIAGNOSE) ? 0.95 : 0.8,
    };
  if (hasCorrelation) {
    if (searching && !has(lower, PROGRESS)) return { intent: 'search_events', confidence: 0.85 };
    return { intent: 'operation_progress', confidence: has(lower, PROGRESS) ? 0.95 : 0.75 };
  }
  if (has(lower, WHAT_CHANGED) && !has(lower, SLOW) && !hasCorrelation)
    return { intent: 'what_changed', confidence: 0.8 };
  if (
    has(lower, COUNT) &&
    has(lower, COUNTED) &&
    !/\bhow many (services|components|instances|pods|nodes)\b/.test(lower)
  )
    return { intent: 'count_events', confidence: 0.85 };
  if (has(lower, SINCE_WHEN) && has(lower, TROUBLE))
    return { intent: 'since_when', confidence: 0.85 };
  if (textFilter) return { intent: 'search_events', confidence: 0.85 };
  // flows that hang or skip steps are what the flow insights say
  if (entities.flow_kinds.length > 0) return { intent: 'list_insights', confidence: 0.8 };
  if (has(lower, SLOW)) return { intent: 'slow_operations', confidence: hasComponents ? 0.9 : 0.7 };
  if (isFailureRanking(lower)) return { intent: 'rank_failures', confidence: 0.85 };
  // "what's the error rate of payments?": a count of errors answers with their share of events
  if (/\b(error|failure|fail)[- ]rates?\b/.test(lower) && entities.components.length <= 1)
    return { intent: 'count_events', confidence: 0.8 };
  if (has(lower, TOP_ERRORS)) return { intent: 'top_errors', confidence: 0.85 };
  if (searching)
    return {
      intent: 'search_events',
      confidence: hasComponents || entities.levels.length > 0 ? 0.85 : 0.65,
    };
  // "any ECONNRESET on the gateway?": an error class named is a search for it
  if (entities.text && !has(lower, DIAGNOSE)) return { intent: 'search_events', confidence: 0.7 };
  if ((has(lower, DIAGNOSE) || has(lower, DIAGNOSE_COMPONENT)) && hasComponents)
    return { intent: 'diagnose', confidence: 0.9 };
  if (has(lower, DIAGNOSE_COMPONENT) && entities.time_range)
    return { intent: 'diagnose', confidence: 0.6 };
  if (has(lower, INSIGHTS)) return { intent: 'list_insights', confidence: 0.8 };
  if (has(lower, DIAGNOSE)) return { intent: 'diagnose', confidence: 0.6 };
  if (has(lower, HEALTH))
    return { intent: 'component_health', confidence: hasComponents ? 0.9 : 0.7 };
  if (entities.levels.length > 0 && has(lower, EVENT_NOUNS))
    return { intent: 'search_events', confidence: 0.6 };
  // "worker-2 logs 45m": events of a component, asked for in as few words as possible.
  if (has(lower, EVENT_NOUNS)) return { intent: 'search_events', confidence: 0.5 };
  if (hasComponents) return { intent: 'component_health', confidence: 0.5 };
  return { intent: 'unknown', confidence: 0 };
}

interface Ids {
  event: string[];
  correlation: string[];
  pattern: string[];
  session: string[];
  insight: string[];
  /** Unlabelled 16-hex-digit ids (pattern or span), lower case. */
  hex: string[];
  all: Set<string>;
}

function extractIds(text: string): Ids {
  const ids: Ids = {
    event: [],
    correlation: [],
    pattern: [],
    session: [],
    insight: [],
    hex: [],
    all: new Set(),
  };
  const push = (list: string[], id: string) => {
    if (!ids.all.has(id)) {
      ids.all.add(id);
      list.push(id);
    }
  };
  for (const match of text.matchAll(UUID)) {
    const before = text.slice(Math.max(0, match.index - 24), match.index).toLowerCase();
    const label = /(session)\s*(id)?\s*[:=#]?\s*$/.exec(before)
      ? 'session'
      : /(insight)\s*(id)?\s*[:=#]?\s*$/.exec(before)
        ? 'insight'
        : new RegExp(`(${CORRELATION_WORDS})\\s*(id)?\\s*[:=#]?\\s*$`).exec(before)
          ? 'correlation'
          : 'event';
    push(ids[label], match[0]);
  }
  for (const match of text.matchAll(CORRELATION_ID)) {
    const id = match[1].replace(/[.,;:!?)]+$/, '');
    // An id has a digit or a separator; "operation progress" names no id.
    if (!/[\d\-_.:]/.test(id) || ids.all.has(id) || UUID.test(id)) {
      UUID.lastIndex = 0;
      continue;
    }
    push(ids.correlation, id);
  }
  // 16 hex digits are a pattern id or an OTel span id alike: only "pattern …" says which here;
  // the others are looked up in the store (id_candidates).
  for (const match of text.matchAll(HEX16)) {
    if (ids.all.has(match[0])) continue;
    const before = text.slice(Math.max(0, match.index - 16), match.index).toLowerCase();
    if (/\bpattern\s*(id)?\s*[:=#]?\s*$/.test(before)) push(ids.pattern, match[0]);
    else if (/\d/.test(match[0]) && /[a-f]/i.test(match[0])) ids.hex.push(match[0].toLowerCase());
  }
  return ids;
}

/** Nouns people put before an id ("order 123", "ticket #88"); never a time unit or a filler word. */
const ID_LABEL =
  /\b([a-z][a-z_]{1,20})\b(?=(\s*(?:id\s*|(?:number|num|nr|no)\b\.?\s*)?[#:=]?\s*#?\s*["'`]?)([A-Za-z0-9][\w.:-]{0,127})(…|\.\.\.)?)/gi;
const NOT_A_LABEL = new Set(
  'in on at to for from by with since until last past previous next the a an of is are was than about around after before over under between and or top p p50 p95 p99 version v build http status code port line no nr num number'.split(
    ' ',
  ),
);
/** The status codes HTTP defines: "returns 502" names one, "deployment 314" cannot. */
const HTTP_STATUS = /^(10[0-3]|20[0-8]|226|30[0-8]|4[0-5]\d|5[01]\d)$/;
/** Nouns that name things with ids ("ticket 88", "invoice 2031"), even when they end like a verb. */
const ID_NOUNS = new Set(
  'order orders ticket tickets invoice payment shipment job run build task request trace span transaction tx txn user customer account cart session issue case incident batch upload message msg event item booking reservation subscription'.split(
    ' ',
  ),
);

/** How ids are often spelled in code: "request 42" may be stored as "req-42". */
const ABBREVIATIONS: Record<string, string[]> = {
  request: ['req'],
  transaction: ['tx', 'txn'],
  order: ['ord'],
  payment: ['pay', 'pmt'],
  invoice: ['inv'],
  customer: ['cust'],
  message: ['msg'],
  account: ['acct'],
  operation: ['op'],
};
const TIME_UNIT_AFTER =
  /^\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?|ms|am|pm|%|percent|x|times)\b/i;

/**
 * A reference written in capitals with hyphens, digits or not ("BKG-TYNVMJ"): codes people read
 * out, where a word would be written in small letters. Not with underscores: OVEN_ZONE_TEMPS is
 * a constant's name (a query, a setting), not an id.
 */
const CODE = /^[A-Z]{2,}(?:-[A-Z0-9]{2,})*-[A-Z0-9]{4,}$/;

/** Looks like an id rather than a word, a time or a number of things: has a digit (or is a code), is not "p95", "5xx", "24h", "10:00", "v2". */
function idLike(token: string): boolean {
  if (token.length > 128) return false;
  if (!/\d/.test(token)) return CODE.test(token);
  if (
    /^(p\d{2,3}|\dxx|\d+(\.\d+)?(ms|s|m|h|d|w|k|%)|v\d+(\.\d+)*|\d{1,2}(:\d{2}){1,2}|\d{1,2}(:\d{2})?\s?(am|pm)|\d{4}-\d{2}-\d{2}(t[\d:.]+z?)?|\d+(st|nd|rd|th))$/i.test(
      token,
    )
  )
    return false;
  return true;
}

function findIdCandidates(
  text: string,
  ids: Ids,
  components: readonly ComponentMention[],
  known: KnownNames,
): string[] {
  const out: string[] = [...ids.hex];
  const add = (value: string) => {
    const id = value.replace(/[.,;:!?)'"`]+$/, '');
    if (id.length >= 1 && !out.includes(id)) out.push(id);
  };
  const componentWords = new Set(components.map((component) => component.text.toLowerCase()));
  const knownNames = new Set([...known.types, ...known.ids].map((name) => name.toLowerCase()));
  const isKnown = (token: string) =>
    componentWords.has(token.toLowerCase()) || knownNames.has(token.toLowerCase());
  // An id cut short: "trace 4bf92f35…", "op-1234-x…" (hex ids are stored in lower case).
  for (const match of text.matchAll(
    /(?<![\w.:-])([A-Za-z0-9][\w.:-]{4,126}[A-Za-z0-9])(?:…|\.\.\.)/g,
  )) {
    if (/^[0-9a-f]+$/i.test(match[1]) && match[1].length >= 6) add(`${match[1].toLowerCase()}…`);
    else if (idLike(match[1]) && !isKnown(match[1])) add(`${match[1]}…`);
  }
  for (const match of text.matchAll(ID_LABEL)) {
    const label = match[1].toLowerCase();
    const id = match[3].replace(/[.,;:!?)'"`]+$/, '');
    if (
      NOT_A_LABEL.has(label) ||
      (STOPWORDS.has(label) && !new RegExp(`^(${CORRELATION_WORDS})$`).test(label))
    )
      continue;
    // The label may itself be part of a component name ("order" of order-service): still an id's label.
    if (match[4] || !idLike(id) || isKnown(id)) continue;
    // "span 00f067aa0ba902b7": hex ids are stored as they are, never with the label joined on.
    if (/^([0-9a-f]{16}|[0-9a-f]{32})$/i.test(id)) {
      add(id.toLowerCase());
      continue;
    }
    // "returns 502", "checkout 500 errors": a status code, not an id.
    if (
      HTTP_STATUS.test(id) &&
      !ID_NOUNS.has(label) &&
      !new RegExp(`^(${CORRELATION_WORDS})$`).test(label)
    )
      continue;
    if (/^\d+$/.test(id) && !ID_NOUNS.has(label) && (isKnown(label) || /(s|ed|ing)$/.test(label)))
      continue;
    if (TIME_UNIT_AFTER.test(text.slice(match.index + label.length + match[2].length + id.length)))
      continue;
    if (/^\d+$/.test(id) || !id.toLowerCase().startsWith(label)) {
      const generic = new RegExp(`^(${CORRELATION_WORDS}|id)$`).test(label);
      // "order 123" is stored as "order-123", "order_123", "order:123", "order123" or "123".
      if (!generic || /^\d+$/.test(id)) {
        for (const word of [label, ...(ABBREVIATIONS[label] ?? [])])
          for (const joiner of ['-', '_', ':', '', '#', '/']) add(`${word}${joiner}${id}`);
      }
      add(id);
    } else add(id);
  }
  for (const match of text.matchAll(
    /(?<![\w.:-])[A-Za-z0-9][\w.:-]*[A-Za-z0-9](?![\w-]|…|\.\.\.)/g,
  )) {
    const token = match[0];
    if (!idLike(token) || isKnown(token) || /^\d+$/.test(token) || !/[a-z]/i.test(token)) continue;
    if (TIME_UNIT_AFTER.test(text.slice(match.index + token.length)) && /^\d/.test(token)) continue;
    add(token);
  }
  return out.filter((id) => !ids.all.has(id) || ids.correlation.includes(id));
}

interface KnownName {
  name: string;
  kind: 'type' | 'id';
  lower: string;
  /** Its words: "payment-service" → payment, service. */
  parts: string[];
}

function namePartsOf(name: string): { lower: string; parts: string[] } {
  const lower = name.toLowerCase();
  return { lower, parts: lower.split(/[-_./ ]+/).filter(Boolean) };
}

interface Candidate {
  text: string;
  /** Its words as spoken, split at spaces and at "-", "_", ".", "/" ("paymnt-service" → paymnt, service). */
  words: string[];
  start: number;
  end: number;
  /** Character range in the question. */
  from: number;
  to: number;
}

/** Known component names the question mentions, exactly or within a small edit distance, and where. */
function findComponents(
  text: string,
  known: KnownNames,
  consumedIds: Set<string>,
): { mentions: ComponentMention[]; spans: [number, number][] } {
  const tokens = [...text.matchAll(/[A-Za-z0-9][A-Za-z0-9_.\-/]*[A-Za-z0-9]|[A-Za-z0-9]/g)].map(
    (match) => ({ word: match[0], from: match.index, to: match.index + match[0].length }),
  );
  const names = [
    ...known.types.map((name) => ({ name, kind: 'type' as const, ...namePartsOf(name) })),
    ...known.ids
      .filter((id) => !known.types.includes(id))
      .map((name) => ({ name, kind: 'id' as const, ...namePartsOf(name) })),
  ];
  const candidates: Candidate[] = [];
  for (let size = 3; size >= 1; size--) {
    for (let start = 0; start + size <= tokens.length; start++) {
      const words = tokens.slice(start, start + size).map((token) => token.word);
      if (
        size > 1 &&
        words.some(
          (word) => STOPWORDS.has(word.toLowerCase()) && !/^(service|api|worker|db)$/i.test(word),
        )
      )
        continue;
      const parts = words.flatMap((word) => word.toLowerCase().split(/[-_./]+/)).filter(Boolean);
      const span = { from: tokens[start].from, to: tokens[start + size - 1].to };
      for (const joiner of size === 1 ? [''] : ['-', '_', ' ', '']) {
        candidates.push({
          text: words.join(joiner),
          words: parts,
          start,
          end: start + size,
          ...span,
        });
      }
    }
  }
  const used = new Set<number>();
  const mentions: ComponentMention[] = [];
  const spans: [number, number][] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (range(candidate).some((index) => used.has(index))) continue;
    const lower = candidate.text.toLowerCase();
    if (consumedIds.has(lower)) continue;
    if (candidate.end - candidate.start === 1 && STOPWORDS.has(lower)) continue;
    const match = bestMatch(lower, candidate.words, names);
    if (!match || seen.has(match.name)) continue;
    seen.add(match.name);
    for (const index of range(candidate)) used.add(index);
    spans.push([candidate.from, candidate.to]);
    // Only types compete: the instances of a type ("service-0-1" of "service-0") are not other meanings of it.
    const alternatives =
      match.distance === 0 && match.kind === 'type' && candidate.end - candidate.start === 1
        ? leadingWordOf(
            lower,
            match.name,
            names.filter((entry) => entry.kind === 'type'),
          )
        : [];
    mentions.push({
      text: candidate.text,
      name: match.name,
      kind: match.kind,
      distance: match.distance,
      ...(alternatives.length ? { alternatives } : {}),
    });
  }
  return { mentions, spans };
}

/** Known names that begin with the word as a whole word ("api" → "api-gateway", "api_v2"). */
function leadingWordOf(
  word: string,
  matched: string,
  names: readonly { name: string; lower: string }[],
): string[] {
  return names
    .filter(
      (entry) =>
        entry.name !== matched &&
        /^[-_. ]/.test(entry.lower.slice(word.length)) &&
        entry.lower.startsWith(word),
    )
    .map((entry) => entry.name)
    .slice(0, 10);
}

function range(candidate: Candidate): number[] {
  return Array.from(
    { length: candidate.end - candidate.start },
    (_, index) => candidate.start + index,
  );
}

/**
 * Edit distance counting two swapped neighbours as one edit ("checkuot", "paymetn"): optimal string
 * alignment, computed only when plain Levenshtein is just over the allowance.
 */
function typoDistance(a: string, b: string, allowed: number): number {
  const plain = distance(a, b);
  if (plain <= allowed || plain > allowed + 2 || Math.abs(a.length - b.length) > allowed)
    return plain;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2][j - 2] + 1);
      rows[i].push(best);
    }
  }
  return rows[a.length][b.length];
}

/** Edits allowed in a word of this length: none under 5 letters, 1 up to 9, 2 from 10. */
function allowance(length: number): number {
  return length >= 10 ? 2 : length >= 5 ? 1 : 0;
}

function singularOf(word: string): string {
  return word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
}

/**
 * How far a spoken word is from one word of a name, or undefined when it is not that word: the same
 * word (or its plural), a typo within the allowance, or the same word spelt out or cut short
 * ("authentication" for "auth", "notif" for "notification": one begins the other, 4+ letters).
 * Numbers are never typos: "worker-1" is not "worker-3".
 */
function partDistance(spoken: string, part: string): number | undefined {
  const singular = singularOf(spoken);
  if (spoken === part || singular === part) return 0;
  if (/\d/.test(spoken) || /\d/.test(part)) return undefined;
  const allowed = allowance(spoken.length);
  const typo = Math.min(typoDistance(spoken, part, allowed), typoDistance(singular, part, allowed));
  if (typo <= allowed) return typo;
  if (spelledOutOrCut(spoken, part)) return Math.abs(spoken.length - part.length);
  return undefined;
}

/** "authentication" for "auth", "notif" for "notification": one begins the other, 4+ letters, 3+ apart. */
function spelledOutOrCut(spoken: string, part: string): boolean {
  const [short, long] = spoken.length < part.length ? [spoken, part] : [part, spoken];
  return /^[a-z]{4,}$/.test(short) && long.length >= short.length + 3 && long.startsWith(short);
}

function bestMatch(
  word: string,
  spoken: readonly string[],
  names: readonly KnownName[],
): { name: string; kind: 'type' | 'id'; distance: number } | undefined {
  const singular = singularOf(word);
  let best: { name: string; kind: 'type' | 'id'; distance: number } | undefined;
  for (const entry of names) {
    if (entry.lower === word || entry.lower === singular)
      return { name: entry.name, kind: entry.kind, distance: 0 };
    const parts = entry.parts;
    let score: number | undefined;
    if (parts.length === spoken.length && spoken.length > 1) {
      // Word by word: each spoken word is that word of the name, and at least one is said as written
      // ("paymnt service", "authentication service"), so a typo never swallows a whole word
      // ("checkout so" is not "checkout-3").
      const each = parts.map((part, index) => partDistance(spoken[index], part));
      if (each.every((value) => value !== undefined) && each.some((value) => value === 0))
        score = each.reduce<number>((sum, value) => sum + value!, 0);
    } else if (word.length >= 4 && spoken.length === 1) {
      // One word against a whole name ("paymentservice", "checkuot"); several words only match a
      // name of as many words (above) or exactly, so no typo swallows a word ("checkout so").
      const allowed = allowance(word.length);
      if (allowed === 0) continue;
      // Digits are never typos: "worker1" is not "worker3".
      if (word.replace(/\D/g, '') !== entry.lower.replace(/\D/g, '')) continue;
      const typo = Math.min(
        typoDistance(word, entry.lower, allowed),
        typoDistance(singular, entry.lower, allowed),
      );
      if (typo <= allowed) score = typo;
    }
    if (score !== undefined && (!best || score < best.distance))
      best = { name: entry.name, kind: entry.kind, distance: score };
  }
  if (best) return best;
  // "payment" or "payments" for "payment-service", "authentication" for "auth-service": the leading
  // word(s) of exactly one known name, in the plural or spelt out.
  if (word.length >= 4) {
    const prefixed = names.filter((entry) => {
      if (
        [word, singular].some(
          (lead) => /^[-_.]/.test(entry.lower.slice(lead.length)) && entry.lower.startsWith(lead),
        )
      )
        return true;
      // the leading word spelt out ("authentication" for auth-service) or cut short ("reco" for
      // recommendation-service, "notif" for notification-svc), never a word the rules read
      const lead = /^([a-z]+)[-_.]/.exec(entry.lower)?.[1];
      return (
        spoken.length === 1 &&
        lead !== undefined &&
        word !== lead &&
        (word.length > lead.length || !KEYWORD_SET.has(word)) &&
        spelledOutOrCut(word, lead)
      );
    });
    const types = prefixed.filter((entry) => entry.kind === 'type');
    const pick = types.length === 1 ? types[0] : prefixed.length === 1 ? prefixed[0] : undefined;
    if (pick)
      return {
        name: pick.name,
        kind: pick.kind,
        distance: Math.abs(pick.lower.length - word.length),
      };
  }
  // "the gateway" for "api-gateway", "the db" for "inventory-db": a later word of exactly one known
  // type (generic words such as "service" are stopwords and never get here).
  if (word.length >= 2 && spoken.length === 1 && /^[a-z]+$/.test(word)) {
    const holding = names.filter(
      (entry) =>
        entry.kind === 'type' &&
        entry.parts.slice(1).some((part) => part === word || part === singular),
    );
    if (holding.length === 1)
      return {
        name: holding[0].name,
        kind: 'type',
        distance: Math.abs(holding[0].lower.length - word.length),
      };
  }
  // a slip in such a word ("serch" for search-service, "gatway" for api-gateway, "paymnts" for
  // payment-service): one slip in a word of 5 letters or more, of a word of exactly one known type;
  // never a word the rules read or a stopword
  if (
    spoken.length === 1 &&
    /^[a-z]+$/.test(word) &&
    allowance(word.length) > 0 &&
    !KEYWORD_SET.has(word) &&
    !STOPWORDS.has(word) &&
    !NOT_TYPOS.has(word)
  ) {
    const slipped = names.filter(
      (entry) =>
        entry.kind === 'type' &&
        entry.parts.some(
          (part) =>
            part.length >= 4 &&
            !STOPWORDS.has(part) &&
            Math.min(typoDistance(word, part, 1), typoDistance(singular, part, 1)) <= 1,
        ),
    );
    if (slipped.length === 1)
      return {
        name: slipped[0].name,
        kind: 'type',
        distance: 1 + Math.abs(slipped[0].lower.length - word.length),
      };
  }
  return undefined;
}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

function unitOf(word: string): number | undefined {
  const unit = word.toLowerCase();
  if (/^(s|secs?|seconds?)$/.test(unit)) return UNIT_MS.s;
  if (/^(m|mins?|minutes?)$/.test(unit)) return UNIT_MS.m;
  if (/^(h|hrs?|hours?)$/.test(unit)) return UNIT_MS.h;
  if (/^(d|days?)$/.test(unit)) return UNIT_MS.d;
  if (/^(w|weeks?)$/.test(unit)) return UNIT_MS.w;
  if (/^fortnights?$/.test(unit)) return 2 * UNIT_MS.w;
  if (/^months?$/.test(unit)) return 30 * UNIT_MS.d;
  return undefined;
}

/** "last 15 minutes", "past 2h", "last hour", "today", "yesterday", "since 10:00", "between 9:00 and 10:30", then chrono. */
export function parseTimeRange(text: string, now: Date): TimeRange | null {
  const lower = text.toLowerCase();
  const at = now.getTime();
  const range = (from: number, to: number, expression: string): TimeRange => ({
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    expression,
  });

  const relative =
    /\b(?:in the |during the |over the |for the |within the )?(?:last|past|previous)\s+(\d+(?:\.\d+)?)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|months?)\b/.exec(
      lower,
    ) ??
    /\b(\d+(?:\.\d+)?)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago\b/.exec(
      lower,
    );
  if (relative) {
    const unit = unitOf(relative[2]);
    if (unit) return range(at - Number(relative[1]) * unit, at, relative[0].trim());
  }
  const single =
    /\b(?:in the |during the |over the |for the |within the )?(?:last|past|previous)\s+(second|minute|hour|day|week|fortnight|month)\b/.exec(
      lower,
    );
  if (single) return range(at - unitOf(single[1])!, at, single[0].trim());
  // A bare duration is the window before now, as in terse questions: "payment errors 1h?",
  // "slow calls 30m" (not "took 2h", "every 5m", "in 1h", "for 3d", "2h ago").
  const bare =
    /(?<![\w.:/-])(?<!\b(?:for|take|takes|took|taking|after|every|in|than|over|under|about|each|per)\s+)(\d+(?:\.\d+)?)\s?(m|mins?|h|hrs?|d|w)\b(?!\s*(?:ago|later|from now))/.exec(
      lower,
    );
  if (bare) {
    const unit = unitOf(bare[2]);
    if (unit) return range(at - Number(bare[1]) * unit, at, `last ${bare[0].trim()}`);
  }
  const startOfDay = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  // Parts of the day people name: last night is yesterday 18:00 to 06:00; the weekend is the last
  // Saturday and Sunday (up to now when said during it).
  if (/\b(last night|overnight)\b/.test(lower))
    return range(
      startOfDay - 6 * UNIT_MS.h,
      Math.min(at, startOfDay + 6 * UNIT_MS.h),
      'last night',
    );
  if (/\bweekend\b/.test(lower)) {
    const weekday = now.getUTCDay(); // 0 Sunday … 6 Saturday
    const saturday = startOfDay - ((weekday + 1) % 7) * UNIT_MS.d;
    return range(saturday, Math.min(at, saturday + 2 * UNIT_MS.d), 'the weekend');
  }
  // "yesterday" and "today" alone are whole days; with a clock time ("2pm yesterday") chrono reads them.
  const clock = /\b\d{1,2}(:\d{2}|\s?[ap]\.?m\b)|\b(noon|midnight)\b/.test(lower);
  if (/\byesterday\b/.test(lower) && !/\bsince\b/.test(lower) && !clock)
    return range(startOfDay - UNIT_MS.d, startOfDay, 'yesterday');
  if (/\btoday\b/.test(lower) && !/\bsince\b/.test(lower) && !clock)
    return range(startOfDay, at, 'today');

  // "between 8 and 9", "from 14 to 15": hours of the clock, written as chrono reads them.
  const clockRange = text.replace(
    /\b(between|from)\s+([01]?\d|2[0-3])\s+(and|to|until|till)\s+([01]?\d|2[0-3])\b(?![:.]\d|\s*(%|[ap]\.?m\b|(ms|s|m|h|mins?|minutes?|secs?|seconds?|hours?|hrs?|days?|errors?|events?|times|retries|requests?|calls?|x)\b))/gi,
    '$1 $2:00 $3 $4:00',
  );
  const results = chrono.parse(
    clockRange,
    { instant: now, timezone: 'UTC' },
    { forwardDate: false },
  );
  if (results.length === 0) return null;
  const first = results[0];
  const before = clockRange.toLowerCase().slice(0, first.index);
  const between = /\b(between|from)\s*$/.test(before) && results.length > 1;
  // "right now", "currently": an instant, no window; the intent's default window is what is meant
  if (
    !between &&
    !first.end &&
    /casualReference\/now/.test([...(first.tags?.() ?? [])].join(' ')) &&
    !/\bsince\s*$/.test(before)
  )
    return null;
  let from = first.start.date().getTime();
  let to = first.end?.date().getTime() ?? (between ? results[1].start.date().getTime() : at);
  // A day without a time of day ("since monday", "on nov 20") starts at midnight and, unless it is
  // where a range starts, lasts the day. Parts of a day ("this morning") keep chrono's hour.
  const tags = [...(first.tags?.() ?? [])].join(' ');
  if (
    !first.start.isCertain('hour') &&
    (first.start.isCertain('day') || first.start.isCertain('weekday')) &&
    !first.end &&
    !between &&
    !/casualReference\/(morning|afternoon|evening|night|noon|midnight|now)/.test(tags)
  ) {
    const date = first.start.date();
    from = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
    if (from > at && first.start.isCertain('weekday')) from -= UNIT_MS.w;
    if (!/\bsince\s*$/.test(before) && !/\b(this|current)\s+(week|month|year)\b/.test(first.text))
      to = Math.min(at, from + UNIT_MS.d);
  }
  // Questions are about the past: "since 10:00" said at 09:00 means yesterday's 10:00, "since
  // friday 18:00" said on a Tuesday last Friday's.
  if (from > at && first.start.isCertain('weekday')) from -= UNIT_MS.w;
  if (from > at && !first.start.isCertain('day')) from -= UNIT_MS.d;
  if (to > at && !between) to = at;
  // "before 9:30", "until 14:00": the clock time ends the range, which is the hour before it (the
  // default window); without this the range ran from that time to now, the opposite
  const ending =
    !between && !first.end && first.start.isCertain('hour')
      ? before.match(/\b(before|until|till|up to)\s*$/)?.[1]
      : undefined;
  if (ending) [from, to] = [from - UNIT_MS.h, Math.min(from, at)];
  if (to < from) [from, to] = [to, from];
  const expression = between
    ? `${before.match(/\b(between|from)\s*$/)![1]} ${first.text} … ${results[1].text}`
    : `${/\bsince\s*$/.test(before) ? 'since ' : ''}${ending ? `${ending} ` : ''}${first.text}`;
  return range(from, to, expression);
}
