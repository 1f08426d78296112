import { ERROR_EPISODE_GAP_MS } from '../common/debug-event.js';

/**
 * Thresholds of the analyzers, in one place (docs/insights.md explains each).
 * Generation splits the scope into BUCKETS_PER_WINDOW buckets and compares them with
 * BASELINE_WINDOWS windows of the same length just before the scope.
 */
export const InsightSettings = {
  bucketsPerWindow: 12,
  /** Baseline span, in windows before the scope (a 1 h scope → 3 h of baseline). */
  baselineWindows: 3,
  /** Smallest bucket, so that a narrow scope still has meaningful counts. */
  minBucketMs: 60_000,

  errorPattern: {
    /** Errors of one pattern in one bucket before a burst is considered. */
    burstMinCount: 10,
    /** Bucket count must be at least this multiple of the baseline median. */
    burstMinRatio: 3,
    burstMinScore: 5,
    /** Errors of a never-seen pattern before it is reported as new. */
    newPatternMinCount: 1,
    /**
     * In a store younger than the grid, a new pattern that first showed within this many of its
     * mean gaps of its components' first events may have been there all along (low).
     */
    newPatternStartGaps: 3,
    /** New patterns with the same counts that begin and end within this of each other are one failure logged twice. */
    twinToleranceMs: 60_000,
  },

  anomaly: {
    minScore: 5,
    spikeMinRatio: 2,
    spikeMinExcess: 20,
    /** No spike when 2+ baseline buckets reached at least 1/this of the bucket (bursts that recur). */
    spikeRecurringFactor: 1.5,
    dropMaxRatio: 0.25,
    /** A drop or silence needs a baseline median of at least this many events per bucket. */
    minBaselineMedian: 5,
    /** Consecutive empty buckets at the end of the scope that make a silence. */
    silenceBuckets: 2,
    /** Baseline buckets a series needs before it is judged. */
    minBaselineBuckets: 6,
    /**
     * A silent instance is replaced when a new instance of its type began sending within this of
     * its silence (a rolling deploy starts the new pod shortly before it stops the old one).
     */
    replacementWindowMs: 10 * 60_000,
    /**
     * …and, since it began, has sent at least this share of what the silent one sent per bucket
     * (a load balancer spreads the work over the pods of a type; a new pod ramps up)…
     */
    replacementMinShare: 0.25,
    /** …judged once that many events were expected of it (fewer tell nothing). */
    replacementMinExpected: 8,
    /**
     * Seasonal baseline (docs/insights.md): a spike is also compared with the same time of day on
     * up to this many earlier days…
     */
    seasonalDays: 7,
    /** …once the series has history on at least this many of them… */
    seasonalMinDays: 2,
    /** …for buckets up to this long (scopes up to 6 h; longer buckets average the daily cycle away)… */
    seasonalMaxBucketMs: 30 * 60_000,
    /** …and for at most this many series per run (one bounded read). */
    seasonalMaxSeries: 50,
    /**
     * A pattern's spike whose components are at least this share new (no events in the baseline)
     * is new members arriving (devices provisioned, pods scaled out): low.
     */
    newcomerShare: 0.8,
    /**
     * Silences of at least this many instances of one type whose last events lie within this of
     * each other are one finding (a site, a zone, a rack went dark).
     */
    silenceGroupMin: 3,
    silenceGroupWindowMs: 10 * 60_000,
  },

  performance: {
    /**
     * A regression's onset inside the scope (onsetOf): the minute after which calls at or above
     * the previous p95, less this share of all calls, add up to the most; the percentiles since
     * then are read from at most `onsetSample` calls.
     */
    onsetShare: 0.25,
    onsetSample: 20_000,
    /** State changes of the regressed type this long before its onset are named with it. */
    changesBeforeMs: 15 * 60_000,
    minSamples: 30,
    /** p95 of the scope / p95 of the previous window at or above this is a regression. */
    regressionRatio: 1.5,
    /** …and the p95 grew by at least this many milliseconds. */
    regressionMinDeltaMs: 20,
    /**
     * …and the calls of the scope at or above the previous p95 are more than chance gives
     * (binomial, about 5% each): chance by luck at most this (regressionChance).
     */
    regressionMaxChance: 1e-3,
    /**
     * Few calls, large effect (docs/insights.md): calls of the scope compared with the whole
     * baseline (3 windows). At least this many slow calls, a baseline of at least this many calls,
     * the slow calls at least this multiple of the baseline p99, and a chance by luck at most this.
     */
    fewCallsMin: 2,
    fewCallsBaselineMin: 10,
    fewCallsMinRatio: 2,
    fewCallsMaxChance: 1e-4,
    /** Below this chance by luck (and at ≥ 3× the baseline p99) the finding is high. */
    fewCallsHighChance: 1e-9,
    fewCallsCandidates: 20,
    fewCallsFetch: 30,
    criticalPathChains: 1,
    chainEventLimit: 500,
  },

  flow: {
    /** A flow with a start marker and no end marker for this long is stuck. */
    stuckAfterMs: 5 * 60_000,
    /**
     * A start marker promises an end marker only where the chains of its kind keep the promise:
     * when at least `minStarted` earlier chains of the kind started and went quiet (history, as
     * the learned shapes') and fewer than `minEndedFraction` of them ended with an end marker,
     * the kind's chains end some other way ("upload started" … "upload stored") and a missing
     * end says nothing.
     */
    /** Chains an error propagation needs before it is above low severity. */
    minPropagationChains: 3,
    /**
     * A stuck flow is high with this many chains, or with `stalledChains` whose median idle time
     * is `stalledFactor` times their timeout or more: work held far past any wait its kind knows.
     */
    stuckHigh: { chains: 10, stalledChains: 5, stalledFactor: 5 },
    /** An error this long after every earlier error of its chain, not linked to one, starts a new episode. */
    episodeGapMs: ERROR_EPISODE_GAP_MS,
    conventionEnds: {
      minStarted: 10,
      minEndedFraction: 0.5,
      /** The most recent started chains of the history read to judge kinds by. */
      sampleChains: 2000,
      /**
       * A kind whose ended chains were normally quiet longer (nightly jobs, batch runs) is stuck
       * only after max(stuckAfterMs, p99 of its ended chains' longest gap × quietFactor), with 10
       * ended chains at least (MIN_ENDED_FOR_QUIET); the factor is the learned shapes' gapFactor.
       */
      quietFactor: 2,
    },
    chainLimit: 2000,
    errorEventLimit: 20_000,
    evidenceChains: 5,
    /** Flow shapes learned from chains without start or end markers (flow-shapes.ts). */
    learned: {
      /** Chains quiet for this long before the scope end (and before the scope) are history. */
      historyQuietMs: 30 * 60_000,
      /** Completed chains of a kind needed before its chains are judged. */
      minChains: 20,
      /** Completed chains that passed a step needed before a chain stopped there is judged. */
      minStepChains: 10,
      /** A step that ends fewer than this share of the chains that pass it does not end chains. */
      maxEndFraction: 0.05,
      /** A chain ended normally when its last step ends at least this share of chains. */
      endedMinFraction: 0.5,
      /**
       * Completed chains that came to an outcome of a step (its message pattern) needed before a
       * chain that stopped there counts as ended by it: five that all stopped there would come
       * by chance once in 32 if it ended no more than half of them.
       */
      minOutcomeChains: 5,
      /** Stuck after max(p99 gap after the step × gapFactor, floorMs) without an event. */
      gapFactor: 2,
      floorMs: 2 * 60_000,
      /** A step passed by at least this share of completed chains is required. */
      minPresence: 0.95,
      minBrokenChains: 2,
      /** Chance by luck (binomial, corrected for the steps tried) at most this for a broken flow. */
      brokenMaxChance: 1e-3,
      /** Shapes are relearned when the history's end moved on by this much (or the scope changed). */
      relearnAfterMs: 10 * 60_000,
      historyChains: 1500,
      judgedChains: 2000,
      /** Events read per chain: the first `eventsHead` and the last `eventsTail`. */
      eventsHead: 40,
      eventsTail: 10,
      maxKinds: 50,
      maxStepsPerKind: 50,
    },
  },

  consistency: {
    /**
     * A field on which the same members differed in snapshots this much older than their latest
     * (before the scope, else their first) differs by nature (a leader's role), not by fault.
     */
    standingAfterMs: 10 * 60_000,
    /** Snapshots older than this before the scope end are not compared. */
    lookbackMs: 24 * 3_600_000,
    /** A replica whose latest snapshot is this much older than its group's newest is stale. */
    staleAfterMs: 15 * 60_000,
    maxDepth: 6,
    maxFields: 500,
    /** Fields that differ by nature between replicas (identity, clocks, counters). */
    ignoredField:
      /(^|\.)(id|ids|host|hostname|pid|ip|address|port|instance|instance_id|node|node_id|uptime|uptime_s|uptime_ms|started_at|updated_at|last_seen|timestamp|time|ts|now|requests|request_count|count|counter)$/i,
    versionField: /(^|\.)([a-z_]*(version|revision|generation|epoch|release)|rev)$/i,
    /**
     * A member whose field kept its value while most of the peers that shared that value earlier
     * moved on is left behind (a rollout's straggler), even where the field differed earlier:
     * for a field that is not a version, only when this share of the members that send it now
     * agree (a near-unanimous group, not a leader and its followers).
     */
    leftBehindMajority: 0.75,
    /**
     * Members that took the newest value and fail since, while those behind do not: the change is
     * the suspect. Their errors in the scope: at least this many, at this rate, this many times
     * their rate before, and this many times the rate of the members behind.
     */
    changeFailure: { minErrors: 5, minRate: 0.05, vsBefore: 3, vsBehind: 3 },
  },

  confidence: {
    recencyHalfLifeMs: 3_600_000,
  },

  /** Sample event ids kept in an insight's evidence. */
  evidenceEventIds: 10,
} as const;

export type InsightSettingsShape = typeof InsightSettings;

export function bucketMsFor(from: Date, to: Date): number {
  const span = Math.max(1, to.getTime() - from.getTime());
  return Math.max(
    InsightSettings.minBucketMs,
    Math.ceil(span / InsightSettings.bucketsPerWindow / 1000) * 1000,
  );
}
