import { Injectable } from '@nestjs/common';
import { SEVERITIES } from '../common/debug-event.js';
import type { InsightView } from '../insights/insight.types.js';
import { InsightsService } from '../insights/insights.service.js';
import type {
  ActiveGroup,
  InsightCondition,
  MetricCondition,
  PatternCondition,
  RuleCondition,
  SilenceCondition,
  StuckFlowCondition,
} from './alert.types.js';
import { AlertSignalsRepository } from './alert-signals.repository.js';

const DEFAULT_INSIGHT_ACTIVE_SECONDS = 3600;
const INSIGHT_PAGE = 500;
/** Open insights read per status and evaluation; past this, rules see the most recent ones. */
const MAX_LIVE_INSIGHTS = 10_000;
const SILENCE_LOOKBACK_MS = 24 * 3_600_000;

/** Reads shared by the rules of one evaluation run (several insight rules read the open insights once). */
export class EvaluationReads {
  readonly insights = new Map<string, Promise<InsightView[]>>();
}

/** What a rule's condition finds now: one ActiveGroup per alert it asks for. */
@Injectable()
export class AlertConditionsService {
  constructor(
    private readonly insights: InsightsService,
    private readonly signals: AlertSignalsRepository,
  ) {}

  async evaluate(
    when: RuleCondition,
    now: Date,
    reads = new EvaluationReads(),
  ): Promise<ActiveGroup[]> {
    if (when.insight) return this.insightGroups(when.insight, now, reads);
    if (when.pattern) return this.patternGroups(when.pattern, now);
    if (when.metric) return this.metricGroups(when.metric, now);
    if (when.silence) return this.silenceGroups(when.silence, now);
    if (when.stuck_flow) return this.stuckFlowGroups(when.stuck_flow, now, reads);
    return [];
  }

  /**
   * Open and regressed insights (read through the Insights module's service), every page: an
   * alert whose insight merely fell off a first page would otherwise resolve.
   */
  private liveInsights(
    reads: EvaluationReads,
    minSeverity: InsightCondition['min_severity'],
    type?: 'flow',
  ): Promise<InsightView[]> {
    const key = `${minSeverity ?? ''}|${type ?? ''}`;
    let found = reads.insights.get(key);
    if (!found) {
      found = Promise.all(
        (['open', 'regressed'] as const).map((status) => this.allPages(status, minSeverity, type)),
      ).then((lists) => lists.flat());
      reads.insights.set(key, found);
    }
    return found;
  }

  private async allPages(
    status: 'open' | 'regressed',
    minSeverity: InsightCondition['min_severity'],
    type?: 'flow',
  ): Promise<InsightView[]> {
    const items: InsightView[] = [];
    for (let offset = 0; offset < MAX_LIVE_INSIGHTS; offset += INSIGHT_PAGE) {
      const page = await this.insights.list({
        status,
        minSeverity,
        type,
        limit: INSIGHT_PAGE,
        offset,
      });
      items.push(...page.items);
      if (page.items.length < INSIGHT_PAGE || items.length >= page.total) break;
    }
    return items;
  }

  private async insightGroups(
    condition: InsightCondition,
    now: Date,
    reads: EvaluationReads,
  ): Promise<ActiveGroup[]> {
    const activeAfter =
      now.getTime() - (condition.active_within_seconds ?? DEFAULT_INSIGHT_ACTIVE_SECONDS) * 1000;
    const minRank = condition.min_severity ? SEVERITIES.indexOf(condition.min_severity) : 0;
    const found = (await this.liveInsights(reads, condition.min_severity)).filter(
      (insight) =>
        Date.parse(insight.last_seen) >= activeAfter &&
        SEVERITIES.indexOf(insight.severity as (typeof SEVERITIES)[number]) >= minRank &&
        (!condition.types || condition.types.includes(insight.insight_type as never)) &&
        (!condition.kinds || condition.kinds.includes(String(insight.evidence.kind))) &&
        (condition.min_confidence === undefined ||
          insight.confidence >= condition.min_confidence) &&
        (!condition.components || touches(insight, condition.components)) &&
        (!condition.pattern || aboutPattern(insight, condition.pattern)),
    );
    return found.map((insight) => insightGroup(insight));
  }

