import { DomainError } from '../common/errors/domain-error.js';
import {
  bucketOf,
  gridForBuckets,
  gridWithStep,
  MAX_HISTOGRAM_BUCKETS,
  parseStep,
  requestedGrid,
} from './histogram-grid.js';

const at = (iso: string) => Date.parse(iso);

describe('histogram grid', () => {
  it('aligns bucket starts to whole multiples of the step and covers both ends', () => {
    const grid = gridWithStep(at('2026-12-01T10:07:30Z'), at('2026-12-01T10:20:00Z'), 5 * 60_000);
    expect(new Date(grid.originMs).toISOString()).toBe('2026-12-01T10:05:00.000Z');
    // 10:05, 10:10, 10:15 and 10:20 (the inclusive end starts a bucket of its own)
    expect(grid.buckets).toBe(4);
    expect(bucketOf(grid, at('2026-12-01T10:09:59.999Z'))).toBe(0);
    expect(bucketOf(grid, at('2026-12-01T10:10:00Z'))).toBe(1);
    expect(bucketOf(grid, at('2026-12-01T10:20:00Z'))).toBe(3);
    expect(bucketOf(grid, at('2026-12-01T10:25:00Z'))).toBe(-1);
  });

  it('picks the finest round step that keeps within the bucket count, whatever the alignment', () => {
    const hour = gridForBuckets(at('2026-12-01T10:00:30Z'), at('2026-12-01T11:00:30Z'), 60);
    expect(hour.stepMs).toBe(2 * 60_000); // one-minute buckets would need 61
    expect(hour.buckets).toBeLessThanOrEqual(60);
    const aligned = gridForBuckets(at('2026-12-01T10:00:00Z'), at('2026-12-01T10:59:59Z'), 60);
    expect(aligned.stepMs).toBe(60_000);
    expect(aligned.buckets).toBe(60);
    const years = gridForBuckets(at('2001-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'), 500);
    expect(years.stepMs % 86_400_000).toBe(0);
    expect(years.buckets).toBeLessThanOrEqual(500);
    expect(years.originMs).toBeLessThanOrEqual(at('2001-01-01T00:00:00Z'));
    expect(years.originMs + years.buckets * years.stepMs).toBeGreaterThan(
      at('2026-01-01T00:00:00Z'),
    );
  });

  it('reads steps with units and refuses the rest', () => {
    expect(parseStep('250')).toBe(250);
    expect(parseStep('500ms')).toBe(500);
    expect(parseStep('30s')).toBe(30_000);
    expect(parseStep('5m')).toBe(300_000);
    expect(parseStep('2h')).toBe(7_200_000);
    expect(parseStep('1d')).toBe(86_400_000);
    for (const bad of ['0', '0s', '-5m', '1.5h', '5w', 'm', '']) expect(parseStep(bad)).toBeNull();
  });

  it('names the field a bad request got wrong', () => {
    const from = new Date('2026-12-01T00:00:00Z');
    const to = new Date('2026-12-02T00:00:00Z');
    const fieldOf = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        return ((error as DomainError).details as { field: string }).field;
      }
      throw new Error('no error');
    };
    expect(fieldOf(() => requestedGrid(to, from, {}))).toBe('from');
    expect(fieldOf(() => requestedGrid(from, to, { step: '1h', buckets: 10 }))).toBe('step');
    expect(fieldOf(() => requestedGrid(from, to, { step: '1m' }))).toBe('step'); // 1441 buckets
    expect(requestedGrid(from, to, { step: '1h' }).buckets).toBe(25);
    expect(requestedGrid(from, to, {}).buckets).toBeLessThanOrEqual(60);
    expect(requestedGrid(from, to, { buckets: MAX_HISTOGRAM_BUCKETS }).stepMs).toBe(5 * 60_000);
  });
});
