import type { NextFunction, Request, Response } from 'express';
import type { ApiScope } from '../../config/app-config.service.js';
import { DomainError } from '../errors/domain-error.js';
import { ApiKeyService } from './api-key.service.js';
import { tooManyFailures } from './auth-gate.middleware.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';

/** Routes served outside Nest's guard (Swagger UI, the Prometheus scrape) that config puts behind a key. */
export interface ProtectedArea {
  name: string;
  scope: ApiScope;
  matches(request: Request): boolean;
  /** Answer 401 with `WWW-Authenticate: Basic`, so that a browser asks for the key (as the password). */
  browserLogin?: boolean;
}

/**
 * Express middleware for the protected areas: the key as for the API (X-API-Key, Bearer) or as
 * the password of HTTP Basic authentication (what a browser and Prometheus' basic_auth send).
 * With no key configured at all, authentication is off here as everywhere.
 */
export function requireKeyFor(
  apiKeys: ApiKeyService,
  failures: FailedAuthLimiter,
  areas: readonly ProtectedArea[],
) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const area = areas.find((candidate) => candidate.matches(request));
    if (!area || !apiKeys.enabled) return next();
    const presented = ApiKeyService.keyFromHeaders(request.headers) ?? basicPassword(request);
    const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    if (presented !== undefined) {
      const lockedFor = failures.lockedForSeconds(address);
      if (lockedFor > 0) return next(tooManyFailures(lockedFor));
    }
    const check = apiKeys.check(presented, area.scope);
    if (check.outcome === 'allowed') return next();
    if (check.outcome === 'forbidden') {
      return next(
        new DomainError(
          'FORBIDDEN',
          `this API key lacks the "${area.scope}" scope ${area.name} needs`,
          { scope: area.scope },
        ),
      );
    }
    if (check.outcome === 'invalid') failures.noteFailure(address);
    if (area.browserLogin)
      response.setHeader('WWW-Authenticate', 'Basic realm="AI Debug System", charset="UTF-8"');
    next(
      new DomainError(
        'UNAUTHORIZED',
        check.outcome === 'missing'
          ? `${area.name} needs an API key with the "${area.scope}" scope: send X-API-Key, Authorization: Bearer, or the key as the Basic password`
          : 'the API key is not valid',
      ),
    );
  };
}

/** The password of `Authorization: Basic base64(user:password)`; the user name is ignored. */
export function basicPassword(request: Request): string | undefined {
  const authorization = request.headers['authorization'];
  if (typeof authorization !== 'string') return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  const password = separator >= 0 ? decoded.slice(separator + 1) : '';
  return password.length > 0 ? password : undefined;
}