  private async stuckFlowGroups(
    condition: StuckFlowCondition,
    now: Date,
    reads: EvaluationReads,
  ): Promise<ActiveGroup[]> {
    const activeAfter = now.getTime() - DEFAULT_INSIGHT_ACTIVE_SECONDS * 1000;
    const found = (await this.liveInsights(reads, undefined, 'flow')).filter(
      (insight) =>
        insight.evidence.kind === 'stuck_flow' &&
        Date.parse(insight.last_seen) >= activeAfter &&
        Number(insight.evidence.chains ?? 1) >= (condition.min_chains ?? 1) &&
        (!condition.components || touches(insight, condition.components)),
    );
    return found.map((insight) => insightGroup(insight));
  }

  private async patternGroups(condition: PatternCondition, now: Date): Promise<ActiveGroup[]> {
    const since = new Date(now.getTime() - condition.window_seconds * 1000);
    const rows = await this.signals.patternCounts(since, {
      patternId: condition.pattern_id,
      levels: condition.levels,
      minCount: condition.min_count ?? 1,
    });
    const candidates = rows.filter(
      (row) =>
        !condition.new ||
        (row.pattern_first_seen && row.pattern_first_seen.getTime() >= since.getTime()),
    );
    const ids = candidates.map((row) => row.pattern_id);
    const [componentsOf, samplesOf] = await Promise.all([
      this.signals.patternComponents(ids, since),
      this.signals.latestEventIdsByPattern(ids, since),
    ]);
    const groups: ActiveGroup[] = [];
    for (const row of candidates) {
      const components = componentsOf.get(row.pattern_id) ?? [];
      if (
        condition.components &&
        !components.some((component) =>
          condition.components!.some((selector) => selects(selector, component)),
        )
      )
        continue;
      groups.push({
        key: `pattern:${row.pattern_id}`,
        labels: {
          pattern_id: row.pattern_id,
          component: components
            .map((c) => `${c.component_type}/${c.component_id}`)
            .slice(0, 3)
            .join(','),
        },
        summary: condition.new
          ? `New pattern "${row.template ?? row.pattern_id}": ${row.count} event(s) in the last ${condition.window_seconds} s`
          : `Pattern "${row.template ?? row.pattern_id}": ${row.count} event(s) in the last ${condition.window_seconds} s (threshold ${condition.min_count})`,
        details: {
          pattern_id: row.pattern_id,
          template: row.template,
          count: row.count,
          window_seconds: condition.window_seconds,
          threshold: condition.min_count ?? null,
          first_seen: row.pattern_first_seen?.toISOString() ?? null,
          components,
        },
        sample_event_ids: samplesOf.get(row.pattern_id) ?? [],
      });
    }
    return groups;
  }

  private async metricGroups(condition: MetricCondition, now: Date): Promise<ActiveGroup[]> {
    const since = new Date(now.getTime() - condition.window_seconds * 1000);
    const rows = await this.signals.metricWindow(condition.name, since);
    return rows
      .filter(
        (row) =>
          !condition.components || condition.components.some((selector) => selects(selector, row)),
      )
      .filter((row) => compare(row[condition.aggregate], condition.op, condition.threshold))
      .map((row) => {
        const value = row[condition.aggregate];
        return {
          key: `metric:${row.component_type}/${row.component_id}`,
          labels: {
            component: `${row.component_type}/${row.component_id}`,
            component_type: row.component_type,
            component_id: row.component_id,
            metric: condition.name,
          },
          summary: `${condition.name} on ${row.component_type}/${row.component_id}: ${condition.aggregate} ${round(value)} ${condition.op} ${condition.threshold} over ${condition.window_seconds} s`,
          details: {
            metric: condition.name,
            aggregate: condition.aggregate,
            value,
            op: condition.op,
            threshold: condition.threshold,
            window_seconds: condition.window_seconds,
            avg: row.avg,
            max: row.max,
            min: row.min,
            last: row.last,
            samples: row.samples,
          },
          sample_event_ids: [],
        };
      });
  }

