import type { ChainEventRow, DurationStatsRow } from '../insight-aggregates.repository.js';
import {
  binomialTail,
  criticalPath,
  fewCallsRegression,
  findRegressions,
  onsetOf,
  groupReplicas,
  markConsequences,
  regressionCandidates,
  regressionChance,
  regressionDraft,
} from './performance.analyzer.js';
import { InsightSettings } from '../insight-settings.js';
import type { DurationMomentsRow } from '../insight-aggregates.repository.js';

const api = { component_type: 'api', component_id: 'api-1' };
const stats = (
  current: boolean,
  p50: number,
  p95: number,
  count = 200,
  operation = 'checkout',
): DurationStatsRow => ({
  current,
  component: api,
  operation,
  count,
  p50,
  p95,
  p99: p95 * 1.2,
  max: p95 * 2,
});

function event(
  id: string,
  parent: string | null,
  durationMs: number | null,
  component = api,
  operation = id,
): ChainEventRow {
  return {
    id,
    timestamp: new Date('2026-01-01T12:00:00Z'),
    eventType: 'trace',
    level: 'info',
    component,
    operation,
    durationMs,
    parentEventId: parent,
    message: id,
    patternId: null,
    phase: null,
    correlationId: 'c-1',
  };
}

describe('performance analyzer', () => {
  it('flags a p95 that grew past ratio and delta', () => {
    const [regression] = findRegressions([stats(false, 40, 60), stats(true, 150, 240)]);
    expect(regression.p95Ratio).toBeCloseTo(4);
    const draft = regressionDraft(regression, {
      scope: { from: new Date('2026-01-01T11:00:00Z'), to: new Date('2026-01-01T12:00:00Z') },
      now: new Date('2026-01-01T12:00:00Z'),
    });
    expect(draft).toMatchObject({
      type: 'performance',
      kind: 'regression',
      severity: 'high',
      identity: ['api/api-1', 'checkout'],
    });
    expect(draft.evidence).toMatchObject({
      current: { p95_ms: 240 },
      previous: { p95_ms: 60 },
      p95_ratio: 4,
    });
  });

  it('ignores small samples, small deltas and noise', () => {
    expect(findRegressions([stats(false, 40, 60, 10), stats(true, 150, 240, 10)])).toEqual([]);
    expect(findRegressions([stats(false, 2, 4), stats(true, 4, 9)])).toEqual([]);
    expect(findRegressions([stats(false, 40, 60), stats(true, 42, 70)])).toEqual([]);
    expect(findRegressions([stats(true, 150, 240)])).toEqual([]);
  });

  it('keeps a p95 that moved only as far as tens of calls move by chance from being a regression', () => {
    // 36 calls against 32: the p95s are the second largest calls, 2.1× apart
    const [noise] = findRegressions([stats(false, 45, 72, 32), stats(true, 46, 151, 36)]);
    expect(noise).toBeDefined();
    const limit = InsightSettings.performance.regressionMaxChance;
    // 4 of the 36 reached the previous p95: about 2 would by chance
    expect(regressionChance(noise, 4)).toBeGreaterThan(limit);
    // most of them did: the operation did get slower
    expect(regressionChance(noise, 20)).toBeLessThan(limit);
    // a shift of every call over hundreds of calls, as the percentile rule was made for
    const [shift] = findRegressions([stats(false, 40, 60), stats(true, 150, 240)]);
    expect(regressionChance(shift, 180)).toBeLessThan(1e-50);
  });

  it('follows parent links along the heaviest branch', () => {
    const db = { component_type: 'db', component_id: 'db-1' };
    const path = criticalPath([
      event('root', null, 500),
      event('fast', 'root', 20),
      event('slow', 'root', 400),
      event('query', 'slow', 350, db),
      event('cache', 'slow', 5),
    ])!;
    expect(path.method).toBe('parent-links');
    expect(path.steps.map((step) => step.event_id)).toEqual(['root', 'slow', 'query']);
    expect(path.steps[2]).toMatchObject({ component_id: 'db-1', duration_ms: 350 });
    // from the fast call: its own branch, not the chain's heaviest
    const policy = { component_type: 'policy', component_id: 'policy-1' };
    const fromFast = criticalPath(
      [
        event('root', null, 500),
        event('fast', 'root', 20),
        event('lookup', 'fast', 18, policy),
        event('slow', 'root', 400),
      ],
      'fast',
    )!;
    expect(fromFast.steps.map((step) => step.event_id)).toEqual(['fast', 'lookup']);
  });

  it('falls back to the slowest steps without parent links', () => {
    const path = criticalPath([
      event('a', null, 10),
      event('b', null, 300),
      event('c', null, null),
      event('d', null, 90),
    ])!;
    expect(path.method).toBe('slowest-steps');
    expect(path.steps.map((step) => step.event_id)).toEqual(['b', 'd', 'a']);
    expect(path.steps[0].share).toBeCloseTo(0.75);
    expect(criticalPath([event('x', null, null)])).toBeNull();
  });

  it('passes on to the exact pass the pairs whose mean or tail grew, not the steady ones', () => {
    const moments = (values: number[]) => ({
      n: values.length,
      sum: values.reduce((a, b) => a + b, 0),
      squares: values.reduce((a, b) => a + b * b, 0),
    });
    const steady = Array.from({ length: 200 }, (_, index) => 40 + (index % 10));
    const tail = steady.map((value, index) => (index % 20 === 0 ? value * 6 : value));
    const slower = steady.map((value) => value * 2);
    const row = (operation: string, current: number[], previous = steady): DurationMomentsRow => ({
      component: api,
      operation,
      current: moments(current),
      previous: moments(previous),
    });
    const picked = regressionCandidates([
      row('same', steady),
      row('tail', tail),
      row('slower', slower),
      row('few', slower.slice(0, 10)),
    ]);
    expect(picked.map((item) => item.operation)).toEqual(['tail', 'slower']);
  });

  describe('few calls, large effect', () => {
    const moments = (current: number[], previous: number[]): DurationMomentsRow => {
      const of = (values: number[]) => ({
        n: values.length,
        sum: values.reduce((a, b) => a + b, 0),
        squares: values.reduce((a, b) => a + b * b, 0),
      });
      return { component: api, operation: 'sync', current: of(current), previous: of(previous) };
    };
    // a deterministic jittery baseline around 50 ms
    const baselineCalls = Array.from(
      { length: 30 },
      (_, index) => 50 * Math.exp(0.25 * Math.sin(index * 1.7)),
    );
    const baseline = stats(false, 50, 62, 30, 'sync');
    baseline.p99 = 64;

    it('computes binomial tails', () => {
      expect(binomialTail(3, 3, 0.01)).toBeCloseTo(1e-6, 12);
      expect(binomialTail(10, 0, 0.3)).toBe(1);
      expect(binomialTail(10, 1, 0.1)).toBeCloseTo(1 - 0.9 ** 10, 10);
      expect(binomialTail(5, 6, 0.5)).toBe(0);
    });

    it('finds 3 calls of 4–8 s among 10 against a 50 ms baseline, with the chance by luck', () => {
      const scope = [...Array.from({ length: 7 }, () => 50), 4200, 6100, 7900];
      const found = fewCallsRegression(
        moments(scope, baselineCalls),
        stats(true, 50, 7900, 10, 'sync'),
        baseline,
        [7900, 6100, 4200, 50, 50],
      );
      expect(found).not.toBeNull();
      expect(found!.slowCalls).toBe(3);
      expect(found!.thresholdMs).toBe(4200);
      expect(found!.chance).toBeLessThan(1e-9);
    });

    it('finds slow calls that set in at the end of a long scope, not the same calls spread over it', () => {
      // 6 calls of ~2 s among 225 of ~50 ms: 2.7% of the scope, all of the calls since the first
      const scope = [...Array.from({ length: 219 }, () => 50), 1800, 1900, 2000, 2100, 2200, 2300];
      const largest = [2300, 2200, 2100, 2000, 1900, 1800, 50, 50];
      const call = (callsSince?: number[]) =>
        fewCallsRegression(
          moments(scope, baselineCalls),
          stats(true, 50, 2300, 225, 'sync'),
          baseline,
          largest,
          callsSince,
        );
      // the k-th largest came first among them: since it, k calls were made (and a few fast ones)
      const regression = call([1, 2, 3, 4, 5, 6, 200, 225]);
      expect(regression).not.toBeNull();
      expect(regression!.slowCalls).toBe(6);
      expect(regression!.calls).toBe(225);
      // spread over the scope: since the first of them, nearly every call of the scope was made
      expect(call([20, 60, 100, 140, 180, 220, 224, 225])).toBeNull();
      expect(call()).toBeNull();
    });

    it('does not call one slow call a regression', () => {
      const scope = [50, 48, 52, 9000];
      expect(
        fewCallsRegression(
          moments(scope, baselineCalls),
          stats(true, 50, 9000, 4, 'sync'),
          baseline,
          [9000, 52, 50, 48],
        ),
      ).toBeNull();
    });

    it('raises nothing on ordinary jitter of few calls, even heavy-tailed', () => {
      // a heavy-tailed baseline (log-normal, sigma 0.6) and few calls from the same distribution
      const heavy = Array.from(
        { length: 40 },
        (_, index) => 80 * Math.exp(0.6 * 1.6 * Math.sin(index * 2.3)),
      );
      const sorted = [...heavy].sort((a, b) => a - b);
      const heavyStats = stats(false, sorted[20], sorted[37], 40, 'sync');
      heavyStats.p99 = sorted[39];
      for (const scope of [
        [200, 210, 40],
        [sorted[39], sorted[38]],
        [75, 82, 90, 260],
      ]) {
        const largest = [...scope].sort((a, b) => b - a);
        expect(
          fewCallsRegression(
            moments(scope, heavy),
            stats(true, 80, largest[0], scope.length, 'sync'),
            heavyStats,
            largest,
          ),
        ).toBeNull();
      }
    });
  });

  it('marks a regression whose time went to a deeper regressed operation as its consequence', () => {
    const step = (type: string, id: string, operation: string, share: number) => ({
      event_id: `${id}-${operation}`,
      component_type: type,
      component_id: id,
      operation,
      duration_ms: 2000 * share,
      share,
    });
    const draft = (
      type: string,
      operation: string,
      steps: ReturnType<typeof step>[],
      method: 'parent-links' | 'slowest-steps' = 'parent-links',
    ) =>
      ({
        analyzer: 'performance',
        type: 'performance',
        kind: 'regression',
        severity: 'high',
        title: `${type} ${operation}`,
        summary: 'got slower.',
        identity: [type, operation],
        affected: [{ component_type: type, component_id: `${type}-1` }],
        evidence: {
          operation,
          critical_path: {
            correlation_id: 'c',
            total_ms: 2000,
            elapsed_ms: 2000,
            steps,
            method,
          },
        },
        suggestions: [],
        factors: { sample_size: 0.5, effect_size: 0.9, recency: 1 },
        firstSeen: new Date(0),
        lastSeen: new Date(0),
        subjects: [],
      }) as Parameters<typeof markConsequences>[0][number];
    const query = draft('catalog', 'SELECT products', [
      step('catalog', 'catalog-2', 'SELECT products', 1),
    ]);
    const page = draft('storefront', 'GET /products', [
      step('storefront', 'storefront-1', 'GET /products', 1),
      step('catalog', 'catalog-2', 'GET /items', 0.996),
      step('catalog', 'catalog-2', 'SELECT products', 0.994),
    ]);
    // its time went to a call that is not reported: it stays as it is
    const alone = draft('cart', 'POST /items', [
      step('cart', 'cart-1', 'POST /items', 1),
      step('pricing', 'pricing-1', 'quote', 0.9),
    ]);
    // the dependency whose chain's heaviest branch ends in its caller (it is not on it): not
    // its caller's consequence
    const dependency = draft('geo', 'nearby', [
      step('orchestrator', 'orchestrator-1', 'trip', 1),
      step('matching', 'matching-1', 'match', 0.9),
    ]);
    const caller = draft('matching', 'match', [step('matching', 'matching-1', 'match', 1)]);
    // the slowest steps of a chain without parent links say nothing of who waits on whom
    const unlinked = draft(
      'storefront',
      'GET /cart',
      [
        step('storefront', 'storefront-1', 'GET /cart', 1),
        step('catalog', 'catalog-2', 'SELECT products', 0.9),
      ],
      'slowest-steps',
    );
    const marked = markConsequences([page, query, alone, dependency, caller, unlinked]);
    expect(marked.map((item) => [item.title, item.severity])).toEqual([
      ['storefront GET /products', 'low'],
      ['catalog SELECT products', 'high'],
      ['cart POST /items', 'high'],
      ['geo nearby', 'high'],
      ['matching match', 'high'],
      ['storefront GET /cart', 'high'],
    ]);
    expect(marked[0].summary).toMatch(
      /^Most of the slowest call's time \(99%\) was spent in catalog\/catalog-2 SELECT products/,
    );
    expect(marked[0].evidence.explained_by).toMatchObject({
      component_type: 'catalog',
      operation: 'SELECT products',
    });
  });

  it('reports an operation that got slower on several replicas once, listing them', () => {
    const regression = (id: string, severity: 'high' | 'low', ratio: number) =>
      ({
        analyzer: 'performance',
        type: 'performance',
        kind: 'regression',
        severity,
        title: `Latency regression: fraud/${id} HMGET`,
        summary: 'slower.',
        identity: [`fraud/${id}`, 'HMGET'],
        affected: [{ component_type: 'fraud', component_id: id }],
        evidence: { operation: 'HMGET', p95_ratio: ratio, current: { p95_ms: 500 } },
        suggestions: [],
        factors: { sample_size: 0.5, effect_size: 0.9, recency: 1 },
        firstSeen: new Date(1000),
        lastSeen: new Date(2000),
        subjects: [`component:fraud/${id}`],
      }) as Parameters<typeof groupReplicas>[0][number];
    const other = {
      ...regression('ledger-1', 'high', 150),
      affected: [{ component_type: 'ledger', component_id: 'ledger-1' }],
    };
    const grouped = groupReplicas([
      regression('fraud-0', 'low', 170),
      regression('fraud-1', 'high', 160),
      other,
    ]);
    expect(grouped).toHaveLength(2);
    const [fraud] = grouped;
    expect(fraud.severity).toBe('high');
    expect(fraud.title).toBe('Latency regression: fraud/fraud-1 HMGET; also on fraud-0');
    expect(fraud.identity).toEqual(['fraud/*', 'HMGET']);
    expect(fraud.affected.map((component) => component.component_id)).toEqual([
      'fraud-1',
      'fraud-0',
    ]);
    expect(fraud.evidence.instances).toHaveLength(2);
    expect(fraud.summary).toContain('not one host');
    expect(grouped[1]).toBe(other);
  });
});

