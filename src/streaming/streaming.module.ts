import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.service.js';
import { PatternsModule } from '../patterns/patterns.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { DebugGateway } from './debug.gateway.js';
import { LivePatternLabels } from './live-pattern-labels.js';
import { StreamBackfill } from './stream-backfill.js';
import { StreamHub } from './stream-hub.service.js';
import { StreamRelay } from './stream-relay.service.js';
import { StreamingController } from './streaming.controller.js';

/**
 * Socket.IO namespace /debug: a listener of the application event bus. Every process has the
 * relay (with Redis, it forwards what the process emits to the API instances and delivers
 * theirs); the gateway runs on API processes with DEBUG_STREAMING_ENABLED.
 */
@Module({})
export class StreamingModule {
  static forRoot(config: AppConfig): DynamicModule {
    const serves = config.runsApi && config.streamingEnabled;
    return {
      module: StreamingModule,
      imports: serves ? [StorageModule, SessionsModule, PatternsModule] : [],
      controllers: serves ? [StreamingController] : [],
      providers: [StreamRelay, ...(serves ? [StreamHub, StreamBackfill, DebugGateway, LivePatternLabels] : [])],
    };
  }
}
