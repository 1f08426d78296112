import { Injectable } from '@nestjs/common';
import { PatternStatsService } from '../patterns/pattern-stats.service.js';
import {
  componentTag,
  correlationTag,
  patternTag,
  TAG_ANY_EVENT,
  TAG_INSIGHTS,
  type CacheTag,
} from '../cache/cache-tags.js';
import { QueryCacheService } from '../cache/query-cache.service.js';
import { ERROR_EPISODE_GAP_MS, isErrorEvent } from '../common/debug-event.js';
import { NotFoundError } from '../common/errors/domain-error.js';
import { InsightsService } from '../insights/insights.service.js';
import { insightsMentioning } from './insight-row.js';
import { QueryRepository } from './query.repository.js';
import type { EventRow, InsightRow } from './query.types.js';

export interface RootCause {
  event: EventRow;
  /** Why this event: the earliest upstream error on the chain, or the event itself. */
  reason: string;
  confidence: number;
  is_the_event_itself: boolean;
}

export interface ErrorExplanation {
  event: EventRow;
  summary: string;
  pattern: {
    pattern_id: string | null;
    sample_message: string;
    occurrences: number;
    last_hour: number;
    last_24h: number;
    first_seen: string | null;
    last_seen: string | null;
  };
  /** Components where the pattern occurred in the last 24 hours. */
  affected_components: {
    component_type: string;
    component_id: string;
    occurrences: number;
    last_seen: string | null;
  }[];
  /** Events before it failed on the same correlation chain, oldest first (at most 50). */
  preceding_events: EventRow[];
  root_cause: RootCause;
  related_open_insights: {
    id: string;
    insight_type: string;
    severity: string;
    title: string;
    summary: string;
    last_seen: string;
    suggestions: string[];
  }[];
  similar_resolved_insights: {
    id: string;
    title: string;
    resolved_at: string | null;
    resolution: string | null;
  }[];
  state_changes_before: {
    component_type: string;
    component_id: string;
    version: number;
    captured_at: string;
    /** What changed from the version before (JSON Patch operations, the first 10). */
    changes: unknown[];
  }[];
  suggestions: string[];
}

const CHAIN_LIMIT = 500;
const SHOWN_PRECEDING = 50;
const PARENT_HOPS = 20;

/**
 * Why an error happened: its pattern and how often it occurs, where, the events before it
 * on its correlation chain, the probable root cause (the earliest error upstream of it),
 * insights that mention it, resolved ones with their notes, and what to do next.
 */
@Injectable()
export class ExplainErrorService {
  constructor(
    private readonly repository: QueryRepository,
    private readonly cache: QueryCacheService,
    private readonly patterns: PatternStatsService,
    private readonly insights: InsightsService,
  ) {}

  async explainEvent(eventId: string) {
    return this.cached('explain-event', eventId, () => this.repository.eventById(eventId), 'event');
  }

  async explainPattern(patternId: string) {
    return this.cached(
      'explain-pattern',
      patternId,
      async () => this.repository.latestOfPattern(await this.patterns.memberIds(patternId)),
      'error pattern',
    );
  }

  /** Cached by the id asked for; the entry goes stale with new events of its component, chain or pattern. */
  private async cached(
    kind: string,
    id: string,
    find: () => Promise<EventRow | null>,
    what: string,
  ) {
    const { value, cached, computed_at } = await this.cache.getOrCompute(
      kind,
      id,
      (explanation: ErrorExplanation | null) =>
        explanation ? tagsOf(explanation.event) : [TAG_ANY_EVENT],
      async () => {
        const event = await find();
        return event ? this.explain(event) : null;
      },
    );
    if (!value) throw new NotFoundError(what, id);
    return { ...value, cached, computed_at };
  }

