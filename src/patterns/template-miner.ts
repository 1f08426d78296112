import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import {
  canonicalize,
  CONSTANT_NAME,
  isWord,
  renderTemplate,
  tokenizeWithSpacing,
  WILDCARD,
} from './tokenizer.js';

/**
 * Online template miner. Every message is first masked by the tokenizer: values whose shape
 * leaves no doubt (numbers, IPs, UUIDs, hex, paths) become `<*>`. Which of the remaining
 * words are variables is learned from how the messages vary, not from their shape.
 *
 * Messages whose masked tokens are equal form a pattern. For every new pattern the miner
 * looks at the live patterns of the same token count that agree with it on most of their
 * words (more words in common than positions that differ, no difference in punctuation):
 * each such pair proposes a *generalization*, the tokens they share with `<*>` where they
 * differ. Patterns that propose the same generalization are counted together, with the
 * values each one holds at the differing positions. When every differing position has shown
 * `generalizeAfter` different values (or holds a `<*>` already in one of them), the positions
 * vary the way values do: the generalization becomes a pattern and every pattern it covers
 * merges into it. Fewer values do when they combine freely with another position, or when
 * the same words recur at a place of another proposal (names recur in the messages that
 * mention them). Positions that took fewer values stay apart (an enumeration that names
 * different events: a state, a result). Several positions can become variables at once
 * (a program name and a host name on the same line), which one-position-at-a-time counting
 * never sees.
 *
 * A learned template is put in the tokenizer's canonical form, so that a value the tokenizer
 * split into several tokens ("gw.example.org:443", "[a, b, c]") lands in the same pattern as
 * the same value masked whole ("10.0.0.1:443"): one pattern may hold several *shapes* (token
 * sequences, one per token count) that its messages come in.
 *
 * Pattern ids are content addresses: the hash of the (canonical) template tokens. Any process that holds
 * the same templates gives a message the same id; a merged pattern keeps an alias to the
 * pattern it went into.
 */
export interface MinerOptions {
  /** Different values a position must show among similar patterns to become a variable. */
  generalizeAfter: number;
  /**
   * Live patterns of one token count after which a new message is merged into its most
   * similar pattern (the differing positions become `<*>`): a bound on memory for logs
   * whose words vary in many places at once.
   */
  maxPerLength: number;
  /** Masked messages remembered for the one-lookup fast path. */
  exactCacheSize: number;
  /** Characters of keys those caches hold at most (each of the two). */
  exactCacheChars: number;
  /** Proposed generalizations remembered (with their evidence) while they gather it. */
  proposalCacheSize: number;
  /** Words of a message that are mined (a stack trace's head names it well enough). */
  maxWords: number;
}

export const DEFAULT_MINER_OPTIONS: MinerOptions = {
  generalizeAfter: 4,
  maxPerLength: 400,
  exactCacheSize: 100_000,
  exactCacheChars: 16_000_000,
  proposalCacheSize: 50_000,
  maxWords: 200,
};

export interface PatternTemplate {
  id: string;
  /** Template as a person reads it. */
  template: string;
  /** Masked tokens (the canonical form the id is computed from). */
  tokens: string[];
}

export interface MinedMatch {
  id: string;
  /** Set when this message created a pattern or merged patterns (the caller persists them). */
  changed: boolean;
}

/** A merge: `from` now lives on as `into`. */
export interface PatternMerge {
  from: string;
  into: string;
}

/**
 * A token sequence of a pattern whose `<*>` at `spanAt` takes one token or more (a value of
 * several words), learned from the messages: what another process needs besides the pattern's
 * template to give the same messages the same pattern.
 */
export interface LearnedSpan {
  /** Content address of the span shape (its tokens and where the span is). */
  key: string;
  /** The pattern the shape belongs to. */
  patternId: string;
  tokens: string[];
  spaceBefore: boolean[];
  spanAt: number;
}

/** What the miner learned since it was last asked, for the caller to persist. */
export interface MinerChanges {
  created: PatternTemplate[];
  merges: PatternMerge[];
  spans: LearnedSpan[];
}

/** One token sequence a pattern's messages come in. */
interface Shape {
  tokens: string[];
  spaceBefore: boolean[];
  literalCount: number;
  pattern: Pattern;
  /** Index of a `<*>` that stands for a span of one or more tokens (a value of several words). */
  spanAt?: number;
  /**
   * A message's own form with no word left in it (`<*> (<*>)` from `info/warning (802, 3)`):
   * it says nothing of the words other messages hold where it has values.
   */
  bare?: boolean;
}

interface Pattern extends PatternTemplate {
  shapes: Shape[];
}

/** The pattern messages of one masked form were given, and how many lines came in that form. */
interface Seen {
  id: string;
  lines: number;
}

/** A generalization proposed by pairs of similar shapes, and the shapes behind it. */
interface Proposal {
  /** Member shape (its tokens joined) → its tokens (kept after it merged: still evidence). */
  members: Map<string, readonly string[]>;
  /** Spacing of the shape that first proposed it (to render the template if it is made). */
  spaceBefore: boolean[];
}

/** A position that a proposal turns into `<*>`, and the words seen there. */
interface Place {
  proposal: string;
  words: Set<string>;
}

/**
 * Evidence for a value of several tokens between a prefix and a suffix that pairs of shapes
 * (of any lengths) share: the different forms of span seen there (by length, one span for
 * each), their number and their lengths.
 */
interface SpanProposal {
  forms: Map<number, (readonly string[])[]>;
  count: number;
  /** A span there was a single masked or learned value: the place is proven to hold values. */
  value: boolean;
  /** Different forms of free text of several words seen there. */
  phrases: number;
  /** A span there was masked values joined like a list (`<*>[<*>]:<*>`). */
  valueList: boolean;
  /** A span there was a single word. */
  word: boolean;
  /** A span there was a name of several words, each capitalised (`OkHttp ConnectionPool`). */
  namePhrase: boolean;
  /** A span there was a phrase in quotes, or free words in the quotes or brackets around it. */
  framedPhrase: boolean;
  /**
   * Hashes of the spans seen there that read as messages (words and values mixed outside
   * quotes: `pulling image <*>`), at most MAX_MEMBERS + 1.
   */
  messages: Set<number>;
}

const KEY_SEPARATOR = '\u0001';
const PLACE_SEPARATOR = '\u0003';
/** A value starts after one of these: a key's separator, an opening bracket or quote. */
const VALUE_OPENERS = new Set([':', '=', '(', '[', '{', '"', "'", '<']);
const CLOSER_OF: Record<string, string> = {
  '(': ')',
  '[': ']',
  '{': '}',
  '"': '"',
  "'": "'",
  '<': '>',
};
const KEY_MARKS = new Set([':', '=']);
/** Punctuation that ends a value written first in a message (`Slack Helper - …`, `name: …`). */
const LEAD_ENDS = new Set(['-', ':', ',', ';', '|', '>', '->', '=>', '--']);
const DIGITS = /\d/g;
/** Members kept per proposal: enough to count `generalizeAfter` values at several positions. */
const MAX_MEMBERS = 64;
/** Places remembered per word and words per place (evidence that names recur). */
const MAX_PLACES = 64;
/** Places looked at for one position (a bound on the work of a new shape). */
const MAX_PLACES_LOOKED_AT = 256;

/** The content address of a span shape: its tokens, with the span's place marked. */
function spanKeyOf(tokens: readonly string[], spanAt: number): string {
  return patternIdOf(tokens.map((token, i) => (i === spanAt ? SPAN_MARK : token)));
}
const SPAN_MARK = '<**>';

export function patternIdOf(tokens: readonly string[]): string {
  return createHash('sha1').update(tokens.join(KEY_SEPARATOR)).digest('hex').slice(0, 16);
}

export class TemplateMiner {
  private readonly options: MinerOptions;
  /** Live (unmerged) patterns by id. */
  private readonly live = new Map<string, Pattern>();
  /** Shapes of live patterns by token count: what a message may join, what may generalize. */
  private readonly byLength = new Map<number, Shape[]>();
  /** Tokens (joined) of every live shape. */
  private readonly shapeKeys = new Set<string>();
  /** Masked key → pattern id it was last given (resolve through aliases), and its lines. */
  private readonly exact: LRUCache<string, Seen>;
  /**
   * Message with every digit written as 0 → pattern id it was last given: the tokenizer
   * gives such messages the same tokens (a digit makes its piece a value whatever the
   * digit), so most messages skip tokenizing.
   */
  private readonly byMessage: LRUCache<string, Seen>;
  /** merged id → id it went into. */
  private readonly aliases = new Map<string, string>();
  /** Proposed generalization (its tokens joined) → the evidence gathered for it. */
  private readonly proposals: LRUCache<string, Proposal>;
  /** Place (proposal key, position) → the words seen there. */
  private readonly places: LRUCache<string, Place>;
  /** Word → the places it was seen at. */
  private readonly placesOfWord: LRUCache<string, Set<string>>;
  /** For each span (its tokens), the span proposals it was seen at (at most `MAX_PLACES`). */
  private readonly proposalsOfSpan: LRUCache<string, Set<string>>;
  /** Proposals to look at again: another place proved one of their positions. */
  private readonly recheck: string[] = [];
  /** Proposed span generalizations (prefix, span, suffix joined) → the spans seen there. */
  private readonly spanProposals: LRUCache<string, SpanProposal>;
  /** Shapes with a span `<*>`: what a message of any length at least theirs may join. */
  private readonly spanShapes: Shape[] = [];
  /** Shapes of live patterns by first token: the candidates for a shared prefix. */
  private readonly byFirst = new Map<string, Shape[]>();
  /** Live shapes by last token (pairs that end alike: a value of several words first). */
  private readonly byLast = new Map<string, Shape[]>();
  private readonly pendingNew: PatternTemplate[] = [];
  private readonly pendingMerges: PatternMerge[] = [];
  private readonly pendingSpans: Shape[] = [];

  constructor(options: Partial<MinerOptions> = {}) {
    this.options = { ...DEFAULT_MINER_OPTIONS, ...options };
    // bounded by the characters they hold too: long messages would make 100k entries large
    const bounds = {
      max: this.options.exactCacheSize,
      maxSize: this.options.exactCacheChars,
      sizeCalculation: (_: Seen, key: string) => key.length + 1,
    };
    this.exact = new LRUCache(bounds);
    this.byMessage = new LRUCache(bounds);
    this.proposals = new LRUCache({ max: this.options.proposalCacheSize });
    this.places = new LRUCache({ max: this.options.proposalCacheSize });
    this.placesOfWord = new LRUCache({ max: this.options.proposalCacheSize });
    this.proposalsOfSpan = new LRUCache({ max: this.options.proposalCacheSize });
    this.spanProposals = new LRUCache({ max: this.options.proposalCacheSize });
  }

