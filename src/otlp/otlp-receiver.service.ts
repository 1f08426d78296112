import { Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EventIntake } from '../collector/event-intake.service.js';
import { IngestService } from '../collector/ingest.service.js';
import { MetricsIngestService } from '../collector/metrics-ingest.service.js';
import { ApiKeyService } from '../common/auth/api-key.service.js';
import type { DebugEventRecord } from '../common/debug-event.js';
import { DomainError } from '../common/errors/domain-error.js';
import { storeUnreachable } from '../common/errors/store-unreachable.js';
import { AppConfig } from '../config/app-config.service.js';
import {
  bytesOfLimit,
  CONTENT_TYPES,
  encodingOf,
  type OtlpEncoding,
  readBody,
  UnsupportedMediaError,
} from './otlp-body.js';
import { OtlpMetrics } from './otlp-metrics.js';
import {
  mapLogs,
  mapMetrics,
  mapSpans,
  type Mapped,
  type OtlpEvent,
  type OtlpMetricPoint,
} from './otlp-mapper.js';
import {
  decodeRequest,
  encodeResponse,
  encodeStatus,
  type OtlpSignal,
  REJECTED_FIELD,
} from './otlp-schema.js';

/** The OTLP/HTTP paths, by signal. */
export const OTLP_PATHS: Record<OtlpSignal, string> = {
  logs: '/v1/logs',
  traces: '/v1/traces',
  metrics: '/v1/metrics',
};

/** google.rpc.Code of each status this receiver answers with. */
const RPC_CODE: Record<number, number> = {
  400: 3, // INVALID_ARGUMENT
  401: 16, // UNAUTHENTICATED
  403: 7, // PERMISSION_DENIED
  404: 5, // NOT_FOUND
  405: 12, // UNIMPLEMENTED
  413: 8, // RESOURCE_EXHAUSTED
  415: 3, // INVALID_ARGUMENT
  429: 8, // RESOURCE_EXHAUSTED
  500: 13, // INTERNAL
  503: 14, // UNAVAILABLE
};

const ITEM_NOUN: Record<OtlpSignal, string> = {
  logs: 'log record',
  traces: 'span',
  metrics: 'data point',
};

/** What one export did: the partial success, if anything was refused. */
interface Outcome {
  rejected: number;
  message: string;
}

/**
 * The OTLP/HTTP receiver, on the main port and on OTLP_HTTP_PORT alike: the API key (scope
 * `ingest`), the body (gzip, size limit after inflating), decoding (protobuf or JSON), the
 * mapping, then the collector's own intake and accept path, so that a 2xx means what it means
 * on POST /events/batch: durable, idempotent by id, streamed, mined for patterns.
 */