describe('onsetOf', () => {
  const T = Date.parse('2026-01-01T09:12:00Z');
  const minutes = (above: (index: number) => number, calls = 20) =>
    Array.from({ length: 60 }, (_, index) => ({
      minute: new Date(T + index * 60_000),
      calls,
      above: above(index),
    }));

  it('finds the minute a sharp regression began inside the scope', () => {
    // 1 call in 20 at the old p95 before 09:42, nearly all after
    const sharp = minutes((index) => (index < 30 ? (index % 20 === 0 ? 1 : 0) : 19));
    expect(onsetOf(sharp)).toEqual(new Date(T + 30 * 60_000));
  });

  it('dates a gradual one where the slow calls began to crowd', () => {
    // the share of slow calls grows from 5% at 09:41 to all of them at 10:01
    const ramp = minutes((index) =>
      index < 29 ? 1 : Math.min(20, Math.round(1 + ((index - 29) * 19) / 20)),
    );
    const at = onsetOf(ramp)!.getTime();
    expect(at).toBeGreaterThanOrEqual(T + 30 * 60_000);
    expect(at).toBeLessThanOrEqual(T + 36 * 60_000);
  });

  it('gives none when it began before the scope, or when nothing crowds', () => {
    expect(onsetOf(minutes(() => 18))).toBeNull();
    expect(onsetOf(minutes((index) => (index % 20 === 0 ? 1 : 0)))).toBeNull();
  });
});
