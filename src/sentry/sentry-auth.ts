import type { IncomingHttpHeaders } from 'node:http';

/** `sentry_key=…` of an `X-Sentry-Auth` (or `Authorization: Sentry …`) header. */
function keyOfAuthHeader(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const match = /(?:^|[\s,])sentry_key\s*=\s*([^,\s]+)/i.exec(value.replace(/^\s*Sentry\s+/i, ' '));
  return match?.[1];
}

/** The DSN key of a request, the ways Sentry SDKs send it: X-Sentry-Auth, Authorization: Sentry, or ?sentry_key=. */
export function sentryKeyOf(
  headers: IncomingHttpHeaders,
  query: Record<string, unknown>,
): string | undefined {
  const fromHeader = keyOfAuthHeader(headers['x-sentry-auth'] as string | undefined);
  if (fromHeader) return fromHeader;
  const authorization = headers.authorization;
  if (authorization && /^\s*Sentry\s/i.test(authorization)) {
    const fromAuthorization = keyOfAuthHeader(authorization);
    if (fromAuthorization) return fromAuthorization;
  }
  const fromQuery = query.sentry_key;
  return typeof fromQuery === 'string' && fromQuery.length > 0 ? fromQuery : undefined;
}

/** The public key of a DSN (`http://<key>@host/<project>`), as an envelope header's `dsn` carries it. */
export function keyOfDsn(dsn: unknown): { key?: string; projectId?: string } {
  if (typeof dsn !== 'string') return {};
  try {
    const url = new URL(dsn);
    const projectId = url.pathname.split('/').filter(Boolean).pop();
    return { key: url.username ? decodeURIComponent(url.username) : undefined, projectId };
  } catch {
    return {};
  }
}
