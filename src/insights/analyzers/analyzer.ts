import type {
  BucketGrid,
  BucketSeries,
  ChainSummaryRow,
  DurationMomentsRow,
  ErrorPatternRow,
  InsightAggregatesRepository,
  KindEnds,
  FlowChainLimits,
} from '../insight-aggregates.repository.js';
import type { InsightRollupReader } from '../insight-rollup.reader.js';
import type { InsightRollupRefresher } from '../insight-rollup.refresher.js';
import { ROLLUP_RECENT_MS, ROLLUP_RETENTION_MS } from '../insight-rollup-tables.js';
import { SeasonalHistory, seasonalRanges } from '../seasonal-history.js';
import type { PatternLineage } from '../../patterns/pattern.repository.js';
import type { AnalyzerName, InsightDraft, InsightScope } from '../insight.types.js';

/**
 * What one generation run hands its analyzers: the scope, the bucket grid, the clock,
 * and the shared aggregates (fetched once, on first use, whichever analyzer asks first).
 */
export class AnalysisContext {
  private componentSeriesPromise?: Promise<BucketSeries[]>;
  private patternSeriesPromise?: Promise<BucketSeries[]>;
  private rollupsReady?: Promise<unknown>;

  constructor(
    readonly aggregates: InsightAggregatesRepository,
    private readonly rollups: {
      refresher: InsightRollupRefresher;
      reader: InsightRollupReader;
    } | null,
    readonly scope: InsightScope,
    readonly grid: BucketGrid,
    readonly now: Date,
    readonly consistencyGroups: ReadonlyMap<string, readonly string[]> = new Map(),
    /**
     * The patterns module's lineage of pattern ids (merges) and its masking of values in a
     * message, both computed there only.
     */
    readonly patterns: {
      lineage(patternIds: readonly string[]): Promise<PatternLineage>;
      maskValues(message: string): string;
    } | null = null,
  ) {}

  /** Roots and members of pattern ids; without the patterns module, every id is its own root. */
  patternLineage(patternIds: readonly string[]): Promise<PatternLineage> {
    if (this.patterns) return this.patterns.lineage(patternIds);
    const rootOf = new Map(patternIds.map((id) => [id, id]));
    return Promise.resolve({
      rootOf,
      roots: new Map(patternIds.map((id) => [id, { members: new Set([id]), firstSeen: null }])),
    });
  }

  /** Start of the baseline: `baselineBuckets` buckets before the scope. */
  get baselineFrom(): Date {
    return this.grid.origin;
  }

  /**
   * Whether the aggregates come from the rollups: only for runs over every component and session
   * (rollups have no session or component filter) whose scope ends at most 15 minutes before now
   * and whose baseline starts within the rollups' retention; scoped runs, looks at the past and
   * scopes over about two days aggregate debug_events directly.
   */
  get usesRollups(): boolean {
    return (
      this.rollups !== null &&
      !this.scope.sessionId &&
      !(this.scope.components && this.scope.components.length > 0) &&
      this.now.getTime() - this.scope.to.getTime() <= ROLLUP_RECENT_MS &&
      // the baseline must lie within what the rollups keep
      this.now.getTime() - this.grid.origin.getTime() < ROLLUP_RETENTION_MS - ROLLUP_RECENT_MS
    );
  }

  componentSeries(): Promise<BucketSeries[]> {
    this.componentSeriesPromise ??= this.usesRollups
      ? this.ready().then(() => this.rollups!.reader.componentSeries(this.grid))
      : this.aggregates.componentSeries(this.scope, this.grid);
    return this.componentSeriesPromise;
  }

  patternSeries(): Promise<BucketSeries[]> {
    this.patternSeriesPromise ??= this.usesRollups
      ? this.ready().then(() => this.rollups!.reader.patternSeries(this.grid))
      : this.aggregates.patternSeries(this.scope, this.grid);
    return this.patternSeriesPromise;
  }

  /**
   * Counts of `series` at the scope's time of day on up to `days` earlier days: the days the
   * rollups cover from them when this run reads rollups (a service that ran for a week keeps 8
   * days), the other days from one aggregate of debug_events over those series and days only
   * (indexed by component or pattern and time: a scope-length window of the candidates' events
   * per day).
   */
  async seasonalHistory(series: readonly BucketSeries[], days: number): Promise<SeasonalHistory> {
    const history = new SeasonalHistory(this.grid, seasonalRanges(this.grid, days));
    if (series.length === 0) return history;
    let uncovered = history.ranges;
    if (this.usesRollups) {
      await this.ready();
      const rolledFrom = (await this.rollups!.reader.rolledFrom())?.getTime() ?? Infinity;
      const covered = history.ranges.filter((range) => range.from >= rolledFrom);
      uncovered = history.ranges.filter((range) => range.from < rolledFrom);
      if (covered.length > 0)
        await this.rollups!.reader.seasonalMinutes(
          series.map(({ key }) => key),
          covered,
          history,
        );
    }
    if (uncovered.length > 0)
      await this.aggregates.seasonalMinutes(this.scope, series, uncovered, history);
    return history;
  }

