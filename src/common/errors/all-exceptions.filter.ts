import {
  type ArgumentsHost,
  BadRequestException,
  Catch,
  ServiceUnavailableException,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { DomainError } from './domain-error.js';
import { storeUnreachable } from './store-unreachable.js';
import type { ErrorEnvelope } from './error-envelope.js';
import { requestIdOf } from '../http/request-id.middleware.js';
import { AppConfig } from '../../config/app-config.service.js';

interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
  limit?: number;
  length?: number;
}

/**
 * Maps every error to the error envelope. A client never sees a stack trace; a 5xx
 * gets an errorId that is logged with the error itself.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  constructor(private readonly config: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const context = host.switchToHttp();
    const request = context.getRequest<Request>();
    const response = context.getResponse<Response>();
    exception = storeUnreachable(exception) ?? readinessFailure(exception) ?? exception;
    const envelope = this.toEnvelope(exception, requestIdOf(request));

    if (exception instanceof DomainError && envelope.statusCode >= 500) {
      // A deliberate answer (system disabled, store unavailable): the client is told why.
      this.logger.warn(
        `${request.method} ${request.url} answered ${envelope.statusCode}: ${envelope.message}`,
      );
    } else if (envelope.statusCode >= 500) {
      envelope.errorId = randomUUID();
      this.logger.error(
        {
          errorId: envelope.errorId,
          requestId: envelope.requestId,
          path: request.url,
          err: exception,
        },
        exception instanceof Error ? exception.stack : String(exception),
      );
    }
    if (exception instanceof DomainError && exception.retryAfterSeconds !== undefined) {
      response.setHeader(
        'Retry-After',
        String(Math.max(1, Math.ceil(exception.retryAfterSeconds))),
      );
    }
    if (exception instanceof HttpException) {
      const retryAfter = (exception.getResponse() as { retryAfter?: number })?.retryAfter;
      if (retryAfter) response.setHeader('Retry-After', String(retryAfter));
    }
    if (response.headersSent) return;
    response.status(envelope.statusCode).json(envelope);
  }

  private toEnvelope(exception: unknown, requestId: string): ErrorEnvelope {
    if (exception instanceof DomainError) {
      return this.envelope(exception.status, exception.message, requestId, exception.details);
    }
    if (exception instanceof BadRequestException) {
      const body = exception.getResponse() as { message?: string | string[] };
      const messages = Array.isArray(body.message)
        ? body.message
        : [body.message ?? exception.message];
      return this.envelope(HttpStatus.BAD_REQUEST, messages.join('; '), requestId, {
        problems: messages,
      });
    }
    if (
      exception instanceof HttpException &&
      exception.getStatus() === HttpStatus.PAYLOAD_TOO_LARGE
    ) {
      return this.envelope(
        HttpStatus.PAYLOAD_TOO_LARGE,
        `request body is over the limit of ${this.config.bodyLimit} (DEBUG_BODY_LIMIT); split it into smaller batches`,
        requestId,
        { limit: this.config.bodyLimit },
      );
    }
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      const message =
        typeof body === 'string'
          ? body
          : ((body as { message?: string }).message ?? exception.message);
      return this.envelope(exception.getStatus(), String(message), requestId);
    }
    if (isUnstorableText(exception)) {
      // PostgreSQL text and jsonb cannot hold NUL characters; whatever carried one was the client's input.
      return this.envelope(
        HttpStatus.BAD_REQUEST,
        'text must not contain NUL characters (\\u0000) or invalid UTF-8',
        requestId,
      );
    }
    const parserError = exception as BodyParserError;
    if (parserError?.type === 'entity.too.large') {
      return this.envelope(
        HttpStatus.PAYLOAD_TOO_LARGE,
        `request body of ${parserError.length} bytes is over the limit of ${this.config.bodyLimit} (DEBUG_BODY_LIMIT)`,
        requestId,
        { limit: this.config.bodyLimit, length: parserError.length },
      );
    }
    if (parserError?.type === 'entity.parse.failed') {
      return this.envelope(HttpStatus.BAD_REQUEST, 'request body is not valid JSON', requestId);
    }
    const status = parserError?.status ?? parserError?.statusCode;
    if (parserError?.expose && typeof status === 'number' && status >= 400 && status < 500) {
      return this.envelope(status, (exception as Error).message, requestId);
    }
    return this.envelope(HttpStatus.INTERNAL_SERVER_ERROR, 'internal error', requestId);
  }

  private envelope(
    statusCode: number,
    message: string,
    requestId: string,
    details?: unknown,
  ): ErrorEnvelope {
    const envelope: ErrorEnvelope = {
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      message,
      requestId,
    };
    if (details !== undefined) envelope.details = details;
    return envelope;
  }
}

/** PostgreSQL's refusal of text it cannot store: invalid byte sequence (22021), unsupported escape in jsonb (22P05). */
function isUnstorableText(exception: unknown): boolean {
  const code =
    (exception as { driverError?: { code?: string }; code?: string })?.driverError?.code ??
    (exception as { code?: string })?.code;
  return code === '22021' || code === '22P05';
}

/** Terminus's failed readiness check, as a deliberate 503 naming what is down (its details kept). */
function readinessFailure(exception: unknown): DomainError | null {
  if (!(exception instanceof ServiceUnavailableException)) return null;
  const body = exception.getResponse() as {
    status?: unknown;
    error?: Record<string, { message?: unknown }>;
    details?: unknown;
  };
  if (
    typeof body !== 'object' ||
    body === null ||
    body.status !== 'error' ||
    typeof body.details !== 'object'
  )
    return null;
  const down = Object.entries(body.error ?? {}).map(([name, result]) =>
    typeof result?.message === 'string' && result.message !== ''
      ? `${name} (${result.message})`
      : name,
  );
  return new DomainError(
    'UNAVAILABLE',
    `not ready: ${down.length > 0 ? down.join(', ') : 'a dependency'} down`,
    body.details,
  );
}
