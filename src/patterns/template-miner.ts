import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { renderTemplate, tokenizeWithSpacing, WILDCARD } from './tokenizer.js';

/**
 * Online template miner. Every message is masked by the tokenizer (values found by their
 * character classes become `<*>`); messages whose masked tokens agree form a pattern. A word
 * that the tokenizer kept but that turns out to vary is found by counting: when the patterns
 * that agree everywhere except at one word position hold `generalizeAfter` different words
 * there, that position is a variable, and those patterns merge into one whose template has
 * `<*>` there. Enumerations (a state name, one of two user names) stay apart; free values
 * (user names, host names) merge once enough of them are seen.
 *
 * Pattern ids are content addresses: the hash of the template tokens. Any process that holds
 * the same templates gives a message the same id; a merged pattern keeps an alias to the
 * pattern it went into.
 */
export interface MinerOptions {
  /** Distinct words at one position after which that position is a variable. */
  generalizeAfter: number;
  /**
   * Live patterns with the same token count and first token after which a new message is
   * merged into its most similar pattern (the differing positions become `<*>`): a bound on
   * memory for logs whose words vary in several places at once.
   */
  maxPerFamily: number;
  /** Masked messages remembered for the one-lookup fast path. */
  exactCacheSize: number;
  /** Words of a message that are mined (a stack trace's head names it well enough). */
  maxWords: number;
}

