import { Injectable } from '@nestjs/common';
import { correlationTag } from '../cache/cache-tags.js';
import { QueryCacheService } from '../cache/query-cache.service.js';
import { isErrorEvent, wentWell } from '../common/debug-event.js';
import { NotFoundError } from '../common/errors/domain-error.js';
import { QueryRepository } from './query.repository.js';
import type { EventRow } from './query.types.js';

export type StepStatus = 'completed' | 'failed' | 'in_progress' | 'stuck';
export type OperationStatus = 'completed' | 'failed' | 'in_progress' | 'stuck';

export interface OperationStep {
  index: number;
  name: string;
  component_type: string;
  component_id: string;
  status: StepStatus;
  /** true when the step has no end marker of its own and counts as done because a later step began. */
  completion_inferred: boolean;
  started_at: string;
  last_event_at: string;
  duration_ms: number | null;
  events: number;
  errors: number;
  last_message: string;
}

export interface OperationProgress {
  correlation_id: string;
  status: OperationStatus;
  summary: string;
  started_at: string;
  last_event_at: string;
  elapsed_ms: number;
  idle_ms: number;
  events: number;
  events_truncated: boolean;
  components: { component_type: string; component_id: string; events: number }[];
  steps: OperationStep[];
  current_step: OperationStep | null;
  failures: {
    event_id: string;
    step: string;
    component_type: string;
    component_id: string;
    timestamp: string;
    message: string;
  }[];
  stuck: { is_stuck: boolean; idle_ms: number; threshold_ms: number; reason: string };
  /** For an operation that was open: what earlier ones did after the message it stopped at. */
  history?: StopHistory;
}

const MAX_EVENTS = 5000;
const MIN_STUCK_MS = 60_000;
const END_MARKER =
  /\b(complete[d]?|completion|finish(ed)?|done|succeed(ed)?|success(ful)?|end(ed)?|stop(ped)?|exit(ed)?|ok|commit(ted)?|delivered|closed)\b/i;
const START_MARKER =
  /\b(start(ed|ing)?|begin|began|running|processing|enter(ed)?|open(ed)?|accepted|received|queued)\b/i;
const FAIL_MARKER = /\b(fail(ed|ure)?|error|abort(ed)?|crash(ed)?|timeout|timed out|rejected)\b/i;

/** Earlier operations read for what follows the message an open one stopped at. */
const HISTORY_CHAINS = 50;
/** Earlier operations that came to the message before what they did after it counts. */
const MIN_HISTORY = 5;
/** How long an earlier operation must have been quiet after the message to have ended there. */
const SETTLE_MS = 10 * 60_000;

/** What earlier operations did after the message an open one stopped at. */
export interface StopHistory {
  pattern_id: string;
  /** Earlier operations that came to the message and whose outcome is known. */
  operations: number;
  /** Of those, the ones that logged nothing after it: it ended them. */
  ended_there: number;
  /** The longest wait before the next event among those that went on (null with fewer than 5). */
  longest_wait_ms: number | null;
}

/**
 * The history of a message from its most recent occurrences on other chains: each went on after
 * a wait, or logged nothing after it. An occurrence with nothing after it counts as an end once
 * it has been quiet for SETTLE_MS and for twice the longest wait of those that went on (a
 * 30-minute wait is not an end after 10 minutes), and when it is older than the latest
 * occurrence that went on; more recent ones are still unknown.
 */
export function stopHistoryOf(
  patternId: string,
  rows: readonly { at: Date; nextAt: Date | null }[],
  now: Date,
): StopHistory {
  const waits = rows
    .filter((row) => row.nextAt !== null)
    .map((row) => row.nextAt!.getTime() - row.at.getTime());
  const longest = waits.length > 0 ? Math.max(...waits) : 0;
  const settled = now.getTime() - Math.max(SETTLE_MS, 2 * longest);
  // A run of the latest occurrences with nothing after them, newer than every one that went on,
  // is what changed, not what the message means: the other refunds hung on the same call since
  // the worker broke "ended" there too. Only those older than the latest that went on count.
  const latestWentOn = Math.max(
    -Infinity,
    ...rows.filter((row) => row.nextAt !== null).map((row) => row.at.getTime()),
  );
  const ended = rows.filter(
    (row) =>
      row.nextAt === null &&
      row.at.getTime() < settled &&
      (waits.length === 0 || row.at.getTime() < latestWentOn),
  ).length;
  return {
    pattern_id: patternId,
    operations: waits.length + ended,
    ended_there: ended,
    longest_wait_ms: waits.length >= MIN_HISTORY ? longest : null,
  };
}

