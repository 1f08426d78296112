import { Injectable } from '@nestjs/common';
import { InsightsService } from '../../insights/insights.service.js';
import {
  type EventHistogram,
  EventHistogramService,
} from '../../storage/event-histogram.service.js';
import type { EventFilter } from '../../storage/events-query.types.js';
import { gridForBuckets } from '../../storage/histogram-grid.js';
import { ComponentRegistry } from '../component-registry.service.js';
import { openProblems } from '../open-problems.js';
import { QueryRepository } from '../query.repository.js';
import type { ComponentSelector } from '../query.types.js';
import type { ParsedQuestion } from './question-parser.js';

type Entities = ParsedQuestion['entities'];

export interface CountedAnswer {
  answer: string;
  data: unknown;
  /** GET /events/histogram requests (path and query) that give the same counts. */
  histograms: Record<string, string>[];
}

const HOUR_MS = 3_600_000;
/** "since when" looks this far back when the question names no time. */
const SINCE_LOOKBACK_MS = 6 * HOUR_MS;
const SINCE_BUCKETS = 72;
/** Failure words that make a count one of errors: "how many payments failed", "how many timeouts". */
const FAILURE_COUNT =
  /\b(errors?|failures?|fail\w*|errored|exceptions?|time ?outs?|timed out|time out|crash\w*|rejected|declined)\b/;
/** What says a component stopped rather than failed: "since when is dispatch down / silent?" */
const STOPPED = /\b(down|silent|quiet|stop\w*|dead|offline|unreachable|gone)\b/;

/**
 * Counts and times from the stored events across tiers (as GET /events/histogram counts them):
 * "how many errors did payments log in the last hour?" and "when did checkout start failing?".
 */
@Injectable()
export class CountAnswers {
  constructor(
    private readonly histograms: EventHistogramService,
    private readonly registry: ComponentRegistry,
    private readonly repository: QueryRepository,
    private readonly insights: InsightsService,
  ) {}

  /** The count asked for, per component named, against the window of the same length before it. */
  async count(lower: string, entities: Entities, now: Date): Promise<CountedAnswer> {
    const range = entities.time_range;
    const to = range ? new Date(range.to) : now;
    const from = range ? new Date(range.from) : new Date(to.getTime() - HOUR_MS);
    const when = range?.expression ?? 'in the last hour';
    const what = countedKind(lower, entities);
    const text = entities.text ?? entities.topic ?? undefined;
    const selectors = await this.registry.requireAll(
      entities.components.map((mention) => mention.name),
    );
    const spanMs = Math.max(1000, to.getTime() - from.getTime());
    const histograms: Record<string, string>[] = [];
    const rows = await Promise.all(
      (selectors.length ? selectors : [null]).map(async (selector) => {
        const filter = {
          ...(selector ? componentFilter(selector) : {}),
          level: what.level,
          text,
        };
        const [now_, before] = await Promise.all([
          this.histogram(filter, from, to, 12),
          this.histogram(filter, new Date(from.getTime() - spanMs), from, 1),
        ]);
        histograms.push(histogramQuery(filter, from, to));
        return {
          component: selector?.selector ?? null,
          count: what.errors ? now_.errors : now_.total,
          before: what.errors ? before.errors : before.total,
          of_events: now_.total,
          partial: now_.partial,
          busiest: busiest(now_, what.errors),
        };
      }),
    );
    const total = rows.reduce((sum, row) => sum + row.count, 0);
    const before = rows.reduce((sum, row) => sum + row.before, 0);
    const subject = selectors.length
      ? [...new Set(selectors.map((selector) => selector.selector))].join(', ')
      : 'all components';
    const noun = `${what.noun}${text ? ` mentioning "${text}"` : ''}`;
    const parts = [
      `${subject}: ${total.toLocaleString('en')} ${noun} ${when} (${from.toISOString()} to ${to.toISOString()}), ` +
        `against ${before.toLocaleString('en')} in the ${describeSpan(spanMs)} before${trend(total, before)}.`,
    ];
    if (rows.length > 1)
      parts.push(
        `Per component: ${rows
          .filter((row) => row.count > 0)
          .sort((a, b) => b.count - a.count)
          .map((row) => `${row.component} ${row.count}`)
          .join(', ')}.`,
      );
    const peak = rows
      .map((row) => row.busiest)
      .filter((bucket) => bucket !== null)
      .sort((a, b) => b!.count - a!.count)[0];
    if (peak && total > 0 && rows.length === 1)
      parts.push(`Most in ${peak.start} to ${peak.end} (${peak.count}).`);
    if (what.errors && rows.length === 1 && rows[0].of_events > 0)
      parts.push(
        `That is ${((100 * total) / rows[0].of_events).toFixed(1)}% of its ${rows[0].of_events.toLocaleString('en')} events.`,
      );
    if (rows.some((row) => row.partial))
      parts.push('Some archived or not yet stored events could not be counted (partial).');
    return {
      answer: parts.join(' '),
      data: {
        counted: what.noun,
        level: what.level ?? (what.errors ? 'error or critical' : 'any'),
        text: text ?? null,
        window: { from: from.toISOString(), to: to.toISOString() },
        total,
        previous_window: {
          from: new Date(from.getTime() - spanMs).toISOString(),
          to: from.toISOString(),
          total: before,
        },
        per_component: rows,
      },
      histograms,
    };
  }