export const DEFAULT_MINER_OPTIONS: MinerOptions = {
  generalizeAfter: 4,
  maxPerFamily: 200,
  exactCacheSize: 100_000,
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

interface Cluster extends PatternTemplate {
  spaceBefore: boolean[];
  literalCount: number;
}

const SKELETON_HOLE = '\u0000';
const KEY_SEPARATOR = '\u0001';

export function patternIdOf(tokens: readonly string[]): string {
  return createHash('sha1').update(tokens.join(KEY_SEPARATOR)).digest('hex').slice(0, 16);
}

function isWord(token: string): boolean {
  return token !== WILDCARD && /[a-z]/i.test(token);
}

export class TemplateMiner {
  private readonly options: MinerOptions;
  /** Live (unmerged) patterns by id. */
  private readonly live = new Map<string, Cluster>();
  /** Live patterns by token count: what a new wildcard pattern may cover. */
  private readonly byLength = new Map<number, Cluster[]>();
  /** Live patterns by token count and first token: candidates for matching a message. */
  private readonly byFamily = new Map<string, Cluster[]>();
  /** Masked key → pattern id it was last given (resolve through aliases). */
  private readonly exact: LRUCache<string, string>;
  /** merged id → id it went into. */
  private readonly aliases = new Map<string, string>();
  /** Skeleton (template with one word position left out) → word at that position → pattern id. */
  private readonly skeletons = new Map<string, Map<string, string>>();
  private readonly pendingNew: PatternTemplate[] = [];
  private readonly pendingMerges: PatternMerge[] = [];

  constructor(options: Partial<MinerOptions> = {}) {
    this.options = { ...DEFAULT_MINER_OPTIONS, ...options };
    this.exact = new LRUCache({ max: this.options.exactCacheSize });
  }

  get size(): number {
    return this.live.size;
  }

  /** The pattern of one message, learning from it. */
  match(message: string): MinedMatch {
    const { tokens, spaceBefore } = tokenizeWithSpacing(this.head(message));
    const key = tokens.join(KEY_SEPARATOR);
    const known = this.exact.get(key);
    if (known !== undefined) return { id: this.resolve(known), changed: false };

    const candidate = this.bestWildcardMatch(tokens);
    if (candidate) {
      this.exact.set(key, candidate.id);
      return { id: candidate.id, changed: false };
    }
    const crowded = this.crowdedFamilyMatch(tokens);
    if (crowded) {
      this.exact.set(key, crowded.id);
      return { id: crowded.id, changed: true };
    }
    const cluster = this.addCluster(tokens, spaceBefore);
    this.exact.set(key, cluster.id);
    this.pendingNew.push(publicView(cluster));
    // a value seen where earlier messages had words: those words were values too
    if (cluster.literalCount < tokens.length) this.absorbCoveredBy(cluster, true);
    const generalized = this.learnFrom(cluster);
    return { id: generalized ?? cluster.id, changed: true };
  }

  /** The pattern a message would get, without learning from it (undefined: a new pattern). */
  peek(message: string): PatternTemplate | undefined {
    const tokens = tokenizeWithSpacing(this.head(message)).tokens;
    const known = this.exact.get(tokens.join(KEY_SEPARATOR));
    if (known !== undefined) return this.template(known);
    const candidate = this.bestWildcardMatch(tokens);
    return candidate ? publicView(candidate) : undefined;
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
    const cluster = this.live.get(this.resolve(id));
    return cluster ? publicView(cluster) : undefined;
  }

  templates(): PatternTemplate[] {
    return [...this.live.values()].map(publicView);
  }

  /** Patterns created and merges made since the last call (for persistence). */
  drainChanges(): { created: PatternTemplate[]; merges: PatternMerge[] } {
    const created = this.pendingNew.splice(0).filter((p) => this.live.has(p.id));
    return { created, merges: this.pendingMerges.splice(0) };
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
      this.aliases.set(pattern.id, pattern.mergedInto);
      this.retire(pattern.id, pattern.mergedInto, false);
      return;
    }
    if (this.live.has(pattern.id) || this.aliases.has(pattern.id)) return;
    const cluster = this.addCluster(pattern.tokens, spacingOf(pattern.tokens, pattern.template));
    this.absorbCoveredBy(cluster, true);
    // words seen by this process and by others together may now be enough to generalize
    this.learnFrom(cluster);
  }

  /** The most specific live pattern that covers the tokens. */
  private bestWildcardMatch(tokens: string[]): Cluster | undefined {
    let best: Cluster | undefined;
    for (const family of [
      familyKey(tokens.length, tokens[0]),
      familyKey(tokens.length, WILDCARD),
    ]) {
      for (const cluster of this.byFamily.get(family) ?? []) {
        if ((best && cluster.literalCount <= best.literalCount) || !covers(cluster.tokens, tokens))
          continue;
        best = cluster;
      }
    }
    return best;
  }

  /**
   * When the message's family already holds `maxPerFamily` patterns: merges the message
   * with the most similar of them, every differing position becoming `<*>`.
   */
  private crowdedFamilyMatch(tokens: string[]): Cluster | undefined {
    const family = this.byFamily.get(familyKey(tokens.length, tokens[0]));
    if (!family || family.length < this.options.maxPerFamily) return undefined;
    let best = family[0];
    let bestSame = -1;
    for (const cluster of family) {
      let same = 0;
      for (let i = 0; i < tokens.length; i++) if (cluster.tokens[i] === tokens[i]) same++;
      if (same > bestSame) {
        best = cluster;
        bestSame = same;
      }
    }
    const merged = best.tokens.map((token, i) => (token === tokens[i] ? token : WILDCARD));
    const general = this.addCluster(merged, best.spaceBefore);
    if (general !== best) {
      this.pendingNew.push(publicView(general));
      this.absorbCoveredBy(general, true);
    }
    return general;
  }

  private addCluster(tokens: string[], spaceBefore: boolean[]): Cluster {
    const id = patternIdOf(tokens);
    const existing = this.live.get(id);
    if (existing) return existing;
    const cluster: Cluster = {
      id,
      tokens,
      spaceBefore,
      template: renderTemplate(tokens, spaceBefore),
      literalCount: tokens.filter((t) => t !== WILDCARD).length,
    };
    this.live.set(id, cluster);
    pushTo(this.byLength, tokens.length, cluster);
    pushTo(this.byFamily, familyKey(tokens.length, tokens[0]), cluster);
    return cluster;
  }

  /** Registers the cluster's words; generalizes a position that now varies enough. */
  private learnFrom(cluster: Cluster): string | undefined {
    let current = cluster;
    for (;;) {
      const hole = this.registerSkeletons(current);
      if (hole === undefined) return current === cluster ? undefined : current.id;
      const tokens = current.tokens.slice();
      tokens[hole] = WILDCARD;
      const general = this.addCluster(tokens, current.spaceBefore);
      this.pendingNew.push(publicView(general));
      this.absorbCoveredBy(general, true);
      current = general;
    }
  }

  /** Indexes the cluster under each of its skeletons; returns a position to generalize. */
  private registerSkeletons(cluster: Cluster): number | undefined {
    let hole: number | undefined;
    for (let i = 0; i < cluster.tokens.length; i++) {
      if (!isWord(cluster.tokens[i])) continue;
      const key = skeletonKey(cluster.tokens, i);
      let words = this.skeletons.get(key);
      if (!words) this.skeletons.set(key, (words = new Map()));
      if (words.size < this.options.generalizeAfter) words.set(cluster.tokens[i], cluster.id);
      if (
        hole === undefined &&
        words.size >= this.options.generalizeAfter &&
        this.keepsEnoughWords(cluster)
      )
        hole = i;
    }
    return hole;
  }

  private keepsEnoughWords(cluster: Cluster): boolean {
    let words = 0;
    for (const t of cluster.tokens) if (isWord(t)) words++;
    return words >= 2;
  }

  /** Merges every live pattern that `general` covers into it. */
  private absorbCoveredBy(general: Cluster, record: boolean): void {
    const sameLength = this.byLength.get(general.tokens.length) ?? [];
    for (const cluster of [...sameLength]) {
      if (cluster.id === general.id || !covers(general.tokens, cluster.tokens)) continue;
      this.aliases.set(cluster.id, general.id);
      this.retire(cluster.id, general.id, record);
    }
  }

  private retire(id: string, into: string, record: boolean): void {
    const cluster = this.live.get(id);
    if (!cluster) return;
    this.live.delete(id);
    removeFrom(this.byLength, cluster.tokens.length, cluster);
    removeFrom(this.byFamily, familyKey(cluster.tokens.length, cluster.tokens[0]), cluster);
    if (record) this.pendingMerges.push({ from: id, into });
  }
}

/** True when `general` matches `specific` position by position (`<*>` matches anything). */
function covers(general: readonly string[], specific: readonly string[]): boolean {
  if (general.length !== specific.length) return false;
  for (let i = 0; i < general.length; i++) {
    if (general[i] !== WILDCARD && general[i] !== specific[i]) return false;
  }
  return true;
}

function familyKey(length: number, first: string | undefined): string {
  return `${length}${KEY_SEPARATOR}${first ?? ''}`;
}

function pushTo<K>(index: Map<K, Cluster[]>, key: K, cluster: Cluster): void {
  const list = index.get(key);
  if (list) list.push(cluster);
  else index.set(key, [cluster]);
}

function removeFrom<K>(index: Map<K, Cluster[]>, key: K, cluster: Cluster): void {
  const list = index.get(key);
  if (!list) return;
  const at = list.indexOf(cluster);
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) index.delete(key);
}

function skeletonKey(tokens: readonly string[], hole: number): string {
  let key = '';
  for (let i = 0; i < tokens.length; i++)
    key += (i === hole ? SKELETON_HOLE : tokens[i]) + KEY_SEPARATOR;
  return key;
}

function publicView(cluster: Cluster): PatternTemplate {
  return { id: cluster.id, template: cluster.template, tokens: cluster.tokens };
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
