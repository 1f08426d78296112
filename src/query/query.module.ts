import { Module } from '@nestjs/common';

/** Answers for agents: health, progress, explain, compare, ask; and the MCP server. */
@Module({})
export class QueryModule {}
