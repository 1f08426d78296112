import type { InsightsService } from '../insights/insights.service.js';
import type { InsightView } from '../insights/insight.types.js';
import type { InsightRow } from './query.types.js';

/** Open or resolved insights that name any of `needles`, as the query answers show them. */
export async function insightsMentioning(
  insights: InsightsService,
  needles: readonly string[],
  statuses: readonly string[],
  limit: number,
): Promise<InsightRow[]> {
  if (needles.length === 0) return [];
  return (await insights.mentioning({ needles: needles.slice(0, 50), statuses, limit })).map(
    toInsightRow,
  );
}

function toInsightRow(view: InsightView): InsightRow {
  return {
    id: view.id,
    insight_type: view.insight_type,
    severity: view.severity,
    title: view.title,
    summary: view.summary,
    affected_components: view.affected_components,
    evidence: view.evidence,
    confidence: view.confidence,
    suggestions: view.suggestions,
    occurrences: view.occurrences,
    first_seen: view.first_seen,
    last_seen: view.last_seen,
    status: view.status,
    resolved_at: view.resolved_at,
    resolution: view.resolution,
  };
}