  private async silenceGroups(condition: SilenceCondition, now: Date): Promise<ActiveGroup[]> {
    const quietBefore = now.getTime() - condition.quiet_minutes * 60_000;
    const since = new Date(
      now.getTime() - Math.max(SILENCE_LOOKBACK_MS, condition.quiet_minutes * 60_000 * 4),
    );
    const exact = condition.components.filter((selector) => selector.includes('/'));
    const broad = condition.components.filter((selector) => !selector.includes('/'));
    const seen = await this.signals.componentsLastSeen(
      [...broad, ...exact.map((selector) => selector.split('/')[0])],
      [...broad, ...exact.map((selector) => selector.slice(selector.indexOf('/') + 1))],
      since,
    );
    const relevant = seen.filter((row) =>
      condition.components.some((selector) => selects(selector, row)),
    );
    const groups: ActiveGroup[] = [];
    for (const row of relevant) {
      if (row.last_at.getTime() > quietBefore) continue;
      groups.push(
        silentGroup(`${row.component_type}/${row.component_id}`, row.last_at, condition, now, [
          row.component_type,
          row.component_id,
        ]),
      );
    }
    // A component named exactly but not heard from at all within the lookback is silent too.
    for (const selector of exact) {
      if (!relevant.some((row) => selects(selector, row)))
        groups.push(
          silentGroup(selector, null, condition, now, selector.split('/', 2) as [string, string]),
        );
    }
    return groups;
  }
}

function silentGroup(
  component: string,
  lastAt: Date | null,
  condition: SilenceCondition,
  now: Date,
  [type, id]: [string, string],
): ActiveGroup {
  const quietMinutes = lastAt ? Math.floor((now.getTime() - lastAt.getTime()) / 60_000) : null;
  return {
    key: `silence:${component}`,
    labels: { component, component_type: type, component_id: id },
    summary: lastAt
      ? `${component} has been silent for ${quietMinutes} min (threshold ${condition.quiet_minutes} min); last event ${lastAt.toISOString()}`
      : `${component} has sent no event in the last 24 h (threshold ${condition.quiet_minutes} min)`,
    details: {
      component,
      last_event_at: lastAt?.toISOString() ?? null,
      quiet_minutes: quietMinutes,
      threshold_minutes: condition.quiet_minutes,
    },
    sample_event_ids: [],
  };
}

function insightGroup(insight: InsightView): ActiveGroup {
  const first = insight.affected_components[0];
  const eventIds = Array.isArray(insight.evidence.event_ids)
    ? (insight.evidence.event_ids as unknown[]).map(String)
    : [];
  return {
    key: `insight:${insight.fingerprint}`,
    labels: {
      insight_type: insight.insight_type,
      insight_kind: String(insight.evidence.kind ?? ''),
      fingerprint: insight.fingerprint,
      ...(first
        ? {
            component: `${first.component_type}/${first.component_id}`,
            component_type: first.component_type,
            component_id: first.component_id,
          }
        : {}),
    },
    summary: `${insight.title}: ${insight.summary}`,
    details: {
      insight: {
        id: insight.id,
        insight_type: insight.insight_type,
        severity: insight.severity,
        title: insight.title,
        summary: insight.summary,
        confidence: insight.confidence,
        status: insight.status,
        occurrences: insight.occurrences,
        first_seen: insight.first_seen,
        last_seen: insight.last_seen,
        affected_components: insight.affected_components,
        suggestions: insight.suggestions,
        kind: insight.evidence.kind ?? null,
        evidence: insight.evidence,
      },
    },
    sample_event_ids: eventIds.slice(0, 5),
  };
}

function selects(
  selector: string,
  component: { component_type: string; component_id: string },
): boolean {
  return (
    selector === component.component_type ||
    selector === component.component_id ||
    selector === `${component.component_type}/${component.component_id}`
  );
}

function touches(insight: InsightView, selectors: string[]): boolean {
  return insight.affected_components.some((component) =>
    selectors.some((selector) => selects(selector, component)),
  );
}

function aboutPattern(insight: InsightView, pattern: string): boolean {
  return (
    insight.evidence.pattern_id === pattern ||
    insight.title.toLowerCase().includes(pattern.toLowerCase())
  );
}

function compare(value: number, op: MetricCondition['op'], threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
