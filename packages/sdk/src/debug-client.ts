import { performance } from 'node:perf_hooks';
import { currentScope, runInScope } from './correlation.js';
import { HttpSender, type SendOutcome } from './http-sender.js';
import { newEventId } from './event-ids.js';
import { encodeEvent } from './payload-limits.js';
import type {
  ChannelStats,
  DebugClientFailure,
  DebugClientOptions,
  DebugClientStats,
  DebugEventPayload,
  DebugLevel,
  DebugMetricPayload,
  DebugStatePayload,
  EventInput,
  LogFields,
  MetricInput,
  StateInput,
} from './types.js';

const API_PREFIX = '/api/debug';
const MAX_BATCH_SIZE = 1000;

type ChannelName = 'events' | 'metrics' | 'states';

/** Data waiting to be sent, each item already serialised (retries resend the same bytes). */
interface Channel {
  name: ChannelName;
  queue: string[];
  inFlight: number;
  stats: ChannelStats;
}

export interface CorrelatedOptions {
  /** Use this correlation id (e.g. one received from an upstream request) instead of a new one. */
  correlationId?: string;
  /** Extra data on the start event. */
  data?: Record<string, unknown>;
}

/**
 * Sends debug events, metrics and state snapshots to the AI Debug System.
 *
 * Recording never blocks and never throws: events get their id (UUIDv7) and timestamp
 * at once, wait in a bounded buffer, and go out in batches (when `batchSize` are waiting,
 * or every `flushIntervalMs`). Failed requests are retried with backoff, honouring
 * `Retry-After`; whatever is lost is counted in `stats()`. Call `close()` on shutdown.
 */
export class DebugClient {
  private readonly sender: HttpSender;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly maxBatchBytes: number;
  private readonly shutdownTimeoutMs: number;
  private readonly onFailure: (failure: DebugClientFailure) => void;
  private readonly channels: Record<ChannelName, Channel> = {
    events: newChannel('events'),
    metrics: newChannel('metrics'),
    states: newChannel('states'),
  };
  private readonly shutdown = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private pumping: Promise<void> | null = null;
  private drainRequests = 0;
  private tickDue = false;
  private closing = false;
  private closed = false;
  private closePromise: Promise<void> | null = null;
  private bufferFullReported = false;
  private afterCloseReported = false;
  private detachProcessHooks: (() => void) | null = null;

  constructor(private readonly options: DebugClientOptions) {
    requireText(options.baseUrl, 'baseUrl');
    requireText(options.componentType, 'componentType');
    requireText(options.componentId, 'componentId');
    this.batchSize = positiveInteger(options.batchSize ?? 100, 'batchSize', MAX_BATCH_SIZE);
    this.maxBuffered = positiveInteger(options.maxBufferedEvents ?? 10_000, 'maxBufferedEvents');
    this.maxBatchBytes = positiveInteger(options.maxBatchBytes ?? 1024 * 1024, 'maxBatchBytes');
    this.shutdownTimeoutMs = nonNegativeInteger(options.shutdownTimeoutMs ?? 10_000, 'shutdownTimeoutMs');
    const fetchFunction = options.fetch ?? globalThis.fetch;
    if (typeof fetchFunction !== 'function') throw new TypeError('DebugClient: no fetch available; pass options.fetch');
    this.sender = new HttpSender({
      baseUrl: apiRoot(options.baseUrl),
      apiKey: options.apiKey,
      maxRetries: nonNegativeInteger(options.maxRetries ?? 5, 'maxRetries'),
      baseDelayMs: nonNegativeInteger(options.retryBaseDelayMs ?? 200, 'retryBaseDelayMs'),
      maxDelayMs: nonNegativeInteger(options.retryMaxDelayMs ?? 30_000, 'retryMaxDelayMs'),
      maxRetryAfterMs: nonNegativeInteger(options.maxRetryAfterMs ?? 60_000, 'maxRetryAfterMs'),
      requestTimeoutMs: positiveInteger(options.requestTimeoutMs ?? 10_000, 'requestTimeoutMs'),
      fetch: fetchFunction,
    });
    this.onFailure = options.onFailure ?? warnOnConsole;
    const interval = positiveInteger(options.flushIntervalMs ?? 1000, 'flushIntervalMs');
    this.timer = setInterval(() => this.onTick(), interval);
    // The timer alone never keeps a process alive; requests in flight do.
    this.timer.unref();
    if (options.handleProcessExit) this.detachProcessHooks = this.attachProcessHooks();
  }

