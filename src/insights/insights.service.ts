import { nextOffsetCursor } from '../common/http/list-page.js';
import { Injectable, Logger } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors/domain-error.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { AppConfig } from '../config/app-config.service.js';
import { AppEventBus } from '../common/events/app-event-bus.js';
import { AnalysisContext, type Analyzer } from './analyzers/analyzer.js';
import { AnomalyAnalyzer } from './analyzers/anomaly.analyzer.js';
import { ConsistencyAnalyzer } from './analyzers/consistency.analyzer.js';
import { ErrorPatternAnalyzer } from './analyzers/error-pattern.analyzer.js';
import { FlowAnalyzer } from './analyzers/flow.analyzer.js';
import { PerformanceAnalyzer } from './analyzers/performance.analyzer.js';
import { combineConfidence, corroboration } from './confidence.js';
import { fingerprintOf } from './fingerprint.js';
import { type BucketGrid, InsightAggregatesRepository } from './insight-aggregates.repository.js';
import { InsightRepository, wouldChange } from './insight.repository.js';
import { InsightRollupReader } from './insight-rollup.reader.js';
import { InsightRollupRefresher } from './insight-rollup.refresher.js';
import { bucketMsFor, InsightSettings } from './insight-settings.js';
import { toInsightView } from './insight-view.js';
import {
  type ComponentFilter,
  type GenerationResult,
  type InsightDraft,
  type InsightFilters,
  type InsightPage,
  type InsightScope,
  type InsightView,
  type InsightMentions,
  type ScoredDraft,
  SEVERITY_RANK,
} from './insight.types.js';
import { PatternStatsService } from '../patterns/pattern-stats.service.js';
import { parseConsistencyGroups } from './consistency-groups.js';

/** What a caller may ask generation to look at; everything optional (default: the last hour). */
export interface GenerateRequest {
  from?: Date | string;
  to?: Date | string;
  components?: ComponentFilter[];
  session_id?: string | null;
}

const HOUR_MS = 3_600_000;
const MAX_SCOPE_MS = 7 * 24 * HOUR_MS;

/**
 * The Insights module's surface: generate insights over a scope, list, read and resolve them.
 * Generation runs every analyzer on SQL aggregates, scores each finding, and upserts it by
 * fingerprint; new and regressed insights go to the stream (high/critical ones as alerts too).
 */
@Injectable()
export class InsightsService {
  private readonly logger = new Logger(InsightsService.name);
  private readonly analyzers: Analyzer[];
  private readonly consistencyGroups: ReadonlyMap<string, readonly string[]>;

  constructor(
    private readonly insights: InsightRepository,
    private readonly aggregates: InsightAggregatesRepository,
    private readonly rollupRefresher: InsightRollupRefresher,
    private readonly rollupReader: InsightRollupReader,
    private readonly patterns: PatternStatsService,
    private readonly events: AppEventBus,
    private readonly metrics: MetricsService,
    config: AppConfig,
    errorPatterns: ErrorPatternAnalyzer,
    anomalies: AnomalyAnalyzer,
    performance: PerformanceAnalyzer,
    flows: FlowAnalyzer,
    consistency: ConsistencyAnalyzer,
  ) {
    this.analyzers = [errorPatterns, anomalies, performance, flows, consistency];
    this.consistencyGroups = parseConsistencyGroups(config.consistencyGroups);
  }

