import { Global, Module } from '@nestjs/common';
import { AppEventBus } from './app-event-bus.js';

/** The application event bus, one per process, for every module. */
@Global()
@Module({ providers: [AppEventBus], exports: [AppEventBus] })
export class EventsModule {}
