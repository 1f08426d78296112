import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { DebugEventRecord } from '../common/debug-event.js';
import { shutdownPhase } from '../common/logging/shutdown-phase.js';
import {
  MAX_SAMPLES_PER_PATTERN,
  PatternRepository,
  addLevels,
  mergeComponents,
  mergeSamples,
  type ComponentCount,
  type PatternDelta,
} from './pattern.repository.js';
import { TemplateMiner, type MinerChanges } from './template-miner.js';

/** How often a worker picks up what other workers learned. */
export const PATTERN_SYNC_INTERVAL_MS = 5_000;
/** Overlap of successive syncs, for rows committed late with an earlier changed_at. */
const SYNC_OVERLAP_MS = 30_000;

/**
 * Gives every event the id of its message pattern and keeps debug_patterns up to date.
 * The ingest worker calls `assign()` before the warm write. Per event the work is the
 * miner's (a few microseconds: tokenize, one map lookup once the pattern is known) and
 * adding the event to its pattern's pending counts. The database write is not on that path:
 * one writer per process takes everything pending (new templates, merges, counts of every
 * batch since its last write) and writes it in one transaction, then again while more is
 * pending. `flush()` waits for it (tests, shutdown).
 *
 * Ids are content addresses (hash of the template tokens), so every worker that knows the
 * same templates gives a message the same id. Workers share what they learned through
 * debug_patterns (and the span shapes, debug_pattern_spans): the first assign() loads every
 * stored template, and later ones reload the templates learned or merged and the span shapes
 * learned since the last sync, at most every PATTERN_SYNC_INTERVAL_MS.
 */
