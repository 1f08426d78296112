import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPropertyOptional,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiKeyService } from '../common/auth/api-key.service.js';
import { Public } from '../common/auth/scopes.decorator.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorEnvelope } from '../common/errors/error-envelope.js';
import { AppConfig } from '../config/app-config.service.js';
import { type Envelope, parseEnvelope } from './envelope-parser.js';
import { bytesOf, readBody } from './request-body.js';
import { keyOfDsn, sentryKeyOf } from './sentry-auth.js';
import { uuidOfEventId } from './sentry-ids.js';
import { SentryIntakeService } from './sentry-intake.service.js';

const PROJECT_ID = /^\d{1,20}$/;

/**
 * Sentry's ingestion endpoints, for the official SDKs with only their DSN changed. Their
 * authentication is Sentry's (the DSN key), checked here against our API keys (`ingest` scope).
 */
/** Sentry's answer to a stored envelope or event (OpenAPI; the id is absent when the envelope held no event). */
class SentryStoredAnswer {
  @ApiPropertyOptional({ description: 'The Sentry event id (32 hex digits)', example: '9ec79c33ec9942ab8353589fcb2e04dc' })
  id?: string;
}

@ApiTags('sentry')
@Controller()
@Public()
@ApiUnauthorizedResponse({ description: 'No DSN key, or one that is not an API key of this service.', type: ErrorEnvelope })
@ApiBadRequestResponse({ description: 'A malformed envelope or item; the message names the item.', type: ErrorEnvelope })
@ApiPayloadTooLargeResponse({ description: 'Over DEBUG_BODY_LIMIT, compressed or decompressed.', type: ErrorEnvelope })
@ApiTooManyRequestsResponse({ description: 'Backpressure: Retry-After and X-Sentry-Rate-Limits tell the SDK to back off.', type: ErrorEnvelope })
export class SentryController {
  constructor(
    private readonly sentry: SentryIntakeService,
    private readonly apiKeys: ApiKeyService,
    private readonly config: AppConfig,
  ) {}