  // ---- recording -------------------------------------------------------------------

  /** Records one event; returns its id (usable as another event's `parentEventId`). */
  event(input: EventInput): string {
    const scope = currentScope();
    const id = input.id ?? newEventId();
    const payload: DebugEventPayload = {
      id,
      timestamp: isoTime(input.timestamp),
      event_type: input.type ?? 'log',
      level: input.level ?? 'info',
      component_type: input.componentType ?? this.options.componentType,
      component_id: input.componentId ?? this.options.componentId,
      message: typeof input.message === 'string' ? input.message : String(input.message ?? ''),
    };
    setIfPresent(payload, 'correlation_id', input.correlationId ?? scope?.correlationId);
    setIfPresent(payload, 'parent_event_id', input.parentEventId ?? scope?.parentEventId ?? undefined);
    setIfPresent(payload, 'operation', input.operation ?? scope?.operation ?? undefined);
    setIfPresent(payload, 'duration_ms', input.durationMs);
    setIfPresent(payload, 'data', input.data);
    setIfPresent(payload, 'metadata', input.metadata);
    setIfPresent(payload, 'session_id', input.sessionId ?? this.options.sessionId);
    this.enqueue(this.channels.events, encodeEvent(payload));
    return id;
  }

  log(level: DebugLevel, message: string, fields: LogFields = {}): string {
    return this.event({ ...fields, message, level });
  }

  debug(message: string, fields: LogFields = {}): string {
    return this.event({ ...fields, message, level: 'debug' });
  }

  info(message: string, fields: LogFields = {}): string {
    return this.event({ ...fields, message, level: 'info' });
  }

  warn(message: string, fields: LogFields = {}): string {
    return this.event({ ...fields, message, level: 'warning' });
  }

  /**
   * An `error` event. A string is the message; anything else (an Error, or whatever a
   * `catch (e)` caught) is described in `data.error` ({ name, message, stack, cause }) and
   * gives the message. `fields.error` adds an error to a string message.
   */
  error(messageOrError: unknown, fields: LogFields & { error?: unknown } = {}): string {
    const { error: cause, ...rest } = fields;
    const error = typeof messageOrError === 'string' ? cause : messageOrError;
    const message = typeof messageOrError === 'string' ? messageOrError : describeError(messageOrError).message;
    const data = error === undefined ? rest.data : { ...rest.data, error: describeError(error) };
    return this.event({ type: 'error', ...rest, data, message, level: 'error' });
  }

  critical(message: string, fields: LogFields = {}): string {
    return this.event({ type: 'error', ...fields, message, level: 'critical' });
  }

  /** Records a metric point (sent in batches to `POST /api/debug/metrics`); returns its id. */
  metric(name: string, value: number, input: MetricInput = {}): string {
    const id = newEventId();
    const payload: DebugMetricPayload = {
      id,
      name,
      value,
      timestamp: isoTime(input.timestamp),
      component_type: input.componentType ?? this.options.componentType,
      component_id: input.componentId ?? this.options.componentId,
    };
    setIfPresent(payload, 'unit', input.unit);
    setIfPresent(payload, 'tags', input.tags);
    this.enqueue(this.channels.metrics, serialise(payload));
    return id;
  }

  /**
   * Records a snapshot of a component's state; the service diffs it against the previous
   * one. Snapshots are sent one by one, in the order they were taken, each with a client id
   * so that a retry after a lost answer does not add a second version.
   */
  state(state: Record<string, unknown>, input: StateInput = {}): void {
    const payload: DebugStatePayload = {
      id: newEventId(),
      component_type: input.componentType ?? this.options.componentType,
      component_id: input.componentId ?? this.options.componentId,
      state,
      captured_at: isoTime(input.capturedAt),
    };
    setIfPresent(payload, 'correlation_id', input.correlationId ?? currentScope()?.correlationId);
    setIfPresent(payload, 'session_id', input.sessionId ?? this.options.sessionId);
    this.enqueue(this.channels.states, serialise(payload));
    this.kick();
  }

