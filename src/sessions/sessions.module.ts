import { Module } from '@nestjs/common';

/** Named debugging sessions that scope queries, streams and insights. */
@Module({})
export class SessionsModule {}
