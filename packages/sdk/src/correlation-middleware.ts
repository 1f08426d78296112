import { runInScope } from './correlation.js';
import { newEventId } from './event-ids.js';

/** The parts of a Node/Express request the middleware reads. */
interface IncomingHeaders {
  headers: Record<string, string | string[] | undefined>;
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/i;
const MAX_CORRELATION_ID = 256;

/**
 * The correlation id an incoming request carries: `X-Correlation-Id`, else the trace id
 * of a W3C `traceparent` (the same rule the service applies), else undefined.
 */
export function correlationIdOf(request: IncomingHeaders): string | undefined {
  const given = first(request.headers['x-correlation-id'])?.trim();
  if (given && given.length <= MAX_CORRELATION_ID) return given;
  const trace = TRACEPARENT.exec(first(request.headers['traceparent'])?.trim() ?? '');
  if (trace && !/^0+$/.test(trace[1])) return trace[1].toLowerCase();
  return undefined;
}

/**
 * Express/Nest middleware (`app.use(correlationMiddleware())`) that runs the rest of the
 * request in a correlation scope: every event recorded while handling it (also through
 * the Nest logger adapter) carries the request's correlation id, or a new one, which is
 * echoed in the `X-Correlation-Id` response header.
 */
export function correlationMiddleware(): (
  request: IncomingHeaders,
  response: { setHeader(name: string, value: string): unknown },
  next: () => void,
) => void {
  return (request, response, next) => {
    const correlationId = correlationIdOf(request) ?? newEventId();
    response.setHeader('X-Correlation-Id', correlationId);
    runInScope({ correlationId, parentEventId: null, operation: null }, next);
  };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
