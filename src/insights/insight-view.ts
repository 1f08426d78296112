import type { DebugInsightEntity } from '../database/entities/debug-insight.entity.js';
import type { InsightView } from './insight.types.js';

export function toInsightView(entity: DebugInsightEntity): InsightView {
  return {
    id: entity.id,
    insight_type: entity.insightType,
    severity: entity.severity,
    title: entity.title,
    summary: entity.summary,
    fingerprint: entity.fingerprint,
    affected_components: entity.affectedComponents,
    evidence: entity.evidence,
    confidence: entity.confidence,
    confidence_factors: entity.confidenceFactors,
    suggestions: entity.suggestions,
    occurrences: entity.occurrences,
    first_seen: iso(entity.firstSeen),
    last_seen: iso(entity.lastSeen),
    status: entity.status,
    resolved_at: entity.resolvedAt ? iso(entity.resolvedAt) : null,
    resolution: entity.resolution,
    session_id: entity.sessionId,
    created_at: iso(entity.createdAt),
    updated_at: iso(entity.updatedAt),
  };
}

function iso(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}
