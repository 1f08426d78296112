import { Inject, Injectable, Optional } from '@nestjs/common';
import type { AlertingService } from '../alerting/alerting.service.js';
import { SEVERITIES } from '../common/debug-event.js';
import { InsightsService } from '../insights/insights.service.js';
import type { InsightView } from '../insights/insight.types.js';
import { PatternStatsService } from '../patterns/pattern-stats.service.js';
import { ComponentHealthService } from '../query/component-health.service.js';
import { openProblems } from '../query/open-problems.js';

/**
 * Where triage gets firing alerts from: the MCP module builds it from the alerting module
 * (`firingAlertsOf`); without one triage says `alerts: null` and why.
 */
export const FIRING_ALERTS_SOURCE = Symbol('FIRING_ALERTS_SOURCE');

/** One rule's firing alerts: a rule that fires for many groups is one line of the brief. */
export interface FiringAlert {
  rule_id: string;
  rule: string;
  severity: string;
  /** Groups (label sets) of the rule firing now. */
  firing_groups: number;
  /** When the earliest of them started firing. */
  firing_since: string | null;
  /** The summary of the earliest. */
  summary: string;
  sample_event_ids: string[];
}

export interface FiringAlertsSource {
  firing(limit: number): Promise<FiringAlert[]>;
}

export interface Triage {
  at: string;
  window_minutes: number;
  headline: string;
  problems: {
    id: string;
    severity: string;
    confidence: number;
    status: string;
    type: string;
    title: string;
    components: string[];
    evidence_event_ids: string[];
    last_seen: string;
  }[];
  unhealthy: { component: string; status: string; score: number; reasons: string[] }[];
  new_error_patterns: {
    pattern_id: string;
    template: string;
    count: number;
    first_seen: string;
    components: string[];
  }[];
  stuck_flows: { insight_id: string; title: string; correlation_ids: string[] }[];
  alerts: FiringAlert[] | null;
  /** Set when `alerts` is null. */
  alerts_unavailable?: string;
  next: string[];
}

/** A brief an agent reads in one go: at most this many problems, and fewer of each other kind. */
const LIMIT = 8;
const OTHERS = 5;
const REASONS = 2;
const EVIDENCE_IDS = 3;
const TEXT = 120;

/** "What is wrong right now?" in one compact answer, each item with the id the other tools take. */
@Injectable()
export class TriageService {
  constructor(
    private readonly insights: InsightsService,
    private readonly health: ComponentHealthService,
    private readonly patterns: PatternStatsService,
    @Optional() @Inject(FIRING_ALERTS_SOURCE) private readonly alertsSource?: FiringAlertsSource,
  ) {}