  private async explain(event: EventRow): Promise<ErrorExplanation> {
    const at = new Date(Math.max(Date.now(), Date.parse(event.timestamp)));
    const chain = await this.chainBefore(event);
    const root = rootCauseOf(event, chain);
    const stats = event.pattern_id
      ? await this.repository.patternStats(await this.patterns.memberIds(event.pattern_id), at)
      : null;
    const needles = [
      event.id,
      root.event.id,
      ...(event.pattern_id ? [event.pattern_id] : []),
      ...(root.event.pattern_id ? [root.event.pattern_id] : []),
    ];
    const componentNeedles = [...new Set([event.component_type, root.event.component_type])];
    const [mentioning, byComponent, resolvedMentioning, resolvedByComponent] = await Promise.all([
      insightsMentioning(this.insights, needles, ['open', 'regressed'], 10),
      insightsMentioning(this.insights, componentNeedles, ['open', 'regressed'], 10),
      insightsMentioning(this.insights, needles, ['resolved'], 10),
      insightsMentioning(this.insights, componentNeedles, ['resolved'], 10),
    ]);
    const open = uniqueById([...mentioning, ...byComponent]).slice(0, 10);
    const resolved = uniqueById([
      ...resolvedMentioning,
      ...resolvedByComponent.filter((insight) => insight.resolution),
    ]).slice(0, 5);
    const firstSeen = stats?.first_seen
      ? new Date(stats.first_seen)
      : new Date(Date.parse(event.timestamp));
    // what changed in the hour before the error first appeared (a minute after it, for clocks):
    // snapshots that changed something, not those identical to the one before or the first one
    const changedUntil = Math.min(Date.parse(event.timestamp), firstSeen.getTime() + 60_000);
    const stateChanges = (
      componentNeedles.length === 0
        ? []
        : await this.repository.stateChanges(
            componentNeedles.map((componentType) => ({
              selector: componentType,
              component_type: componentType,
              component_id: null,
            })),
            { from: new Date(firstSeen.getTime() - 3_600_000), to: new Date(changedUntil) },
            50 * componentNeedles.length,
          )
    )
      .filter((change) => change.diff.length > 0)
      .sort((a, b) => b.captured_at.localeCompare(a.captured_at))
      .slice(0, 5);

    const pattern = {
      pattern_id: event.pattern_id,
      sample_message: event.message,
      occurrences: stats?.total ?? 1,
      last_hour: stats?.last_hour ?? 0,
      last_24h: stats?.last_24h ?? 0,
      first_seen: stats?.first_seen ?? event.timestamp,
      last_seen: stats?.last_seen ?? event.timestamp,
    };
    const explanation: ErrorExplanation = {
      event,
      summary: '',
      pattern,
      affected_components: stats?.components ?? [
        {
          component_type: event.component_type,
          component_id: event.component_id,
          occurrences: 1,
          last_seen: event.timestamp,
        },
      ],
      preceding_events: chain.slice(-SHOWN_PRECEDING),
      root_cause: root,
      related_open_insights: open.map((insight) => ({
        id: insight.id,
        insight_type: insight.insight_type,
        severity: insight.severity,
        title: insight.title,
        summary: insight.summary,
        last_seen: insight.last_seen,
        suggestions: insight.suggestions,
      })),
      similar_resolved_insights: resolved.map((insight) => ({
        id: insight.id,
        title: insight.title,
        resolved_at: insight.resolved_at,
        resolution: insight.resolution,
      })),
      state_changes_before: stateChanges.map(({ diff, ...change }) => ({
        ...change,
        changes: diff.slice(0, 10),
      })),
      suggestions: [],
    };
    explanation.suggestions = suggestionsFor(explanation, open, resolved);
    explanation.summary = summaryOf(explanation);
    return explanation;
  }

  /** Events before this one on its chain: its correlation id, and its parent links. */
  private async chainBefore(event: EventRow): Promise<EventRow[]> {
    const byId = new Map<string, EventRow>();
    if (event.correlation_id) {
      const { events } = await this.repository.eventsOfCorrelation(
        event.correlation_id,
        CHAIN_LIMIT,
        // A span's callees start after it and fail before it ends: read the chain up to its end.
        new Date(failedAt(event)),
      );
      for (const item of events) if (item.id !== event.id) byId.set(item.id, item);
    }
    let parentId = event.parent_event_id;
    for (let hop = 0; parentId && hop < PARENT_HOPS && !byId.has(parentId); hop++) {
      const parent = await this.repository.eventById(parentId);
      if (!parent) break;
      byId.set(parent.id, parent);
      parentId = parent.parent_event_id;
    }
    return [...byId.values()].sort(
      (a, b) => a.timestamp.localeCompare(b.timestamp) || a.id.localeCompare(b.id),
    );
  }
}

/**
 * When an event's failure became visible. A span (a `trace` event with a duration) fails when
 * it ends, since its status is set then; it starts at `data["otel.start_time"]` where the
 * intake recorded one (OTLP stamps a failed span at its end), else at its timestamp. Any
 * other event fails at its timestamp. Cause precedes effect: only earlier failures are causes.
 */
export function failedAt(
  event: Pick<EventRow, 'timestamp' | 'event_type' | 'duration_ms' | 'data'>,
): number {
  const stamped = Date.parse(event.timestamp);
  if (event.event_type !== 'trace' || !event.duration_ms) return stamped;
  const recordedStart = Date.parse(String(event.data?.['otel.start_time'] ?? ''));
  return (Number.isNaN(recordedStart) ? stamped : recordedStart) + event.duration_ms;
}

