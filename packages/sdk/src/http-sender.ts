import { setTimeout as sleep } from 'node:timers/promises';
import { classifyStatus, retryDelayMs, type BackoffSettings } from './retry-policy.js';
import type { FetchFunction } from './types.js';

export interface SenderSettings extends BackoffSettings {
  baseUrl: string;
  apiKey?: string;
  maxRetries: number;
  requestTimeoutMs: number;
  fetch: FetchFunction;
}

export type SendOutcome =
  | { kind: 'delivered'; status: number; body: unknown }
  | { kind: 'too-large' }
  | { kind: 'rejected'; status: number; message: string }
  | { kind: 'gave-up'; message: string }
  | { kind: 'aborted'; message: string };

export interface SenderCounters {
  requests: number;
  retries: number;
  throttled: number;
  lastError: string | null;
}

/**
 * POSTs one prepared body, again and again while the answer says "later" (429 with its
 * `Retry-After`, 5xx, network errors, timeouts), at most `maxRetries` more times. The body
 * is the same bytes on every attempt: the events in it carry their ids, so the service
 * stores each once however many attempts reach it.
 */
export class HttpSender {
  readonly counters: SenderCounters = { requests: 0, retries: 0, throttled: 0, lastError: null };

  constructor(private readonly settings: SenderSettings) {}

  async post(path: string, body: string, shutdown: AbortSignal): Promise<SendOutcome> {
    const url = this.settings.baseUrl + path;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.settings.apiKey) headers['x-api-key'] = this.settings.apiKey;

    for (let attempt = 0; ; attempt++) {
      if (shutdown.aborted) return { kind: 'aborted', message: 'client shut down before delivery' };
      this.counters.requests++;
      let retryAfterMs: number | null = null;
      let failure: string;
      try {
        const response = await this.settings.fetch(url, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.any([shutdown, AbortSignal.timeout(this.settings.requestTimeoutMs)]),
        });
        const text = await response.text();
        const outcome = classifyStatus(response.status, response.headers.get('retry-after'));
        if (outcome.kind === 'success') return { kind: 'delivered', status: response.status, body: parseJson(text) };
        failure = `${response.status} from POST ${path}: ${describeErrorBody(text)}`;
        this.counters.lastError = failure;
        if (outcome.kind === 'too-large') return { kind: 'too-large' };
        if (outcome.kind === 'rejected') return { kind: 'rejected', status: response.status, message: failure };
        retryAfterMs = outcome.retryAfterMs;
        if (response.status === 429) this.counters.throttled++;
      } catch (error) {
        if (shutdown.aborted) return { kind: 'aborted', message: 'client shut down during delivery' };
        failure = `POST ${path} failed: ${errorText(error)}`;
        this.counters.lastError = failure;
      }
      if (attempt >= this.settings.maxRetries) {
        return { kind: 'gave-up', message: `${failure} (after ${attempt} retries)` };
      }
      this.counters.retries++;
      try {
        await sleep(retryDelayMs(attempt + 1, retryAfterMs, this.settings), undefined, { signal: shutdown });
      } catch {
        return { kind: 'aborted', message: 'client shut down while waiting to retry' };
      }
    }
  }
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function describeErrorBody(text: string): string {
  const body = parseJson(text) as { message?: unknown } | null;
  const message = body && typeof body === 'object' ? body.message : undefined;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.join('; ');
  return text.slice(0, 200) || '(empty body)';
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