  // ---- correlation -----------------------------------------------------------------

  /**
   * Runs `fn` as the operation `name`: records a start event, then an end event (or an
   * error event, and rethrows) with `duration_ms`. Everything recorded inside, across
   * awaits, timers and `Promise.all`, carries the same correlation id with the start
   * event as parent. A nested call keeps the outer correlation id; its start event's
   * parent is the outer operation's start event.
   */
  async correlated<T>(name: string, fn: () => T | Promise<T>, options: CorrelatedOptions = {}): Promise<T> {
    const outer = currentScope();
    const correlationId = options.correlationId ?? outer?.correlationId ?? newEventId();
    const common = { operation: name, correlationId };
    const startId = this.event({
      ...common,
      type: 'trace',
      level: 'info',
      message: `${name} started`,
      parentEventId: outer?.parentEventId ?? undefined,
      data: { phase: 'start', ...options.data },
    });
    const started = performance.now();
    try {
      const result = await runInScope({ correlationId, parentEventId: startId, operation: name }, fn);
      this.event({
        ...common,
        type: 'trace',
        level: 'info',
        message: `${name} completed`,
        parentEventId: startId,
        durationMs: elapsedSince(started),
        data: { phase: 'end' },
      });
      return result;
    } catch (error) {
      const described = describeError(error);
      this.event({
        ...common,
        type: 'error',
        level: 'error',
        message: `${name} failed: ${described.message}`,
        parentEventId: startId,
        durationMs: elapsedSince(started),
        data: { phase: 'error', error: described },
      });
      throw error;
    }
  }

  /** Runs `fn` with a given correlation id (e.g. from an incoming request) without recording anything. */
  withCorrelationId<T>(correlationId: string, fn: () => T): T {
    return runInScope({ correlationId, parentEventId: null, operation: null }, fn);
  }

  /** The correlation id of the surrounding `correlated()` / `withCorrelationId()` call. */
  currentCorrelationId(): string | undefined {
    return currentScope()?.correlationId;
  }

  // ---- delivery --------------------------------------------------------------------

  /** Sends everything buffered now; resolves when it is delivered or given up (never rejects). */
  async flush(): Promise<void> {
    this.drainRequests++;
    try {
      while (!this.shutdown.signal.aborted && (this.pumping || this.hasQueued())) {
        this.kick();
        await this.pumping;
      }
    } finally {
      this.drainRequests--;
    }
  }

  /**
   * Stops the timer, delivers what is buffered (for at most `shutdownTimeoutMs`, after
   * which the rest is counted as dropped) and refuses new data. Safe to call twice.
   */
  close(): Promise<void> {
    this.closePromise ??= this.closeOnce();
    return this.closePromise;
  }

  stats(): DebugClientStats {
    const { requests, retries, throttled, lastError } = this.sender.counters;
    return {
      events: this.channelStats(this.channels.events),
      metrics: this.channelStats(this.channels.metrics),
      states: this.channelStats(this.channels.states),
      requests,
      retries,
      throttled,
      lastError,
      closed: this.closed,
    };
  }

  private async closeOnce(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    const deadline = setTimeout(() => this.shutdown.abort(), this.shutdownTimeoutMs);
    try {
      await this.flush();
      await this.pumping;
    } finally {
      clearTimeout(deadline);
      this.detachProcessHooks?.();
    }
    for (const channel of Object.values(this.channels)) {
      if (channel.queue.length === 0) continue;
      this.drop(channel, channel.queue.length, 'shutdown', 'still buffered when close() timed out');
      channel.queue.length = 0;
    }
    this.closed = true;
  }

  private enqueue(channel: Channel, item: string): void {
    channel.stats.recorded++;
    if (this.closed || this.shutdown.signal.aborted) {
      this.drop(channel, 1, 'shutdown', 'recorded after close()', !this.afterCloseReported);
      this.afterCloseReported = true;
      return;
    }
    if (this.totalBuffered() >= this.maxBuffered) {
      // Reported once per episode of fullness, not once per dropped event.
      this.drop(channel, 1, 'buffer-full', `buffer full (${this.maxBuffered} held)`, !this.bufferFullReported);
      this.bufferFullReported = true;
      return;
    }
    this.bufferFullReported = false;
    channel.queue.push(item);
    if (channel.queue.length >= this.batchSize) this.kick();
  }

