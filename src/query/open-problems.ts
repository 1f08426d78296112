import { SEVERITIES } from '../common/debug-event.js';
import type { InsightsService } from '../insights/insights.service.js';
import type { InsightType, InsightView } from '../insights/insight.types.js';

/** Most severe first, then the most certain, then the latest. */
export function bySeverityThenConfidence(a: InsightView, b: InsightView): number {
  const rank = (severity: string) => (SEVERITIES as readonly string[]).indexOf(severity);
  return (
    rank(b.severity) - rank(a.severity) ||
    b.confidence - a.confidence ||
    Date.parse(b.last_seen) - Date.parse(a.last_seen)
  );
}

export interface OpenProblemFilters {
  /** A component id the insights affect. */
  component?: string;
  /** A component type the insights affect (any of its instances). */
  componentType?: string;
  sessionId?: string;
  type?: InsightType;
  limit: number;
}

/** Open and regressed insights, most severe and most certain first. */
export async function openProblems(
  insights: InsightsService,
  filters: OpenProblemFilters,
): Promise<InsightView[]> {
  return (await openProblemsPage(insights, filters)).items;
}

/** openProblems, with how many open and regressed insights match in all (`total`). */
export async function openProblemsPage(
  insights: InsightsService,
  filters: OpenProblemFilters,
): Promise<{ items: InsightView[]; total: number }> {
  const pages = await Promise.all(
    (['open', 'regressed'] as const).map((status) =>
      insights.list({
        status,
        component: filters.component,
        componentType: filters.componentType,
        sessionId: filters.sessionId,
        type: filters.type,
        limit: 100,
      }),
    ),
  );
  return {
    items: pages
      .flatMap((page) => page.items)
      .sort(bySeverityThenConfidence)
      .slice(0, filters.limit),
    total: pages.reduce((sum, page) => sum + page.total, 0),
  };
}
