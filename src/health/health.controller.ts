import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public, RequireScope } from '../common/auth/scopes.decorator.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { RedisService } from '../common/redis/redis.service.js';
import { AppConfig } from '../config/app-config.service.js';
import { EffectiveConfigDto, LivenessDto, ReadinessDto } from './health-responses.dto.js';
import { ErrorEnvelope } from '../common/errors/error-envelope.js';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisService,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get('health')
  @Public()
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOkResponse({ description: 'Ready', type: ReadinessDto })
  @ApiOperation({ summary: 'Readiness: the database answers, and Redis when configured' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the body says which', type: ErrorEnvelope })
  readiness() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 2000 }),
      () =>
        this.redis.enabled
          ? this.indicators.check('redis').attempt(async () => {
              if (!(await this.redis.ping())) throw new Error('redis did not answer PING');
            }).withTimeout(2000)
          : this.indicators.check('redis').up({ mode: 'not configured (embedded mode)' }),
    ]);
  }

  @Get('health/live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LivenessDto })
  liveness() {
    return { status: 'ok', role: this.config.role, dialect: this.config.dialect, redis: this.redis.enabled };
  }

  @Get('admin/config')
  @RequireScope('admin')
  @ApiOperation({ summary: 'The effective configuration of this process (admin scope; no secrets)' })
  @ApiOkResponse({ type: EffectiveConfigDto })
  effectiveConfig() {
    const config = this.config;
    return {
      role: config.role,
      dialect: config.dialect,
      redis: config.redisUrl !== undefined,
      streaming_enabled: config.streamingEnabled,
      auth_enabled: config.authEnabled,
      api_keys: config.apiKeys.length,
      event_retention_hours: config.eventRetentionHours,
      insight_retention_hours: config.insightRetentionHours,
      cold_retention_days: config.coldRetentionDays,
      hot_ttl_seconds: config.hotTtlSeconds,
      batch_size: config.batchSize,
      batch_window_ms: config.batchWindowMs,
      max_batch_events: config.maxBatchEvents,
      body_limit: config.bodyLimit,
      ingest_backlog_limit: config.ingestBacklogLimit,
      cache_ttl_seconds: config.cacheTtlSeconds,
    };
  }

  @Get('metrics')
  @Public()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format); scrape /metrics, this path is its alias' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', schema: { type: 'string' } })
  async prometheus(@Res() response: Response): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    response.setHeader('Content-Type', contentType);
    response.send(body);
  }
}