/** Whether the message ends operations: at least half of 5 or more earlier ones ended there. */
function endsOperations(history: StopHistory | undefined): boolean {
  return (
    history !== undefined &&
    history.operations >= MIN_HISTORY &&
    history.ended_there * 2 >= history.operations
  );
}

/** Whether earlier operations went on after the message: more than half of 5 or more did. */
function goesOnAfter(history: StopHistory | undefined): boolean {
  return (
    history !== undefined &&
    history.operations >= MIN_HISTORY &&
    (history.operations - history.ended_there) * 2 > history.operations
  );
}

/**
 * The steps of one operation (all events of a correlation id): one step per operation name
 * (or component when events have none), in the order they began, each completed, failed,
 * in progress or stuck. Stuck = nothing happened for longer than the threshold while the
 * last step had not ended.
 */
@Injectable()
export class OperationProgressService {
  constructor(
    private readonly repository: QueryRepository,
    private readonly cache: QueryCacheService,
  ) {}

  async progress(correlationId: string, options: { stuckAfterSeconds?: number; at?: Date } = {}) {
    const key = {
      correlationId,
      stuckAfterSeconds: options.stuckAfterSeconds ?? null,
      at: options.at?.toISOString() ?? null,
    };
    const { value, cached, computed_at } = await this.cache.getOrCompute(
      'progress',
      key,
      [correlationTag(correlationId)],
      async () => {
        const { events, truncated } = await this.repository.eventsOfCorrelation(
          correlationId,
          MAX_EVENTS,
        );
        if (events.length === 0) return null;
        const now = options.at ?? new Date();
        const progress = buildProgress(
          correlationId,
          events,
          truncated,
          now,
          options.stuckAfterSeconds,
        );
        // what earlier operations did after the message this one stopped at: an open one may
        // have ended there, a finished-looking one may be waiting (a span still running, a person)
        const last = events[events.length - 1];
        if (progress.status === 'failed' || truncated) return progress;
        if (!last.pattern_id) return progress;
        // the occurrences old enough to be known (stopHistoryOf): the latest are still unknown
        const history = stopHistoryOf(
          last.pattern_id,
          await this.repository.nextAfterPattern(
            last.pattern_id,
            correlationId,
            new Date(now.getTime() - SETTLE_MS),
            HISTORY_CHAINS,
          ),
          now,
        );
        return buildProgress(
          correlationId,
          events,
          truncated,
          now,
          options.stuckAfterSeconds,
          history,
        );
      },
    );
    if (!value) throw new NotFoundError('operation with correlation_id', correlationId);
    return { ...value, cached, computed_at };
  }
}

/** The step an event belongs to: its operation, else its component instance (named by type). */
function stepOf(
  event: EventRow,
  spansById: ReadonlyMap<string, EventRow>,
): { key: string; name: string } {
  if (event.operation) return { key: event.operation, name: event.operation };
  // an error logged inside a span (an OpenTelemetry log with the span's context) is that span's
  // step: a retry of the span that went well recovers it, on whichever instance it ran
  const span = event.parent_event_id ? spansById.get(event.parent_event_id) : undefined;
  if (span?.operation) return { key: span.operation, name: span.operation };
  return { key: `${event.component_type}/${event.component_id}`, name: event.component_type };
}

function markerText(event: EventRow): string {
  const data = event.data ?? {};
  const parts = [data.status, data.phase, data.state, data.stage, data.outcome].filter(
    (part) => typeof part === 'string',
  );
  return `${parts.join(' ')} ${event.event_type === 'lifecycle' || event.event_type === 'trace' || event.event_type === 'span' ? event.message : ''}`;
}

function isSpan(event: EventRow): boolean {
  return event.event_type === 'trace' && event.duration_ms !== null;
}

/** A log line without an operation, error or marker: a note, not a piece of work. */
function isAnnotation(event: EventRow): boolean {
  return (
    event.event_type === 'log' &&
    event.operation === null &&
    !isErrorEvent(event) &&
    !startsStep(event) &&
    !END_MARKER.test(markerText(event))
  );
}

function phaseOf(event: EventRow): string | undefined {
  const phase = (event.metadata as Record<string, unknown> | null)?.phase;
  return typeof phase === 'string' ? phase : undefined;
}

