import { Controller, Get, Header, Res, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  type HealthCheckResult,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type { Response } from 'express';
import { IngestJournal, WRITER_ALIVE_WITHIN_MS } from '../collector/ingest-journal.js';
import { JournalDurability } from '../collector/journal-durability.js';
import { ApiKeyService } from '../common/auth/api-key.service.js';
import { Public, RequireScope } from '../common/auth/scopes.decorator.js';
import { DomainError } from '../common/errors/domain-error.js';
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
    private readonly journal: IngestJournal,
    private readonly durability: JournalDurability,
    private readonly apiKeys: ApiKeyService,
  ) {}

  @Get('health')
  @Public()
  @ApiOperation({
    summary:
      'Readiness: the database answers, Redis when configured, an ingest writer is alive (full mode), and with DEBUG_DURABILITY=fsync Redis can confirm writes on disk or on a replica',
    description:
      'Public: up or down per dependency, nothing else. The reasons (with internal addresses) are at /health/details, admin scope.',
  })
  @ApiOkResponse({ description: 'Ready', type: ReadinessDto })
  @ApiServiceUnavailableResponse({
    description: 'A dependency is down; the body names which',
    type: ErrorEnvelope,
  })
  async readiness() {
    try {
      return statusesOnly(await this.checks());
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const down = Object.keys(result.error ?? {});
      throw new DomainError(
        'UNAVAILABLE',
        `not ready: ${down.join(', ') || 'a dependency'} down`,
        statusesOnly(result).details,
      );
    }
  }

  @Get('health/details')
  @RequireScope('admin')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOkResponse({ description: 'Ready, with the reason of each check', type: ReadinessDto })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down', type: ErrorEnvelope })
  @ApiOperation({
    summary:
      'Readiness with the reason of each check (admin scope: errors may name internal hosts)',
  })
  readinessDetails() {
    return this.checks();
  }

  private checks() {
    return this.health.check([
      () =>
        this.journal.enabled
          ? this.indicators
              .check('writers')
              .attempt(async () => {
                const living = await this.journal.livingWriters();
                if (living === 0)
                  throw new Error(
                    `no ingest writer alive in the last ${WRITER_ALIVE_WITHIN_MS / 1000} s: accepted events wait in the journal`,
                  );
                return { alive: living };
              })
              .withTimeout(2000)
          : this.indicators.check('writers').up({ mode: 'in-process (embedded mode)' }),
      () => this.database.pingCheck('database', { timeout: 2000 }),
      () =>
        this.redis.enabled
          ? this.indicators
              .check('redis')
              .attempt(async () => {
                if (!(await this.redis.ping())) throw new Error('redis did not answer PING');
              })
              .withTimeout(2000)
          : this.indicators.check('redis').up({ mode: 'not configured (embedded mode)' }),
      () => this.durabilityCheck(),
    ]);
  }

  /** DEBUG_DURABILITY=fsync (API processes): down while Redis was last found unable to give the guarantee. */
  private durabilityCheck() {
    const check = this.indicators.check('durability');
    if (!this.durability.enabled || !this.config.runsApi)
      return check.up({ level: this.config.durability });
    const verdict = this.durability.lastVerdict;
    if (verdict === undefined)
      return check.up({ level: 'fsync', method: 'not known yet (asked at the next accept)' });
    if ('refusal' in verdict) return check.down({ level: 'fsync', reason: verdict.refusal });
    return check.up({ level: 'fsync', method: verdict.method });
  }

  @Get('health/live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ type: LivenessDto })
  liveness() {
    return {
      status: 'ok',
      role: this.config.role,
      dialect: this.config.dialect,
      redis: this.redis.enabled,
    };
  }

  @Get('admin/config')
  @RequireScope('admin')
  @ApiOperation({
    summary: 'The effective configuration of this process (admin scope; no secrets)',
  })
  @ApiOkResponse({ type: EffectiveConfigDto })
  effectiveConfig() {
    const config = this.config;
    return {
      role: config.role,
      dialect: config.dialect,
      redis: config.redisUrl !== undefined,
      streaming_enabled: config.streamingEnabled,
      auth_enabled: this.apiKeys.enabled,
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
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format); scrape /metrics, this path is its alias',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4',
    schema: { type: 'string' },
  })
  async prometheus(@Res() response: Response): Promise<void> {
    const { contentType, body } = await this.metrics.render();
    response.setHeader('Content-Type', contentType);
    response.send(body);
  }
}

/** A health result with each check's up/down and nothing else (no messages: they name hosts and ports). */
function statusesOnly(result: HealthCheckResult): {
  status: string;
  details: Record<string, { status: string }>;
} {
  const details: Record<string, { status: string }> = {};
  for (const [name, check] of Object.entries(result.details ?? {}))
    details[name] = { status: check.status };
  return { status: result.status, details };
}