@Injectable()
export class PatternService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(PatternService.name);
  private readonly miner = new TemplateMiner();
  private lastSync: number | null = null;
  private syncedUpTo: Date | null = null;
  private syncing: Promise<void> | null = null;
  private pending = emptyPending();
  private writing: Promise<void> | null = null;
  private lastWriteError: Error | null = null;
  private retryWritesAt = 0;
  private lastWriteWarning = 0;

  constructor(private readonly patterns: PatternRepository) {}

  async assign(events: DebugEventRecord[]): Promise<void> {
    await this.syncIfDue();
    const assigned = new Array<string>(events.length);
    for (let i = 0; i < events.length; i++)
      assigned[i] = this.miner.match(events[i].message ?? '').id;
    // a merge made later in the batch re-points the events assigned before it
    for (let i = 0; i < events.length; i++) events[i].pattern_id = this.miner.resolve(assigned[i]);
    appendChanges(this.pending, this.miner.drainChanges());
    for (const delta of this.deltasOf(events)) addPending(this.pending.deltas, delta);
    if (Date.now() >= this.retryWritesAt) void this.startWriting();
  }

  /** Resolves once everything assign() recorded is in debug_patterns; throws if the write failed. */
  async flush(): Promise<void> {
    if (this.writing) await this.writing;
    if (hasPending(this.pending)) await this.startWriting();
    if (hasPending(this.pending) && this.lastWriteError) throw this.lastWriteError;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!hasPending(this.pending) && !this.writing) return;
    const patterns = new Set([
      ...this.pending.created.map((pattern) => pattern.id),
      ...this.pending.deltas.keys(),
    ]).size;
    await shutdownPhase(this.logger, `writing pattern counts (${patterns} patterns)`, () =>
      this.flush(),
    );
  }

  /** The pattern this process would give a message now, without learning from it. */
  patternOf(message: string): { id: string; template: string } | null {
    const pattern = this.miner.peek(message);
    return pattern ? { id: pattern.id, template: pattern.template } : null;
  }

  /**
   * Loads templates learned or merged and span shapes learned since the last sync (all of them
   * the first time).
   */
  async sync(): Promise<void> {
    if (this.syncing) return this.syncing;
    this.syncing = (async () => {
      const since = this.syncedUpTo ? new Date(this.syncedUpTo.getTime() - SYNC_OVERLAP_MS) : null;
      const [rows, spans] = await Promise.all([
        this.patterns.changedSince(since),
        this.patterns.spansSince(since),
      ]);
      // live templates first, so that a merge loaded after them can retire them; the span
      // shapes last, each joining the pattern its tokens are (or were merged into)
      for (const row of rows) if (!row.mergedInto) this.miner.load(row);
      for (const row of rows) if (row.mergedInto) this.miner.load(row);
      for (const span of spans) this.miner.loadSpan(span);
      for (const at of [...rows.map((row) => row.changedAt), ...spans.map((s) => s.createdAt)])
        if (!this.syncedUpTo || at > this.syncedUpTo) this.syncedUpTo = at;
      this.lastSync = Date.now();
    })().finally(() => (this.syncing = null));
    return this.syncing;
  }

  /**
   * Picks up what other processes learned, at most every PATTERN_SYNC_INTERVAL_MS (the first call
   * loads everything); a failed sync is logged and tried again at the next interval.
   */
  async syncIfDue(): Promise<void> {
    if (this.lastSync !== null && Date.now() - this.lastSync < PATTERN_SYNC_INTERVAL_MS) return;
    try {
      await this.sync();
    } catch (error) {
      // ids stay content addresses without the sync; only sharing what others learned waits
      this.lastSync = Date.now();
      this.logger.warn(`pattern sync failed: ${(error as Error).message}`);
    }
  }

  private deltasOf(events: DebugEventRecord[]): PatternDelta[] {
    const byId = new Map<
      string,
      { delta: PatternDelta; components: Map<string, ComponentCount> }
    >();
    for (const event of events) {
      const id = event.pattern_id!;
      const at = new Date(event.timestamp);
      let entry = byId.get(id);
      if (!entry) {
        const template = this.miner.template(id);
        const delta: PatternDelta = {
          id,
          template: template?.template ?? event.message,
          tokens: template?.tokens ?? [],
          count: 0,
          firstSeen: at,
          lastSeen: at,
          levels: {},
          components: [],
          sampleEventIds: [],
        };
        byId.set(id, (entry = { delta, components: new Map() }));
      }
      const delta = entry.delta;
      delta.count++;
      if (at < delta.firstSeen) delta.firstSeen = at;
      if (at > delta.lastSeen) delta.lastSeen = at;
      delta.levels[event.level] = (delta.levels[event.level] ?? 0) + 1;
      const key = `${event.component_type}\u0000${event.component_id}`;
      const component = entry.components.get(key);
      if (component) component.count++;
      else {
        const fresh = {
          component_type: event.component_type,
          component_id: event.component_id,
          count: 1,
        };
        entry.components.set(key, fresh);
        delta.components.push(fresh);
      }
      delta.sampleEventIds.push(event.id);
      if (delta.sampleEventIds.length > MAX_SAMPLES_PER_PATTERN) delta.sampleEventIds.shift();
    }
    return [...byId.values()].map(({ delta }) => ({
      ...delta,
      components: mergeComponents([], delta.components),
    }));
  }

  private startWriting(): Promise<void> {
    if (!this.writing) this.writing = this.writeWhilePending().finally(() => (this.writing = null));
    return this.writing;
  }

  private async writeWhilePending(): Promise<void> {
    while (hasPending(this.pending)) {
      const taken = this.pending;
      this.pending = emptyPending();
      try {
        await this.patterns.record(taken, [...taken.deltas.values()], new Date());
        this.lastWriteError = null;
      } catch (error) {
        // the ids are on the events already; what was not written waits for the next try
        const newer = this.pending;
        this.pending = taken;
        appendChanges(this.pending, newer);
        for (const delta of newer.deltas.values()) addPending(this.pending.deltas, delta);
        this.lastWriteError = error as Error;
        this.retryWritesAt = Date.now() + WRITE_RETRY_MS;
        // also without further batches: counts must not wait in memory for the next event
        setTimeout(() => void this.startWriting(), WRITE_RETRY_MS).unref();
        if (Date.now() - this.lastWriteWarning > 30_000) {
          this.lastWriteWarning = Date.now();
          this.logger.warn(
            `could not record patterns (kept, retried every second): ${(error as Error).message}`,
          );
        }
        return;
      }
    }
  }
}

/** After a failed write, assign() starts the next one no sooner than this. */
const WRITE_RETRY_MS = 1_000;

/** What the miner reported and the counts of the batches since, not written yet. */
interface Pending extends MinerChanges {
  deltas: Map<string, PatternDelta>;
}

function emptyPending(): Pending {
  return { created: [], merges: [], spans: [], deltas: new Map() };
}

/** Appends what the miner reported later to what is pending. */
function appendChanges(pending: MinerChanges, later: MinerChanges): void {
  pending.created.push(...later.created);
  pending.merges.push(...later.merges);
  pending.spans.push(...later.spans);
}

function hasPending(pending: Pending): boolean {
  return (
    pending.created.length + pending.merges.length + pending.spans.length + pending.deltas.size > 0
  );
}

/** Adds a newer delta to what is pending for its pattern. */
function addPending(deltas: Map<string, PatternDelta>, delta: PatternDelta): void {
  const known = deltas.get(delta.id);
  if (!known) {
    deltas.set(delta.id, delta);
    return;
  }
  deltas.set(delta.id, {
    ...known,
    count: known.count + delta.count,
    firstSeen: known.firstSeen < delta.firstSeen ? known.firstSeen : delta.firstSeen,
    lastSeen: known.lastSeen > delta.lastSeen ? known.lastSeen : delta.lastSeen,
    levels: addLevels(known.levels, delta.levels),
    components: mergeComponents(known.components, delta.components),
    sampleEventIds: mergeSamples(known.sampleEventIds, delta.sampleEventIds),
  });
}