  private onTick(): void {
    if (!this.hasQueued()) return;
    this.tickDue = true;
    this.kick();
  }

  private kick(): void {
    this.pumping ??= this.pump().finally(() => {
      this.pumping = null;
    });
  }

  /** The one sender loop: one request at a time, so a throttled service slows the client down. */
  private async pump(): Promise<void> {
    while (!this.shutdown.signal.aborted) {
      const drain = this.tickDue || this.drainRequests > 0 || this.closing;
      const { events, metrics, states } = this.channels;
      if (states.queue.length > 0) {
        await this.sendState(states);
      } else if (events.queue.length >= this.batchSize || (drain && events.queue.length > 0)) {
        await this.sendBatch(events, '/events/batch', 'events', this.takeBatch(events));
      } else if (metrics.queue.length >= this.batchSize || (drain && metrics.queue.length > 0)) {
        await this.sendBatch(metrics, '/metrics', 'metrics', this.takeBatch(metrics));
      } else {
        break;
      }
    }
    this.tickDue = false;
  }

  private takeBatch(channel: Channel): string[] {
    let bytes = 0;
    let count = 0;
    while (count < channel.queue.length && count < this.batchSize) {
      bytes += channel.queue[count].length + 1;
      if (count > 0 && bytes > this.maxBatchBytes) break;
      count++;
    }
    const batch = channel.queue.splice(0, count);
    channel.inFlight += batch.length;
    return batch;
  }

  private async sendBatch(channel: Channel, path: string, key: string, items: string[]): Promise<void> {
    try {
      await this.deliver(channel, path, key, items);
    } finally {
      channel.inFlight -= items.length;
    }
  }

  private async deliver(channel: Channel, path: string, key: string, items: string[]): Promise<void> {
    const outcome = await this.sender.post(path, `{"${key}":[${items.join(',')}]}`, this.shutdown.signal);
    if (outcome.kind === 'too-large' && items.length > 1) {
      // The service's body limit is lower than maxBatchBytes: halve until it fits.
      const half = Math.ceil(items.length / 2);
      await this.deliver(channel, path, key, items.slice(0, half));
      await this.deliver(channel, path, key, items.slice(half));
      return;
    }
    this.settle(channel, items.length, outcome);
  }

  private async sendState(channel: Channel): Promise<void> {
    const item = channel.queue.shift()!;
    channel.inFlight++;
    try {
      this.settle(channel, 1, await this.sender.post('/state', item, this.shutdown.signal));
    } finally {
      channel.inFlight--;
    }
  }

  private settle(channel: Channel, count: number, outcome: SendOutcome): void {
    switch (outcome.kind) {
      case 'delivered': {
        const rejected = rejectedInAnswer(outcome.body);
        channel.stats.sent += count - rejected.length;
        if (rejected.length > 0) {
          this.drop(channel, rejected.length, 'rejected', `service rejected: ${rejected.slice(0, 3).join('; ')}`, true, outcome.status);
        }
        return;
      }
      case 'too-large':
        return this.drop(channel, count, 'rejected', 'a single item is larger than the service accepts', true, 413);
      case 'rejected':
        return this.drop(channel, count, 'rejected', outcome.message, true, outcome.status);
      case 'gave-up':
        return this.drop(channel, count, 'gave-up', outcome.message);
      case 'aborted':
        return this.drop(channel, count, 'shutdown', outcome.message);
    }
  }

  private drop(
    channel: Channel,
    count: number,
    reason: DebugClientFailure['reason'],
    message: string,
    report = true,
    status?: number,
  ): void {
    const stats = channel.stats;
    stats.dropped += count;
    if (reason === 'buffer-full') stats.droppedBufferFull += count;
    else if (reason === 'rejected') stats.droppedRejected += count;
    else if (reason === 'gave-up') stats.droppedAfterRetries += count;
    else stats.droppedAtShutdown += count;
    if (!report) return;
    const kind = channel.name === 'states' ? 'state' : channel.name;
    try {
      this.onFailure({ kind, reason, count, status, message });
    } catch {
      // A failing callback must not break delivery.
    }
  }