  /**
   * When the trouble began: the open problems' first sightings, and from the error counts the start
   * of the latest run of buckets above the earlier level (its first error's time and message). For
   * "down" or "silent", the component's last event.
   */
  async since(lower: string, entities: Entities, now: Date): Promise<CountedAnswer> {
    const range = entities.time_range;
    const to = range ? new Date(range.to) : now;
    const from = range ? new Date(range.from) : new Date(to.getTime() - SINCE_LOOKBACK_MS);
    const selectors = await this.registry.requireAll(
      entities.components.map((mention) => mention.name),
    );
    // "when did checkout start failing?" where checkout names no component: its errors mention it
    const text = entities.text ?? entities.topic ?? undefined;
    const subject = selectors.length
      ? [...new Set(selectors.map((selector) => selector.selector))].join(', ')
      : text
        ? `Errors mentioning "${text}"`
        : 'the system';
    const problems = (await openProblems(this.insights, { limit: 100 }))
      .filter(
        (insight) =>
          selectors.length === 0 ||
          insight.affected_components.some((component) =>
            selectors.some(
              (selector) =>
                selector.component_type === component.component_type &&
                (selector.component_id === null ||
                  selector.component_id === component.component_id),
            ),
          ),
      )
      .filter((insight) => insight.severity !== 'low')
      .sort((a, b) => Date.parse(a.first_seen) - Date.parse(b.first_seen))
      .slice(0, 5);
    const parts: string[] = [];
    const data: Record<string, unknown> = {
      window: { from: from.toISOString(), to: to.toISOString() },
    };
    const histograms: Record<string, string>[] = [];

    if (STOPPED.test(lower) && selectors.length > 0) {
      const last = await Promise.all(
        selectors.map(async (selector) => ({
          component: selector.selector,
          last_event_at: await this.repository.lastSeen(
            selector,
            await this.registry.idsOf(selector.component_type),
            to,
          ),
        })),
      );
      data.last_events = last;
      parts.push(
        last
          .map((item) =>
            item.last_event_at
              ? `${item.component}'s last event was at ${item.last_event_at} (${describeSpan(to.getTime() - Date.parse(item.last_event_at))} ago)`
              : `${item.component} has no event before ${to.toISOString()}`,
          )
          .join('; ') + '.',
      );
    } else {
      const filter = {
        ...(selectors.length === 1 ? componentFilter(selectors[0]) : { components: selectors }),
        text,
      };
      const counts = await this.histogram(
        selectors.length === 0 ? { text } : filter,
        from,
        to,
        SINCE_BUCKETS,
      );
      histograms.push(histogramQuery(selectors.length === 1 ? filter : { text }, from, to));
      const errors = counts.buckets.map((bucket) => bucket.errors);
      const run = latestRise(errors);
      const step = describeSpan(counts.step_ms);
      if (!run) {
        const total = errors.reduce((sum, count) => sum + count, 0);
        parts.push(
          total === 0
            ? `${subject} logged no error from ${from.toISOString()} to ${to.toISOString()}.`
            : `${subject}'s errors did not rise from ${from.toISOString()} to ${to.toISOString()}: ${total} in all, about the same in every ${step}.`,
        );
      } else {
        const startMs = Date.parse(counts.buckets[run.start].start);
        // newest first: the oldest of the bucket's errors is the last of them
        const inBucket = await this.repository.searchEvents({
          components: selectors.length ? selectors : undefined,
          levels: ['error', 'critical'],
          text,
          from: new Date(startMs),
          to: new Date(startMs + counts.step_ms),
          limit: 500,
        });
        const first = firstOfRise(inBucket, counts.step_ms);
        const errorsSince = errors.slice(run.start).reduce((sum, count) => sum + count, 0);
        const began = first?.timestamp ?? counts.buckets[run.start].start;
        const over = run.end < errors.length - 2;
        const endedAt = new Date(
          Date.parse(counts.buckets[run.end].start) + counts.step_ms,
        ).toISOString();
        data.errors = {
          began_at: began,
          ended_by: over ? endedAt : null,
          first_error: first ?? null,
          errors_since: errorsSince,
          per_bucket_before: run.baseline,
          bucket_ms: counts.step_ms,
        };
        parts.push(
          `${subject}${selectors.length === 0 && text ? ' began' : ' started failing'} at ${began} (${describeSpan(to.getTime() - Date.parse(began))} ago): ` +
            `${errorsSince} error(s) since, against about ${run.baseline} per ${step} before` +
            (over ? `; back to that level by ${endedAt}` : '') +
            (first
              ? `. The first: ${first.component_type}/${first.component_id}: ${first.message.slice(0, 160)}`
              : '') +
            '.',
        );
      }
    }
    data.open_problems = problems.map((insight) => ({
      id: insight.id,
      severity: insight.severity,
      title: insight.title,
      first_seen: insight.first_seen,
    }));
    if (problems.length > 0)
      parts.push(
        `Open problems, oldest first: ${problems
          .slice(0, 3)
          .map((insight) => `[${insight.severity}] ${insight.title} (since ${insight.first_seen})`)
          .join('; ')}.`,
      );
    return { answer: parts.join(' '), data, histograms };
  }