  get size(): number {
    return this.live.size;
  }

  /** The pattern of one message, learning from it. */
  match(message: string): MinedMatch {
    const text = this.head(message);
    const digitless = text.replace(DIGITS, '0');
    const seen = this.byMessage.get(digitless);
    if (seen !== undefined) {
      seen.lines++;
      return { id: this.resolve(seen.id), changed: false };
    }
    const { masked, changed } = this.matchTokens(text);
    this.byMessage.set(digitless, masked);
    return { id: this.resolve(masked.id), changed };
  }

  private matchTokens(text: string): { masked: Seen; changed: boolean } {
    const { tokens, spaceBefore } = tokenizeWithSpacing(text);
    const key = tokens.join(KEY_SEPARATOR);
    const known = this.exact.get(key);
    if (known !== undefined) {
      known.lines++;
      return { masked: known, changed: false };
    }

    const covering = this.coveringPattern(tokens, spaceBefore);
    if (covering) return { masked: this.remember(key, covering.id), changed: false };
    const crowded = this.crowdedMatch(tokens, spaceBefore);
    if (crowded) return { masked: this.remember(key, crowded.id), changed: true };
    const shape = this.addShape(tokens, spaceBefore);
    const masked = this.remember(key, shape.pattern.id);
    if (shape.pattern.shapes.length === 1 && !tokens.some(isWord)) shape.bare = true;
    // a value seen where earlier messages had words: those words were values too, unless the
    // message has no word of its own to say what it shares with them (a bare form)
    if (shape.literalCount < tokens.length && !shape.bare) this.absorbEveryCoveredBy(shape);
    this.learnFrom(shape);
    return { masked, changed: true };
  }

  /** The first line of a masked form: the pattern it was given, to count its lines from. */
  private remember(key: string, id: string): Seen {
    const masked = { id, lines: 1 };
    this.exact.set(key, masked);
    return masked;
  }

  /** The live pattern one of whose shapes covers these tokens, if any (most specific first). */
  private coveringPattern(tokens: string[], spaceBefore: readonly boolean[]): Pattern | undefined {
    return (
      this.bestCover(tokens)?.pattern ??
      this.bestListCover(tokens, spaceBefore) ??
      this.bestSpanCover(tokens, spaceBefore)?.pattern
    );
  }

  /** The pattern a message would get, without learning from it (undefined: a new pattern). */
  peek(message: string): PatternTemplate | undefined {
    const { tokens, spaceBefore } = tokenizeWithSpacing(this.head(message));
    const known = this.exact.get(tokens.join(KEY_SEPARATOR));
    if (known !== undefined) return this.template(known.id);
    const covering = this.coveringPattern(tokens, spaceBefore);
    return covering ? publicView(covering) : undefined;
  }

  /** The first `maxWords` whole words (cut by words, so values of any width cut alike). */
  private head(message: string): string {
    if (message.length < 2 * this.options.maxWords) return message;
    const words = /\S+/g;
    for (let n = 0; n < this.options.maxWords; n++) {
      if (!words.exec(message)) return message;
    }
    return message.slice(0, words.lastIndex);
  }

  /** Current id of a pattern id given earlier (follows merges). */
  resolve(id: string): string {
    let current = id;
    let next = this.aliases.get(current);
    while (next !== undefined) {
      current = next;
      next = this.aliases.get(current);
    }
    if (current !== id) this.aliases.set(id, current);
    return current;
  }

  template(id: string): PatternTemplate | undefined {
    const pattern = this.live.get(this.resolve(id));
    return pattern ? publicView(pattern) : undefined;
  }

  templates(): PatternTemplate[] {
    return [...this.live.values()].map(publicView);
  }

  /** Patterns created and merges made since the last call (for persistence). */
  drainChanges(): MinerChanges {
    const created = this.pendingNew.splice(0).filter((p) => this.live.has(p.id));
    // a span shape lives on in the pattern its pattern was merged into, if it was
    const spans = this.pendingSpans.splice(0).map((shape) => ({
      key: spanKeyOf(shape.tokens, shape.spanAt!),
      patternId: shape.pattern.id,
      tokens: shape.tokens,
      spaceBefore: shape.spaceBefore,
      spanAt: shape.spanAt!,
    }));
    return { created, merges: this.pendingMerges.splice(0), spans };
  }

  /**
   * Loads a pattern learned elsewhere (another worker, an earlier run). Loading is
   * idempotent; a pattern that a loaded, more general one covers merges into it.
   */
  load(pattern: {
    id: string;
    tokens: string[];
    template: string;
    mergedInto?: string | null;
  }): void {
    if (pattern.mergedInto) {
      // follow a merge only into a pattern this miner holds, so that every id resolves to a template
      if (pattern.mergedInto === pattern.id || !this.live.has(pattern.mergedInto)) return;
      this.merge(pattern.id, pattern.mergedInto, false);
      return;
    }
    if (this.live.has(pattern.id) || this.aliases.has(pattern.id)) return;
    const shape = this.addShape(pattern.tokens, spacingOf(pattern.tokens, pattern.template), false);
    this.absorbEveryCoveredBy(shape);
    // values seen by this process and by others together may now be enough to generalize
    this.learnFrom(shape);
  }

  /**
   * Loads a span shape learned elsewhere (idempotent): messages with a value of several words
   * at its place join its pattern here too, as they did where it was learned. A shape that
   * does not fit its tokens is ignored.
   */
  loadSpan(span: { tokens: string[]; spaceBefore: boolean[]; spanAt: number }): void {
    const { tokens, spaceBefore, spanAt } = span;
    if (
      !Number.isInteger(spanAt) ||
      tokens[spanAt] !== WILDCARD ||
      spaceBefore.length !== tokens.length
    )
      return;
    // a shape this miner holds as a span already stays as it is (spanShapeOf); what was
    // learned elsewhere is not reported back
    this.spanShapeOf([...tokens], [...spaceBefore], spanAt, false);
  }

  /** The most specific live shape that covers the tokens. */
  private bestCover(tokens: string[]): Shape | undefined {
    let best: Shape | undefined;
    for (const shape of this.byLength.get(tokens.length) ?? []) {
      if ((best && shape.literalCount <= best.literalCount) || !covers(shape.tokens, tokens))
        continue;
      if (shape.bare && tokens.some(isWord)) continue;
      best = shape;
    }
    return best;
  }

  /** The most specific shape whose span `<*>` takes the tokens' differing middle. */
  private bestSpanCover(
    tokens: readonly string[],
    spaceBefore: readonly boolean[],
  ): Shape | undefined {
    let best: Shape | undefined;
    for (const shape of this.spanShapes) {
      if (
        (best && shape.literalCount <= best.literalCount) ||
        !spanTakes(shape, tokens, spaceBefore)
      )
        continue;
      best = shape;
    }
    return best;
  }

  /**
   * Merges into a new or wider shape's pattern every live pattern it covers: position by
   * position, and with lists.
   */
  private absorbEveryCoveredBy(general: Shape): void {
    this.absorbCoveredBy(general, true);
    this.absorbListCoveredBy(general.pattern);
  }

  /**
   * The most specific live pattern whose canonical template matches the tokens when each of
   * its `<*>` may stand for a list: items (words or values, each perhaps with a bracketed
   * annotation glued to it) joined by `: , = ; |`. A value that the tokenizer split
   * ("gw.example.org:443", "gw.example.org[10.0.0.1]") then joins a pattern learned from other
   * values at that place, whatever its number of items.
   */
  private bestListCover(tokens: string[], spaceBefore: readonly boolean[]): Pattern | undefined {
    let best: Pattern | undefined;
    let bestLiterals = -1;
    for (const pattern of this.live.values()) {
      const template = pattern.tokens;
      if (template.length > tokens.length || !template.includes(WILDCARD)) continue;
      // a template of values only would take any list of words
      if (!template.some(isWord)) continue;
      const literals = template.length - countOf(template, WILDCARD);
      if (literals <= bestLiterals || !matchesWithLists(template, 0, tokens, spaceBefore, 0))
        continue;
      best = pattern;
      bestLiterals = literals;
    }
    return best;
  }

  /**
   * When the message's token count already holds `maxPerLength` shapes: merges the message
   * with the most similar of them, every differing position becoming `<*>`.
   */
  private crowdedMatch(tokens: string[], spaceBefore: boolean[]): Pattern | undefined {
    const sameLength = this.byLength.get(tokens.length);
    if (!sameLength || sameLength.length < this.options.maxPerLength) return undefined;
    let best = sameLength[0];
    let bestSame = -1;
    for (const shape of sameLength) {
      let same = 0;
      for (let i = 0; i < tokens.length; i++) if (shape.tokens[i] === tokens[i]) same++;
      if (same > bestSame) {
        best = shape;
        bestSame = same;
      }
    }
    const merged = best.tokens.map((token, i) => (token === tokens[i] ? token : WILDCARD));
    const general = this.addShape(merged, spaceBefore);
    this.absorbCoveredBy(general, true);
    return general.pattern;
  }

  /**
   * The shape for these tokens, in the pattern of their canonical form (made if new, then
   * reported as created unless `report` is false).
   */
  private addShape(tokens: string[], spaceBefore: boolean[], report = true): Shape {
    const canonical = canonicalize(tokens, spaceBefore);
    const id = patternIdOf(canonical.tokens);
    // an id merged earlier lives on in the pattern it went into (never a second pattern of that id)
    let pattern = this.live.get(this.resolve(id));
    if (!pattern) {
      pattern = {
        id,
        tokens: canonical.tokens,
        template: renderTemplate(canonical.tokens, canonical.spaceBefore),
        shapes: [],
      };
      this.live.set(id, pattern);
      if (report) this.pendingNew.push(publicView(pattern));
    }
    const existing = pattern.shapes.find((s) => sameTokens(s.tokens, tokens));
    if (existing) return existing;
    const shape: Shape = {
      tokens,
      spaceBefore,
      literalCount: tokens.filter((t) => t !== WILDCARD).length,
      pattern,
    };
    pattern.shapes.push(shape);
    pushTo(this.byLength, tokens.length, shape);
    if (tokens.length > 0) {
      pushTo(this.byFirst, tokens[0], shape);
      pushTo(this.byLast, tokens[tokens.length - 1], shape);
    }
    this.shapeKeys.add(tokens.join(KEY_SEPARATOR));
    return shape;
  }

