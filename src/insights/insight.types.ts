import type { InsightRecord, InsightStatus, InsightType, Severity } from '../common/debug-event.js';
import type { ComponentRef } from '../database/entities/debug-insight.entity.js';

export type { ComponentRef, InsightStatus, InsightType, Severity };

export const ANALYZER_NAMES = [
  'error-pattern',
  'anomaly',
  'performance',
  'flow',
  'consistency',
] as const;
export type AnalyzerName = (typeof ANALYZER_NAMES)[number];

/** Which components a generation run or a listing is about: a type, or one component of it. */
export interface ComponentFilter {
  component_type: string;
  component_id?: string;
}

/** What one generation run looks at. */
export interface InsightScope {
  from: Date;
  to: Date;
  components?: ComponentFilter[];
  sessionId?: string | null;
}

/** The named factors a confidence is computed from, each in [0, 1]. */
export interface ConfidenceFactors {
  sample_size: number;
  effect_size: number;
  recency: number;
  corroboration: number;
}

/** Where the service fetches sample event ids for an insight's evidence. */
export interface EvidenceSample {
  patternId?: string;
  component?: ComponentRef;
  correlationId?: string;
  errorsOnly?: boolean;
  from: Date;
  to: Date;
}

/** A problem an analyzer found in one run, before it is matched against stored insights. */
export interface InsightDraft {
  analyzer: AnalyzerName;
  type: InsightType;
  /** What sort of problem: burst, new_pattern, spike, silence, regression, stuck_flow, … */
  kind: string;
  severity: Severity;
  title: string;
  summary: string;
  /** The parts that identify the problem (never times or counts): hashed into the fingerprint. */
  identity: string[];
  affected: ComponentRef[];
  evidence: Record<string, unknown>;
  suggestions: string[];
  /** Factors before corroboration, which the service adds once every analyzer has run. */
  factors: Omit<ConfidenceFactors, 'corroboration'>;
  /** Time span of the evidence: first and last event that shows the problem. */
  firstSeen: Date;
  lastSeen: Date;
  /** Keys other analyzers can corroborate on (component keys, pattern ids). */
  subjects: string[];
  sample?: EvidenceSample;
}

/** A draft with its final confidence. */
export interface ScoredDraft extends InsightDraft {
  confidence: number;
  confidenceFactors: ConfidenceFactors;
  fingerprint: string;
}

/** An insight as the API shows it (snake_case, as the columns). */
/** An insight as the endpoints, the stream and the event bus show it. */
export type InsightView = InsightRecord;

export interface InsightFilters {
  type?: InsightType;
  severity?: Severity;
  /** Only insights at this severity or above. */
  minSeverity?: Severity;
  status?: InsightStatus;
  component?: string;
  componentType?: string;
  sessionId?: string;
  from?: Date;
  to?: Date;
  limit?: number;
  offset?: number;
}

export interface InsightPage {
  items: InsightView[];
  next_cursor: string | null;
  total: number;
  limit: number;
  offset: number;
}

export type UpsertOutcome = 'created' | 'updated' | 'regressed' | 'unchanged';

export interface GenerationResult {
  scope: { from: string; to: string; components: ComponentFilter[]; session_id: string | null };
  created: InsightView[];
  updated: InsightView[];
  regressed: InsightView[];
  unchanged: number;
  analyzers: Record<AnalyzerName, { found: number; ms: number; error?: string }>;
  duration_ms: number;
}

export function componentKey(component: ComponentRef): string {
  return `${component.component_type}/${component.component_id}`;
}

export const SEVERITY_RANK: Record<Severity, number> = {
  info: 0,
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
};

/** Which insights `mentioning` finds: any of the needles named, or made for the session; then the other terms. */
export interface InsightMentions {
  /** Component types or ids, event, pattern or correlation ids, looked for in components and evidence. */
  needles: readonly string[];
  /** Or words anywhere in the title or the evidence (any case, within other words too). */
  words?: readonly string[];
  /** Or made for this session. */
  sessionId?: string;
  statuses?: readonly string[];
  /** Seen in [from, to]. */
  from?: Date | null;
  to?: Date | null;
  limit: number;
}
