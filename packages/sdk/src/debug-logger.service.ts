import { ConsoleLogger, type LoggerService, type LogLevel } from '@nestjs/common';
import { currentScope } from './correlation.js';
import { describeError, type DebugClient } from './debug-client.js';
import type { DebugLevel } from './types.js';

export interface DebugLoggerOptions {
  /** Also print every line: `true` for Nest's ConsoleLogger, or a logger of your own. Default false. */
  alsoConsole?: boolean | LoggerService;
  /** Nest levels shipped as events. Default all but `verbose`. */
  shipLevels?: LogLevel[];
  /** Contexts printed but never shipped. Default `['DebugClient']`: the SDK's own reports. */
  consoleOnlyContexts?: string[];
}

const LEVEL_MAP: Record<LogLevel, DebugLevel> = {
  fatal: 'critical',
  error: 'error',
  warn: 'warning',
  log: 'info',
  debug: 'debug',
  verbose: 'debug',
};

const STACK_FORMAT = /\n[ \t]+at .+:\d+:\d+/;

/**
 * Nest `LoggerService` that ships a service's logs as debug events:
 * `app.useLogger(new DebugLoggerService(client, { alsoConsole: true }))`.
 *
 * Levels map to the service's (`log` → info, `warn` → warning, `fatal` → critical);
 * the context becomes `data.context` and, outside a `client.correlated()` operation, the
 * `operation`; errors and stacks go to `data.error`. A line logged while a line is being
 * recorded (e.g. from the client's failure callback) is printed, never shipped, so the
 * logger cannot feed itself.
 */
export class DebugLoggerService implements LoggerService {
  private readonly console: LoggerService | null;
  private readonly configuredShipLevels: readonly LogLevel[];
  private shipLevels: Set<LogLevel>;
  private readonly consoleOnlyContexts: Set<string>;
  private recording = false;

  constructor(
    private readonly client: DebugClient,
    options: DebugLoggerOptions = {},
  ) {
    this.console = options.alsoConsole === true ? new ConsoleLogger() : options.alsoConsole || null;
    this.configuredShipLevels = options.shipLevels ?? ['fatal', 'error', 'warn', 'log', 'debug'];
    this.shipLevels = new Set(this.configuredShipLevels);
    this.consoleOnlyContexts = new Set(options.consoleOnlyContexts ?? ['DebugClient']);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.console?.log(message, ...params);
    this.ship('log', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.console?.error(message, ...params);
    this.ship('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.console?.warn(message, ...params);
    this.ship('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.console?.debug?.(message, ...params);
    this.ship('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.console?.verbose?.(message, ...params);
    this.ship('verbose', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.console?.fatal?.(message, ...params);
    this.ship('fatal', message, params);
  }

  /** Nest calls this with the levels enabled for the application; both outputs follow it. */
  setLogLevels(levels: LogLevel[]): void {
    this.console?.setLogLevels?.(levels);
    this.shipLevels = new Set(this.configuredShipLevels.filter((level) => levels.includes(level)));
  }

  private ship(level: LogLevel, message: unknown, params: unknown[]): void {
    if (this.recording || !this.shipLevels.has(level)) return;
    const withStack = level === 'error' || level === 'fatal';
    const { context, stack, extras } = splitParams(params, withStack);
    if (context !== undefined && this.consoleOnlyContexts.has(context)) return;
    const data: Record<string, unknown> = {};
    let text: string;
    if (message instanceof Error) {
      text = message.message;
      data.error = describeError(message);
    } else if (typeof message === 'string') {
      text = message;
    } else {
      text = summarise(message);
      data.payload = message;
    }
    if (stack !== undefined && data.error === undefined) data.error = { name: 'Error', message: text, stack };
    if (context !== undefined) data.context = context;
    if (extras.length > 0) data.params = extras.length === 1 ? extras[0] : extras;
    this.recording = true;
    try {
      this.client.event({
        type: withStack ? 'error' : 'log',
        level: LEVEL_MAP[level],
        message: text,
        operation: currentScope()?.operation ?? context,
        data: Object.keys(data).length > 0 ? data : undefined,
      });
    } catch {
      // Logging must never throw into the caller.
    } finally {
      this.recording = false;
    }
  }
}

/**
 * Nest's calling conventions: `log(message, ...extras, context?)` and
 * `error(message, stack?, context?)` (also `error(message, context)` and `error(error, context)`).
 */
function splitParams(
  params: unknown[],
  withStack: boolean,
): { context?: string; stack?: string; extras: unknown[] } {
  const rest = [...params];
  let context: string | undefined;
  let stack: string | undefined;
  const last = rest.at(-1);
  if (typeof last === 'string' && !STACK_FORMAT.test(last)) {
    context = last;
    rest.pop();
  }
  if (withStack && rest.length > 0) {
    const candidate = rest.at(-1);
    if (typeof candidate === 'string' || candidate === undefined) {
      stack = candidate;
      rest.pop();
    }
  }
  return { context, stack, extras: rest.filter((value) => value !== undefined) };
}

function summarise(value: unknown): string {
  if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
    return (value as { message: string }).message;
  }
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 500 ? `${text.slice(0, 500)}…` : text;
  } catch {
    return String(value);
  }
}