  /**
   * The shape of a generalization the evidence proved, with every live pattern it covers
   * merged into it. Not bare, whatever its words: it was learned from messages that had words
   * where it has values, and they were values.
   */
  private addGeneralization(tokens: string[], spaceBefore: boolean[]): Shape {
    const general = this.addShape(tokens, spaceBefore);
    general.bare = false;
    this.absorbEveryCoveredBy(general);
    return general;
  }

  /** Gathers the shape's evidence; makes every generalization that now has enough of it. */
  private learnFrom(shape: Shape): void {
    let current = shape;
    for (;;) {
      const tokens = this.proposeWith(current);
      if (tokens !== undefined) {
        current = this.addGeneralization(tokens, current.spaceBefore);
        continue;
      }
      const spanning = this.proposeSpanWith(current) ?? this.proposeLeadWith(current);
      if (spanning === undefined) break;
      current = spanning;
    }
    for (let key = this.recheck.pop(); key !== undefined; key = this.recheck.pop()) {
      const proposal = this.proposals.get(key);
      if (!proposal || this.shapeKeys.has(key)) continue;
      const tokens = key.split(KEY_SEPARATOR);
      // a pattern covers it already (it was made and merged into a wider one, or a span takes it)
      if (this.bestCover(tokens) || this.bestSpanCover(tokens, proposal.spaceBefore)) continue;
      if (!this.variesEnough(tokens, proposal, key)) continue;
      this.learnFrom(this.addGeneralization(tokens, proposal.spaceBefore));
    }
  }

  /**
   * Pairs the shape with every live shape of another pattern that starts with the same token:
   * where the two share a prefix that ends where a value starts (after `:`, `=`, an opening
   * bracket or quote) and a suffix that starts where a value ends (the end, punctuation, or
   * the next `key=`), the tokens between are a candidate value of several words. It becomes a
   * variable (`prefix <*> suffix`, the `<*>` taking one token or more) once `generalizeAfter`
   * different forms of span (`sameForm`) of at least two lengths were seen there: a value written with a varying
   * number of words (a reason, a command, a description). Evidence counts only spans that read
   * as one value (`isOneValue`: words only, one masked value, a quoted or bracketed phrase; a
   * span that mixes words and values is the message of another event), or any span enclosed
   * by the bracket or quote pair around it (a user agent). Also framed as a value: the tail
   * of a sentence after a word, and runs of `key=value` pairs (optional parameters). A place where a span was a
   * single `<*>` takes phrases once two of different forms were seen there. Returns the new
   * span shape, if any.
   */
  private proposeSpanWith(shape: Shape): Shape | undefined {
    const mine = shape.tokens;
    if (mine.length < 2 || shape.spanAt !== undefined) return undefined;
    for (const other of [...(this.byFirst.get(mine[0]) ?? [])]) {
      if (other.pattern === shape.pattern || other.spanAt !== undefined) continue;
      const theirs = other.tokens;
      const shortest = Math.min(mine.length, theirs.length);
      let prefix = 0;
      while (prefix < shortest - 1 && mine[prefix] === theirs[prefix]) prefix++;
      // a value both start with inside a bracket (`CMD (<*>)`, `CMD (<*> -s <*>)`) is where
      // the span starts, not the prefix's end
      if (mine[prefix - 1] === WILDCARD && CLOSER_OF[mine[prefix - 2]] !== undefined) prefix--;
      let suffix = 0;
      while (
        suffix < shortest - prefix - 1 &&
        mine[mine.length - 1 - suffix] === theirs[theirs.length - 1 - suffix]
      )
        suffix++;
      // and a value both end with inside that bracket is where the span ends
      // (`CMD (<*> -s <*>)` / `CMD (<*> <*>)`)
      if (
        suffix >= 2 &&
        mine[mine.length - suffix] === WILDCARD &&
        CLOSER_OF[mine[prefix - 1]] === mine[mine.length - suffix + 1]
      )
        suffix--;
      const parameters = parameterRunsOf(mine, theirs, prefix);
      if (parameters) [prefix, suffix] = parameters;
      const opener = mine[prefix - 1];
      if (!mine.slice(0, prefix).some(isWord)) continue;
      const after = mine[mine.length - suffix];
      const enclosed = suffix > 0 && CLOSER_OF[opener] === after;
      // a span between words: free text framed by a sentence on both sides ("job <*>
      // finished with status ..."), or right after a value when each side starts as a name
      // does ("reply <*> Busy Here for INVITE": a status code and its reason phrase; "process
      // <*> still waiting for …" / "process <*> acquired …" are two events' own words), or
      // after a closing bracket, which ends a value as well ("uid=<*>(<*>) RenderThread
      // identical <*> lines")
      const betweenWords =
        (isWord(opener) ||
          ((opener === WILDCARD || opener === ')' || opener === ']') &&
            startsAsName(mine[prefix]) &&
            startsAsName(theirs[prefix]))) &&
        (isWord(after) || ANNOTATION_CLOSERS[after] !== undefined) &&
        mine.slice(mine.length - suffix).filter(isWord).length >= 2;
      // the tail of a sentence: free text after a word up to the end of the message or its
      // closing punctuation ("Started <description>.", "Deployed <service> to <cluster>"), when
      // each side's tail starts as a name does (a capital, an identifier, a value): after a word
      // nothing else marks where a value starts, and the fixed texts of other events that begin
      // alike go on as lowercase prose ("Failed to open the file" / "Failed to load plugin")
      const tail =
        isWord(opener) &&
        mine.slice(mine.length - suffix).every((t) => t !== WILDCARD && !isWord(t)) &&
        startsAsName(mine[prefix]) &&
        startsAsName(theirs[prefix]);
      // a phrase in quotes where the other message has one in quotes or a single value: the
      // quotes frame the value, whatever the words around them ('volume "Macintosh HD" in')
      const quoted =
        isQuotedOrValue(mine.slice(prefix, mine.length - suffix)) &&
        isQuotedOrValue(theirs.slice(prefix, theirs.length - suffix)) &&
        (mine.length - suffix - prefix > 1 || theirs.length - suffix - prefix > 1);
      if (
        !parameters &&
        !betweenWords &&
        !tail &&
        !quoted &&
        (!VALUE_OPENERS.has(opener) ||
          (suffix > 0 &&
            !enclosed &&
            (isWord(after) ? !KEY_MARKS.has(mine[mine.length - suffix + 1]) : after === WILDCARD)))
      )
        continue;
      // a pair whose one span is the message of another event says nothing about this place
      // (`Player x left the game (…)` / `Player x (…) joined server from <*>`)
      // a span opened by a quote or bracket ends at its closer: words that run past it
      // (`Rule "Work VPN" matched …`) are the rest of the message, not the value
      const readsAsValue = (tokens: readonly string[]) => {
        const middle = tokens.slice(prefix, tokens.length - suffix);
        if (!parameters && (closesWithin(opener, middle) || leavesQuote(mine, prefix, middle)))
          return false;
        return enclosed || parameters || isValueList(middle) || isOneValue(middle);
      };
      const key = [...mine.slice(0, prefix), '', ...mine.slice(mine.length - suffix)].join(
        KEY_SEPARATOR,
      );
      const proposal = this.spanProposalAt(key);
      const mineReads = readsAsValue(mine);
      const theirsReads = readsAsValue(theirs);
      if (!mineReads || !theirsReads) {
        if (!mineReads) noteMessage(proposal, mine.slice(prefix, mine.length - suffix));
        if (!theirsReads) noteMessage(proposal, theirs.slice(prefix, theirs.length - suffix));
        continue;
      }
      for (const tokens of [mine, theirs]) {
        const middle = tokens.slice(prefix, tokens.length - suffix);
        const valueList = isValueList(middle);
        if (middle.length > 1 && (isQuotedOrValue(middle) || enclosed))
          proposal.framedPhrase = true;
        if (isValueRun(middle)) proposal.value = true;
        if (valueList) proposal.valueList = true;
        if (middle.length === 1 && isWord(middle[0])) proposal.word = true;
        if (isNamePhrase(middle)) proposal.namePhrase = true;
        this.noteSpan(middle, key);
        if (!addSpanForm(proposal, middle)) break;
      }
      // a place in a sentence already proven to hold a value takes values of several words
      // too ("to <*>", "to Frozen Lake", "to Old Town Ruins"), as a position proven by a
      // member's `<*>` needs no counting: two phrases of different forms show that it does
      // (one phrase, or phrases that differ in one word, "unknown account <name>", may be
      // another event's words)
      // likewise a single word where another message had masked values joined like a list
      // (`relay=dovecot` / `relay=<*>[<*>]:<*>`): the word is a value, as it is where a
      // message of the same length had a `<*>`
      // and a phrase in quotes where another message had a single value (a quoted word is
      // masked as a value by its shape: a quoted phrase at its place is that value), or words
      // in the brackets around the span where another message had a value in them
      // and a name of capitalised words (`OkHttp ConnectionPool`, `Google Chrome Helper`) where
      // another message had a single value, when the template keeps a sentence of two words or
      // more: a sentence's own words are lower case, and the name is what it speaks of
      // (`Initializing <*>` would keep one word: `Initializing Cryptographic API` names an event)
      const proven =
        (((proposal.value && proposal.phrases >= 2) || (proposal.valueList && proposal.word)) &&
          isSentence(mine, prefix)) ||
        (proposal.value && proposal.framedPhrase) ||
        (proposal.value && proposal.namePhrase && wordsAround(mine, prefix, suffix) >= 2);
      if (
        !proven &&
        (proposal.count < this.options.generalizeAfter ||
          proposal.forms.size < 2 ||
          proposal.messages.size > proposal.count)
      )
        continue;
      if (isQuotedMessage(mine, prefix, suffix)) continue;
      if (this.namesNoEvent(mine, prefix, suffix, proposal, key)) continue;
      const tokens = [...mine.slice(0, prefix), WILDCARD, ...mine.slice(mine.length - suffix)];
      const spaceBefore = [
        ...shape.spaceBefore.slice(0, prefix + 1),
        ...shape.spaceBefore.slice(mine.length - suffix),
      ];
      const general = this.spanShapeOf(tokens, spaceBefore, prefix);
      if (general) return general;
    }
    return undefined;
  }

