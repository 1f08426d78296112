import type { ActiveGroup, AlertInstance, AlertRule, AlertState, Silence } from './alert.types.js';

/**
 * The pure part of evaluation: given what a rule's condition found now and the stored alerts
 * of the rule, the next state of each alert (Prometheus-like: pending for `for_seconds`, then
 * firing; resolved when the condition stops holding), and which notifications are due.
 */
export interface Step {
  instance: AlertInstance;
  /** Set when the state changed: the history entry to write. */
  changedFrom?: AlertState | null;
  notify?: { state: 'firing' | 'resolved'; repeat: boolean };
  /** The notification was due but a silence holds it back. */
  silencedBy?: string;
  /** Something worth writing changed (state, evidence, labels, notification marks). */
  dirty: boolean;
}

export function stepAlerts(
  rule: AlertRule,
  active: readonly ActiveGroup[],
  stored: readonly AlertInstance[],
  silences: readonly Silence[],
  now: Date,
): Step[] {
  const nowIso = now.toISOString();
  const byKey = new Map(stored.map((instance) => [instance.group_key, instance]));
  const steps: Step[] = [];
  const seen = new Set<string>();
  for (const group of active) {
    if (seen.has(group.key)) continue;
    seen.add(group.key);
    const previous = byKey.get(group.key);
    const labels = alertLabels(rule, group);
    const details = { summary: group.summary, details: group.details, sample_event_ids: group.sample_event_ids.slice(0, 5) };
    const wasActive = previous && previous.state !== 'resolved';
    const instance: AlertInstance = previous
      ? { ...previous, labels, details, last_evaluated_at: nowIso }
      : {
          rule_id: rule.id,
          group_key: group.key,
          state: 'pending',
          labels,
          details,
          active_since: nowIso,
          firing_since: null,
          resolved_at: null,
          last_evaluated_at: nowIso,
          last_notified_at: null,
          change_seq: 0,
          notify_seq: 0,
        };
    const step: Step = { instance, dirty: false };
    if (!wasActive) {
      instance.active_since = nowIso;
      instance.resolved_at = null;
      instance.firing_since = null;
      step.changedFrom = previous ? previous.state : null;
      instance.state = 'pending';
      instance.change_seq = (previous?.change_seq ?? 0) + 1;
    }
    if (instance.state === 'pending' && now.getTime() - Date.parse(instance.active_since!) >= rule.for_seconds * 1000) {
      if (step.changedFrom === undefined) step.changedFrom = 'pending';
      instance.state = 'firing';
      instance.firing_since = nowIso;
      if (step.changedFrom === 'pending') instance.change_seq++;
    }
    if (instance.state === 'firing') {
      const unnotified = instance.notify_seq !== instance.change_seq;
      const repeatDue =
        !unnotified && instance.last_notified_at !== null && now.getTime() - Date.parse(instance.last_notified_at) >= rule.repeat_interval_seconds * 1000;
      if (unnotified || repeatDue) {
        const silence = silencing(silences, rule, labels, now);
        if (silence) step.silencedBy = silence.id;
        else {
          step.notify = { state: 'firing', repeat: !unnotified };
          instance.notify_seq = instance.change_seq;
          instance.last_notified_at = nowIso;
        }
      }
    }
    step.dirty =
      !previous ||
      step.changedFrom !== undefined ||
      step.notify !== undefined ||
      stableJson(previous.details) !== stableJson(details) ||
      stableJson(previous.labels) !== stableJson(labels);
    steps.push(step);
  }
  for (const previous of stored) {
    if (seen.has(previous.group_key) || previous.state === 'resolved') continue;
    const instance: AlertInstance = { ...previous, state: 'resolved', resolved_at: nowIso, last_evaluated_at: nowIso };
    instance.change_seq = previous.change_seq + 1;
    const step: Step = { instance, changedFrom: previous.state, dirty: true };
    // A resolve notice only follows a firing notice that went out.
    const firingWasSent = previous.state === 'firing' && previous.notify_seq === previous.change_seq && previous.last_notified_at !== null;
    if (firingWasSent) {
      const silence = silencing(silences, rule, previous.labels, now);
      if (silence) step.silencedBy = silence.id;
      else step.notify = { state: 'resolved', repeat: false };
    }
    instance.notify_seq = instance.change_seq;
    steps.push(step);
  }
  return steps;
}

/** JSON with keys sorted: PostgreSQL's jsonb hands objects back in its own key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

/** The labels of an alert: the rule's, the group's, and alertname / severity / rule_id as Alertmanager expects. */
export function alertLabels(rule: AlertRule, group: ActiveGroup): Record<string, string> {
  return { ...rule.labels, ...group.labels, alertname: rule.name, severity: rule.severity, rule_id: rule.id };
}

/** The silence holding back notifications of this alert now, if any. */
export function silencing(silences: readonly Silence[], rule: AlertRule, labels: Record<string, string>, now: Date): Silence | undefined {
  return silences.find((silence) => silenceCovers(silence, rule.id, labels, now));
}

export function silenceCovers(silence: Silence, ruleId: string, labels: Record<string, string>, now: Date): boolean {
  if (silence.expired_at) return false;
  if (!silenceActiveAt(silence, now)) return false;
  if (silence.rule_id && silence.rule_id !== ruleId) return false;
  if (silence.component && !componentMatches(silence.component, labels)) return false;
  return silence.matchers.every((matcher) => {
    const value = labels[matcher.name] ?? '';
    switch (matcher.op) {
      case '=':
        return value === matcher.value;
      case '!=':
        return value !== matcher.value;
      case '=~':
        return new RegExp(`^(?:${matcher.value})$`).test(value);
      case '!~':
        return !new RegExp(`^(?:${matcher.value})$`).test(value);
    }
  });
}

/** Within starts_at..ends_at and, for a maintenance window, inside one of its weekly slots. */
export function silenceActiveAt(silence: Pick<Silence, 'starts_at' | 'ends_at' | 'schedule'>, now: Date): boolean {
  const time = now.getTime();
  if (time < Date.parse(silence.starts_at) || time >= Date.parse(silence.ends_at)) return false;
  const schedule = silence.schedule;
  if (!schedule) return true;
  const [hours, minutes] = schedule.start.split(':').map(Number);
  const dayMs = 86_400_000;
  const today = Math.floor(time / dayMs) * dayMs;
  // A slot may have started on an earlier day and still run (e.g. Saturday 22:00 for 6 hours).
  const lookBackDays = Math.ceil(schedule.duration_minutes / 1440);
  for (let back = 0; back <= lookBackDays; back++) {
    const day = today - back * dayMs;
    if (!schedule.days.includes(new Date(day).getUTCDay())) continue;
    const start = day + (hours * 60 + minutes) * 60_000;
    if (time >= start && time < start + schedule.duration_minutes * 60_000) return true;
  }
  return false;
}

/** A component selector (type, id, or "type/id") against an alert's component labels. */
export function componentMatches(selector: string, labels: Record<string, string>): boolean {
  const type = labels.component_type;
  const id = labels.component_id;
  if (labels.component === selector) return true;
  if (type && id && selector === `${type}/${id}`) return true;
  return selector === type || selector === id;
}
