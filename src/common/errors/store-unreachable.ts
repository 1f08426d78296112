import { HttpException } from '@nestjs/common';
import { DomainError } from './domain-error.js';

/** Codes of a connection to PostgreSQL (or another store) that failed or was cut, as the drivers report them. */
const CONNECTION_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
const CONNECTION_LOST =
  /Connection terminated|timeout exceeded when trying to connect|Connection is closed/i;

/**
 * A query that failed because its store could not be reached is no bug of the service's and
 * nothing the client did: 503 with Retry-After, naming the cause, instead of a 500.
 */
export function storeUnreachable(exception: unknown): DomainError | null {
  if (exception instanceof DomainError || exception instanceof HttpException) return null;
  const error = exception as {
    code?: unknown;
    driverError?: { code?: unknown };
    message?: unknown;
  };
  const code = error?.driverError?.code ?? error?.code;
  const message = typeof error?.message === 'string' ? error.message : '';
  const cause =
    typeof code === 'string' && CONNECTION_FAILURES.has(code)
      ? code
      : CONNECTION_LOST.test(message)
        ? 'connection lost'
        : null;
  if (cause === null) return null;
  return new DomainError(
    'UNAVAILABLE',
    `a store this request needs is unreachable (${cause}); retry shortly`,
    undefined,
    5,
  );
}