  /**
   * A value of several words that starts the message (a program or component name before
   * ` - ` or `:`): pairs the shape with every live shape of another pattern that ends with the
   * same token, where the two share a suffix that starts with punctuation and holds a sentence
   * (two words or more) and nothing before it. The spans before are evidence for a
   * `<*> suffix` shape, whose `<*>` takes one token or more, on the same terms as a span after
   * a prefix: `generalizeAfter` forms of at least two lengths, or, at a place proven to hold a
   * value (one span was a single `<*>`), two phrases of different forms. Returns the new span
   * shape, if any.
   */
  private proposeLeadWith(shape: Shape): Shape | undefined {
    const mine = shape.tokens;
    if (mine.length < 3 || shape.spanAt !== undefined) return undefined;
    for (const other of [...(this.byLast.get(mine[mine.length - 1]) ?? [])]) {
      if (other.pattern === shape.pattern || other.spanAt !== undefined) continue;
      const theirs = other.tokens;
      if (theirs[0] === mine[0]) continue; // a shared prefix: the span rule's case
      const shortest = Math.min(mine.length, theirs.length);
      let suffix = 0;
      while (
        suffix < shortest - 1 &&
        mine[mine.length - 1 - suffix] === theirs[theirs.length - 1 - suffix]
      )
        suffix++;
      const start = mine.length - suffix;
      const after = mine[start];
      if (after === WILDCARD || isWord(after) || !LEAD_ENDS.has(after)) continue;
      if (mine.slice(start).filter(isWord).length < 2) continue;
      const readsAsValue = (tokens: readonly string[]) => {
        const middle = tokens.slice(0, tokens.length - suffix);
        return isOneValue(middle) && !middle.some((t) => LEAD_ENDS.has(t));
      };
      if (!readsAsValue(mine) || !readsAsValue(theirs)) continue;
      const key = ['', ...mine.slice(start)].join(KEY_SEPARATOR);
      const proposal = this.spanProposalAt(key);
      for (const tokens of [mine, theirs]) {
        const middle = tokens.slice(0, tokens.length - suffix);
        if (isValueRun(middle)) proposal.value = true;
        if (!addSpanForm(proposal, middle)) break;
      }
      const proven = proposal.value && proposal.phrases >= 2;
      if (!proven && (proposal.count < this.options.generalizeAfter || proposal.forms.size < 2))
        continue;
      const tokens = [WILDCARD, ...mine.slice(start)];
      const spaceBefore = [false, ...shape.spaceBefore.slice(start)];
      const general = this.spanShapeOf(tokens, spaceBefore, 0);
      if (general) return general;
    }
    return undefined;
  }

  /**
   * True for a span place whose template would keep one word only, so that the spans would be
   * what names each event, unless they also recur at another place, as names of things do:
   * - after that word, when two spans end alike (`The <*>.`, `Started <*>.`: `The <name> service
   *   entered the running state.` is a sentence around a value, and `Stopped <the same unit>.`
   *   would show the unit is a name);
   * - after that word first in the message and its colon, when no span was a single value
   *   (`manager: <*>`: a component's name, whose sentences are its events, `manager: startup
   *   complete`, `manager: NetworkManager state is now CONNECTING`), values printed between
   *   the header and the span included (`ARPT: <uptime>: <*>`: the driver's sentences), and the
   *   same after a source location in brackets as the header (`[sm_sweep.c:1455]: <*>`,
   *   `headerEnd`).
   * After another `:`, `=` or a bracket, the punctuation says where a value starts, and this is
   * not asked.
   */
  private namesNoEvent(
    tokens: readonly string[],
    prefix: number,
    suffix: number,
    proposal: SpanProposal,
    key: string,
  ): boolean {
    if (wordsAround(tokens, prefix, suffix) >= 2) return false;
    const afterWord = isWord(tokens[prefix - 1]) && formsShareAnEnding(proposal);
    const header = headerEnd(tokens);
    const afterHeader =
      header > 0 &&
      header < prefix &&
      !tokens.slice(header + 1, prefix).some(isWord) &&
      !proposal.value &&
      !tokens.slice(tokens.length - suffix).includes(WILDCARD);
    return (afterWord || afterHeader) && !this.spansRecur(proposal, key);
  }

  /** Records that a span was seen at the span proposal `key`. */
  private noteSpan(middle: readonly string[], key: string): void {
    addPlace(this.proposalsOfSpan, middle.join(KEY_SEPARATOR), key);
  }

  /** True when `generalizeAfter - 1` of the proposal's spans were also seen at another proposal. */
  private spansRecur(proposal: SpanProposal, key: string): boolean {
    let recurring = 0;
    for (const forms of proposal.forms.values())
      for (const form of forms) {
        const keys = this.proposalsOfSpan.get(form.join(KEY_SEPARATOR));
        if (keys && (keys.size > 1 || !keys.has(key))) recurring++;
      }
    return recurring >= this.options.generalizeAfter - 1;
  }

  /** The evidence gathered for the span place `key` (created empty). */
  private spanProposalAt(key: string): SpanProposal {
    let proposal = this.spanProposals.get(key);
    if (!proposal) {
      proposal = {
        forms: new Map(),
        count: 0,
        value: false,
        phrases: 0,
        valueList: false,
        word: false,
        namePhrase: false,
        framedPhrase: false,
        messages: new Set(),
      };
      this.spanProposals.set(key, proposal);
    }
    return proposal;
  }

  /**
   * The span shape `tokens` with its `<*>` at `spanAt`, taking every pattern it covers; the
   * single-value shape itself when the place was proven by one (it is live: a shape leaves the
   * index when it merges), a new shape otherwise. Undefined when that shape already spans.
   */
  private spanShapeOf(
    tokens: string[],
    spaceBefore: boolean[],
    spanAt: number,
    report = true,
  ): Shape | undefined {
    const general =
      this.byLength.get(tokens.length)?.find((s) => sameTokens(s.tokens, tokens)) ??
      this.addShape(tokens, spaceBefore, report);
    if (general.spanAt !== undefined) return undefined;
    general.spanAt = spanAt;
    this.spanShapes.push(general);
    if (report) this.pendingSpans.push(general);
    this.absorbSpanCoveredBy(general);
    return general;
  }

  /** Merges into the span shape's pattern every live pattern one of whose shapes it takes. */
  private absorbSpanCoveredBy(general: Shape): void {
    for (const pattern of [...this.live.values()]) {
      if (pattern === general.pattern || this.live.get(pattern.id) !== pattern) continue;
      if (pattern.shapes.some((shape) => spanTakes(general, shape.tokens, shape.spaceBefore)))
        this.merge(pattern.id, general.pattern.id, true);
    }
  }

  /**
   * Pairs the shape with every similar live shape of its length, records both as evidence
   * for the generalization the pair proposes, and returns the most specific proposal (not
   * yet a shape) whose differing positions all vary enough.
   */
  private proposeWith(shape: Shape): string[] | undefined {
    const mine = shape.tokens;
    let best: string[] | undefined;
    let bestLiterals = -1;
    for (const other of this.byLength.get(mine.length) ?? []) {
      if (other.pattern === shape.pattern) continue;
      const proposed = generalizationOf(mine, other.tokens);
      if (!proposed) continue;
      const key = proposed.tokens.join(KEY_SEPARATOR);
      let proposal = this.proposals.get(key);
      if (!proposal)
        this.proposals.set(
          key,
          (proposal = { members: new Map(), spaceBefore: shape.spaceBefore }),
        );
      for (const member of [mine, other.tokens])
        if (proposal.members.size < MAX_MEMBERS) {
          proposal.members.set(member.join(KEY_SEPARATOR), member);
          this.notePlaces(key, proposed.tokens, member);
        }
      if (
        proposed.literals > bestLiterals &&
        !this.shapeKeys.has(key) &&
        this.variesEnough(proposed.tokens, proposal, key)
      ) {
        best = proposed.tokens;
        bestLiterals = proposed.literals;
      }
    }
    return best;
  }

