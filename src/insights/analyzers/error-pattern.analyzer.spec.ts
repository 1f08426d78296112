import type {
  BucketGrid,
  BucketSeries,
  ErrorPatternRow,
} from '../insight-aggregates.repository.js';
import { detectErrorPatterns, mergeByRoot, typeStartsOf } from './error-pattern.analyzer.js';

const to = new Date('2026-01-01T12:00:00Z');
const grid: BucketGrid = {
  bucketMs: 300_000,
  windowBuckets: 12,
  baselineBuckets: 36,
  origin: new Date(to.getTime() - 48 * 300_000),
  to,
};
const now = to;
const inScopeAt = new Date(to.getTime() - 20 * 60_000);

function row(
  patternId: string,
  component: string,
  inScope: boolean,
  count: number,
  levels = 'error',
): ErrorPatternRow {
  const [component_type, component_id] = component.split('/');
  return {
    patternId,
    component: { component_type, component_id },
    inScope,
    count,
    firstAt: inScope ? inScopeAt : new Date(to.getTime() - 2 * 3_600_000),
    lastAt: inScope
      ? new Date(inScopeAt.getTime() + 60_000)
      : new Date(to.getTime() - 2 * 3_600_000 + 60_000),
    sampleMessage: `message of ${patternId}`,
    lastEventId: `${patternId}-last`,
    firstEventId: `${patternId}-first`,
    levels,
  };
}

function series(patternId: string, baselineErrors: number, windowErrors: number[]): BucketSeries {
  const errors = [...new Array(grid.baselineBuckets).fill(baselineErrors), ...windowErrors];
  return { key: `pattern:${patternId}`, patternId, counts: errors, errors, lastAt: to };
}

const quietWindow = new Array(12).fill(1);

