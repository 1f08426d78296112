import { Module } from '@nestjs/common';

/** Ingestion: events, batches, state snapshots and metrics in; hot tier + ingest queue out. */
@Module({})
export class CollectorModule {}