function countComponent(
  components: Map<string, { component_type: string; component_id: string; events: number }>,
  event: EventRow,
): void {
  const key = `${event.component_type}/${event.component_id}`;
  const component = components.get(key) ?? {
    component_type: event.component_type,
    component_id: event.component_id,
    events: 0,
  };
  component.events++;
  components.set(key, component);
}

function endsStep(event: EventRow): boolean {
  if (isErrorEvent(event)) return false;
  const text = markerText(event);
  if (END_MARKER.test(text) && !START_MARKER.test(text.replace(END_MARKER, ''))) return true;
  // An event with a duration reports a finished piece of work.
  return event.duration_ms !== null && !START_MARKER.test(text);
}

function startsStep(event: EventRow): boolean {
  const text = markerText(event);
  return START_MARKER.test(text) && !END_MARKER.test(text);
}

interface StepState extends OperationStep {
  explicitStart: boolean;
  lastErrorAt: number;
  lastEndAt: number;
  /** The time of the step's latest event when it says all went well (info or debug), else -1. */
  lastGoodAt: number;
}

/** The latest failure and the latest event without one, per component instance. */
function noteOutcome(
  outcomes: Map<string, { lastErrorAt: number; lastGoodAt: number }>,
  event: { component_type: string; component_id: string; level: string; event_type: string },
  at: number,
  failed: boolean,
): void {
  // per instance, and per type: a retry another instance served (a job redelivered) recovers too
  for (const key of [
    `${event.component_type}/${event.component_id}`,
    `${event.component_type}/*`,
  ]) {
    const outcome = outcomes.get(key) ?? { lastErrorAt: -1, lastGoodAt: -1 };
    if (failed) {
      outcome.lastErrorAt = Math.max(outcome.lastErrorAt, at);
      outcome.lastGoodAt = -1;
    } else outcome.lastGoodAt = wentWell(event) ? at : -1;
    outcomes.set(key, outcome);
  }
}

/**
 * A step recovered from its failures when its latest event, after them, went well (a deadlock
 * retried and committed); a step without an operation (an exception a Sentry SDK reported beside
 * the operation's own events) when its component's latest event did, as the flow analyzer reads
 * a failure (flow.analyzer.ts, recoveredFailures).
 */
function recovered(
  step: StepState,
  outcomes: ReadonlyMap<string, { lastErrorAt: number; lastGoodAt: number }>,
): boolean {
  if (step.lastGoodAt > step.lastErrorAt) return true;
  if (step.name !== step.component_type) return false;
  return [`${step.component_type}/${step.component_id}`, `${step.component_type}/*`].some((key) => {
    const outcome = outcomes.get(key);
    return outcome !== undefined && outcome.lastGoodAt > outcome.lastErrorAt;
  });
}

/**
 * The latest OpenTelemetry log record, or span with its parent in the same process, that sits
 * inside a span that has not arrived: that span has not ended.
 */
function insideMissingSpan(events: readonly EventRow[]): EventRow | undefined {
  const ids = new Set(events.map((event) => event.id));
  return events.findLast(
    (event) =>
      event.parent_event_id !== null &&
      !ids.has(event.parent_event_id) &&
      (isSpan(event) ? phaseOf(event) === 'start' : hasSpanContext(event)),
  );
}

/** A log record sent with a span's context (OTLP): its parent is that span's event. */
function hasSpanContext(event: EventRow): boolean {
  return !isSpan(event) && typeof event.data?.['otel.span_id'] === 'string';
}