  /**
   * True when every position the proposal turns into `<*>` is a variable: either one of its
   * members holds a `<*>` there already (proven by masking or an earlier generalization), or
   * it takes `generalizeAfter` different values while the proposal's other unproven positions
   * stay the same (two, when they are namespaced names such as `com.apple.quicklook`), or it
   * combines freely with the other unproven positions, or with any one of them: one less value
   * than that in as many of their combinations (`tenant=acme|globex|initech` with each of
   * `method=sso|token|password`). Positions that only change together (`from NEW to
   * UNASSIGNED`, `from UNASSIGNED to ASSIGNED`) name steps of an enumeration, each its own
   * event, not values; the values of two `key=` fields where one decides the other
   * (`user=app_ro database=orders`) are one value, counted together. A position left alone
   * also varies when it combines freely with a position generalized before it
   * (`combinesFreely`), or when its words recur at a place of another proposal
   * (`recursElsewhere`). Enumeration constants (`RUNNING`) and the free word that starts a
   * message must also come as an open set, or, for that first word, recur inside another
   * sentence.
   */
  private variesEnough(tokens: readonly string[], proposal: Proposal, key: string): boolean {
    if (proposal.members.size < 2) return false;
    const members = [...proposal.members.values()];
    const unproven: number[] = [];
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i] === WILDCARD && !members.some((m) => m[i] === WILDCARD)) unproven.push(i);
    }
    const needed = this.options.generalizeAfter;
    const isRecord = labelledValues(tokens) >= needed;
    // a message of one word and words where the place would be, and no value anywhere else
    // (`CbsCoreFinalize: WcpUnload`, `… DpxUnload`): the template would keep no other word and
    // nothing in the messages varies but those words, so they name the events unless they keep
    // coming new (`Login: <user>`), judged over more lines than a place needs elsewhere
    if (
      unproven.length > 0 &&
      tokens.filter(isWord).length < 2 &&
      countOf(tokens, WILDCARD) === unproven.length
    )
      return this.keepsComingNew(proposal, needed);
    // pieces of one written word (`merlin:merlin.compute.local`) are parts of one value: they
    // change together as a value's parts do, and are counted as one place; so are the values
    // of two named fields when one of them decides the other (`user=app_ro database=orders`:
    // each user works in one database), attributes of one thing
    const wordOf = wordIndexes(proposal.spaceBefore);
    const isField = (i: number) => tokens[i - 1] === '=';
    const tied = (a: number, b: number) =>
      isField(a) && isField(b) && (decides(members, a, b) || decides(members, b, a));
    // a word that every message repeats at two places (`for user kim by kim(uid=1004)`) is one
    // value mentioned twice, not two places that change together as an enumeration's steps do
    const mirrors = (a: number, b: number) => members.every((member) => member[a] === member[b]);
    for (const at of unproven) {
      const joined = new Set(
        unproven.filter(
          (other) =>
            other !== at && (wordOf[other] === wordOf[at] || tied(at, other) || mirrors(at, other)),
        ),
      );
      // the members' words at this place, by the words they hold at the other unproven places
      const linesByRest = new Map<string, Map<string, number>>();
      for (const [memberKey, member] of proposal.members) {
        let rest = '';
        let value = member[at];
        for (const other of unproven)
          if (other === at) continue;
          else if (joined.has(other)) value += KEY_SEPARATOR + member[other];
          else rest += member[other] + KEY_SEPARATOR;
        let lines = linesByRest.get(rest);
        if (!lines) linesByRest.set(rest, (lines = new Map()));
        // a member made by generalizing was never a message's form: counted as one line
        const memberLines = this.linesOf(memberKey);
        lines.set(value, (lines.get(value) ?? 0) + memberLines);
      }
      // words printed as an enumeration's constants (`RUNNING|STOPPED|PAUSED|FAILED`, also
      // qualified: `android.intent.action.SCREEN_ON|SCREEN_OFF`) name events while they recur
      // as a closed set; a closed set of other words (`sensor cpu_die|ssd|battery`) is as
      // often a parameter, and counting cannot tell the two apart.
      // The value of a named field (`currency=USD`) is a parameter however few values it takes.
      // Words that start their sentence, or are capitalised inside it, name events as such
      // constants do (`startsSentence`, `allCapitalised`), and must keep coming new over more
      // lines than a place needs elsewhere, or recur inside another message's sentence.
      // Constants are judged over as many lines: the first lines of a closed set come with a
      // value each as often as not, in whatever order they arrive (four intents on the first
      // four lines had looked like an open set in one order and not in another).
      const field = tokens[at - 1] === '=';
      const namesAnInstance = isNameWithId(tokens, proposal.spaceBefore, at);
      const standsFirst = startsSentence(tokens, proposal.spaceBefore, at);
      const eventWord = standsFirst || (!namesAnInstance && allCapitalised(members, at));
      let enough = false;
      for (const lines of linesByRest.values())
        if (
          (lines.size >= needed ||
            (lines.size >= 2 && (allDottedNames(lines.keys()) || namesAnInstance))) &&
          (field ||
            !(eventWord || allConstantNames(lines.keys())) ||
            isOpenSet(lines, needed, 4 * needed))
        ) {
          enough = true;
          break;
        }
      if (!enough && unproven.length > 1 && !standsFirst) {
        // combined freely with another position: parameters of one message, not events (a
        // sentence's first word proves nothing by it; capitalised fields of a record do vary so)
        let contexts = 0;
        for (const lines of linesByRest.values()) if (lines.size >= needed - 1) contexts++;
        enough = contexts >= needed - 1;
        // or with any one other place: with more than two places, each full combination of
        // the others is rarely seen twice (six comparisons of three values each)
        enough ||= unproven.some(
          (other) =>
            other !== at &&
            wordOf[other] !== wordOf[at] &&
            combinesWith(members, at, other, needed - 1),
        );
      }
      // two fields of a record (`BuildComp: EQ|GT, Exist: present|absent` among as many labelled
      // fields as a place needs values, the one threshold: the state of a thing dumped field by
      // field) that take every pairing of their values: columns of a record are its values,
      // however few each takes; in a shorter message a field of two values may name the event
      // (`target=primary|replica`)
      enough ||=
        isRecord &&
        isLabelledValue(tokens, at) &&
        tokens.some(
          (token, other) =>
            token === WILDCARD &&
            other !== at &&
            wordOf[other] !== wordOf[at] &&
            isLabelledValue(tokens, other) &&
            combinesWith(members, at, other, 2),
        );
      // qualified constants recur wherever their enumeration is printed (an action received,
      // then handled): recurring proves a name mentioned, not such a constant
      if (!enough && unproven.length === 1)
        enough =
          combinesFreely(tokens, at, members, needed - 1) ||
          (!allQualifiedConstants(wordsAt(members, at)) &&
            this.recursElsewhere(key, at, members, eventWord));
      if (!enough) return false;
    }
    return true;
  }

  /**
   * True when the proposal's members came as an open set over `4 × needed` lines or more: at
   * least one line in `needed` brought a value seen on that line only (Good–Turing, as
   * `isOpenSet`, on more evidence).
   */
  private keepsComingNew(proposal: Proposal, needed: number): boolean {
    const linesByValue = new Map<string, number>();
    for (const memberKey of proposal.members.keys())
      linesByValue.set(memberKey, this.linesOf(memberKey));
    return isOpenSet(linesByValue, needed, 4 * needed);
  }

  /** Lines seen of a member's form; a member made by generalizing was never a message's form. */
  private linesOf(memberKey: string): number {
    return this.exact.peek(memberKey)?.lines ?? 1;
  }

  /** Records the word a member holds where the proposal has its one unproven `<*>`. */
  private notePlaces(key: string, tokens: readonly string[], member: readonly string[]): void {
    const at = soleUnprovenOf(tokens, member);
    if (at < 0) return;
    const word = member[at];
    const placeKey = key + PLACE_SEPARATOR + at;
    let place = this.places.get(placeKey);
    if (!place) this.places.set(placeKey, (place = { proposal: key, words: new Set() }));
    if (place.words.size < MAX_PLACES) place.words.add(word);
    addPlace(this.placesOfWord, word, placeKey);
  }

  /**
   * True when `generalizeAfter - 1` of the words at this place were also seen together at a
   * place of another proposal (another sentence): names of things (consumers, tasks, users)
   * recur across the messages that mention them, while the words that name an event belong
   * to its sentence. That other place is proven by the same evidence, so it is looked at again.
   * With `insideOnly`, a place that starts its message does not count: words that start several
   * messages alike (`halt (command 12)`, `halt (command 14) Error: Timed out`) are the
   * messages' own verbs, not names mentioned.
   */
  private recursElsewhere(
    key: string,
    at: number,
    members: (readonly string[])[],
    insideOnly = false,
  ): boolean {
    const needed = this.options.generalizeAfter - 1;
    const words = new Set(wordsAt(members, at));
    if (words.size < needed) return false;
    const seen = new Set<string>();
    for (const word of words) {
      for (const placeKey of this.placesOfWord.get(word) ?? []) {
        if (seen.has(placeKey)) continue;
        if (seen.size >= MAX_PLACES_LOOKED_AT) return false;
        seen.add(placeKey);
        const place = this.places.get(placeKey);
        if (!place || place.proposal === key) continue;
        if (insideOnly && placeKey.endsWith(PLACE_SEPARATOR + '0')) continue;
        let shared = 0;
        for (const w of place.words) if (words.has(w)) shared++;
        if (shared < needed) continue;
        if (!this.shapeKeys.has(place.proposal)) this.recheck.push(place.proposal);
        return true;
      }
    }
    return false;
  }

  /**
   * Merges into `general` every live pattern of more tokens that it covers with lists, and
   * every pattern whose canonical template it covers position by position. The second matters
   * when the new shape is longer than its canonical form (`<*> - <*> : <*> open`, canonically
   * `<*> - <*> open`): a pattern made earlier from the collapsed form (`Dropbox.exe - <*> open`,
   * from a host with digits) has no shape of the new shape's length to be covered at, and
   * would otherwise keep its messages apart.
   */
  private absorbListCoveredBy(general: Pattern): void {
    const template = general.tokens;
    if (!template.some(isWord)) return;
    for (const pattern of [...this.live.values()]) {
      if (pattern === general || this.live.get(pattern.id) !== pattern) continue;
      if (pattern.tokens.length === template.length) {
        if (covers(template, pattern.tokens) && !learnedSpanBeyond(pattern, general))
          this.merge(pattern.id, general.id, true);
        continue;
      }
      const shape = pattern.shapes[0];
      if (shape.tokens.length <= template.length) continue;
      if (matchesWithLists(template, 0, shape.tokens, shape.spaceBefore, 0))
        this.merge(pattern.id, general.id, true);
    }
  }

  /** Merges into `general`'s pattern every live pattern one of whose shapes it covers. */
  private absorbCoveredBy(general: Shape, record: boolean): void {
    const sameLength = this.byLength.get(general.tokens.length) ?? [];
    for (const shape of [...sameLength]) {
      if (shape.pattern === general.pattern || !covers(general.tokens, shape.tokens)) continue;
      if (this.live.get(shape.pattern.id) !== shape.pattern) continue; // merged meanwhile
      // a pattern that learned a span (a value of several words) is wider than this template
      // even though one of its narrower shapes is covered: it stays, and that shape with it;
      // its spans are learned again where this template has values (the span of a cron
      // command learned for one user's lines holds for every user's)
      if (learnedSpanBeyond(shape.pattern, general.pattern)) {
        this.widenSpans(shape, general);
        continue;
      }
      this.merge(shape.pattern.id, general.pattern.id, record);
    }
  }

  /**
   * Learns each span shape of `covered`'s pattern again with `<*>` where `general` (which
   * covers `covered`, of the same length) has a value and `covered` a word, at the places
   * before and after the span that the span shape shares with `covered`. The wider span shape
   * takes the patterns it covers, the two patterns among them.
   */
  private widenSpans(covered: Shape, general: Shape): void {
    const length = general.tokens.length;
    const widened: number[] = [];
    for (let i = 0; i < length; i++)
      if (general.tokens[i] === WILDCARD && covered.tokens[i] !== WILDCARD) widened.push(i);
    for (const span of [...covered.pattern.shapes]) {
      const at = span.spanAt;
      if (at === undefined) continue;
      const tokens = [...span.tokens];
      let changed = false;
      for (const i of widened) {
        // the same place counted from the start before the span, from the end after it
        const j: number = i < at ? i : span.tokens.length - (length - i);
        const sameSide = i < at === j < at;
        if (j === at || !sameSide || span.tokens[j] !== covered.tokens[i]) continue;
        tokens[j] = WILDCARD;
        changed = true;
      }
      if (changed) this.spanShapeOf(tokens, span.spaceBefore, at);
    }
  }

  /**
   * Merges pattern `from` into `into`: `from` resolves to `into` from now on, and its shapes
   * that `into` does not already cover go on matching messages, for `into`.
   */
  private merge(from: string, into: string, record: boolean): void {
    const pattern = this.live.get(from);
    const target = this.live.get(into);
    if (!pattern || !target || pattern === target) return;
    this.aliases.set(from, into);
    this.live.delete(from);
    for (const shape of pattern.shapes) {
      const coveredBy = target.shapes.some((s) => covers(s.tokens, shape.tokens));
      if (coveredBy && shape.spanAt === undefined) {
        removeFrom(this.byLength, shape.tokens.length, shape);
        removeFrom(this.byFirst, shape.tokens[0], shape);
        removeFrom(this.byLast, shape.tokens[shape.tokens.length - 1], shape);
        this.shapeKeys.delete(shape.tokens.join(KEY_SEPARATOR));
      } else {
        shape.pattern = target;
        target.shapes.push(shape);
      }
    }
    if (record) this.pendingMerges.push({ from, into });
  }
}

