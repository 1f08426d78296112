import {
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CollectorModule } from '../collector/collector.module.js';
import { documentRawRoutes } from '../common/http/openapi-document.js';
import { AppConfig } from '../config/app-config.service.js';
import { OtlpGrpcListener } from './otlp-grpc.listener.js';
import { otlpOpenApiPaths } from './otlp-openapi.js';
import { OtlpMetrics } from './otlp-metrics.js';
import { OTLP_PATHS, OtlpReceiver } from './otlp-receiver.service.js';
import type { OtlpSignal } from './otlp-schema.js';

/**
 * OTLP ingest (docs/otlp.md): POST /v1/logs, /v1/traces and /v1/metrics on the service's port,
 * outside the `api/debug` prefix where exporters look for them, and on a listener of its own at
 * OTLP_HTTP_PORT (4318, the Collector's default; 0 turns it off); OTLP/gRPC at OTLP_GRPC_PORT
 * (4317, likewise).
 */
@Module({ imports: [CollectorModule], providers: [OtlpReceiver, OtlpMetrics] })
export class OtlpModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OtlpModule');
  private server: Server | null = null;
  private grpc: OtlpGrpcListener | null = null;

  constructor(
    adapterHost: HttpAdapterHost,
    private readonly receiver: OtlpReceiver,
    private readonly config: AppConfig,
  ) {
    const adapter = adapterHost.httpAdapter;
    if (!adapter) return; // worker role: no HTTP
    documentRawRoutes(otlpOpenApiPaths());
    // Registered while the module is built, before bootstrap installs the JSON body parser: the
    // receiver reads the raw body itself (protobuf, gzip, its own limit, google.rpc.Status errors).
    for (const [signal, path] of Object.entries(OTLP_PATHS) as [OtlpSignal, string][]) {
      adapter.post(
        path,
        (request: IncomingMessage, response: ServerResponse) =>
          void this.receiver.handle(signal, request, response),
      );
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.runsApi) return;
    await Promise.all([this.startHttp(), this.startGrpc()]);
  }

  private async startGrpc(): Promise<void> {
    const port = this.config.otlpGrpcPort;
    if (port === 0) return;
    const listener = new OtlpGrpcListener(this.receiver, this.logger);
    if (!(await listener.start(this.config.host, port))) return;
    this.grpc = listener;
    this.logger.log(`OTLP/gRPC receiver listening on ${this.config.host}:${listener.port}`);
  }

  /** The port of the OTLP/gRPC listener, or null when it is off. */
  get otlpGrpcPort(): number | null {
    return this.grpc?.port ?? null;
  }

  private async startHttp(): Promise<void> {
    const port = this.config.otlpHttpPort;
    if (port === 0) return;
    const server = createServer((request, response) => void this.receiver.route(request, response));
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        this.logger.error(
          `OTLP listener not started: ${this.config.host}:${port} ${error.code === 'EADDRINUSE' ? 'is in use' : `failed (${error.message})`}; ` +
            'OTLP stays available on the main port at /v1/logs, /v1/traces, /v1/metrics (set OTLP_HTTP_PORT, 0 for none)',
        );
        resolve(false);
      });
      server.listen(port, this.config.host, () => resolve(true));
    });
    if (!listening) return;
    this.server = server;
    this.logger.log(
      `OTLP/HTTP receiver listening on http://${this.config.host}:${this.otlpPort ?? port}`,
    );
  }

  /** The port of the OTLP listener, or null when it is off. */
  get otlpPort(): number | null {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : null;
  }

  async onApplicationShutdown(): Promise<void> {
    const grpc = this.grpc;
    this.grpc = null;
    await Promise.all([grpc?.stop(), this.stopHttp()]);
  }

  private async stopHttp(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