describe('error-pattern analyzer', () => {
  it('reports a burst when a bucket is far above the pattern baseline', () => {
    const window = [...quietWindow];
    window[8] = 60;
    const drafts = detectErrorPatterns({
      grid,
      now,
      patternSeries: [series('p1', 1, window)],
      rows: [
        { ...row('p1', 'pay/pay-1', false, 36), sampleMessage: 'deadlock of batch 12, 2 h ago' },
        { ...row('p1', 'pay/pay-1', true, 71), sampleMessage: 'deadlock of batch 88, now' },
      ],
      seenBefore: new Set(['p1']),
    });
    expect(drafts).toHaveLength(1);
    // the example is one of the burst's, not one from hours before it
    expect(drafts[0].title).toContain('"deadlock of batch 88, now"');
    expect(drafts[0]).toMatchObject({
      type: 'error',
      kind: 'burst',
      severity: 'high',
      identity: ['p1'],
    });
    expect(drafts[0].evidence).toMatchObject({ observed: 60, expected: 1, pattern_id: 'p1' });
    expect(drafts[0].affected).toEqual([{ component_type: 'pay', component_id: 'pay-1' }]);
  });

  it('stays quiet when the pattern runs at its usual rate', () => {
    const drafts = detectErrorPatterns({
      grid,
      now,
      patternSeries: [series('p1', 20, new Array(12).fill(24))],
      rows: [row('p1', 'pay/pay-1', false, 720), row('p1', 'pay/pay-1', true, 288)],
      seenBefore: new Set(['p1']),
    });
    expect(drafts).toEqual([]);
  });

  it('needs the burst to be large in absolute terms, not only in ratio', () => {
    const window = [...quietWindow];
    window[3] = 6;
    const drafts = detectErrorPatterns({
      grid,
      now,
      patternSeries: [series('p1', 0, window)],
      rows: [row('p1', 'pay/pay-1', false, 2), row('p1', 'pay/pay-1', true, 17)],
      seenBefore: new Set(['p1']),
    });
    expect(drafts).toEqual([]);
  });

  it('reports a pattern never stored before as new, with high severity at critical level', () => {
    const drafts = detectErrorPatterns({
      grid,
      now,
      patternSeries: [series('p2', 0, quietWindow)],
      rows: [row('p2', 'inv/inv-2', true, 4, 'critical,error')],
      seenBefore: new Set(),
    });
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({ kind: 'new_pattern', severity: 'high' });
    expect(drafts[0].factors.effect_size).toBe(1);
  });

  it('rates a new pattern low in a young store when it may have been there from the start', () => {
    // the store began 50 minutes ago: the pay type's first bucket, the inv type's 20 minutes later
    const young = (type: string, id: string, from: number): BucketSeries => {
      const counts = new Array(48).fill(0).map((_, index) => (index >= from ? 30 : 0));
      return {
        key: `component:${type}/${id}`,
        component: { component_type: type, component_id: id },
        counts,
        errors: counts.map(() => 0),
        lastAt: to,
      };
    };
    const typeStarts = typeStartsOf([young('pay', 'pay-1', 38), young('inv', 'inv-2', 42)], grid);
    expect(typeStarts.get('pay')).toEqual(new Date(grid.origin.getTime() + 38 * grid.bucketMs));
    const at = (minutesAgo: number) => new Date(to.getTime() - minutesAgo * 60_000);
    const newRow = (component: string, count: number, firstMinutesAgo: number) => ({
      ...row('p9', component, true, count),
      firstAt: at(firstMinutesAgo),
      lastAt: at(1),
    });
    const judge = (rows: ErrorPatternRow[]) =>
      detectErrorPatterns({
        grid,
        now,
        patternSeries: [],
        rows,
        seenBefore: new Set(),
        typeStarts,
      })[0];
    // 12 declines in 50 minutes (a mean gap of ~4 min), the first 6 minutes in: there all along
    const steady = judge([newRow('pay/pay-1', 12, 44)]);
    expect(steady).toMatchObject({ kind: 'new_pattern', severity: 'low' });
    expect(steady.evidence.history_since).toBe(typeStarts.get('pay')!.toISOString());
    expect(steady.summary).toContain('new does not mean changed');
    // 20 errors that began 30 minutes after the type did: at that rate they would have shown sooner
    expect(judge([newRow('pay/pay-1', 20, 20)])).toMatchObject({ severity: 'medium' });
    // the later type's start counts for its own component: 10 errors from its first minutes
    expect(judge([newRow('inv/inv-2', 10, 28)])).toMatchObject({ severity: 'low' });
    // a store older than the grid (no type starts): new is new
    expect(
      detectErrorPatterns({
        grid,
        now,
        patternSeries: [],
        rows: [newRow('pay/pay-1', 12, 44)],
        seenBefore: new Set(),
      })[0],
    ).toMatchObject({ severity: 'medium' });
  });

  it('reports one failure logged twice (a failed span and its exception) as one new pattern', () => {
    const at = (ms: number) => new Date(inScopeAt.getTime() + ms);
    const newRow = (id: string, component: string, count: number, first: number, last: number) => ({
      ...row(id, component, true, count),
      firstAt: at(first),
      lastAt: at(last),
      sampleMessage: `message of ${id}`,
    });
    const drafts = detectErrorPatterns({
      grid,
      now,
      patternSeries: [],
      rows: [
        // the exception, thrown inside the span; the span, stamped at its end 800 ms later
        newRow('exception', 'mail/mail-1', 7, 0, 600_000),
        newRow('span', 'mail/mail-1', 7, 800, 600_800),
        // the same count on the same component, but half an hour apart: another failure
        newRow('other', 'mail/mail-1', 7, 1_800_000, 2_400_000),
        // together in time, another count: another failure
        newRow('uneven', 'mail/mail-1', 3, 100, 600_100),
      ],
      seenBefore: new Set(),
    });
    expect(drafts.map((draft) => draft.evidence.pattern_id).sort()).toEqual([
      'exception',
      'other',
      'uneven',
    ]);
    const lead = drafts.find((draft) => draft.evidence.pattern_id === 'exception')!;
    expect(lead.evidence.also_logged_as).toEqual([
      { pattern_id: 'span', sample_message: 'message of span' },
    ]);
    expect(lead.summary).toContain('also logged as "message of span"');
    expect(lead.subjects).toContain('pattern:span');
  });

  it('does not call a pattern new when it was stored before the baseline', () => {
    const drafts = detectErrorPatterns({
      grid,
      now,
      patternSeries: [series('p3', 0, quietWindow)],
      rows: [row('p3', 'inv/inv-2', true, 4)],
      seenBefore: new Set(['p3']),
    });
    expect(drafts.filter((draft) => draft.kind === 'new_pattern')).toEqual([]);
  });

  it('reports spreading to a component type that did not have the error', () => {
    const drafts = detectErrorPatterns({
      grid,
      now,
      patternSeries: [series('p4', 1, quietWindow)],
      rows: [
        row('p4', 'api/api-1', false, 30),
        row('p4', 'api/api-1', true, 8),
        row('p4', 'worker/w-1', true, 5),
      ],
      seenBefore: new Set(['p4']),
    });
    const spreading = drafts.find((draft) => draft.kind === 'spreading')!;
    expect(spreading.severity).toBe('medium');
    expect(spreading.evidence.new_component_types).toEqual(['worker']);
    expect(spreading.affected.map((component) => component.component_id)).toEqual(['api-1', 'w-1']);
  });

  it('counts a pattern merged by the miner under the pattern it went into', () => {
    const window = [...quietWindow];
    window[8] = 30;
    const inputs = [
      row('root', 'pay/pay-1', false, 10),
      row('old', 'pay/pay-1', false, 36),
      row('old', 'pay/pay-1', true, 40),
      row('root', 'pay/pay-1', true, 41, 'critical'),
      row('root', 'pay/pay-2', true, 3),
    ];
    const before = structuredClone(inputs);
    const merged = mergeByRoot(
      inputs,
      [series('old', 1, window), series('root', 0, window)],
      new Map([
        ['old', 'root'],
        ['root', 'root'],
      ]),
    );
    expect(
      merged.rows.map((item) => [item.patternId, item.inScope, item.count, item.levels]),
    ).toEqual([
      ['root', false, 46, 'error'],
      ['root', true, 81, 'error,critical'],
      ['root', true, 3, 'error'],
    ]);
    expect(inputs).toEqual(before); // the caller's rows are not changed
    // a row of a pattern nothing was merged into is passed on as it is
    const solo = row('solo', 'pay/pay-1', true, 2);
    expect(mergeByRoot([solo], [], new Map([['old', 'root']])).rows[0]).toBe(solo);
    expect(merged.series).toHaveLength(1);
    expect(merged.series[0].errors[grid.baselineBuckets + 8]).toBe(60);
    const drafts = detectErrorPatterns({
      grid,
      now,
      ...{ patternSeries: merged.series, rows: merged.rows },
      seenBefore: new Set(['root']),
    });
    expect(drafts.map((draft) => [draft.kind, draft.identity[0]])).toEqual([['burst', 'root']]);
  });
});