/** Pure: the progress of an operation from its events in time order. */
export function buildProgress(
  correlationId: string,
  events: readonly EventRow[],
  truncated: boolean,
  now: Date,
  stuckAfterSeconds?: number,
  history?: StopHistory,
): OperationProgress {
  const steps = new Map<string, StepState>();
  const components = new Map<
    string,
    { component_type: string; component_id: string; events: number }
  >();
  const failures: OperationProgress['failures'] = [];
  const outcomes = new Map<string, { lastErrorAt: number; lastGoodAt: number }>();
  // In a trace the spans are the steps; a log record without an operation (an OpenTelemetry or
  // Sentry log with the trace's context) says something inside a span, and is no step of its own.
  const spans = events.filter(isSpan);
  const spansById = new Map(spans.map((span) => [span.id, span]));
  for (const event of events) {
    if (spans.length > 0 && isAnnotation(event)) {
      countComponent(components, event);
      continue;
    }
    const { key, name } = stepOf(event, spansById);
    const at = Date.parse(event.timestamp);
    let step = steps.get(key);
    if (!step) {
      step = {
        index: steps.size,
        name,
        component_type: event.component_type,
        component_id: event.component_id,
        status: 'in_progress',
        completion_inferred: false,
        started_at: event.timestamp,
        last_event_at: event.timestamp,
        duration_ms: null,
        events: 0,
        errors: 0,
        last_message: event.message,
        explicitStart: false,
        lastErrorAt: -1,
        lastEndAt: -1,
        lastGoodAt: -1,
      };
      steps.set(key, step);
    }
    step.events++;
    step.last_event_at = event.timestamp;
    step.last_message = event.message;
    if (startsStep(event)) step.explicitStart = true;
    const failed =
      isErrorEvent(event) ||
      (event.event_type === 'lifecycle' && FAIL_MARKER.test(markerText(event)));
    if (failed) {
      step.errors++;
      step.lastErrorAt = at;
      failures.push({
        event_id: event.id,
        step: step.name,
        component_type: event.component_type,
        component_id: event.component_id,
        timestamp: event.timestamp,
        message: event.message,
      });
    } else {
      step.lastGoodAt = wentWell(event) ? at : -1;
      if (endsStep(event)) {
        step.lastEndAt = at;
        step.duration_ms = event.duration_ms ?? at - Date.parse(step.started_at);
      }
    }
    noteOutcome(outcomes, event, at, failed);
    countComponent(components, event);
  }

  const ordered = [...steps.values()];
  const first = Date.parse(events[0].timestamp);
  const last = Date.parse(events[events.length - 1].timestamp);
  const idle = Math.max(0, now.getTime() - last);
  const gaps = events
    .slice(1)
    .map((event, index) => Date.parse(event.timestamp) - Date.parse(events[index].timestamp));
  // an operation waits as long as earlier ones waited after the same message (twice the longest)
  // (what followed the same message elsewhere is the closer measure: a 45-minute wait for a
  // person elsewhere in the operation says nothing of how long a transfer may hang)
  const threshold =
    stuckAfterSeconds !== undefined
      ? stuckAfterSeconds * 1000
      : history?.longest_wait_ms != null
        ? Math.max(MIN_STUCK_MS, 2 * history.longest_wait_ms)
        : Math.max(MIN_STUCK_MS, 10 * Math.max(0, ...gaps));
  const isStuck = idle > threshold;
  const latestStart = Math.max(...ordered.map((step) => Date.parse(step.started_at)));

  for (const step of ordered) {
    if (step.lastErrorAt >= 0 && step.lastErrorAt >= step.lastEndAt && !recovered(step, outcomes))
      step.status = 'failed';
    else if (step.lastEndAt >= 0) step.status = 'completed';
    else if (!step.explicitStart && Date.parse(step.started_at) < latestStart) {
      // No end of its own, but a later step began: the work moved on.
      step.status = 'completed';
      step.completion_inferred = true;
      step.duration_ms = Date.parse(step.last_event_at) - Date.parse(step.started_at);
    } else step.status = isStuck ? 'stuck' : 'in_progress';
  }

  const byActivity = [...ordered].sort(
    (a, b) => Date.parse(b.last_event_at) - Date.parse(a.last_event_at) || b.index - a.index,
  );
  const open = byActivity.filter(
    (step) => step.status === 'stuck' || step.status === 'in_progress',
  );
  // The OTLP mapping marks a span whose parent runs in the same process `start` (its trace's root
  // is still to come) and the root `end` (docs/otlp.md): without the root, the trace is open.
  const rootPending =
    spans.some((span) => phaseOf(span) === 'start') &&
    !spans.some((span) => phaseOf(span) === 'end');
  // A span is exported when it ends: a log record or a span inside one that has not arrived says
  // that span is still running (a consumer hung on a call), wherever the root is.
  const pendingInside = !truncated && spans.length > 0 ? insideMissingSpan(events) : undefined;
  const spanPending = pendingInside !== undefined;
  // the message it stopped at ended most earlier operations: this one ended there too
  const endedByHistory = !rootPending && !spanPending && open.length > 0 && endsOperations(history);
  if (endedByHistory)
    for (const step of open) {
      step.status = 'completed';
      step.completion_inferred = true;
      step.duration_ms = Date.parse(step.last_event_at) - Date.parse(step.started_at);
    }
  const stillOpen = endedByHistory ? [] : open;
  let status: OperationStatus;
  let current: StepState | undefined;
  if (stillOpen.length > 0) {
    current = stillOpen[0];
    status = isStuck ? 'stuck' : 'in_progress';
  } else if (rootPending || spanPending) {
    current = byActivity[0];
    status = isStuck ? 'stuck' : 'in_progress';
  } else if (byActivity.some((step) => step.status === 'failed')) {
    // Everything ended, and a step failed for good (the latest, or an earlier one); a step that
    // failed and then succeeded (a retry) recovered
    current = byActivity.find((step) => step.status === 'failed');
    status = 'failed';
  } else if (goesOnAfter(history)) {
    // every step ended, but most earlier operations went on after the message this one stopped
    // at (a claim queued for a person, a hand-off to a queue): it waits
    current = byActivity[0];
    status = isStuck ? 'stuck' : 'in_progress';
  } else status = 'completed';
  const waitsByHistory =
    !rootPending &&
    !spanPending &&
    stillOpen.length === 0 &&
    status !== 'failed' &&
    status !== 'completed';

  const publicSteps: OperationStep[] = ordered.map(
    ({ explicitStart: _start, lastErrorAt: _error, lastEndAt: _end, lastGoodAt: _good, ...step }) =>
      step,
  );
  const currentStep = current ? publicSteps[current.index] : null;
  const lastDone = byActivity.find((step) => step.status === 'completed' && step !== current);
  // inside a span that has not arrived, the work waits where its latest event was logged
  const where = pendingInside
    ? `a span of ${pendingInside.component_type}/${pendingInside.component_id}`
    : currentStep
      ? `"${currentStep.name}" on ${currentStep.component_type}/${currentStep.component_id}`
      : '';
  const lastMessage = events[events.length - 1].message.slice(0, 120);
  const waitingFor = rootPending
    ? "the trace's root span, which ends after every span under it and has not arrived"
    : spanPending
      ? `a span that has not ended (spans arrive when they end); its last message: "${lastMessage}"`
      : waitsByHistory
        ? `what comes after its last message ("${lastMessage}"): ${history!.operations - history!.ended_there} of the ${history!.operations} earlier operations that logged it went on` +
          (history!.longest_wait_ms !== null
            ? `, after up to ${Math.round(history!.longest_wait_ms / 60_000)} min`
            : '')
        : `${where} had not ended${lastDone ? ` (last finished step: "${lastDone.name}")` : ''}`;
  const reason =
    status === 'stuck'
      ? `no event for ${Math.round(idle / 1000)} s (threshold ${Math.round(threshold / 1000)} s) while waiting for ${waitingFor}`
      : status === 'completed'
        ? endedByHistory
          ? `its last message ("${events[events.length - 1].message.slice(0, 120)}") ended ${history!.ended_there} of the ${history!.operations} earlier operations that logged it`
          : failures.length > 0
            ? `every step ended; ${failures.length} failure(s) on the way were recovered from (the step went on to succeed)`
            : 'every step ended'
        : status === 'failed'
          ? `${failures.length} failure(s); the first in "${failures[0]?.step}" (${failures[0]?.component_type}/${failures[0]?.component_id}): ${failures[0]?.message}`
          : rootPending || spanPending || waitsByHistory
            ? `waiting for ${waitingFor}; last event ${Math.round(idle / 1000)} s ago, within the ${Math.round(threshold / 1000)} s threshold`
            : `${where} is running; last event ${Math.round(idle / 1000)} s ago, within the ${Math.round(threshold / 1000)} s threshold`;
  return {
    correlation_id: correlationId,
    status,
    summary: `Operation ${correlationId}: ${status}${currentStep ? ` at ${where}` : ''}; ${publicSteps.length} step(s), ${failures.length} failure(s), elapsed ${((last - first) / 1000).toFixed(1)} s. ${reason}.`,
    started_at: events[0].timestamp,
    last_event_at: events[events.length - 1].timestamp,
    elapsed_ms: last - first,
    idle_ms: idle,
    events: events.length,
    events_truncated: truncated,
    components: [...components.values()],
    steps: publicSteps,
    current_step: currentStep,
    failures: failures.slice(0, 50),
    stuck: { is_stuck: status === 'stuck', idle_ms: idle, threshold_ms: threshold, reason },
    ...(history ? { history } : {}),
  };
}
