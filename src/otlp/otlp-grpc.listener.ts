import {
  type Metadata,
  Server,
  setLogger,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import type { Logger } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import type { OtlpReceiver } from './otlp-receiver.service.js';
import type { OtlpSignal } from './otlp-schema.js';

/** The OTLP collector services, each one unary Export (opentelemetry/proto/collector/…/v1). */
const SERVICES: Record<OtlpSignal, string> = {
  logs: 'opentelemetry.proto.collector.logs.v1.LogsService',
  traces: 'opentelemetry.proto.collector.trace.v1.TraceService',
  metrics: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
};

/**
 * The gRPC status answering each HTTP status of the receiver, as the OTLP specification asks:
 * clients retry UNAVAILABLE (pushed back, store unreachable) and not the others. A refused part of
 * an export is a partial success in the response, not a status.
 */
const STATUS_OF_HTTP: Record<number, GrpcStatus> = {
  400: GrpcStatus.INVALID_ARGUMENT,
  401: GrpcStatus.UNAUTHENTICATED,
  403: GrpcStatus.PERMISSION_DENIED,
  413: GrpcStatus.RESOURCE_EXHAUSTED,
  429: GrpcStatus.UNAVAILABLE,
  503: GrpcStatus.UNAVAILABLE,
};

/** A unary Export method whose messages stay bytes: the receiver decodes them with the HTTP path's schema. */
function exportService(signal: OtlpSignal): ServiceDefinition {
  const asBytes = (value: Buffer) => value;
  return {
    Export: {
      path: `/${SERVICES[signal]}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: asBytes,
      requestDeserialize: asBytes,
      responseSerialize: asBytes,
      responseDeserialize: asBytes,
      originalName: 'export',
    },
  };
}

/** gRPC metadata as the headers the API key is read from (x-api-key, authorization). */
function headersOf(metadata: Metadata): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(metadata.getMap()))
    if (typeof value === 'string') headers[key.toLowerCase()] = value;
  return headers;
}

/**
 * The OTLP/gRPC listener (OTLP_GRPC_PORT, 4317 by default): the three collector services over
 * plaintext HTTP/2, gzip as the exporters send it, one message at most the receiver's limit once inflated
 * (RESOURCE_EXHAUSTED beyond), every export through the receiver the HTTP paths use.
 */
export class OtlpGrpcListener {
  private server: Server | null = null;
  /** The bound port while listening. */
  port: number | null = null;

  constructor(
    private readonly receiver: OtlpReceiver,
    private readonly logger: Logger,
  ) {}

  /** Binds host:port; resolves to whether it listens (a failure is logged). */
  async start(host: string, port: number): Promise<boolean> {
    // grpc-js writes its own errors to the console ("No address added…" for a port in use): they
    // go to the service's log at debug level, and what they mean is logged below
    const toDebug = (...parts: unknown[]) => this.logger.debug(parts.map(String).join(' '));
    setLogger({ error: toDebug, info: toDebug, debug: toDebug });
    const server = new Server({
      'grpc.max_receive_message_length': this.receiver.limitBytes,
      'grpc.max_send_message_length': 1024 * 1024,
    });
    for (const signal of Object.keys(SERVICES) as OtlpSignal[]) {
      server.addService(exportService(signal), {
        Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) =>
          void this.answer(signal, call, callback),
      });
    }
    const bound = await new Promise<number | null>((resolve) => {
      // an IPv6 address is bracketed in a gRPC target ([::]:4317)
      const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      server.bindAsync(address, ServerCredentials.createInsecure(), (error, actual) => {
        if (error) {
          this.logger.error(
            `OTLP/gRPC listener not started: ${host}:${port} ${/in use/i.test(error.message) ? 'is in use' : `failed (${error.message})`}; ` +
              'OTLP stays available over HTTP (set OTLP_GRPC_PORT, 0 for none)',
          );
          resolve(null);
          return;
        }
        resolve(actual);
      });
    });
    if (bound === null) {
      server.forceShutdown();
      return false;
    }
    this.server = server;
    this.port = bound;
    return true;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.port = null;
    if (!server) return;
    // exports in flight get a moment to finish; then the connections go
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2_000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private async answer(
    signal: OtlpSignal,
    call: ServerUnaryCall<Buffer, Buffer>,
    callback: sendUnaryData<Buffer>,
  ): Promise<void> {
    try {
      callback(
        null,
        await this.receiver.exportMessage(signal, headersOf(call.metadata), call.request),
      );
    } catch (error) {
      const known = error instanceof DomainError ? error : null;
      callback({
        code: known ? (STATUS_OF_HTTP[known.status] ?? GrpcStatus.INTERNAL) : GrpcStatus.INTERNAL,
        details: known ? known.message : 'internal error: the export was not kept; retry',
      });
    }
  }
}
