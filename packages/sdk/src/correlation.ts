import { AsyncLocalStorage } from 'node:async_hooks';

/** What `client.correlated()` carries through async code. */
export interface CorrelationScope {
  correlationId: string;
  /** The start event of the innermost operation: parent of events recorded inside it. */
  parentEventId: string | null;
  /** Name of the innermost operation. */
  operation: string | null;
}

/**
 * One store per process, shared by every client and the logger adapter, so a log line
 * written inside `client.correlated()` carries that operation's correlation id.
 */
const storage = new AsyncLocalStorage<CorrelationScope>();

export function currentScope(): CorrelationScope | undefined {
  return storage.getStore();
}

export function runInScope<T>(scope: CorrelationScope, fn: () => T): T {
  return storage.run(scope, fn);
}
