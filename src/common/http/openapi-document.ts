import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AppConfig } from '../../config/app-config.service.js';
import { ErrorEnvelope } from '../errors/error-envelope.js';

/** Marks an operation that needs no key (`@ApiExtension(PUBLIC_OPERATION, true)`): no security, no 401/403. */
export const PUBLIC_OPERATION = 'x-public';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;

/** Paths served by plain HTTP handlers (no controller to describe them), by path. */
const rawRoutes = new Map<string, OpenAPIObject['paths'][string]>();

/**
 * Adds routes that a module serves with plain HTTP handlers (OTLP reads its raw body) to the
 * document; called by that module when it mounts them. Their operations are complete already.
 */
export function documentRawRoutes(paths: OpenAPIObject['paths']): void {
  for (const [path, item] of Object.entries(paths)) rawRoutes.set(path, item);
}
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

const ERROR_CONTENT = { 'application/json': { schema: { $ref: getSchemaPath(ErrorEnvelope) } } };
const AUTH_RESPONSES = {
  '401': {
    description: 'API keys are configured and the request carries none, or an unknown one',
    content: ERROR_CONTENT,
  },
  '403': {
    description: 'The key lacks the scope this route needs (ingest, read or admin)',
    content: ERROR_CONTENT,
  },
};

/**
 * The OpenAPI document of the HTTP API, complete enough to generate clients from
 * (`npx @redocly/cli lint` clean, checked in test/openapi.e2e-spec.ts): every error answer
 * has the envelope's schema, every keyed route documents 401/403, public routes say so.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('AI Debug System')
      .setDescription(
        'Debug events in (logs with correlation ids, errors, state snapshots, metrics); insights, ' +
          'component health, operation progress and answers for AI agents out. Errors share one ' +
          'envelope: { statusCode, error, message, details?, requestId }. Lists share one shape: ' +
          '{ items, next_cursor } with the extras of a list beside them.',
      )
      .setVersion('0.1.0')
      .setLicense('UNLICENSED', 'https://spdx.org/licenses/')
      .addServer('/', 'This service (the paths carry the /api/debug prefix)')
      .addApiKey(
        {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'An API key: of DEBUG_API_KEYS, or created at /api/debug/admin/keys',
        },
        'api-key',
      )
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          description: 'The same API key as a bearer token (an opaque key, not a JWT)',
        },
        'bearer',
      )
      .addSecurityRequirements('api-key')
      .addSecurityRequirements('bearer')
      .build(),
    { extraModels: [ErrorEnvelope] },
  );
  // @nestjs/swagger always writes a bearerFormat for http bearer schemes; the keys are opaque.
  const bearer = document.components?.securitySchemes?.bearer as
    { bearerFormat?: string } | undefined;
  if (bearer) delete bearer.bearerFormat;
  // DEBUG_PROTECT_METRICS puts the (otherwise public) Prometheus alias behind a key.
  const metricsKeyed = app.get(AppConfig).metricsScope !== null;
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      if (metricsKeyed && method === 'get' && path === '/api/debug/metrics')
        delete (operation as Operation & Record<string, unknown>)[PUBLIC_OPERATION];
      completeResponses(operation);
    }
  }
  for (const [path, item] of rawRoutes) document.paths[path] ??= item;
  return document;
}

function completeResponses(operation: Operation): void {
  const extensions = operation as Operation & Record<string, unknown>;
  const isPublic = extensions[PUBLIC_OPERATION] === true;
  delete extensions[PUBLIC_OPERATION];
  if (isPublic) operation.security = [];
  else {
    for (const [status, response] of Object.entries(AUTH_RESPONSES))
      operation.responses[status] ??= response;
  }
  for (const [status, response] of Object.entries(operation.responses)) {
    if (!response || !/^[45]\d\d$/.test(status) || '$ref' in response) continue;
    response.content ??= ERROR_CONTENT;
  }
}
