import type { Redis } from 'ioredis';
import { DomainError } from '../errors/domain-error.js';
import { withinTime } from '../time-limit.js';

/**
 * Longest a request waits for Redis. The service's connections keep a command through a
 * reconnection (`maxRetriesPerRequest: null`, which the background work — writers, Bull — wants),
 * so without a bound a request would hang for as long as Redis is away. A call that times out
 * may still run once Redis is back (ingestion: the ids it claimed then answer `duplicate` to a retry).
 */
export const REDIS_CALL_TIMEOUT_MS = 5_000;

/** Statuses of a connection whose connecting has failed: it only waits for the next attempt. */
const GIVEN_UP = new Set(['reconnecting', 'close', 'end']);
/** Connections seen up: one of these that is not ready now is down, not still starting. */
const upOnce = new WeakSet<Redis>();

/** Called for each connection as it is made (RedisService), so that its first `ready` is known. */
export function watchReadiness(connection: Redis): void {
  connection.on('ready', () => upOnce.add(connection));
}

/**
 * A request's call to Redis: refused at once (503) when `connection` is down, else answered or
 * refused (503) within REDIS_CALL_TIMEOUT_MS. `what` names the part for the message, e.g.
 * "the hot tier (Redis)". Without a connection (Bull's own), only the time is bounded.
 */
export function redisCall<T>(what: string, work: () => Promise<T>, connection?: Redis): Promise<T> {
  if (connection) {
    if (connection.status === 'ready') upOnce.add(connection);
    else if (upOnce.has(connection) || GIVEN_UP.has(connection.status)) {
      return Promise.reject(
        new DomainError(
          'UNAVAILABLE',
          `${what} is unreachable (connection ${connection.status}); retry shortly`,
          undefined,
          1,
        ),
      );
    }
  }
  return withinTime(
    work(),
    REDIS_CALL_TIMEOUT_MS,
    () =>
      new DomainError(
        'UNAVAILABLE',
        `${what} did not answer within ${REDIS_CALL_TIMEOUT_MS} ms; retry shortly`,
        undefined,
        1,
      ),
  );
}
