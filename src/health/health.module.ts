import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { CollectorModule } from '../collector/collector.module.js';
import type { Request, Response } from 'express';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { HealthController } from './health.controller.js';
import { HeartbeatService } from './heartbeat.service.js';

/** Where scrapers look by convention; `GET /api/debug/metrics` stays as an alias. */
export const PROMETHEUS_PATH = '/metrics';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' }), CollectorModule],
  controllers: [HealthController],
  providers: [HeartbeatService],
})
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  /** Mounted on the HTTP adapter (like /mcp) to sit outside the /api/debug prefix; public like the alias. */
  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return; // worker role: no HTTP
    adapter.get(PROMETHEUS_PATH, (_request: Request, response: Response) => {
      this.metrics.render().then(
        ({ contentType, body }) => {
          response.setHeader('Content-Type', contentType);
          response.setHeader('Cache-Control', 'no-store');
          response.send(body);
        },
        (error: unknown) => response.status(500).type('text/plain').send(`metrics unavailable: ${(error as Error).message}\n`),
      );
    });
  }
}