/**
 * True when `pattern` learned a span (a value of several words) that `general` does not have:
 * it is wider than `general`'s template at that place even where one of its shapes is covered.
 */
function learnedSpanBeyond(pattern: Pattern, general: Pattern): boolean {
  return pattern.shapes.some((s) => s.spanAt !== undefined && !general.shapes.includes(s));
}

/**
 * True when a token can start a name: it is a value, or holds a capital or an identifier's
 * punctuation (`OpenBSD`, `nginx.service`, `api_v2`, `/srv/x`, `ops@example.org`).
 */
function startsAsName(token: string | undefined): boolean {
  return token !== undefined && (token === WILDCARD || NAME_MARK.test(token));
}

const NAME_MARK = /[A-Z._/@]/;

/** A single value, or a phrase in a pair of quotes with no such quote inside. */
function isQuotedOrValue(middle: readonly string[]): boolean {
  if (middle.length === 1) return middle[0] === WILDCARD;
  const quote = middle[0];
  if ((quote !== '"' && quote !== "'") || middle.length < 3) return false;
  if (middle[middle.length - 1] !== quote) return false;
  for (let i = 1; i < middle.length - 1; i++) if (middle[i] === quote) return false;
  return true;
}

/**
 * The generalization two patterns of one length propose: their common tokens, `<*>` where
 * they differ. None when they differ in punctuation (a different structure), or when the
 * words they share are fewer than the positions where they differ (a different message).
 */
function generalizationOf(
  a: readonly string[],
  b: readonly string[],
): { tokens: string[]; literals: number } | undefined {
  let sharedWords = 0;
  let differing = 0;
  let literals = 0;
  const tokens = new Array<string>(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) {
      tokens[i] = x;
      if (x !== WILDCARD) {
        literals++;
        if (isWord(x)) sharedWords++;
      }
      continue;
    }
    if ((x !== WILDCARD && !isWord(x)) || (y !== WILDCARD && !isWord(y))) return undefined;
    tokens[i] = WILDCARD;
    differing++;
  }
  if (differing === 0 || sharedWords === 0 || sharedWords < differing) return undefined;
  return { tokens, literals };
}

/**
 * True when the position took `needed` values in each of `needed` contexts of the proposal's
 * other `<*>` positions (proven ones too: members from before a generalization keep the words
 * they had there): the grid rule for a position left alone once its partner was generalized.
 */
function combinesFreely(
  tokens: readonly string[],
  at: number,
  members: (readonly string[])[],
  needed: number,
): boolean {
  const learned = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    if (i === at || tokens[i] !== WILDCARD) continue;
    if (members.some((m) => m[i] === WILDCARD) && members.some((m) => isWord(m[i]))) learned.add(i);
  }
  const valuesByRest = new Map<string, Set<string>>();
  const valuesWithLearned = new Set<string>();
  for (const member of members) {
    let rest = '';
    let withLearned = false;
    for (let i = 0; i < tokens.length; i++) {
      if (i === at || tokens[i] !== WILDCARD) continue;
      rest += member[i] + KEY_SEPARATOR;
      if (member[i] === WILDCARD && learned.has(i)) withLearned = true;
    }
    if (withLearned) valuesWithLearned.add(member[at]);
    let values = valuesByRest.get(rest);
    if (!values) valuesByRest.set(rest, (values = new Set()));
    values.add(member[at]);
  }
  // a member with a learned `<*>` there stands for the several words it was learned from
  if (valuesWithLearned.size >= needed) return true;
  let contexts = 0;
  for (const values of valuesByRest.values()) if (values.size >= needed) contexts++;
  return contexts >= needed;
}

/**
 * True when the members hold `needed` different words at place `at` with each of `needed`
 * different words at place `other`: the two places combine freely. A member whose `other` was
 * learned to be `<*>` stands for the words it was learned from, so its word at `at` counts with
 * each of them (an unproven `other` has no such member).
 */
function combinesWith(
  members: (readonly string[])[],
  at: number,
  other: number,
  needed: number,
): boolean {
  const valuesByOther = new Map<string, Set<string>>();
  const withLearned = new Set<string>();
  for (const member of members) {
    if (member[other] === WILDCARD) {
      withLearned.add(member[at]);
      continue;
    }
    let values = valuesByOther.get(member[other]);
    if (!values) valuesByOther.set(member[other], (values = new Set()));
    values.add(member[at]);
  }
  let free = 0;
  for (const values of valuesByOther.values()) {
    let seen = values.size;
    for (const value of withLearned) if (!values.has(value)) seen++;
    if (seen >= needed) free++;
  }
  return free >= needed;
}

/** True when the members' words at place `a` decide their words at place `b`. */
function decides(members: (readonly string[])[], a: number, b: number): boolean {
  const seen = new Map<string, string>();
  for (const member of members) {
    const known = seen.get(member[a]);
    if (known === undefined) seen.set(member[a], member[b]);
    else if (known !== member[b]) return false;
  }
  return true;
}

/**
 * The one position where the member holds a word and the proposal a `<*>` (-1 when there are
 * none or several: positions that change together may be steps of an enumeration).
 */
function soleUnprovenOf(tokens: readonly string[], member: readonly string[]): number {
  let at = -1;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] !== WILDCARD || !isWord(member[i])) continue;
    if (at >= 0) return -1;
    at = i;
  }
  return at;
}

/**
 * Where two shapes differ at a `key=` (one has a parameter the other has not, or another):
 * the prefix and suffix around the whole runs of `key=value` pairs they hold there, when
 * both runs are made of pairs only. A list of parameters of which some are printed only when
 * set (`ehlo=1 starttls=1 mail=1 quit=1`) is then one span value, learned as any other: from
 * `generalizeAfter` forms of at least two lengths.
 */
function parameterRunsOf(
  a: readonly string[],
  b: readonly string[],
  firstDifference: number,
): [number, number] | undefined {
  if (!isKeyAt(a, firstDifference) || !isKeyAt(b, firstDifference)) return undefined;
  let prefix = firstDifference;
  while (prefix >= 3 && isKeyAt(a, prefix - 3) && isPairValue(a[prefix - 1])) prefix -= 3;
  const shortest = Math.min(a.length, b.length);
  let suffix = 0;
  while (suffix < shortest - prefix - 1 && a[a.length - 1 - suffix] === b[b.length - 1 - suffix])
    suffix++;
  // the suffix starts at a key or at the end, never inside a pair
  while (suffix > 0 && !isKeyAt(a, a.length - suffix)) suffix--;
  const runs = [a.slice(prefix, a.length - suffix), b.slice(prefix, b.length - suffix)];
  return runs.every(isParameterRun) ? [prefix, suffix] : undefined;
}

/** The value of a labelled field: after `Key:`, `Key =` or `key=`. */
function isLabelledValue(tokens: readonly string[], at: number): boolean {
  return (tokens[at - 1] === ':' || tokens[at - 1] === '=') && isWord(tokens[at - 2] ?? '');
}

/** How many labelled fields the message holds. */
function labelledValues(tokens: readonly string[]): number {
  let fields = 0;
  for (let i = 2; i < tokens.length; i++) if (isLabelledValue(tokens, i)) fields++;
  return fields;
}

function isKeyAt(tokens: readonly string[], at: number): boolean {
  return isWord(tokens[at] ?? '') && tokens[at + 1] === '=';
}

function isPairValue(token: string | undefined): boolean {
  return token !== undefined && (token === WILDCARD || isWord(token));
}

/** One or more `key=value` pairs and nothing else. */
function isParameterRun(tokens: readonly string[]): boolean {
  if (tokens.length < 3 || tokens.length % 3 !== 0) return false;
  for (let i = 0; i < tokens.length; i += 3)
    if (!isKeyAt(tokens, i) || !isPairValue(tokens[i + 2])) return false;
  return true;
}

/**
 * The index of the colon that ends a header naming the message's component, if the message
 * starts with one: a name (`manager:`), or a name in brackets with values beside it, the
 * source location C and Python programs print (`[ib_sm_sweep.c:1455]:`). Otherwise -1.
 */
function headerEnd(tokens: readonly string[]): number {
  if (isWord(tokens[0])) return tokens[1] === ':' ? 1 : -1;
  const closer = CLOSER_OF[tokens[0]];
  if (closer === undefined || !isWord(tokens[1])) return -1;
  for (let i = 2; i < tokens.length - 1; i++) {
    if (tokens[i] === closer) return tokens[i + 1] === ':' ? i + 1 : -1;
    if (isWord(tokens[i])) return -1;
  }
  return -1;
}

/** The words a span template keeps: the `prefix` tokens before the span and the `suffix` after. */
function wordsAround(tokens: readonly string[], prefix: number, suffix: number): number {
  let words = 0;
  for (let i = 0; i < tokens.length; i++)
    if ((i < prefix || i >= tokens.length - suffix) && isWord(tokens[i])) words++;
  return words;
}

/**
 * A name of several words, each capitalised (`OkHttp ConnectionPool`, `Google Chrome Helper`):
 * a program, thread or device named in a sentence, whose own words are lower case.
 */