  private channelStats(channel: Channel): ChannelStats {
    return { ...channel.stats, buffered: channel.queue.length + channel.inFlight };
  }

  private hasQueued(): boolean {
    return Object.values(this.channels).some((channel) => channel.queue.length > 0);
  }

  private totalBuffered(): number {
    return Object.values(this.channels).reduce((sum, channel) => sum + channel.queue.length + channel.inFlight, 0);
  }

  private attachProcessHooks(): () => void {
    const onBeforeExit = () => {
      if (this.hasQueued()) void this.flush();
    };
    const onSignal = (signal: NodeJS.Signals) => {
      void this.close().then(() => {
        detach();
        // Restore the default behaviour (exit) unless someone else handles the signal.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    const detach = () => {
      process.off('beforeExit', onBeforeExit);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
    process.on('beforeExit', onBeforeExit);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    return detach;
  }
}

function newChannel(name: ChannelName): Channel {
  return {
    name,
    queue: [],
    inFlight: 0,
    stats: {
      recorded: 0,
      sent: 0,
      buffered: 0,
      dropped: 0,
      droppedBufferFull: 0,
      droppedRejected: 0,
      droppedAfterRetries: 0,
      droppedAtShutdown: 0,
    },
  };
}

/** Reasons of the events a 207 answer rejected: `{ results: [{ index, status: 'rejected', reason }] }`. */
function rejectedInAnswer(body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  const results = (body as { results?: unknown }).results;
  if (!Array.isArray(results)) return [];
  return results
    .filter((result) => result && typeof result === 'object' && (result as { status?: unknown }).status === 'rejected')
    .map((result) => {
      const { id, index, reason } = result as { id?: unknown; index?: unknown; reason?: unknown };
      return `${id !== undefined ? String(id) : `#${String(index ?? '?')}`}: ${String(reason ?? 'rejected')}`;
    });
}

/** JSON of one item; a state that cannot be serialised (cycles, BigInt) is replaced by the reason. */
function serialise(payload: DebugEventPayload | DebugMetricPayload | DebugStatePayload): string {
  try {
    return JSON.stringify(payload);
  } catch (error) {
    const reason = { _unserialisable: error instanceof Error ? error.message : String(error) };
    return JSON.stringify('state' in payload ? { ...payload, state: reason } : { ...payload, data: reason });
  }
}

export function describeError(error: unknown): { name: string; message: string; stack?: string; cause?: unknown } {
  if (error instanceof Error) {
    const described: { name: string; message: string; stack?: string; cause?: unknown } = {
      name: error.name,
      message: error.message,
    };
    if (error.stack) described.stack = error.stack;
    const cause = (error as { cause?: unknown }).cause;
    if (cause !== undefined) described.cause = cause instanceof Error ? describeError(cause) : String(cause);
    return described;
  }
  return { name: 'NonError', message: typeof error === 'string' ? error : safeString(error) };
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function setIfPresent<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined | null): void {
  if (value !== undefined && value !== null) target[key] = value;
}

/** ISO time of `at`, or of now when `at` is absent or not a valid date (recording never throws). */
function isoTime(at: Date | undefined): string {
  return (at instanceof Date && !Number.isNaN(at.getTime()) ? at : new Date()).toISOString();
}

function elapsedSince(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

function apiRoot(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return trimmed.endsWith(API_PREFIX) ? trimmed : trimmed + API_PREFIX;
}

function warnOnConsole(failure: DebugClientFailure): void {
  console.warn(`[DebugClient] ${failure.count} ${failure.kind} lost (${failure.reason}): ${failure.message}`);
}

function requireText(value: unknown, name: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new TypeError(`DebugClient: options.${name} is required`);
}

function positiveInteger(value: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new TypeError(`DebugClient: options.${name} must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
}

function nonNegativeInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(`DebugClient: options.${name} must be a non-negative integer, got ${value}`);
  }
  return value;
}
