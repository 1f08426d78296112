import type { ChainEventRow, DurationStatsRow } from '../insight-aggregates.repository.js';
import { criticalPath, findRegressions, regressionCandidates, regressionDraft } from './performance.analyzer.js';
import type { DurationMomentsRow } from '../insight-aggregates.repository.js';

const api = { component_type: 'api', component_id: 'api-1' };
const stats = (current: boolean, p50: number, p95: number, count = 200, operation = 'checkout'): DurationStatsRow => ({
  current,
  component: api,
  operation,
  count,
  p50,
  p95,
  p99: p95 * 1.2,
  max: p95 * 2,
});

function event(id: string, parent: string | null, durationMs: number | null, component = api, operation = id): ChainEventRow {
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
    expect(draft).toMatchObject({ type: 'performance', kind: 'regression', severity: 'high', identity: ['api/api-1', 'checkout'] });
    expect(draft.evidence).toMatchObject({ current: { p95_ms: 240 }, previous: { p95_ms: 60 }, p95_ratio: 4 });
  });

  it('ignores small samples, small deltas and noise', () => {
    expect(findRegressions([stats(false, 40, 60, 10), stats(true, 150, 240, 10)])).toEqual([]);
    expect(findRegressions([stats(false, 2, 4), stats(true, 4, 9)])).toEqual([]);
    expect(findRegressions([stats(false, 40, 60), stats(true, 42, 70)])).toEqual([]);
    expect(findRegressions([stats(true, 150, 240)])).toEqual([]);
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
  });

  it('falls back to the slowest steps without parent links', () => {
    const path = criticalPath([event('a', null, 10), event('b', null, 300), event('c', null, null), event('d', null, 90)])!;
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
    const picked = regressionCandidates([row('same', steady), row('tail', tail), row('slower', slower), row('few', slower.slice(0, 10))]);
    expect(picked.map((item) => item.operation)).toEqual(['tail', 'slower']);
  });
});
