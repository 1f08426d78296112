import type { ConfidenceFactors, InsightDraft } from './insight.types.js';

/**
 * Confidence in [0, 1] from named factors, each in [0, 1]:
 *  - sample_size: how much data the finding rests on (n / (n + half)),
 *  - effect_size: how far from normal the signal is (1 - e^(-excess / scale)),
 *  - recency: how recent the evidence is (halves every half-life),
 *  - corroboration: whether another analyzer points at the same component or pattern.
 * The first three are weighted (0.4, 0.4, 0.2); corroboration then closes 30% of the gap to 1.
 */
export const CONFIDENCE_WEIGHTS = { sample_size: 0.4, effect_size: 0.4, recency: 0.2 } as const;
export const CORROBORATION_GAIN = 0.3;

export function sampleSizeFactor(n: number, half: number): number {
  if (!(n > 0)) return 0;
  return clamp01(n / (n + half));
}

/** `excess` is how far past "no effect" the signal is (e.g. ratio - 1, or a z-score). */
export function effectSizeFactor(excess: number, scale: number): number {
  if (!(excess > 0)) return 0;
  return clamp01(1 - Math.exp(-excess / scale));
}

export function recencyFactor(lastSeen: Date, now: Date, halfLifeMs: number): number {
  const age = Math.max(0, now.getTime() - lastSeen.getTime());
  return clamp01(0.5 ** (age / halfLifeMs));
}

export function combineConfidence(factors: ConfidenceFactors): number {
  const base =
    CONFIDENCE_WEIGHTS.sample_size * factors.sample_size +
    CONFIDENCE_WEIGHTS.effect_size * factors.effect_size +
    CONFIDENCE_WEIGHTS.recency * factors.recency;
  return round3(clamp01(base + (1 - base) * CORROBORATION_GAIN * factors.corroboration));
}

/**
 * Corroboration of each draft: 1 when a draft of another analyzer shares a subject
 * (a component or a pattern), else 0. Returns the factor per draft, in order.
 */
export function corroboration(drafts: readonly InsightDraft[]): number[] {
  const analyzersBySubject = new Map<string, Set<string>>();
  for (const draft of drafts) {
    for (const subject of draft.subjects) {
      const analyzers = analyzersBySubject.get(subject) ?? new Set<string>();
      analyzers.add(draft.analyzer);
      analyzersBySubject.set(subject, analyzers);
    }
  }
  return drafts.map((draft) =>
    draft.subjects.some((subject) =>
      [...(analyzersBySubject.get(subject) ?? [])].some((name) => name !== draft.analyzer),
    )
      ? 1
      : 0,
  );
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
