import 'reflect-metadata';
import {
  ConsoleLogger,
  type INestApplication,
  type INestApplicationContext,
  Logger,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { AppModule, type EnvironmentOverrides } from './app.module.js';
import { ApiKeyService } from './common/auth/api-key.service.js';
import { authBeforeBody } from './common/auth/auth-gate.middleware.js';
import { FailedAuthLimiter } from './common/auth/failed-auth-limiter.js';
import { type ProtectedArea, requireKeyFor } from './common/auth/protected-paths.middleware.js';
import { buildOpenApiDocument } from './common/http/openapi-document.js';
import { requestIdMiddleware } from './common/http/request-id.middleware.js';
import { AppConfig } from './config/app-config.service.js';
import { validateEnvironment } from './config/environment.js';
import { MCP_ROUTES } from './mcp/mcp.controller.js';
import { SENTRY_ROUTES } from './sentry/sentry.routes.js';

export const API_PREFIX = 'api/debug';

function makeLogger(overrides: EnvironmentOverrides): ConsoleLogger {
  const env = validateEnvironment({ ...process.env, ...overrides });
  const levels = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
  return new ConsoleLogger({
    json: env.DEBUG_LOG_FORMAT === 'json',
    logLevels: levels.slice(0, levels.indexOf(env.LOG_LEVEL) + 1),
  });
}

/** Builds the HTTP application exactly as `npm start` runs it (also used by e2e tests). */
export async function createApp(
  overrides: EnvironmentOverrides = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(overrides), {
    bodyParser: false,
    logger: makeLogger(overrides),
  });
  const config = app.get(AppConfig);
  app.use(requestIdMiddleware);
  app.disable('x-powered-by');
  app.use(helmet());
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      // `*`: any origin, as for browser SDKs shipped to sites the operator does not list.
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      allowedHeaders: [
        'Content-Type',
        'X-API-Key',
        'Authorization',
        'X-Request-Id',
        'X-Correlation-Id',
        'traceparent',
        'X-Sentry-Auth',
      ],
      // Sentry's browser SDKs back off by these; hidden from them, a 429 would be retried blind.
      exposedHeaders: ['Retry-After', 'X-Request-Id', 'X-Sentry-Rate-Limits'],
      maxAge: 600,
    });
  }
  app.use(
    requireKeyFor(app.get(ApiKeyService), app.get(FailedAuthLimiter), protectedAreas(config)),
  );
  app.use(authBeforeBody(app.get(ApiKeyService), app.get(FailedAuthLimiter), `/${API_PREFIX}/`));
  app.useBodyParser('json', { limit: config.bodyLimit });
  app.setGlobalPrefix(API_PREFIX, { exclude: [...SENTRY_ROUTES, ...MCP_ROUTES] });
  app.enableShutdownHooks(undefined, { useProcessExit: true });
  app.set('trust proxy', 'loopback');
  setUpSwagger(app);
  return app;
}

/** Worker processes: queues and schedulers, no HTTP. */
export async function createWorkerContext(
  overrides: EnvironmentOverrides = {},
): Promise<INestApplicationContext> {
  const context = await NestFactory.createApplicationContext(AppModule.forRoot(overrides), {
    logger: makeLogger(overrides),
  });
  context.enableShutdownHooks(undefined, { useProcessExit: true });
  return context;
}

function setUpSwagger(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'api/docs-json',
  });
}

/** Swagger UI with its JSON, and the Prometheus scrape, when DEBUG_PROTECT_DOCS / DEBUG_PROTECT_METRICS ask for a key. */
function protectedAreas(config: AppConfig): ProtectedArea[] {
  const areas: ProtectedArea[] = [];
  if (config.docsScope) {
    areas.push({
      name: 'the API documentation',
      scope: config.docsScope,
      // Express matches routes case-insensitively: /API/DOCS-JSON is served too.
      matches: (request) => /^\/api\/docs(?:[-/]|$)/i.test(request.path),
      browserLogin: true,
    });
  }
  if (config.metricsScope) {
    areas.push({
      name: 'the Prometheus scrape',
      scope: config.metricsScope,
      matches: (request) =>
        (request.method === 'GET' || request.method === 'HEAD') &&
        /^(?:\/api\/debug)?\/metrics\/?$/i.test(request.path),
    });
  }
  return areas;
}

/**
 * Refuses to expose an unauthenticated service beyond this machine. `storedKeys`: keys managed
 * at runtime exist (authentication is on without DEBUG_API_KEYS).
 */
export function assertSafeBinding(config: AppConfig, logger: Logger, storedKeys = false): void {
  if (config.authEnabled || storedKeys) return;
  if (!config.hostIsLoopback) {
    throw new Error(
      `refusing to listen on ${config.host} without API keys: set DEBUG_API_KEYS (or create a key at runtime on 127.0.0.1 first), or HOST=127.0.0.1`,
    );
  }
  logger.warn(
    `no API keys (DEBUG_API_KEYS or stored): listening on ${config.host} only, without authentication until a key is created`,
  );
}
