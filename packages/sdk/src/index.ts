/**
 * Client SDK of the AI Debug System: `import { DebugClient } from '@ai-debug/sdk'`.
 * Node only (AsyncLocalStorage, node:timers); no NestJS or server code. The NestJS logger
 * adapter lives in `@ai-debug/sdk/nest`.
 */
export { DebugClient, type CorrelatedOptions } from './debug-client.js';
export { correlationIdOf, correlationMiddleware } from './correlation-middleware.js';
export { newEventId } from './event-ids.js';
export { parseRetryAfter, retryDelayMs } from './retry-policy.js';
export type {
  ChannelStats,
  DebugClientFailure,
  DebugClientOptions,
  DebugClientStats,
  DebugEventPayload,
  DebugEventType,
  DebugLevel,
  DebugMetricPayload,
  DebugStatePayload,
  EventInput,
  FetchFunction,
  LogFields,
  MetricInput,
  StateInput,
} from './types.js';