@Injectable()
export class OtlpReceiver {
  private readonly logger = new Logger('OtlpReceiver');
  /** DEBUG_BODY_LIMIT in bytes: a body as sent and once inflated, on every transport. */
  readonly limitBytes: number;

  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly config: AppConfig,
    private readonly intake: EventIntake,
    private readonly ingest: IngestService,
    private readonly metricsIngest: MetricsIngestService,
    private readonly metrics: OtlpMetrics,
  ) {
    this.limitBytes = bytesOfLimit(config.bodyLimit);
  }

  /** Routes a request of the OTLP listener: the three POST paths, a google.rpc.Status for anything else. */
  async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    const signal = (Object.keys(OTLP_PATHS) as OtlpSignal[]).find(
      (name) => OTLP_PATHS[name] === path,
    );
    if (!signal) {
      this.fail(
        response,
        'json',
        404,
        `no OTLP receiver at ${path}: POST to /v1/logs, /v1/traces or /v1/metrics`,
      );
      return;
    }
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      this.fail(
        response,
        'json',
        405,
        `${request.method} is not allowed: OTLP/HTTP exports are POSTs`,
      );
      return;
    }
    await this.handle(signal, request, response);
  }

  /** Answers one export request; never throws. */
  async handle(
    signal: OtlpSignal,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const encoding = encodingOf(request.headers['content-type']);
    const answerIn = encoding ?? 'json';
    response.once('finish', () =>
      this.metrics.requests.inc({
        signal,
        encoding: encoding ?? 'other',
        status: String(response.statusCode),
      }),
    );
    try {
      this.checkEnabled();
      this.authorizeKey(request.headers);
      if (!encoding) {
        throw new UnsupportedMediaError(
          `Content-Type ${request.headers['content-type'] ?? '(none)'} is not supported: send application/x-protobuf or application/json`,
        );
      }
      const body = await readBody(request, this.limitBytes);
      const outcome = body.length === 0 ? null : await this.export(signal, encoding, body);
      this.succeed(response, signal, encoding, outcome);
    } catch (error) {
      this.answerError(response, answerIn, error);
    }
  }

  /**
   * One OTLP/gRPC export (otlp-grpc.listener.ts), with the key, decoding, mapping and keeping of
   * an HTTP one: resolves to the encoded Export…ServiceResponse; rejects as handle() answers
   * (DomainError, UnsupportedMediaError never, anything else an internal error).
   */
  async exportMessage(
    signal: OtlpSignal,
    headers: Record<string, string | undefined>,
    body: Buffer,
  ): Promise<Buffer> {
    let status = 'ok';
    try {
      this.checkEnabled();
      this.authorizeKey(headers);
      const outcome = body.length === 0 ? null : await this.export(signal, 'protobuf', body);
      return Buffer.from(encodeResponse(signal, outcome));
    } catch (error) {
      const known = this.knownError('OTLP/gRPC', error);
      status = known ? String(known.status) : '500';
      throw known ?? error;
    } finally {
      this.metrics.requests.inc({ signal, encoding: 'grpc', status });
    }
  }

  /** Decodes, maps and keeps one request; resolves to the partial success (null when all was kept). */
  async export(signal: OtlpSignal, encoding: OtlpEncoding, body: Buffer): Promise<Outcome | null> {
    const stopTimer = this.metrics.decodeSeconds.startTimer({ signal, encoding });
    const request = this.decode(signal, encoding, body);
    stopTimer();
    const mapped =
      signal === 'metrics'
        ? mapMetrics(request)
        : signal === 'logs'
          ? mapLogs(request)
          : mapSpans(request);
    const refused =
      signal === 'metrics'
        ? await this.keepMetrics(mapped as Mapped<OtlpMetricPoint>)
        : await this.keepEvents(mapped as Mapped<OtlpEvent>);
    const units = new Set([...mapped.items, ...mapped.refused].map((item) => item.unit)).size;
    const outcome = outcomeOf(signal, refused);
    this.metrics.items.inc({ signal, outcome: 'kept' }, units - (outcome?.rejected ?? 0));
    if (outcome) this.metrics.items.inc({ signal, outcome: 'rejected' }, outcome.rejected);
    return outcome;
  }

  private decode(
    signal: OtlpSignal,
    encoding: OtlpEncoding,
    body: Buffer,
  ): Record<string, unknown> {
    let decoded: unknown;
    try {
      decoded =
        encoding === 'protobuf' ? decodeRequest(signal, body) : JSON.parse(body.toString('utf8'));
    } catch (error) {
      const what =
        encoding === 'protobuf'
          ? `a valid protobuf Export${signalName(signal)}ServiceRequest`
          : 'valid JSON';
      throw new DomainError(
        'VALIDATION_FAILED',
        `the body is not ${what}: ${(error as Error).message}`,
      );
    }
    if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `the body must be a JSON object: an Export${signalName(signal)}ServiceRequest`,
      );
    }
    return decoded as Record<string, unknown>;
  }

  /** Keeps what the intake accepts; resolves to everything refused, by the mapping or the intake. */
  private async keepEvents(mapped: Mapped<OtlpEvent>): Promise<Mapped<unknown>['refused']> {
    const refused = [...mapped.refused];
    const events: DebugEventRecord[] = [];
    const json: string[] = [];
    const chunk = this.config.maxBatchEvents;
    for (let start = 0; start < mapped.items.length; start += chunk) {
      const part = mapped.items.slice(start, start + chunk);
      const checked = this.intake.batch(
        { events: part.map((item) => item.value) },
        { correlationId: null },
      );
      for (const item of checked) {
        if (item.event) {
          events.push(item.event);
          json.push(item.json);
        } else {
          const source = part[item.index];
          refused.push({
            unit: source.unit,
            path: source.path,
            reason: item.reason.replace(/^events\[\d+\]\.?/, ''),
          });
        }
      }
    }
    await this.ingest.accept(events, json);
    return refused;
  }

  private async keepMetrics(mapped: Mapped<OtlpMetricPoint>): Promise<Mapped<unknown>['refused']> {
    const refused = [...mapped.refused];
    const chunk = this.config.maxBatchEvents;
    for (let start = 0; start < mapped.items.length; start += chunk) {
      const part = mapped.items.slice(start, start + chunk);
      const refuse = (index: number, reason: string) =>
        refused.push({
          unit: part[index].unit,
          path: part[index].path,
          reason: reason.replace(/^metrics\[\d+\]\.?/, ''),
        });
      try {
        const answer = await this.metricsIngest.ingest({ metrics: part.map((item) => item.value) });
        for (const result of answer.results ?? [])
          if (result.status === 'rejected') refuse(result.index, result.reason ?? 'rejected');
      } catch (error) {
        if (!(error instanceof DomainError) || error.code !== 'VALIDATION_FAILED') throw error;
        const problems = (error.details as { problems?: string[] } | undefined)?.problems ?? [];
        part.forEach((_, index) => refuse(index, problems[index] ?? error.message));
      }
    }
    return refused;
  }

  private checkEnabled(): void {
    if (!this.config.enabled) {
      throw new DomainError(
        'DISABLED',
        'the debug system is disabled (DEBUG_SYSTEM_ENABLED=false): nothing is collected',
      );
    }
  }

  private authorizeKey(headers: Record<string, string | string[] | undefined>): void {
    const result = this.apiKeys.check(ApiKeyService.keyFromHeaders(headers), 'ingest');
    switch (result.outcome) {
      case 'allowed':
        return;
      case 'missing':
        throw new DomainError(
          'UNAUTHORIZED',
          'an API key is required: send X-API-Key or Authorization: Bearer (OTEL_EXPORTER_OTLP_HEADERS; gRPC metadata x-api-key)',
        );
      case 'invalid':
        throw new DomainError('UNAUTHORIZED', 'the API key is not valid');
      case 'forbidden':
        throw new DomainError(
          'FORBIDDEN',
          'this API key lacks the "ingest" scope OTLP export needs',
          { scope: 'ingest' },
        );
    }
  }

  private succeed(
    response: ServerResponse,
    signal: OtlpSignal,
    encoding: OtlpEncoding,
    outcome: Outcome | null,
  ): void {
    if (encoding === 'protobuf') {
      this.send(response, 200, encoding, Buffer.from(encodeResponse(signal, outcome)));
      return;
    }
    // proto3 JSON: 64-bit integers as strings, lowerCamelCase names.
    const body = outcome
      ? {
          partialSuccess: {
            [REJECTED_FIELD[signal]]: String(outcome.rejected),
            errorMessage: outcome.message,
          },
        }
      : {};
    this.send(response, 200, encoding, Buffer.from(JSON.stringify(body)));
  }

  private answerError(response: ServerResponse, encoding: OtlpEncoding, error: unknown): void {
    const known = this.knownError('OTLP', error);
    if (known) {
      if (known.retryAfterSeconds !== undefined)
        response.setHeader('Retry-After', String(Math.max(1, Math.ceil(known.retryAfterSeconds))));
      if (known.code === 'PAYLOAD_TOO_LARGE') response.setHeader('Connection', 'close');
      this.fail(response, encoding, known.status, known.message);
      return;
    }
    if (error instanceof UnsupportedMediaError) {
      this.fail(response, encoding, 415, error.message);
      return;
    }
    this.fail(response, encoding, 500, 'internal error: the export was not kept; retry');
  }

  /**
   * What a failed export answers, on either transport: a DomainError, or the store error it
   * stands for (storeUnreachable); null for anything else, logged with its stack (an internal
   * error). Answers of 5xx are logged too.
   */
  private knownError(transport: string, error: unknown): DomainError | null {
    const known = error instanceof DomainError ? error : storeUnreachable(error);
    if (known) {
      if (known.status >= 500)
        this.logger.warn(`${transport} export answered ${known.status}: ${known.message}`);
      return known;
    }
    if (!(error instanceof UnsupportedMediaError))
      this.logger.error(
        `${transport} export failed: ${(error as Error).message}`,
        (error as Error).stack,
      );
    return null;
  }

  private fail(
    response: ServerResponse,
    encoding: OtlpEncoding,
    status: number,
    message: string,
  ): void {
    const code = RPC_CODE[status] ?? 2; // UNKNOWN
    const body =
      encoding === 'protobuf'
        ? Buffer.from(encodeStatus(code, message))
        : Buffer.from(JSON.stringify({ code, message, details: [] }));
    this.send(response, status, encoding, body);
  }

  private send(
    response: ServerResponse,
    status: number,
    encoding: OtlpEncoding,
    body: Buffer,
  ): void {
    if (response.headersSent) {
      response.end();
      return;
    }
    response.statusCode = status;
    response.setHeader('Content-Type', CONTENT_TYPES[encoding]);
    response.setHeader('Content-Length', body.length);
    response.end(body);
  }
}

function signalName(signal: OtlpSignal): string {
  return signal === 'logs' ? 'Logs' : signal === 'traces' ? 'Trace' : 'Metrics';
}

function outcomeOf(signal: OtlpSignal, refused: Mapped<unknown>['refused']): Outcome | null {
  if (refused.length === 0) return null;
  const rejected = new Set(refused.map((item) => item.unit)).size;
  const first = refused[0];
  const noun = ITEM_NOUN[signal];
  return {
    rejected,
    message: `${rejected} ${noun}${rejected === 1 ? '' : 's'} rejected; the first, ${first.path}: ${first.reason}`,
  };
}
