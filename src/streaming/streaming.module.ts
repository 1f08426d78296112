import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.service.js';
import { PatternsModule } from '../patterns/patterns.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { StorageModule } from '../storage/storage.module.js';
import { DebugGateway } from './debug.gateway.js';
import { LivePatternLabels } from './live-pattern-labels.js';
import { StreamBus } from './stream-bus.js';
import { StreamHub } from './stream-hub.service.js';
import { StreamRelay } from './stream-relay.service.js';
import { StreamingController } from './streaming.controller.js';

/**
 * Socket.IO namespace /debug and the streaming bus other modules publish to. Every
 * process has the bus (and, with Redis, the relay that forwards what it publishes to
 * the API instances); the gateway runs on API processes with DEBUG_STREAMING_ENABLED.
 */
@Global()
@Module({})
export class StreamingModule {
  static forRoot(config: AppConfig): DynamicModule {
    const serves = config.runsApi && config.streamingEnabled;
    return {
      module: StreamingModule,
      imports: serves ? [StorageModule, SessionsModule, PatternsModule] : [],
      controllers: serves ? [StreamingController] : [],
      providers: [StreamBus, StreamRelay, ...(serves ? [StreamHub, DebugGateway, LivePatternLabels] : [])],
      exports: [StreamBus],
    };
  }
}