/**
 * Pure: the probable root cause of `event` among the events before it on its chain. Parent
 * links win: the earliest failure in the event's tree of parent links that failed before it
 * (an upstream trigger that failed first, or a callee span that failed before its caller:
 * a caller span fails at its end, after the callee whose error it reports); otherwise the
 * earliest error on the chain, preferring another component (upstream) over a repeat in
 * the same one.
 */
export function rootCauseOf(event: EventRow, chain: readonly EventRow[]): RootCause {
  const mine = failedAt(event);
  const linked = linkedFailuresBefore(event, chain, mine);
  if (linked) {
    const lead = Math.round(mine - failedAt(linked));
    return {
      event: linked,
      reason: `the earliest failure linked to this one by parent_event_id, in ${linked.component_type}/${linked.component_id}, ${lead} ms before this one failed`,
      confidence: 0.85,
      is_the_event_itself: false,
    };
  }
  const errors = sameEpisode(
    chain
      .filter((item) => isErrorEvent(item) && failedAt(item) < mine)
      .sort((a, b) => failedAt(a) - failedAt(b)),
    mine,
  );
  const upstream = errors.find(
    (item) =>
      item.component_type !== event.component_type || item.component_id !== event.component_id,
  );
  const earliest = upstream ?? errors[0];
  if (earliest) {
    const lead = Math.round(mine - failedAt(earliest));
    return {
      event: earliest,
      reason: upstream
        ? `the earliest error upstream on correlation ${event.correlation_id}, in ${earliest.component_type}/${earliest.component_id}, ${lead} ms before this one`
        : `an earlier error of the same component on correlation ${event.correlation_id}, ${lead} ms before this one`,
      confidence: upstream ? (errors.length > 1 ? 0.75 : 0.7) : 0.55,
      is_the_event_itself: false,
    };
  }
  return {
    event,
    reason: event.correlation_id
      ? `no earlier error on correlation ${event.correlation_id}: this error is where the chain first failed`
      : 'the event has no correlation id or parent, so nothing upstream can be traced; it is its own probable cause',
    confidence: event.correlation_id ? 0.6 : 0.3,
    is_the_event_itself: true,
  };
}

/**
 * The errors (ascending) of the episode that ends at `mine`: going back from it, each within
 * ERROR_EPISODE_GAP_MS of the next. An error handled minutes before is another incident.
 */
function sameEpisode(errors: readonly EventRow[], mine: number): EventRow[] {
  let from = errors.length;
  let next = mine;
  while (from > 0 && next - failedAt(errors[from - 1]) <= ERROR_EPISODE_GAP_MS)
    next = failedAt(errors[--from]);
  return errors.slice(from);
}

/** The earliest failing event of `event`'s tree of parent links that failed before `before`. */
function linkedFailuresBefore(
  event: EventRow,
  chain: readonly EventRow[],
  before: number,
): EventRow | undefined {
  const byId = new Map(chain.map((item) => [item.id, item]));
  byId.set(event.id, event);
  const children = new Map<string, EventRow[]>();
  for (const item of byId.values()) {
    if (!item.parent_event_id) continue;
    const siblings = children.get(item.parent_event_id) ?? [];
    siblings.push(item);
    children.set(item.parent_event_id, siblings);
  }
  let top = event;
  const climbed = new Set<string>([event.id]);
  for (let parent = byId.get(top.parent_event_id ?? ''); parent && !climbed.has(parent.id);) {
    climbed.add(parent.id);
    top = parent;
    parent = byId.get(top.parent_event_id ?? '');
  }
  // the event asked about, and the calls it sits in, are explained whatever their siblings did
  const handled = handledCalls(children, byId);
  for (const id of climbed) handled.delete(id);
  let earliest: EventRow | undefined;
  const seen = new Set<string>();
  const pending = [top];
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (seen.has(item.id) || handled.has(item.id)) continue;
    seen.add(item.id);
    pending.push(...(children.get(item.id) ?? []));
    if (item.id === event.id || !isErrorEvent(item) || failedAt(item) >= before) continue;
    if (!earliest || failedAt(item) < failedAt(earliest)) earliest = item;
  }
  return earliest;
}

/**
 * Failures that were handled: anything that failed under a tracing span (OpenTelemetry, Sentry)
 * that then ended well, and a failed span under a failed span when another call under that
 * parent failed after it (the later failure is what the caller's own failure reports; the
 * earlier one was retried or fallen back from). Nothing under them is a root cause. The insights'
 * flow analyzer reads error propagation the same way.
 */