  async generate(request: GenerateRequest = {}, now = new Date()): Promise<GenerationResult> {
    const started = performance.now();
    const scope = normalizeScope(request, now);
    const grid = gridFor(scope);
    const context = new AnalysisContext(
      this.aggregates,
      { refresher: this.rollupRefresher, reader: this.rollupReader },
      scope,
      grid,
      now,
      this.consistencyGroups,
      this.patterns,
    );

    const analyzerStats = {} as GenerationResult['analyzers'];
    const failures: unknown[] = [];
    const found = await Promise.all(
      this.analyzers.map(async (analyzer) => {
        const analyzerStarted = performance.now();
        try {
          const drafts = await analyzer.analyze(context);
          analyzerStats[analyzer.name] = {
            found: drafts.length,
            ms: round1(performance.now() - analyzerStarted),
          };
          return drafts;
        } catch (error) {
          failures.push(error);
          this.logger.error(
            `analyzer ${analyzer.name} failed: ${(error as Error).message}`,
            (error as Error).stack,
          );
          analyzerStats[analyzer.name] = {
            found: 0,
            ms: round1(performance.now() - analyzerStarted),
            error: (error as Error).message,
          };
          return [];
        }
      }),
    );
    // With every analyzer failed (the database away, say), "nothing found" would be a false all-clear.
    if (failures.length === this.analyzers.length) throw failures[0];
    const scored = score(found.flatMap(mostSevere), scope.sessionId ?? null);
    const stored = await this.insights.findByFingerprints(scored.map((draft) => draft.fingerprint));
    // sample events only for what will be written: a finding seen before is left as it is
    await this.attachSampleEvents(
      scored.filter((draft) => wouldChange(draft.lastSeen, stored.get(draft.fingerprint) ?? null)),
      scope,
    );

    const result: GenerationResult = {
      scope: {
        from: scope.from.toISOString(),
        to: scope.to.toISOString(),
        components: scope.components ?? [],
        session_id: scope.sessionId ?? null,
      },
      created: [],
      updated: [],
      regressed: [],
      unchanged: 0,
      analyzers: analyzerStats,
      duration_ms: 0,
    };
    for (const draft of scored) {
      const { outcome, insight } = await this.insights.upsert(
        draft,
        scope.sessionId ?? null,
        now,
        stored.get(draft.fingerprint) ?? null,
      );
      const view = toInsightView(insight);
      if (outcome === 'unchanged') result.unchanged++;
      else result[outcome].push(view);
      if (outcome === 'created' || outcome === 'regressed') {
        this.events.emit('insight.changed', {
          insight: view,
          change: outcome,
          severe: isSevere(view),
        });
      }
      this.metrics
        .counter(
          'ads_insights_upserted_total',
          'Insights stored by generation, by outcome and type',
          ['outcome', 'type'],
        )
        .inc({ outcome, type: draft.type });
    }
    result.duration_ms = round1(performance.now() - started);
    this.metrics
      .histogram(
        'ads_insight_generation_seconds',
        'Duration of one insight generation run',
        [],
        [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      )
      .observe(result.duration_ms / 1000);
    this.logger.log(
      `generated insights over ${result.scope.from} – ${result.scope.to}: ${result.created.length} created, ` +
        `${result.updated.length} updated, ${result.regressed.length} regressed, ${result.unchanged} unchanged in ${result.duration_ms} ms`,
    );
    return result;
  }

  async list(filters: InsightFilters = {}): Promise<InsightPage> {
    const limit = Math.min(Math.max(filters.limit ?? 50, 1), 500);
    const offset = Math.max(filters.offset ?? 0, 0);
    const { items, total } = await this.insights.list({ ...filters, limit, offset });
    return {
      items: items.map(toInsightView),
      next_cursor: nextOffsetCursor(offset, items.length, total),
      total,
      limit,
      offset,
    };
  }

  /** Insights that name any of the needles in their components or evidence, or were made for the session. */
  async mentioning(query: InsightMentions): Promise<InsightView[]> {
    return (await this.insights.mentioning(query)).map(toInsightView);
  }

  /** Deletes resolved insights resolved before `cutoff` (DEBUG_INSIGHT_RETENTION_HOURS; run by the tiering jobs). */
  deleteResolvedBefore(cutoff: Date): Promise<number> {
    return this.insights.deleteResolvedBefore(cutoff);
  }

  async get(id: string): Promise<InsightView> {
    const insight = await this.insights.findById(id);
    if (!insight) throw new NotFoundError('insight', id);
    return toInsightView(insight);
  }

  async resolve(id: string, note: string, now = new Date()): Promise<InsightView> {
    const trimmed = note.trim();
    if (trimmed.length === 0)
      throw new DomainError('VALIDATION_FAILED', 'note must not be empty', { field: 'note' });
    const insight = await this.insights.resolve(id, trimmed, now);
    if (!insight) throw new NotFoundError('insight', id);
    const view = toInsightView(insight);
    // Subscribers see the status change; cached answers that counted it as open go stale.
    this.events.emit('insight.changed', { insight: view, change: 'resolved', severe: false });
    return view;
  }

  private async attachSampleEvents(drafts: ScoredDraft[], scope: InsightScope): Promise<void> {
    await Promise.all(
      drafts.map(async (draft) => {
        if (!draft.sample || Array.isArray(draft.evidence.event_ids)) return;
        draft.evidence.event_ids = await this.aggregates.sampleEventIds(
          draft.sample,
          scope,
          InsightSettings.evidenceEventIds,
        );
      }),
    );
  }
}

/** Scope of a request: defaults to the hour before `now`; from < to; at most 7 days. */
export function normalizeScope(request: GenerateRequest, now: Date): InsightScope {
  const to = request.to !== undefined ? toDateField(request.to, 'to') : now;
  const from =
    request.from !== undefined
      ? toDateField(request.from, 'from')
      : new Date(to.getTime() - HOUR_MS);
  if (from.getTime() >= to.getTime()) {
    throw new DomainError('VALIDATION_FAILED', 'from must be before to', {
      field: 'from',
      from: from.toISOString(),
      to: to.toISOString(),
    });
  }
  if (to.getTime() - from.getTime() > MAX_SCOPE_MS) {
    throw new DomainError('VALIDATION_FAILED', 'the scope may span at most 7 days', {
      field: 'from',
    });
  }
  return {
    from,
    to,
    components:
      request.components && request.components.length > 0 ? request.components : undefined,
    sessionId: request.session_id ?? null,
  };
}

function toDateField(value: Date | string, field: string): Date {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new DomainError('VALIDATION_FAILED', `${field} is not a valid date`, { field });
  return date;
}

export function gridFor(scope: InsightScope): BucketGrid {
  const bucketMs = bucketMsFor(scope.from, scope.to);
  const windowBuckets = Math.ceil((scope.to.getTime() - scope.from.getTime()) / bucketMs);
  const baselineBuckets = windowBuckets * InsightSettings.baselineWindows;
  const origin = new Date(scope.to.getTime() - (windowBuckets + baselineBuckets) * bucketMs);
  return { bucketMs, windowBuckets, baselineBuckets, origin, to: scope.to };
}

/** Corroboration across analyzers, confidence and fingerprint for each draft; most severe first. */
export function score(drafts: InsightDraft[], sessionId: string | null): ScoredDraft[] {
  const corroborated = corroboration(drafts);
  return drafts
    .map((draft, index) => {
      const confidenceFactors = { ...draft.factors, corroboration: corroborated[index] };
      return {
        ...draft,
        confidenceFactors,
        confidence: combineConfidence(confidenceFactors),
        fingerprint: fingerprintOf(draft, sessionId),
      };
    })
    .sort(
      (a, b) =>
        SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.confidence - a.confidence,
    );
}

/**
 * At most MAX_DRAFTS_PER_ANALYZER findings per analyzer and run, the most severe first (then
 * the largest sample): a flood of near-identical low findings would bury the ones that matter.
 */
export const MAX_DRAFTS_PER_ANALYZER = 50;

export function mostSevere(drafts: InsightDraft[]): InsightDraft[] {
  if (drafts.length <= MAX_DRAFTS_PER_ANALYZER) return drafts;
  return [...drafts]
    .sort(
      (a, b) =>
        SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
        b.factors.sample_size +
          b.factors.effect_size -
          (a.factors.sample_size + a.factors.effect_size),
    )
    .slice(0, MAX_DRAFTS_PER_ANALYZER);
}

function isSevere(view: InsightView): boolean {
  return view.severity === 'high' || view.severity === 'critical';
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
