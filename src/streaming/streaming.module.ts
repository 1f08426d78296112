import { Module } from '@nestjs/common';

/** Socket.IO namespace /debug and the streaming bus other modules publish to. */
@Module({})
export class StreamingModule {}