  /** Error events per pattern and component over baseline + scope, split into baseline and scope. */
  errorPatterns(): Promise<ErrorPatternRow[]> {
    return this.usesRollups
      ? this.ready().then(() =>
          this.rollups!.reader.errorPatterns(this.scope.from, this.scope.to, this.baselineFrom),
        )
      : this.aggregates.errorPatterns(this.scope, this.baselineFrom);
  }

  /** Duration moments per component and operation in the scope and in [previousFrom, scope.from). */
  durationMoments(previousFrom: Date): Promise<DurationMomentsRow[]> {
    return this.usesRollups
      ? this.ready().then(() =>
          this.rollups!.reader.durationMoments(this.scope.from, this.scope.to, previousFrom),
        )
      : this.aggregates.durationMoments(this.scope, previousFrom);
  }

  /** Correlation chains of the scope with errors, or started and quiet since `stuckBefore` without an end. */
  problemChains(stuckBefore: Date, limit: number): Promise<ChainSummaryRow[]> {
    return this.usesRollups
      ? this.ready().then(() =>
          this.rollups!.reader.problemChains(this.scope.from, this.scope.to, stuckBefore, limit),
        )
      : this.aggregates.problemChains(this.scope, stuckBefore, limit);
  }

  /** The kind of each of these chains of the scope (its first event's). */
  chainKinds(correlationIds: readonly string[]): Promise<Map<string, string>> {
    return this.usesRollups
      ? this.ready().then(() =>
          this.rollups!.reader.chainKinds(correlationIds, this.scope.from, this.scope.to),
        )
      : this.aggregates.chainKinds(this.scope, correlationIds);
  }

  /**
   * Per kind, earlier chains that started and went quiet before `historyBefore`, how many ended,
   * and how long the ended ones were quiet at most (of the most recent `sampleChains`).
   */
  startedChainEnds(
    kinds: readonly string[],
    historyBefore: Date,
    sampleChains: number,
  ): Promise<Map<string, KindEnds>> {
    return this.usesRollups
      ? this.ready().then(() =>
          this.rollups!.reader.startedChainEnds(
            kinds,
            this.baselineFrom,
            this.scope.to,
            historyBefore,
            sampleChains,
          ),
        )
      : this.aggregates.startedChainEnds(
          this.scope,
          kinds,
          this.baselineFrom,
          historyBefore,
          sampleChains,
        );
  }

  /**
   * Chains without errors: history quiet before `historyBefore`, judged in [scope.from,
   * judgeBefore) (those with an end marker only when `judgeEnded`).
   */
  flowChainIds(
    historyBefore: Date,
    judgeBefore: Date,
    limits: FlowChainLimits,
    judgeEnded: boolean,
  ): Promise<{ history: string[]; judged: string[] }> {
    return this.usesRollups
      ? this.ready().then(() =>
          this.rollups!.reader.flowChainIds(
            this.baselineFrom,
            this.scope.from,
            this.scope.to,
            historyBefore,
            judgeBefore,
            limits,
            judgeEnded,
          ),
        )
      : this.aggregates.flowChainIds(
          this.scope,
          this.baselineFrom,
          historyBefore,
          judgeBefore,
          limits,
          judgeEnded,
        );
  }

  private ready(): Promise<unknown> {
    this.rollupsReady ??= this.rollups!.refresher.ensure(this.grid.origin, this.grid.to, this.now);
    return this.rollupsReady;
  }
}

export interface Analyzer {
  readonly name: AnalyzerName;
  analyze(context: AnalysisContext): Promise<InsightDraft[]>;
}

/** Start time of bucket `index` (0 = oldest baseline bucket) of a grid. */
export function bucketStart(grid: BucketGrid, index: number): Date {
  return new Date(grid.origin.getTime() + index * grid.bucketMs);
}

export function formatTime(value: Date): string {
  return value.toISOString().replace('.000Z', 'Z');
}

export function describeComponents(keys: readonly string[], max = 4): string {
  if (keys.length <= max) return keys.join(', ');
  return `${keys.slice(0, max).join(', ')} and ${keys.length - max} more`;
}