  private histogram(
    filter: Omit<EventFilter, 'from' | 'to'>,
    from: Date,
    to: Date,
    buckets: number,
  ): Promise<EventHistogram> {
    return this.histograms.histogram(
      { ...filter, from, to },
      gridForBuckets(from.getTime(), Math.max(to.getTime(), from.getTime() + 1), buckets),
    );
  }
}

function componentFilter(
  selector: ComponentSelector,
): Pick<EventFilter, 'component_type' | 'component_id'> {
  return {
    component_type: selector.component_type,
    ...(selector.component_id ? { component_id: selector.component_id } : {}),
  };
}

/** What a count is of: errors (error or critical, or an error event), one level, or every event. */
export function countedKind(
  lower: string,
  entities: Pick<Entities, 'levels'>,
): { errors: boolean; level?: string; noun: string } {
  const levels = entities.levels;
  if (levels.includes('error') || levels.includes('critical') || FAILURE_COUNT.test(lower))
    return { errors: true, noun: 'error event(s)' };
  const level = levels.find((item) => item === 'warning' || item === 'info' || item === 'debug');
  if (level) return { errors: false, level, noun: `${level} event(s)` };
  return { errors: false, noun: 'event(s)' };
}

/**
 * The latest run of buckets above the level before it: the level is the median of the first half
 * of the buckets (the rise, near the end, does not raise it); a bucket is above it at more than
 * twice the level and at least 3 more. Gaps of one bucket are allowed inside a run. `end` is the
 * run's last bucket; null when no bucket is above the level (`errors` says whether there was any).
 */
export function latestRise(
  counts: readonly number[],
): { start: number; end: number; baseline: number } | null {
  const half = counts.slice(0, Math.max(1, Math.floor(counts.length / 2)));
  const sorted = [...half].sort((a, b) => a - b);
  const baseline = sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
  const above = (count: number) => count > 0 && count > baseline * 2 && count >= baseline + 3;
  let end = counts.length - 1;
  while (end >= 0 && !above(counts[end])) end--;
  if (end < 0) return null;
  let start = end;
  for (let index = end - 1; index >= 0; index--) {
    if (above(counts[index])) start = index;
    else if (!(index > 0 && above(counts[index - 1]))) break;
  }
  return { start, end, baseline };
}

/**
 * The first error of a rise within its first bucket: the first after which the next fifth of a
 * bucket holds at least half the bucket's rate (a routine error just before the burst in the same
 * bucket is not its start); the bucket's first error when none does.
 */
export function firstOfRise<T extends { timestamp: string }>(
  newestFirst: readonly T[],
  stepMs: number,
): T | undefined {
  const events = [...newestFirst].reverse();
  const times = events.map((event) => Date.parse(event.timestamp));
  const windowMs = stepMs / 5;
  const need = Math.max(2, Math.ceil((0.5 * events.length) / 5));
  let end = 0;
  for (let index = 0; index < times.length; index++) {
    end = Math.max(end, index);
    while (end < times.length && times[end] < times[index] + windowMs) end++;
    if (end - index >= need) return events[index];
  }
  return events[0];
}

function busiest(histogram: EventHistogram, errors: boolean) {
  let best: { start: string; end: string; count: number } | null = null;
  for (const bucket of histogram.buckets) {
    const count = errors ? bucket.errors : bucket.count;
    if (count > 0 && (!best || count > best.count))
      best = {
        start: bucket.start,
        end: new Date(Date.parse(bucket.start) + histogram.step_ms).toISOString(),
        count,
      };
  }
  return best;
}

function trend(now: number, before: number): string {
  if (before === 0) return now > 0 ? ' (new)' : '';
  const ratio = now / before;
  if (ratio >= 1.5) return ` (×${ratio.toFixed(1)})`;
  if (ratio <= 0.67) return ` (down to ${Math.round(ratio * 100)}%)`;
  return ' (about the same)';
}

export function describeSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (minutes < 120) return `${minutes} min`;
  const hours = ms / HOUR_MS;
  return hours < 48 ? `${Math.round(hours * 10) / 10} h` : `${Math.round(hours / 24)} days`;
}

function histogramQuery(
  filter: Omit<EventFilter, 'from' | 'to'>,
  from: Date,
  to: Date,
): Record<string, string> {
  const query: Record<string, string> = { from: from.toISOString(), to: to.toISOString() };
  for (const key of ['component_type', 'component_id', 'level', 'text'] as const)
    if (typeof filter[key] === 'string') query[key] = filter[key] as string;
  return query;
}
