import { Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Express, NextFunction, Request, Response } from 'express';
import express from 'express';
import { join } from 'node:path';
import { consoleDirectory, isConsolePath } from './console-assets.js';

/**
 * Serves the web console (`web/`, built into `dist/web`) at `/`. Registered after the API's
 * routes (module init runs after the router), so it only sees requests no route took; it
 * answers GET/HEAD outside the reserved prefixes and passes everything else on to Nest's
 * 404. Hashed assets are cached for a year; index.html is revalidated on every load so
 * a deploy is picked up at once.
 */
@Module({})
export class ConsoleModule implements OnModuleInit {
  private readonly logger = new Logger(ConsoleModule.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter || adapter.getType() !== 'express') return;
    const directory = consoleDirectory();
    const app = adapter.getInstance<Express>();
    if (!directory) {
      this.logger.warn('web console not built (run `npm run build:web`); / answers 404');
      return;
    }
    const index = join(directory, 'index.html');
    const assets = express.static(join(directory, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      fallthrough: false,
    });
    const files = express.static(directory, { index: false, maxAge: 0 });
    app.use('/assets', (request: Request, response: Response, next: NextFunction) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return next();
      assets(request, response, next);
    });
    app.use((request: Request, response: Response, next: NextFunction) => {
      if ((request.method !== 'GET' && request.method !== 'HEAD') || !isConsolePath(request.path))
        return next();
      files(request, response, () => {
        response.setHeader('Cache-Control', 'no-cache');
        response.sendFile(index);
      });
    });
  }
}
