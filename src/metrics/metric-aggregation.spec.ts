import { aggregate, aggregateSeries, parseStep, type MetricPoint } from './metric-aggregation.js';

const at = (second: number, value: number, componentId = 'api-1', componentType = 'api'): MetricPoint => ({
  timeMs: Date.UTC(2026, 0, 1, 0, 0, second),
  value,
  componentType,
  componentId,
});
const FROM = Date.UTC(2026, 0, 1);

describe('metric aggregation', () => {
  it('aggregates each step with every function, percentiles interpolated between ranks', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(Object.fromEntries((['avg', 'min', 'max', 'sum', 'count', 'p50', 'p95', 'p99'] as const).map((fn) => [fn, Number(aggregate(values, fn).toFixed(6))]))).toEqual({
      avg: 5.5,
      min: 1,
      max: 10,
      sum: 55,
      count: 10,
      p50: 5.5,
      p95: 9.55,
      p99: 9.91,
    });
    expect(aggregate([7], 'p99')).toBe(7);
  });

  it('cuts points into steps from the start of the range and leaves empty steps out', () => {
    const series = aggregateSeries([at(1, 10), at(5, 20), at(61, 5), at(190, 1)], FROM, 60_000, 'avg', 'component');
    expect(series).toEqual([
      {
        component_type: 'api',
        component_id: 'api-1',
        samples: 4,
        points: [
          { t: '2026-01-01T00:00:00.000Z', value: 15 },
          { t: '2026-01-01T00:01:00.000Z', value: 5 },
          { t: '2026-01-01T00:03:00.000Z', value: 1 },
        ],
      },
    ]);
  });

  it('groups by component, by component type, or not at all', () => {
    const points = [at(1, 1, 'api-1'), at(2, 3, 'api-2'), at(3, 100, 'db-1', 'db')];
    expect(aggregateSeries(points, FROM, 60_000, 'sum', 'component').map((s) => [s.component_type, s.component_id, s.points[0].value])).toEqual([
      ['api', 'api-1', 1],
      ['api', 'api-2', 3],
      ['db', 'db-1', 100],
    ]);
    expect(aggregateSeries(points, FROM, 60_000, 'sum', 'component_type').map((s) => [s.component_type, s.component_id, s.points[0].value])).toEqual([
      ['api', null, 4],
      ['db', null, 100],
    ]);
    expect(aggregateSeries(points, FROM, 60_000, 'max', 'none')).toMatchObject([{ component_type: null, component_id: null, samples: 3, points: [{ value: 100 }] }]);
  });

  it('reads steps as 30s, 5m, 1h, 1d or plain seconds', () => {
    expect(['30s', '5m', '1h', '1d', '15', '0', '5x', ''].map(parseStep)).toEqual([30_000, 300_000, 3_600_000, 86_400_000, 15_000, null, null, null]);
  });
});