  @Post('api/:projectId/envelope')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sentry envelope endpoint',
    description:
      'What Sentry SDKs send: a newline-delimited envelope (gzip/deflate/br accepted). Errors, messages, transactions with ' +
      'their spans, logs and check-ins become events; sessions become metrics; attachments, replays and profiles are ' +
      'counted, not stored; unknown item types are ignored and counted. See docs/sentry.md.',
  })
  @ApiParam({ name: 'projectId', description: 'The project id of the DSN (digits).' })
  @ApiOkResponse({ description: 'Stored (durable), as Sentry answers: `{ "id": <event_id> }`.', type: SentryStoredAnswer })
  async envelope(@Param('projectId') projectId: string, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<{ id?: string }> {
    return this.handle(projectId, request, response, async (body) => parseEnvelope(body));
  }

  @Post('api/:projectId/store')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sentry store endpoint (older SDKs)', description: 'One event as JSON; the same mapping as an envelope `event` item.' })
  @ApiParam({ name: 'projectId', description: 'The project id of the DSN (digits).' })
  @ApiOkResponse({ description: 'Stored (durable): `{ "id": <event_id> }`.', type: SentryStoredAnswer })
  async store(@Param('projectId') projectId: string, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<{ id?: string }> {
    return this.handle(projectId, request, response, async (body) => {
      if (!body.toString('utf8', 0, 64).trimStart().startsWith('{')) {
        throw new DomainError('VALIDATION_FAILED', 'the body of /store/ must be one event as a JSON object');
      }
      return { headers: {}, items: [{ index: 0, type: 'event', headers: { type: 'event' }, payload: body }] } satisfies Envelope;
    });
  }

  private async handle(
    projectId: string,
    request: Request,
    response: Response,
    parse: (body: Buffer) => Promise<Envelope>,
  ): Promise<{ id?: string }> {
    if (!this.config.enabled) {
      request.resume();
      throw new DomainError('DISABLED', 'the debug system is disabled (DEBUG_SYSTEM_ENABLED=false): nothing is collected');
    }
    const componentType = this.projectComponent(projectId, request);
    const headerKey = sentryKeyOf(request.headers, request.query as Record<string, unknown>) ?? ApiKeyService.keyFromHeaders(request.headers);
    if (headerKey !== undefined) this.authorize(headerKey, request);

    const envelope = await parse(await this.bodyOf(request));
    if (headerKey === undefined && this.apiKeys.enabled) {
      const fromDsn = keyOfDsn(envelope.headers.dsn);
      this.authorize(fromDsn.key, request);
    }
    const sdk = envelope.headers.sdk as { name?: unknown; version?: unknown } | undefined;
    const sentAt = typeof envelope.headers.sent_at === 'string' ? new Date(envelope.headers.sent_at) : new Date();
    try {
      await this.sentry.accept(envelope, {
        projectId,
        componentType,
        sentAt: Number.isNaN(sentAt.getTime()) ? new Date() : sentAt,
        userFields: this.config.sentryUserFields,
        sdk: typeof sdk?.name === 'string' ? `${sdk.name}${typeof sdk.version === 'string' ? `/${sdk.version}` : ''}` : undefined,
      });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'BACKPRESSURE') {
        // Sentry's SDKs back off every category for this long (scope: the whole organization).
        response.setHeader('X-Sentry-Rate-Limits', `${Math.max(1, Math.ceil(error.retryAfterSeconds ?? 1))}::organization`);
      }
      throw error;
    }
    const eventId = envelope.headers.event_id ?? envelope.items.find((item) => item.type === 'event')?.headers.event_id ?? this.storeEventId(envelope);
    const id = uuidOfEventId(eventId)?.replace(/-/g, '');
    return id ? { id } : {};
  }

  /** /store/'s body is the event itself: its event_id is the answer. */
  private storeEventId(envelope: Envelope): unknown {
    const [item] = envelope.items;
    if (envelope.items.length !== 1 || item.type !== 'event') return undefined;
    const match = /"event_id"\s*:\s*"([0-9a-fA-F-]{32,36})"/.exec(item.payload.toString('utf8'));
    return match?.[1];
  }

  private projectComponent(projectId: string, request: Request): string {
    const projects = this.config.sentryProjects;
    if (!PROJECT_ID.test(projectId) || (projects.size > 0 && !projects.has(projectId))) {
      request.resume();
      throw new DomainError(
        'NOT_FOUND',
        projects.size > 0
          ? `project ${projectId} is not one of DEBUG_SENTRY_PROJECTS (${[...projects.keys()].join(', ')}): check the DSN`
          : `project ${projectId} is not a Sentry project id (digits): check the DSN`,
        { project_id: projectId },
      );
    }
    return projects.get(projectId) ?? `sentry-${projectId}`;
  }

  private authorize(key: string | undefined, request: Request): void {
    const result = this.apiKeys.check(key, 'ingest');
    if (result.outcome === 'allowed') return;
    if (!request.complete) request.resume();
    switch (result.outcome) {
      case 'missing':
        throw new DomainError('UNAUTHORIZED', 'a DSN key is required: X-Sentry-Auth sentry_key, ?sentry_key= or the envelope header dsn');
      case 'invalid':
        throw new DomainError('UNAUTHORIZED', 'the DSN key is not an API key of this service (DEBUG_API_KEYS)');
      case 'forbidden':
        throw new DomainError('FORBIDDEN', 'the DSN key lacks the "ingest" scope', { scope: 'ingest' });
    }
  }

  /** The JSON body parser may already hold a /store/ body sent as application/json (it read the stream). */
  private async bodyOf(request: Request): Promise<Buffer> {
    if (request.readableEnded && request.body !== undefined) {
      return Buffer.from(JSON.stringify(request.body));
    }
    return readBody(request, bytesOf(this.config.bodyLimit), `DEBUG_BODY_LIMIT=${this.config.bodyLimit}`);
  }
}