function handledCalls(
  children: ReadonlyMap<string, EventRow[]>,
  byId: ReadonlyMap<string, EventRow>,
): Set<string> {
  const isFailedSpan = (item: EventRow) =>
    item.event_type === 'trace' && item.duration_ms !== null && isErrorEvent(item);
  const isTracedSpan = (item: EventRow) =>
    item.event_type === 'trace' &&
    item.duration_ms !== null &&
    (item.data?.['otel.span_id'] !== undefined || item.data?.span_id !== undefined);
  const handled = new Set<string>();
  for (const [parentId, kids] of children) {
    const parent = byId.get(parentId);
    // a tracing span that ended well handled what failed under it (a retry, a caught exception);
    // not a producer's: it ends when the message is sent, and the consumers under it run after
    if (parent && isTracedSpan(parent) && !isErrorEvent(parent) && !isProducer(parent))
      for (const kid of kids) if (isErrorEvent(kid)) handled.add(kid.id);
    if (!parent || !isFailedSpan(parent)) continue;
    const calls = kids.filter(isFailedSpan);
    if (calls.length < 2) continue;
    const last = Math.max(...calls.map(failedAt));
    for (const call of calls) if (failedAt(call) < last) handled.add(call.id);
  }
  return handled;
}

/** An OpenTelemetry PRODUCER span (a message sent): what runs under it runs after it ended. */
function isProducer(item: EventRow): boolean {
  return item.data?.['otel.span_kind'] === 'producer';
}

function suggestionsFor(
  explanation: ErrorExplanation,
  open: InsightRow[],
  resolved: InsightRow[],
): string[] {
  const suggestions: string[] = [];
  const { root_cause: root, event, pattern } = explanation;
  if (!root.is_the_event_itself) {
    suggestions.push(
      `Start with ${root.event.component_type}/${root.event.component_id}: "${root.event.message}" at ${root.event.timestamp} came first on this chain.`,
    );
  }
  for (const insight of resolved) {
    if (insight.resolution)
      suggestions.push(
        `A similar problem was resolved before ("${insight.title}"): ${insight.resolution}`,
      );
  }
  for (const insight of open)
    for (const suggestion of insight.suggestions.slice(0, 2)) suggestions.push(suggestion);
  if (
    pattern.first_seen &&
    Date.parse(event.timestamp) - Date.parse(pattern.first_seen) < 3_600_000 &&
    pattern.occurrences > 1
  ) {
    suggestions.push(
      `This error pattern is new (first seen ${pattern.first_seen}): look at deploys and configuration changes just before it.`,
    );
  }
  for (const change of explanation.state_changes_before.slice(0, 2)) {
    const what = change.changes
      .slice(0, 3)
      .map((op) => describePatch(op))
      .filter(Boolean)
      .join(', ');
    suggestions.push(
      `State of ${change.component_type}/${change.component_id} changed to version ${change.version} at ${change.captured_at}, before the error${what ? ` (${what})` : ''}: check that change.`,
    );
  }
  if (pattern.last_hour >= 10)
    suggestions.push(
      `It recurs: ${pattern.last_hour} times in the last hour across ${explanation.affected_components.length} component(s).`,
    );
  if (event.correlation_id)
    suggestions.push(
      `Follow the whole operation: GET /api/debug/operations/${encodeURIComponent(event.correlation_id)}`,
    );
  return [...new Set(suggestions)].slice(0, 10);
}

function summaryOf(explanation: ErrorExplanation): string {
  const { event, pattern, root_cause: root } = explanation;
  const head = `"${event.message}" in ${event.component_type}/${event.component_id} at ${event.timestamp}`;
  const frequency = `seen ${pattern.occurrences} time(s) (${pattern.last_hour} in the last hour) since ${pattern.first_seen}`;
  const cause = root.is_the_event_itself
    ? 'no earlier error upstream'
    : `probable root cause: "${root.event.message}" in ${root.event.component_type}/${root.event.component_id} at ${root.event.timestamp}`;
  const insights =
    explanation.related_open_insights.length > 0
      ? `; ${explanation.related_open_insights.length} open insight(s) mention it`
      : '';
  return `${head}, ${frequency}; ${cause}${insights}.`;
}

function tagsOf(event: EventRow): CacheTag[] {
  const tags = [TAG_INSIGHTS, componentTag(event.component_type)];
  if (event.correlation_id) tags.push(correlationTag(event.correlation_id));
  if (event.pattern_id) tags.push(patternTag(event.pattern_id));
  return tags;
}

function uniqueById(insights: InsightRow[]): InsightRow[] {
  const seen = new Set<string>();
  return insights.filter((insight) => !seen.has(insight.id) && seen.add(insight.id));
}

/** A JSON Patch operation in a few words: `/limits/memory_mb → 2048`. */
export function describePatch(op: unknown): string {
  if (!op || typeof op !== 'object') return '';
  const { op: kind, path, value } = op as { op?: unknown; path?: unknown; value?: unknown };
  if (typeof path !== 'string') return '';
  if (kind === 'remove') return `${path} removed`;
  const shown = JSON.stringify(value);
  return `${path} → ${shown === undefined ? '?' : shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}`;
}