function isNamePhrase(middle: readonly string[]): boolean {
  return middle.length > 1 && middle.every((token) => isWord(token) && /^[A-Z]/.test(token));
}

/**
 * True when the first `end` tokens read as a sentence: two or more words outside brackets,
 * every bracket closed. A single word with a bracketed part (`auth(pool:main)`) is the tag
 * of a component, and a `:` inside a bracket joins the parts of a name.
 */
function isSentence(tokens: readonly string[], end: number): boolean {
  let open = 0;
  let words = 0;
  for (let i = 0; i < end; i++) {
    const token = tokens[i];
    if (token === '(' || token === '[' || token === '{') open++;
    else if ((token === ')' || token === ']' || token === '}') && open > 0) open--;
    else if (open === 0 && isWord(token)) words++;
  }
  return open === 0 && words >= 2;
}

/**
 * True for masked values joined by list punctuation, perhaps with a bracketed annotation
 * (`<*> [ <*> ] : <*>`): one value that the tokenizer split.
 */
function isValueList(middle: readonly string[]): boolean {
  if (middle.length < 2 || middle[0] !== WILDCARD) return false;
  for (const token of middle)
    if (token !== WILDCARD && !LIST_JOINERS.has(token) && !VALUE_BRACKETS.has(token)) return false;
  return true;
}

const VALUE_BRACKETS = new Set(['[', ']', '(', ')', '{', '}']);

/**
 * True when two of the proposal's spans end with the same two tokens or more, a word among
 * them (`… Policy Service service entered the running state` / `… Search service entered the
 * running state`): the spans hold a sentence of their own around a value, not a value. Only
 * spans of three tokens or more are looked at: a shorter one has no room for a value besides
 * its ending.
 */
function formsShareAnEnding(proposal: SpanProposal): boolean {
  const endings = new Set<string>();
  for (const forms of proposal.forms.values())
    for (const form of forms) {
      if (form.length < 3) continue;
      const last = form.slice(-2);
      if (!last.some(isWord)) continue;
      const ending = last.join(KEY_SEPARATOR);
      if (endings.has(ending)) return true;
      endings.add(ending);
    }
  return false;
}

/** Adds `place` to the places recorded for `key`, while they are fewer than MAX_PLACES. */
function addPlace(places: LRUCache<string, Set<string>>, key: string, place: string): void {
  let recorded = places.get(key);
  if (!recorded) places.set(key, (recorded = new Set()));
  if (recorded.size < MAX_PLACES) recorded.add(place);
}

/** For each token, the index of the written word (whitespace-separated) it belongs to. */
function wordIndexes(spaceBefore: readonly boolean[]): number[] {
  const words: number[] = [];
  let word = 0;
  for (let i = 0; i < spaceBefore.length; i++) {
    if (i > 0 && spaceBefore[i]) word++;
    words.push(word);
  }
  return words;
}

/**
 * Records a span that reads as a message of its own at the span place, by a hash: only their
 * number is asked, and a span may be long.
 */
function noteMessage(proposal: SpanProposal, middle: readonly string[]): void {
  if (proposal.messages.size <= MAX_MEMBERS) proposal.messages.add(hashOf(middle));
}

