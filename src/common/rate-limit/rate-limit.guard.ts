import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { AppConfig } from '../../config/app-config.service.js';
import { ApiKeyService } from '../auth/api-key.service.js';
import { DomainError } from '../errors/domain-error.js';
import { RedisService } from '../redis/redis.service.js';
import {
  MemoryRateLimitStore,
  type RateLimitStore,
  RedisRateLimitStore,
} from './rate-limit.store.js';

const WINDOW_MS = 60_000;

/**
 * Global HTTP guard, after ApiKeyGuard: requests per minute per API key (DEBUG_RATE_LIMIT_PER_KEY)
 * and per client address (DEBUG_RATE_LIMIT_PER_IP), over every route, counted in Redis in full
 * mode (a limit holds across instances) and in memory in embedded mode. Past a limit: 429
 * RATE_LIMITED with Retry-After, naming which limit. A limit of 0 is no limit (nothing counted),
 * for deployments whose gateway already limits.
 *
 * (@nestjs/throttler was the first choice; it is CommonJS requiring Nest 12's ES-module packages,
 * which Jest on Node 20 cannot load, so this is the same fixed-window count in a few lines.)
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly store: RateLimitStore;

  constructor(
    private readonly config: AppConfig,
    redis: RedisService,
  ) {
    this.store = redis.enabled ? new RedisRateLimitStore(redis) : new MemoryRateLimitStore();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const limits: { tracker: string; limit: number; who: string }[] = [];
    const key = ApiKeyService.keyFromHeaders(request.headers);
    if (key !== undefined && this.config.rateLimitPerKey > 0) {
      const tracker = createHash('sha256').update(key).digest('hex').slice(0, 24);
      limits.push({
        tracker: `key:${tracker}`,
        limit: this.config.rateLimitPerKey,
        who: 'this API key',
      });
    }
    if (this.config.rateLimitPerIp > 0)
      limits.push({
        tracker: `ip:${request.ip ?? request.socket.remoteAddress ?? 'unknown'}`,
        limit: this.config.rateLimitPerIp,
        who: 'this address',
      });
    if (limits.length === 0) return true;
    const counts = await this.store.hit(
      limits.map(({ tracker }) => tracker),
      WINDOW_MS,
    );
    for (const [index, { limit, who }] of limits.entries()) {
      const { hits, resetSeconds } = counts[index];
      if (hits <= limit) continue;
      throw new DomainError(
        'RATE_LIMITED',
        `rate limit of ${limit} requests per minute for ${who} reached: retry after Retry-After seconds`,
        { limit, window_seconds: WINDOW_MS / 1000 },
        resetSeconds,
      );
    }
    return true;
  }
}
