import { Global, Module } from '@nestjs/common';
import { StreamBus } from './stream-bus.js';

/** Socket.IO namespace /debug and the streaming bus other modules publish to. */
@Global()
@Module({
  providers: [StreamBus],
  exports: [StreamBus],
})
export class StreamingModule {}