  async triage(options: { window_minutes?: number; now?: Date } = {}): Promise<Triage> {
    const now = options.now ?? new Date();
    const windowMinutes = options.window_minutes ?? 60;
    const from = new Date(now.getTime() - windowMinutes * 60_000);
    const [problems, report, patternPage, alerts] = await Promise.all([
      openProblems(this.insights, { limit: 50 }),
      this.health.health({ window_minutes: Math.min(windowMinutes, 60), at: now.toISOString() }),
      this.patterns.errorPatterns({
        from,
        to: now,
        levels: ['error', 'critical'],
        minCount: 1,
        limit: 50,
        offset: 0,
      }),
      this.alertsSource ? this.alertsSource.firing(OTHERS) : Promise.resolve(null),
    ]);
    const unhealthy = report.components
      .filter((component) => component.status === 'unhealthy' || component.status === 'degraded')
      .sort((a, b) => a.score - b.score)
      .slice(0, OTHERS)
      .map((component) => ({
        component: component.component,
        status: component.status,
        score: component.score,
        reasons: component.reasons
          .filter((reason) => reason.code !== 'ok')
          .slice(0, REASONS)
          .map((reason) => cut(reason.message)),
      }));
    const newPatterns = patternPage.items
      .filter(
        (pattern) =>
          pattern.first_seen_ever !== null && Date.parse(pattern.first_seen_ever) >= from.getTime(),
      )
      .slice(0, OTHERS)
      .map((pattern) => ({
        pattern_id: pattern.pattern_id,
        template: cut(pattern.template),
        count: pattern.count,
        first_seen: pattern.first_seen_ever!,
        components: pattern.components.slice(0, 3).map(componentName),
      }));
    const stuck = problems
      .filter(
        (insight) => insight.insight_type === 'flow' && Array.isArray(insight.evidence.examples),
      )
      .slice(0, OTHERS)
      .map((insight) => ({
        insight_id: insight.id,
        title: cut(insight.title),
        correlation_ids: (insight.evidence.examples as { correlation_id?: string }[])
          .map((example) => example.correlation_id)
          .filter((id): id is string => typeof id === 'string')
          .slice(0, 3),
      }));
    const listed = problems.slice(0, LIMIT).map(compactInsight);
    const headline =
      [
        problems.length
          ? `${problems.length} open problem(s), worst: [${problems[0].severity}] ${cut(problems[0].title, 100)}`
          : 'no open problems',
        unhealthy.length
          ? `${unhealthy.length} component(s) unhealthy or degraded (${unhealthy
              .slice(0, 3)
              .map((item) => item.component)
              .join(', ')})`
          : 'all components healthy',
        newPatterns.length ? `${newPatterns.length} new error pattern(s)` : '',
        stuck.length ? `${stuck.length} stuck flow group(s)` : '',
        alerts?.length
          ? `${alerts.reduce((sum, alert) => sum + alert.firing_groups, 0)} alert(s) firing (${alerts.length} rule(s))`
          : '',
      ]
        .filter(Boolean)
        .join('; ') + '.';
    const next = [
      listed[0] ? `get_insight {"insight_id":"${listed[0].id}"}` : '',
      listed[0]?.evidence_event_ids[0]
        ? `explain_error {"event_id":"${listed[0].evidence_event_ids[0]}"}`
        : '',
      newPatterns[0] ? `explain_error {"pattern_id":"${newPatterns[0].pattern_id}"}` : '',
      stuck[0]?.correlation_ids[0]
        ? `operation_progress {"correlation_id":"${stuck[0].correlation_ids[0]}"}`
        : '',
      unhealthy[0] ? `component_health {"components":["${unhealthy[0].component}"]}` : '',
    ].filter(Boolean);
    return {
      at: now.toISOString(),
      window_minutes: windowMinutes,
      headline,
      problems: listed,
      unhealthy,
      new_error_patterns: newPatterns,
      stuck_flows: stuck,
      alerts,
      ...(alerts === null ? { alerts_unavailable: 'no alerting module in this service' } : {}),
      next,
    };
  }
}

/** The firing alerts of the alerting module, most severe first, with their rule's name. */
export function firingAlertsOf(alerting: AlertingService): FiringAlertsSource {
  return {
    async firing(limit) {
      const { items: alerts } = await alerting.alerts({ state: 'firing', limit: 100 });
      if (alerts.length === 0) return [];
      const { items: rules } = await alerting.listRules();
      const byId = new Map(rules.map((rule) => [rule.id, rule]));
      const rank = (severity: string) => (SEVERITIES as readonly string[]).indexOf(severity);
      const earliestFirst = [...alerts].sort((a, b) =>
        String(a.firing_since).localeCompare(String(b.firing_since)),
      );
      const byRule = new Map<string, FiringAlert>();
      for (const alert of earliestFirst) {
        const seen = byRule.get(alert.rule_id);
        if (seen) {
          seen.firing_groups++;
          continue;
        }
        byRule.set(alert.rule_id, {
          rule_id: alert.rule_id,
          rule: byId.get(alert.rule_id)?.name ?? alert.rule_id,
          severity: byId.get(alert.rule_id)?.severity ?? 'medium',
          firing_groups: 1,
          firing_since: alert.firing_since,
          summary: cut(alert.details.summary),
          sample_event_ids: alert.details.sample_event_ids.slice(0, EVIDENCE_IDS),
        });
      }
      return [...byRule.values()]
        .sort(
          (a, b) =>
            rank(b.severity) - rank(a.severity) ||
            String(a.firing_since).localeCompare(String(b.firing_since)),
        )
        .slice(0, limit);
    },
  };
}

export function compactInsight(insight: InsightView) {
  const ids = insight.evidence.event_ids;
  return {
    id: insight.id,
    severity: insight.severity,
    confidence: insight.confidence,
    status: insight.status,
    type: insight.insight_type,
    title: cut(insight.title),
    components: insight.affected_components.slice(0, 4).map(componentName),
    evidence_event_ids: Array.isArray(ids) ? (ids as string[]).slice(0, EVIDENCE_IDS) : [],
    last_seen: insight.last_seen,
  };
}

function componentName(component: {
  component_type: string;
  component_id?: string | null;
}): string {
  return component.component_id
    ? `${component.component_type}/${component.component_id}`
    : component.component_type;
}

function cut(text: string, length = TEXT): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
