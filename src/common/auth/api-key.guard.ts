import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { ApiScope } from '../../config/app-config.service.js';
import { DomainError } from '../errors/domain-error.js';
import { ApiKeyService } from './api-key.service.js';
import { tooManyFailures } from './auth-gate.middleware.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import { PUBLIC_ROUTE, REQUIRED_SCOPE } from './scopes.decorator.js';

/** Global HTTP guard: 401 without a valid key, 403 with a key that lacks the route's scope. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
    private readonly failures: FailedAuthLimiter,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const scope = this.reflector.getAllAndOverride<ApiScope>(REQUIRED_SCOPE, targets) ?? 'read';
    const request = context.switchToHttp().getRequest<Request>();
    const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    const presented = ApiKeyService.keyFromHeaders(request.headers);
    const lockedFor = presented !== undefined ? this.failures.lockedForSeconds(address) : 0;
    if (lockedFor > 0) throw tooManyFailures(lockedFor);
    const result = this.apiKeys.check(presented, scope);
    if (result.outcome === 'invalid') this.failures.noteFailure(address);
    switch (result.outcome) {
      case 'allowed':
        return true;
      case 'missing':
        throw new DomainError('UNAUTHORIZED', 'an API key is required: send X-API-Key or Authorization: Bearer');
      case 'invalid':
        throw new DomainError('UNAUTHORIZED', 'the API key is not valid');
      case 'forbidden':
        throw new DomainError('FORBIDDEN', `this API key lacks the "${scope}" scope this route needs`, { scope });
    }
  }
}
