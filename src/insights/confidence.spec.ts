import {
  combineConfidence,
  corroboration,
  effectSizeFactor,
  recencyFactor,
  sampleSizeFactor,
} from './confidence.js';
import type { InsightDraft } from './insight.types.js';

const draft = (analyzer: InsightDraft['analyzer'], subjects: string[]): InsightDraft => ({
  analyzer,
  type: 'error',
  kind: 'k',
  severity: 'low',
  title: '',
  summary: '',
  identity: [],
  affected: [],
  evidence: {},
  suggestions: [],
  factors: { sample_size: 0, effect_size: 0, recency: 0 },
  firstSeen: new Date(0),
  lastSeen: new Date(0),
  subjects,
});

describe('confidence factors', () => {
  it('grows with the sample and is one half at the half point', () => {
    expect(sampleSizeFactor(0, 10)).toBe(0);
    expect(sampleSizeFactor(10, 10)).toBeCloseTo(0.5);
    expect(sampleSizeFactor(90, 10)).toBeCloseTo(0.9);
    expect(sampleSizeFactor(Number.NaN, 10)).toBe(0);
  });

  it('maps the excess of an effect into [0, 1), zero for no effect', () => {
    expect(effectSizeFactor(0, 1)).toBe(0);
    expect(effectSizeFactor(-3, 1)).toBe(0);
    expect(effectSizeFactor(1, 1)).toBeCloseTo(1 - Math.exp(-1));
    expect(effectSizeFactor(50, 1)).toBeCloseTo(1);
  });

  it('halves recency every half-life and caps it at 1 for future times', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    expect(recencyFactor(now, now, 3_600_000)).toBe(1);
    expect(recencyFactor(new Date(now.getTime() - 3_600_000), now, 3_600_000)).toBeCloseTo(0.5);
    expect(recencyFactor(new Date(now.getTime() + 60_000), now, 3_600_000)).toBe(1);
  });

  it('weights sample, effect and recency, and lets corroboration close part of the gap', () => {
    const base = { sample_size: 0.5, effect_size: 0.5, recency: 1, corroboration: 0 };
    expect(combineConfidence(base)).toBeCloseTo(0.4 * 0.5 + 0.4 * 0.5 + 0.2);
    expect(combineConfidence({ ...base, corroboration: 1 })).toBeCloseTo(0.6 + 0.4 * 0.3);
    expect(
      combineConfidence({ sample_size: 1, effect_size: 1, recency: 1, corroboration: 1 }),
    ).toBe(1);
    expect(
      combineConfidence({ sample_size: 0, effect_size: 0, recency: 0, corroboration: 0 }),
    ).toBe(0);
  });

  it('counts corroboration only from another analyzer on a shared subject', () => {
    const drafts = [
      draft('error-pattern', ['pattern:p1', 'component:api/a-1']),
      draft('anomaly', ['component:api/a-1']),
      draft('anomaly', ['component:api/a-2']),
      draft('error-pattern', ['pattern:p1']),
    ];
    expect(corroboration(drafts)).toEqual([1, 1, 0, 0]);
  });
});