/** FNV-1a over the tokens and their separators: 32 bits. */
function hashOf(tokens: readonly string[]): number {
  let hash = 0x811c9dc5;
  for (const token of tokens) {
    for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
    hash = Math.imul(hash ^ 1, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Counts `middle` as a form of the span place (a new form once, free text of several words as
 * a phrase); false when the place holds MAX_MEMBERS forms already.
 */
function addSpanForm(proposal: SpanProposal, middle: readonly string[]): boolean {
  if (proposal.count >= MAX_MEMBERS) return false;
  let forms = proposal.forms.get(middle.length);
  if (!forms) proposal.forms.set(middle.length, (forms = []));
  if (forms.some((form) => sameForm(form, middle))) return true;
  forms.push(middle);
  proposal.count++;
  if (middle.length > 1 && isFreeText(middle)) proposal.phrases++;
  return true;
}

/**
 * True when the quote or bracket `opener` (the token before a span) is closed inside the
 * span: the value it opened ends there, and the span holds more than that value.
 */
function closesWithin(opener: string, middle: readonly string[]): boolean {
  const closer = CLOSER_OF[opener];
  if (closer === undefined) return false;
  let depth = 0;
  for (const token of middle) {
    if (token === closer) {
      if (depth === 0) return true;
      depth--;
    } else if (token === opener && closer !== opener) depth++;
  }
  return false;
}

/**
 * True when the span starts inside a quoted string and runs past its closing quote (`"Eviction
 * manager: <span>" pods=…`): the value would have ended at the quote, and what follows it is the
 * rest of the message.
 */
function leavesQuote(
  tokens: readonly string[],
  prefix: number,
  middle: readonly string[],
): boolean {
  let quotes = 0;
  for (let i = 0; i < prefix; i++) if (tokens[i] === '"') quotes++;
  return quotes % 2 === 1 && middle.includes('"');
}

/**
 * True when a span reads as one value: words only (free text), a single masked value, or a
 * phrase in a quote or bracket pair. A span that mixes words and values outside quotes is a
 * message of its own.
 */
function isOneValue(middle: readonly string[]): boolean {
  if (isValueRun(middle)) return true;
  if (middle.length > 2 && CLOSER_OF[middle[0]] === middle[middle.length - 1]) return true;
  return isFreeText(middle);
}

/**
 * A run of values (`<*> <*>`: a name with a masked suffix, `chrome.exe *64` once the name was
 * learned): one value, as the canonical form writes it.
 */
function isValueRun(middle: readonly string[]): boolean {
  return middle.length > 0 && middle.every((token) => token === WILDCARD);
}

/**
 * True when two spans of one length are one form: single tokens (one word where another
 * span had another word), or spans that one same-length generalization covers (more shared
 * words than differing positions: `invalid user admin` and `invalid user oracle`). Such spans
 * are a template of their own with a variable in it, not different free texts.
 */
function sameForm(a: readonly string[], b: readonly string[]): boolean {
  return a.length === 1 || sameTokens(a, b) || generalizationOf(a, b) !== undefined;
}

/**
 * Words, perhaps with punctuation between them, and no value. A key after other words
 * (`flag_change: box=INBOX`) begins the next field: the value ended before it. A span that
 * starts with its key is one `key=value` item (`user.name=zk` in an environment dump).
 */
function isFreeText(middle: readonly string[]): boolean {
  return !middle.includes(WILDCARD) && middle.some(isWord) && !holdsLaterKey(middle);
}

function holdsLaterKey(middle: readonly string[]): boolean {
  for (let i = 2; i < middle.length; i++)
    if (middle[i] === '=' && isWord(middle[i - 1])) return true;
  return false;
}

/**
 * True when the span shape takes the tokens: its prefix and suffix match theirs position by
 * position (`<*>` matching anything) and its span `<*>` takes the one or more tokens between.
 */
function spanCovers(shape: Shape, tokens: readonly string[]): boolean {
  const template = shape.tokens;
  const at = shape.spanAt;
  if (at === undefined || tokens.length < template.length) return false;
  for (let i = 0; i < at; i++)
    if (template[i] !== WILDCARD && template[i] !== tokens[i]) return false;
  for (let i = template.length - 1, j = tokens.length - 1; i > at; i--, j--)
    if (template[i] !== WILDCARD && template[i] !== tokens[j]) return false;
  return true;
}

/**
 * True when the span shape takes the tokens: its span `<*>` their middle, each other `<*>` one
 * token, or a list (a message may hold a value of several words at more than one place:
 * `tag="View Lock", … ws=WorkSource{1013}` where others had `tag="alarm", … ws=null`).
 */
function spanTakes(
  shape: Shape,
  tokens: readonly string[],
  spaceBefore: readonly boolean[],
): boolean {
  if (isSentenceTail(shape) && tokens.length > shape.tokens.length) {
    const at = shape.spanAt as number;
    const middle = tokens.slice(at, tokens.length - (shape.tokens.length - at - 1));
    if (!isOneValue(middle) && !isValueList(middle) && !startsAsName(middle[0])) return false;
  }
  return (
    spanCovers(shape, tokens) ||
    matchesWithLists(shape.tokens, 0, tokens, spaceBefore, 0, shape.spanAt)
  );
}

/**
 * True for a span after a word that runs to the end of the message or its closing punctuation
 * (`Started <*>`, `Deployed <*>.`). It was learned from spans that start as names do or read as
 * one value (free words, values), and takes only such spans: words and values mixed after a
 * lowercase word (`Started provisioning <*> from <*> with <*> executors`) are another event's
 * sentence, where a capital starts a name (`Started Session 42 of user ana.`).
 */
function isSentenceTail(shape: Shape): boolean {
  const at = shape.spanAt;
  if (at === undefined || !isWord(shape.tokens[at - 1])) return false;
  for (let i = at + 1; i < shape.tokens.length; i++)
    if (shape.tokens[i] === WILDCARD || isWord(shape.tokens[i])) return false;
  return true;
}

/**
 * True for a span in quotes when every word around it is a key (`msg="Starting up"
 * module=<*>`, `"message": "…"`): the quoted text is all the message says of its own, the
 * event's message as structured logs carry it, not a value of the event; a template of keys
 * only would name no event.
 */
function isQuotedMessage(tokens: readonly string[], prefix: number, suffix: number): boolean {
  const opener = tokens[prefix - 1];
  if (opener !== '"' && opener !== "'") return false;
  for (let i = 0; i < tokens.length; i++)
    if (
      (i < prefix || i >= tokens.length - suffix) &&
      isWord(tokens[i]) &&
      !KEY_MARKS.has(tokens[i + 1])
    )
      return false;
  return true;
}

/** True when `general` matches `specific` position by position (`<*>` matches anything). */
function covers(general: readonly string[], specific: readonly string[]): boolean {
  if (general.length !== specific.length) return false;
  for (let i = 0; i < general.length; i++) {
    if (general[i] !== WILDCARD && general[i] !== specific[i]) return false;
  }
  return true;
}

function countOf(tokens: readonly string[], token: string): number {
  let n = 0;
  for (const t of tokens) if (t === token) n++;
  return n;
}

/**
 * True when `template` from `t` matches `tokens` from `m`, each `<*>` taking one list, and the
 * `<*>` at `spanAt` (a learned span), if given, any one or more tokens.
 */
function matchesWithLists(
  template: readonly string[],
  t: number,
  tokens: readonly string[],
  spaceBefore: readonly boolean[],
  m: number,
  spanAt?: number,
): boolean {
  for (; t < template.length; t++, m++) {
    if (m >= tokens.length) return false;
    if (template[t] === WILDCARD) break;
    if (template[t] !== tokens[m]) return false;
  }
  if (t === template.length) return m === tokens.length;
  if (t === spanAt) {
    for (let end = m + 1; end <= tokens.length; end++)
      if (matchesWithLists(template, t + 1, tokens, spaceBefore, end, spanAt)) return true;
    return false;
  }
  // a list: an item, then any number of (joiner, item); an item may carry a bracketed
  // annotation glued to it ("gw.example.org[10.0.0.1]"); one written apart ("10.4.1.9
  // (10.4.0.1)") is a part of the sentence that lines without it lack, another event, as
  // Loghub's annotators have it; try every length
  for (let item = m; ;) {
    if (!isItem(tokens[item])) return false;
    // a word after a space and followed by `=`, after the first item, is the key of the next
    // field, not an item of this value: "client=<*>" does not take "gw[10.0.0.1],
    // sasl_method=PLAIN"; a parameter glued to the value is part of it ("sip:<*>;transport=tls"),
    // and a value that starts with its key is one item ("property <*>" takes "db.url = jdbc:…")
    if (item > m && spaceBefore[item] && tokens[item + 1] === '=' && tokens[item] !== WILDCARD)
      return false;
    let last = item;
    const closer = ANNOTATION_CLOSERS[tokens[item + 1]];
    if (
      closer !== undefined &&
      !spaceBefore[item + 1] &&
      isItem(tokens[item + 2] ?? '') &&
      tokens[item + 3] === closer
    ) {
      last = item + 3;
      if (matchesWithLists(template, t + 1, tokens, spaceBefore, last + 1, spanAt)) return true;
    }
    if (matchesWithLists(template, t + 1, tokens, spaceBefore, item + 1, spanAt)) return true;
    // a word with a masked value printed after it ("chrome.exe *64", "worker 7"): one value,
    // as a run of values is in the canonical form
    if (
      last === item &&
      tokens[item + 1] === WILDCARD &&
      mayStartValue(tokens[item], item > m, template[t - 1])
    ) {
      item++;
      continue;
    }
    if (!LIST_JOINERS.has(tokens[last + 1] ?? '')) return false;
    item = last + 2;
  }
}

/**
 * True when the word may be (part of) a list place's value, a masked value following it: inside
 * the value (`withinValue`, after a joiner), first in the message or after punctuation, any
 * word; where the place follows a word of the sentence (`before`), only a word that reads as a
 * name, for a word of prose there begins another sentence (`onStepChanged invalid step:265`
 * is not `onStepChanged <*>`).
 */
function mayStartValue(word: string, withinValue: boolean, before: string | undefined): boolean {
  if (!isWord(word)) return false;
  return withinValue || before === undefined || !isWord(before) || startsAsName(word);
}

const ANNOTATION_CLOSERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const LIST_JOINERS = new Set([':', ',', '=', ';', '|']);

function isItem(token: string): boolean {
  return token === WILDCARD || isWord(token);
}

function sameTokens(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function pushTo<K>(index: Map<K, Shape[]>, key: K, shape: Shape): void {
  const list = index.get(key);
  if (list) list.push(shape);
  else index.set(key, [shape]);
}

function removeFrom<K>(index: Map<K, Shape[]>, key: K, shape: Shape): void {
  const list = index.get(key);
  if (!list) return;
  const at = list.indexOf(shape);
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) index.delete(key);
}

function publicView(pattern: Pattern): PatternTemplate {
  return { id: pattern.id, template: pattern.template, tokens: pattern.tokens };
}

/** Rebuilds the spacing of stored tokens from their rendered template. */
function spacingOf(tokens: readonly string[], template: string): boolean[] {
  const spaces: boolean[] = [];
  let at = 0;
  for (const token of tokens) {
    const found = template.indexOf(token, at);
    spaces.push(found > 0 && template[found - 1] === ' ');
    at = found >= 0 ? found + token.length : at;
  }
  return spaces;
}

/**
 * True when the values seen at a place still come as an open set does. Names (users, hosts,
 * programs) keep bringing values not seen before; the constants of an enumeration that names
 * different events (`RUNNING|STOPPED|PAUSED`, `GET|POST|PUT|DELETE`, a result, a stage) recur
 * line after line and stop coming. By Good and Turing, the share of lines whose
 * value was seen only once estimates the chance that the next line brings a new value: the
 * place is open while that share is at least one line in `needed` (the share the counted
 * values themselves had when each came once), or while every line so far brought a value of
 * its own. Below `2 × needed` lines the estimate says nothing yet (every small sample looks
 * open), so the place waits: a place that is open brings more values, and each new value
 * looks at it again. With `judgedFrom`, nothing is open below that many lines.
 */
function isOpenSet(
  linesByValue: ReadonlyMap<string, number>,
  needed: number,
  judgedFrom = 0,
): boolean {
  let lines = 0;
  let once = 0;
  for (const n of linesByValue.values()) {
    lines += n;
    if (n === 1) once++;
  }
  if (lines < judgedFrom) return false;
  if (once === lines) return true;
  return lines >= 2 * needed && once * needed >= lines;
}

/**
 * A namespaced name of three parts or more (`com.apple.quicklook`, `update.googleapis.com`,
 * `org.example.Worker`): one name of an open namespace. Two parts may be a setting's own name.
 */
const DOTTED_NAME = /^[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*){2,}$/;
/** One capitalised word of letters: `Started`, `Up`. */
const CAPITALISED_WORD = /^[A-Z][a-z]+$/;

/**
 * True for a free word that starts the message, not set apart as a label (`chrome - …`, `alice
 * : …`): its sentence's subject or verb. A closed set of them names events (`cupsd|syslogd
 * startup succeeded`, `boot|halt (command 12)` are events of their own in Loghub's annotation);
 * they are a value only when they keep coming new, or recur inside another message's sentence
 * (`maven provisioning completed` beside `Started provisioning maven from …`), as names of things
 * do. Combining with the message's other places proves nothing about them.
 */
function startsSentence(
  tokens: readonly string[],
  spaceBefore: readonly boolean[],
  at: number,
): boolean {
  return at === 0 && spaceBefore[1] === true && !LEAD_ENDS.has(tokens[1]);
}

/**
 * True when every member holds a capitalised word at `at` (`VM Started|Paused|Stopped`, `Link
 * Up|Down`), as C# and Go print an enumeration's members: a closed set of them names events, as
 * a sentence's first words do, except that they vary where they combine freely with other places
 * (a record of fields, `exist: Absent|Staged, build: Equal|Less`).
 */
function allCapitalised(members: readonly (readonly string[])[], at: number): boolean {
  return members.every((member) => CAPITALISED_WORD.test(member[at]));
}
/**
 * True for a place inside the message that holds a name glued to an id in brackets
 * (`sent by launchd[84]`, `Sandbox: QQ(37407) deny`, `accountsd[361] copy_matching`): a
 * process or other instance named with its id, which a program prints from its tables. The
 * first word of a message is such a name only as the subject of the sentence that goes on
 * right after it (`QQ[1024] triggered unnest of …`): before a colon (a syslog tag,
 * `sshd[1234]:`) it is the writer's own name.
 */
function isNameWithId(
  tokens: readonly string[],
  spaceBefore: readonly boolean[],
  at: number,
): boolean {
  const opener = tokens[at + 1];
  return (
    (at > 0 ? spaceBefore[at] : isWord(tokens[at + 4])) &&
    (opener === '[' || opener === '(') &&
    !spaceBefore[at + 1] &&
    tokens[at + 2] === WILDCARD &&
    tokens[at + 3] === CLOSER_OF[opener]
  );
}

function wordsAt(members: readonly (readonly string[])[], at: number): string[] {
  return members.map((member) => member[at]).filter(isWord);
}

function allDottedNames(words: Iterable<string>): boolean {
  for (const word of words)
    if (!DOTTED_NAME.test(word) || namespaceOfConstant(word) !== undefined) return false;
  return true;
}

/**
 * The namespace of a word written as programs print an enumeration's constant: `''` for
 * `RUNNING`, `GET`, `HEALTH_OK` (capitals, digits and `_`, two characters at least), and the
 * qualifier for one qualified by where it is declared (`android.intent.action.` for
 * `android.intent.action.SCREEN_ON`, `TimeUnit.` for `TimeUnit.SECONDS`): the namespace says
 * where the constant is declared, not that the word is a name from an open set. Undefined for
 * any other word.
 */
function namespaceOfConstant(word: string): string | undefined {
  const dot = word.lastIndexOf('.');
  const name = word.slice(dot + 1);
  if (name.length < 2 || !CONSTANT_NAME.test(name)) return undefined;
  const qualifier = word.slice(0, dot + 1);
  return dot < 0 || NAMESPACE.test(qualifier) ? qualifier : undefined;
}

const NAMESPACE = /^[A-Za-z][\w.]*\.$/;

/**
 * The namespace every word shares as an enumeration's constant (`namespaceOfConstant`), or
 * undefined when one is no constant or they have several: the members of one enumeration are
 * declared in one place, and constants of several (`android.intent.action.SCREEN_ON`,
 * `android.net.wifi.RSSI_CHANGED`) are strings any component may define, values of an open set.
 */
function sharedConstantNamespace(words: Iterable<string>): string | undefined {
  let shared: string | undefined;
  for (const word of words) {
    const namespace = namespaceOfConstant(word);
    if (namespace === undefined || (shared !== undefined && namespace !== shared)) return undefined;
    shared = namespace;
  }
  return shared;
}

function allConstantNames(words: Iterable<string>): boolean {
  return sharedConstantNamespace(words) !== undefined;
}

/**
 * Constants that carry the namespace they are declared in (`android.intent.action.SCREEN_ON`):
 * certainly an enumeration's members. A word in capitals alone may also be a name (a host, a
 * registry hive, an error's name printed beside its code), which recurring elsewhere tells.
 */
function allQualifiedConstants(words: Iterable<string>): boolean {
  return Boolean(sharedConstantNamespace(words));
}
