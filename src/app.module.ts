import { type DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AlertingModule } from './alerting/alerting.module.js';
import { CacheModule } from './cache/cache.module.js';
import { ConsoleModule } from './console/console.module.js';
import { CollectorModule } from './collector/collector.module.js';
import { StorableInputPipe } from './collector/storable-input.pipe.js';
import { ApiKeyGuard } from './common/auth/api-key.guard.js';
import { RateLimitGuard } from './common/rate-limit/rate-limit.guard.js';
import { AuthModule } from './common/auth/auth.module.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { EventsModule } from './common/events/events.module.js';
import { MetricsModule } from './common/metrics/metrics.module.js';
import { RedisModule } from './common/redis/redis.module.js';
import { AppConfig } from './config/app-config.service.js';
import { ConfigModule } from './config/config.module.js';
import { validateEnvironment } from './config/environment.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { InsightsModule } from './insights/insights.module.js';
import { McpModule } from './mcp/mcp.module.js';
import { OtlpModule } from './otlp/otlp.module.js';
import { PatternsModule } from './patterns/patterns.module.js';
import { QueryModule } from './query/query.module.js';
import { MetricsQueryModule } from './metrics/metrics-query.module.js';
import { QueueModule } from './queue/queue.module.js';
import { SentryModule } from './sentry/sentry.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { StorageModule } from './storage/storage.module.js';
import { StreamingModule } from './streaming/streaming.module.js';

export type EnvironmentOverrides = Record<string, string | undefined>;

/**
 * The whole service. The environment is validated here, once, before any module is
 * built: a bad variable stops start-up with its name. Tests pass overrides instead of
 * editing process.env, so that two instances can run side by side.
 */
@Module({})
export class AppModule {
  static forRoot(overrides: EnvironmentOverrides = {}): DynamicModule {
    const env = validateEnvironment({ ...process.env, ...overrides });
    const config = new AppConfig(env);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(env),
        MetricsModule,
        EventsModule,
        AuthModule,
        RedisModule,
        DatabaseModule,
        QueueModule.forRoot(config),
        HealthModule,
        PatternsModule,
        StorageModule,
        StreamingModule.forRoot(config),
        CacheModule,
        SessionsModule,
        CollectorModule,
        InsightsModule,
        QueryModule,
        MetricsQueryModule,
        McpModule,
        AlertingModule,
        OtlpModule,
        SentryModule,
        ConsoleModule,
      ],
      providers: [
        { provide: APP_PIPE, useClass: StorableInputPipe },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
        },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
    };
  }
}
