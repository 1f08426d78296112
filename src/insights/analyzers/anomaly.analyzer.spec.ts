import type { BucketGrid, BucketSeries } from '../insight-aggregates.repository.js';
import {
  detectAnomalies,
  findAnomalies,
  groupSilences,
  withNewcomers,
  withoutSilencedPatterns,
  judge,
  judgeSeasonally,
  seasonalBaseline,
} from './anomaly.analyzer.js';
import { DAY_MS, SeasonalHistory, seasonalRanges } from '../seasonal-history.js';

const to = new Date('2026-01-01T12:00:00Z');
const grid: BucketGrid = {
  bucketMs: 300_000,
  windowBuckets: 12,
  baselineBuckets: 36,
  origin: new Date(to.getTime() - 48 * 300_000),
  to,
};

/** A steady Poisson-like baseline around `level` with small wiggles. */
function steady(level: number, length: number): number[] {
  return Array.from({ length }, (_, index) => level + ((index * 7) % 5) - 2);
}

function componentSeries(counts: number[]): BucketSeries {
  return {
    key: 'component:api/api-1',
    component: { component_type: 'api', component_id: 'api-1' },
    counts,
    errors: counts.map(() => 0),
    lastAt: new Date(to.getTime() - 1000),
  };
}

describe('anomaly analyzer', () => {
  it('finds nothing in steady traffic', () => {
    expect(judge(componentSeries(steady(50, 48)), grid, true)).toBeNull();
  });

  it('finds a spike with expected, observed and a robust score', () => {
    const counts = steady(50, 48);
    counts[44] = 400;
    const [draft] = detectAnomalies({
      grid,
      now: to,
      componentSeries: [componentSeries(counts)],
      patternSeries: [],
    });
    expect(draft).toMatchObject({ type: 'anomaly', kind: 'spike', severity: 'medium' });
    expect(draft.evidence).toMatchObject({ observed: 400, expected: 50 });
    expect(draft.evidence.score as number).toBeGreaterThan(20);
    expect(draft.evidence.bucket_start).toBe(
      new Date(grid.origin.getTime() + 44 * grid.bucketMs).toISOString(),
    );
  });

  it('does not call a recurring burst a spike, but does a one-off past burst of the same size', () => {
    // a batch job every 6 buckets: 300 events in one bucket, nothing else
    const recurring = new Array(48).fill(0).map((_, index) => (index % 6 === 2 ? 300 : 0));
    expect(judge(componentSeries(recurring), grid, true)).toBeNull();
    const once = new Array(48).fill(0);
    once[8] = 300;
    once[44] = 300;
    expect(judge(componentSeries(once), grid, true)).toMatchObject({
      kind: 'spike',
      observed: 300,
    });
  });

  it('measures earlier bursts at the volume level of the scope when traffic follows the time of day', () => {
    // the level triples from the first baseline hour to the scope; a burst of 4× the level recurs
    const levels = [10, 15, 20, 30];
    const counts = Array.from({ length: 48 }, (_, index) => levels[Math.floor(index / 12)]);
    counts[5] = 40;
    counts[17] = 60;
    counts[29] = 80;
    counts[44] = 120;
    // in events the scope's burst is 3× anything before, relative to its hour it is as high
    expect(judge(componentSeries(counts), grid, true)).toBeNull();
    // a burst twice as high relative to its hour is still a spike
    counts[44] = 240;
    expect(judge(componentSeries(counts), grid, true)).toMatchObject({
      kind: 'spike',
      observed: 240,
    });
  });

  it('rates a spike against the level of its own hour as well as the baseline median', () => {
    // the baseline median is 15, the scope runs at 30: 100 events are 6.7× the one, 3.3× the other
    const levels = [10, 15, 20, 30];
    const counts = Array.from({ length: 48 }, (_, index) => levels[Math.floor(index / 12)]);
    counts[44] = 100;
    const [draft] = detectAnomalies({
      grid,
      now: to,
      componentSeries: [componentSeries(counts)],
      patternSeries: [],
    });
    expect(draft).toMatchObject({ kind: 'spike', severity: 'low' });
    expect(draft.evidence).toMatchObject({ expected: 15, scope_median: 30 });
    counts[44] = 330;
    expect(
      detectAnomalies({
        grid,
        now: to,
        componentSeries: [componentSeries(counts)],
        patternSeries: [],
      })[0].severity,
    ).toBe('high');
  });

  it('is not fooled by one huge baseline outlier (median, not mean)', () => {
    const counts = steady(50, 48);
    counts[10] = 5000;
    counts[45] = 90;
    expect(judge(componentSeries(counts), grid, true)).toBeNull();
  });

  it('finds a drop', () => {
    const counts = steady(50, 48);
    counts[40] = 3;
    const finding = judge(componentSeries(counts), grid, true)!;
    expect(finding.kind).toBe('drop');
    expect(finding.score).toBeLessThan(-5);
  });

  it('finds silence: a steady component with nothing in the last buckets', () => {
    const counts = steady(30, 48);
    for (let index = 43; index < 48; index++) counts[index] = 0;
    const [draft] = detectAnomalies({
      grid,
      now: to,
      componentSeries: [componentSeries(counts)],
      patternSeries: [],
    });
    expect(draft).toMatchObject({ kind: 'silence', severity: 'high' });
    expect(draft.evidence).toMatchObject({ observed: 0, expected: 30 });
    expect(draft.firstSeen).toEqual(new Date(grid.origin.getTime() + 43 * grid.bucketMs));
  });

  it('marks a silent instance replaced when a new one of its type began sending then: low, not high', () => {
    const instance = (type: string, id: string, counts: number[]): BucketSeries => ({
      key: `component:${type}/${id}`,
      component: { component_type: type, component_id: id },
      counts,
      errors: counts.map(() => 0),
      lastAt: null,
    });
    // a rolling deploy: api-1 stops at bucket 43, api-2 (new) started at 42; worker-1 stops with no newcomer
    const old = steady(30, 48);
    const stopped = steady(30, 48);
    for (let index = 43; index < 48; index++) old[index] = stopped[index] = 0;
    const fresh = new Array(48).fill(0).map((_, index) => (index >= 42 ? 30 : 0));
    // a newcomer of another type, and one of the same type that began long before: neither replaces
    const otherType = new Array(48).fill(0).map((_, index) => (index >= 42 ? 30 : 0));
    const drafts = detectAnomalies({
      grid,
      now: to,
      componentSeries: [
        instance('api', 'api-1', old),
        instance('api', 'api-2', fresh),
        instance('worker', 'worker-1', stopped),
        instance('cron', 'cron-9', otherType),
      ],
      patternSeries: [],
    });
    const byKey = new Map(drafts.map((draft) => [draft.evidence.series, draft]));
    expect(byKey.get('component:api/api-1')).toMatchObject({ kind: 'silence', severity: 'low' });
    expect(byKey.get('component:api/api-1')!.evidence.replaced_by).toEqual({
      component: { component_type: 'api', component_id: 'api-2' },
      first_bucket_start: new Date(grid.origin.getTime() + 42 * grid.bucketMs).toISOString(),
    });
    expect(byKey.get('component:api/api-1')!.title).toContain('api/api-2, took over');
    expect(byKey.get('component:worker/worker-1')).toMatchObject({ severity: 'high' });
    expect(byKey.get('component:worker/worker-1')!.evidence.replaced_by).toBeUndefined();

    // a newcomer that began 20 buckets (100 min) before the stop is a scale-out, not this stop's replacement
    const early = new Array(48).fill(0).map((_, index) => (index >= 23 ? 30 : 0));
    const [alone] = findAnomalies({
      grid,
      now: to,
      componentSeries: [instance('api', 'api-1', old), instance('api', 'api-3', early)],
      patternSeries: [],
    });
    expect(alone.finding).toMatchObject({ kind: 'silence' });
    expect(alone.finding.replacedBy).toBeUndefined();

    // a rolling deploy, pods replaced one after another: stops at 43, 44, 45, the new pods
    // first seen at 42, 43, 44 (each a little before its old pod stopped): all three replaced
    const stoppingAt = (index: number) =>
      steady(30, 48).map((count, at) => (at >= index ? 0 : count));
    const startingAt = (index: number) =>
      new Array(48).fill(0).map((_, at) => (at >= index ? 30 : 0));
    const rolled = findAnomalies({
      grid,
      now: to,
      componentSeries: [
        instance('api', 'old-1', stoppingAt(43)),
        instance('api', 'old-2', stoppingAt(44)),
        instance('api', 'old-3', stoppingAt(45)),
        instance('api', 'new-1', startingAt(42)),
        instance('api', 'new-2', startingAt(43)),
        instance('api', 'new-3', startingAt(44)),
      ],
      patternSeries: [],
    });
    expect(
      rolled.map(({ series, finding }) => [
        series.component!.component_id,
        finding.replacedBy?.component.component_id,
      ]),
    ).toEqual([
      ['old-1', 'new-1'],
      ['old-2', 'new-2'],
      ['old-3', 'new-3'],
    ]);

    // a new pod that crash-loops (a line or two now and then) takes nothing over: still a silence
    const crashLooping = new Array(48)
      .fill(0)
      .map((_, index) => (index >= 42 && index % 2 === 0 ? 2 : 0));
    const [unreplaced] = findAnomalies({
      grid,
      now: to,
      componentSeries: [instance('api', 'api-1', old), instance('api', 'api-5', crashLooping)],
      patternSeries: [],
    });
    expect(unreplaced.finding).toMatchObject({ kind: 'silence' });
    expect(unreplaced.finding.replacedBy).toBeUndefined();
    // one that ramps up to a third of the old pod's work took over
    const rampingUp = new Array(48).fill(0).map((_, index) => (index >= 42 ? 10 : 0));
    const [ramped] = findAnomalies({
      grid,
      now: to,
      componentSeries: [instance('api', 'api-1', old), instance('api', 'api-6', rampingUp)],
      patternSeries: [],
    });
    expect(ramped.finding.replacedBy?.component.component_id).toBe('api-6');

    // two silent instances and one newcomer: only the nearer silence is replaced
    const later = steady(30, 48);
    for (let index = 44; index < 48; index++) later[index] = 0;
    const two = findAnomalies({
      grid,
      now: to,
      componentSeries: [
        instance('api', 'api-1', old),
        instance('api', 'api-4', later),
        instance('api', 'api-2', fresh),
      ],
      patternSeries: [],
    });
    expect(two.map(({ finding }) => finding.replacedBy?.component.component_id)).toEqual([
      'api-2',
      undefined,
    ]);
  });

  it('drops the drop of a pattern whose every component went silent: the silence says it', () => {
    const mailer = { component_type: 'mailer', component_id: 'relay-1' };
    const counts = steady(30, 48);
    for (let index = 43; index < 48; index++) counts[index] = 0;
    const silentMailer: BucketSeries = {
      key: 'component:mailer/relay-1',
      component: mailer,
      counts,
      errors: counts.map(() => 0),
      lastAt: null,
    };
    const sent = (key: string, components: BucketSeries['components']): BucketSeries => ({
      key,
      patternId: key,
      components,
      counts: [...counts],
      errors: counts.map(() => 0),
      lastAt: null,
    });
    const found = findAnomalies({
      grid,
      now: to,
      componentSeries: [silentMailer],
      patternSeries: [
        sent('p-sent', [mailer]),
        sent('p-shared', [mailer, { component_type: 'api', component_id: 'api-1' }]),
      ],
    });
    expect(found.map(({ series, finding }) => [series.key, finding.kind])).toEqual([
      ['component:mailer/relay-1', 'silence'],
      ['p-sent', 'drop'],
      ['p-shared', 'drop'],
    ]);
    // the drop of a pattern another, still sending, component logs too is news of its own
    expect(withoutSilencedPatterns(found).map(({ series }) => series.key)).toEqual([
      'component:mailer/relay-1',
      'p-shared',
    ]);
  });

  it('makes one finding of instances of a type that went quiet together, not one each', () => {
    const gateway = (id: string, quietFrom: number): BucketSeries => {
      const counts = steady(30, 48);
      for (let index = quietFrom; index < 48; index++) counts[index] = 0;
      return {
        key: `component:gw/${id}`,
        component: { component_type: 'gw', component_id: id },
        counts,
        errors: counts.map(() => 0),
        lastAt: new Date(grid.origin.getTime() + quietFrom * grid.bucketMs - 20_000),
      };
    };
    // three of a site within one bucket, a fourth an hour later on its own, two still sending
    const series = [
      gateway('den-1', 44),
      gateway('den-2', 44),
      gateway('den-3', 45),
      gateway('ber-1', 48),
      gateway('ber-2', 48),
    ];
    const input = { grid, now: to, componentSeries: series, patternSeries: [] };
    const drafts = groupSilences(detectAnomalies(input), series);
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      kind: 'silence',
      severity: 'high',
      title: '3 of 5 gw instances stopped sending events: gw/den-1, gw/den-2, gw/den-3',
    });
    expect(drafts[0].affected.map((component) => component.component_id)).toEqual([
      'den-1',
      'den-2',
      'den-3',
    ]);
    // two that went quiet together stay two findings
    const pair = series.slice(0, 2);
    expect(groupSilences(detectAnomalies({ ...input, componentSeries: pair }), pair)).toHaveLength(
      2,
    );
  });

  it('rates low a pattern spike that new components log as they arrive (devices provisioned)', () => {
    const counts = steady(2, 48);
    counts[47] = 60;
    const newcomers = Array.from({ length: 5 }, (_, i) => ({
      component_type: 'probe',
      component_id: `p-${i}`,
    }));
    const known: BucketSeries = {
      ...componentSeries(steady(30, 48)),
      key: 'component:probe/p-0',
      component: newcomers[0],
    };
    const fresh = newcomers.slice(1).map((component) => ({
      ...componentSeries([...Array(47).fill(0), 12]),
      key: `component:probe/${component.component_id}`,
      component,
    }));
    const pattern: BucketSeries = {
      key: 'pattern:p-first-state',
      patternId: 'p-first-state',
      components: newcomers,
      counts,
      errors: counts.map(() => 0),
      lastAt: null,
    };
    const found = findAnomalies({ grid, now: to, componentSeries: [], patternSeries: [pattern] });
    expect(found.map(({ finding }) => finding.kind)).toEqual(['spike']);
    const [marked] = withNewcomers(found, [known, ...fresh], grid);
    expect(marked.finding.newcomers).toEqual({ count: 4, of: 5 });
    const [draft] = detectAnomalies({
      grid,
      now: to,
      componentSeries: [known, ...fresh],
      patternSeries: [pattern],
    });
    expect(draft).toMatchObject({ kind: 'spike', severity: 'low' });
    expect(draft.evidence).toMatchObject({ new_components: 4, components: 5 });
    // with most of them known before, it is the system's own surge
    const [known4] = withNewcomers(
      findAnomalies({ grid, now: to, componentSeries: [], patternSeries: [pattern] }),
      newcomers.map((component) => ({
        ...componentSeries(steady(30, 48)),
        key: `component:probe/${component.component_id}`,
        component,
      })),
      grid,
    );
    expect(known4.finding.newcomers).toBeUndefined();
  });

  it('does not call a gap silent when the baseline had gaps as long: traffic in bursts', () => {
    // a request a few minutes apart, each logging 7 events: empty buckets between them
    const bursty = Array.from({ length: 48 }, (_, index) => (index % 3 === 2 ? 0 : 7));
    bursty[10] = 0;
    bursty[11] = 0; // once before, two empty buckets in a row
    bursty[46] = 0;
    bursty[47] = 0;
    expect(judge(componentSeries(bursty), grid, true)?.kind).not.toBe('silence');
    // four in a row (44 was a gap already), longer than any gap before: silent
    bursty[45] = 0;
    const finding = judge(componentSeries(bursty), grid, true)!;
    expect(finding.kind).toBe('silence');
    const [draft] = detectAnomalies({
      grid,
      now: to,
      componentSeries: [componentSeries(bursty)],
      patternSeries: [],
    });
    // it began at its first empty bucket and lasts to the end of the scope
    expect(draft.firstSeen).toEqual(new Date(grid.origin.getTime() + 44 * grid.bucketMs));
    expect(draft.lastSeen).toEqual(grid.to);
  });

  it('does not call a quiet, sparse series or a pattern silent', () => {
    const sparse = new Array(48).fill(0);
    sparse[3] = 1;
    sparse[20] = 2;
    expect(judge(componentSeries(sparse), grid, true)).toBeNull();
    const pattern = steady(30, 48);
    pattern[46] = 0;
    pattern[47] = 0;
    expect(
      judge({ ...componentSeries(pattern), component: undefined, patternId: 'p' }, grid, false)
        ?.kind,
    ).not.toBe('silence');
  });

  it('ignores series that started inside the scope (nothing to compare with)', () => {
    const counts = new Array(48).fill(0);
    for (let index = 40; index < 48; index++) counts[index] = 100;
    expect(judge(componentSeries(counts), grid, true)).toBeNull();
  });

  describe('seasonal baseline (the same time of day on earlier days)', () => {
    /** A daily rush: 15 a bucket in the hours before, 120 in the last 3 buckets of the scope. */
    const rush = (height = 120) => {
      const counts = steady(15, 48);
      for (let index = 45; index < 48; index++) counts[index] = height;
      return componentSeries(counts);
    };
    /** One earlier day at the scope's time: 14 values (a bucket before, the window, a bucket after). */
    const dayWithRush = (height: number) => [15, ...steady(15, 9), height, height, height, height];
    const spikes = (history: number[][] | undefined, height = 120) =>
      judgeSeasonally(
        findAnomalies({ grid, now: to, componentSeries: [rush(height)], patternSeries: [] }),
        grid,
        () => history,
      );

    it('is a spike without earlier days, and not with two days of the same rush', () => {
      expect(judge(rush(), grid, true)).toMatchObject({ kind: 'spike', observed: 120 });
      expect(spikes([dayWithRush(110), dayWithRush(125)])).toEqual([]);
    });

    it('needs history on 2 days: one earlier day suppresses nothing, but is stated', () => {
      const [found] = spikes([dayWithRush(120)]);
      expect(found.finding).toMatchObject({
        kind: 'spike',
        seasonal: { days: 1, level: null },
      });
    });

    it('flags a rise far above the usual level, rated against it, with the numbers compared', () => {
      const usual = [dayWithRush(25), dayWithRush(30), dayWithRush(20)];
      const [found] = spikes(usual, 200);
      expect(found.finding).toMatchObject({
        observed: 200,
        seasonal: { days: 3, level: 25, dayLevels: [25, 30, 20] },
      });
      // 200 / 15 = 13× the hours before: high; 8× the usual level of this time: medium
      const [before] = detectAnomalies({
        grid,
        now: to,
        componentSeries: [rush(200)],
        patternSeries: [],
      });
      expect(before.severity).toBe('high');
      const [after] = detectAnomalies({
        grid,
        now: to,
        componentSeries: [rush(200)],
        patternSeries: [],
        seasonalHistory: () => usual,
      });
      expect(after.severity).toBe('medium');
      expect(after.evidence).toMatchObject({
        seasonal_days: 3,
        seasonal_level: 25,
        seasonal_day_levels: [25, 30, 20],
      });
      expect(after.summary).toContain(
        'the same time on the 3 previous days brought about 25 (8× that)',
      );
    });

    it('counts quiet days up to the farthest day with events, and tolerates a bucket of shift', () => {
      const quiet = new Array(14).fill(0);
      // yesterday quiet at this time, the day before the rush one bucket later: level = median(0, 120)
      const late = [15, ...steady(15, 10), 120, 120, 120];
      const baseline = seasonalBaseline([quiet, late, quiet, quiet], 12);
      expect(baseline.days).toBe(2);
      expect(baseline.dayLevels[8][0]).toBe(0);
      expect(baseline.dayLevels[8][1]).toBeLessThan(20);
      // today's rush starts at bucket 9; that day's a bucket later: still within one bucket
      expect(baseline.dayLevels[9]).toEqual([0, 120]);
      expect(baseline.levels[9]).toBe(60);
      expect(seasonalBaseline(undefined, 12).days).toBe(0);
    });

    it('leaves spikes alone in buckets too long for a daily cycle (scopes over 6 h)', () => {
      const long = { ...grid, bucketMs: 3_600_000 };
      const found = findAnomalies({
        grid: long,
        now: to,
        componentSeries: [rush()],
        patternSeries: [],
      });
      expect(found).toHaveLength(1);
      expect(judgeSeasonally(found, long, () => [dayWithRush(120), dayWithRush(120)])).toEqual(
        found,
      );
    });

    it('maps minutes of earlier days to the window buckets of that day', () => {
      const history = new SeasonalHistory(grid, seasonalRanges(grid, 2));
      const windowStart = to.getTime() - 12 * grid.bucketMs;
      history.add('k', windowStart - DAY_MS, 3); // first window bucket, yesterday
      history.add('k', windowStart - DAY_MS - 60_000, 4); // the bucket before it
      history.add('k', to.getTime() - 2 * DAY_MS, 5); // the bucket after the window, 2 days back
      history.add('k', to.getTime() - 60_000, 9); // today: no earlier day
      expect(history.get('k')![0].slice(0, 3)).toEqual([4, 3, 0]);
      expect(history.get('k')![1][13]).toBe(5);
      expect(
        history
          .get('k')!
          .flat()
          .reduce((sum, count) => sum + count, 0),
      ).toBe(12);
    });
  });
});
