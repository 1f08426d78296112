import { Global, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { shutdownPhase } from '../common/logging/shutdown-phase.js';
import { AppConfig } from '../config/app-config.service.js';
import { dialectOf, pgPoolOf } from './sql/dialect.js';
import { dataSourceOptions, runMigrations, targetFromConfig } from './data-source.js';
import { PartitionMaintenance } from './partition-maintenance.js';
import { PartitionService } from './partition.service.js';

/**
 * The data source (PostgreSQL with DATABASE_URL, SQLite otherwise), migrated at start-up
 * under a lock, with today's partitions in place before anything writes.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(targetFromConfig(config)),
        // each module registers the entities of the tables it owns (TypeOrmModule.forFeature)
        autoLoadEntities: true,
        retryAttempts: 2,
        retryDelay: 1000,
      }),
      dataSourceFactory: async (options) => {
        const dataSource = await new ReportingDataSource(options!).initialize();
        const applied = await runMigrations(dataSource);
        if (applied.length > 0)
          new Logger('DatabaseModule').log(`applied migrations: ${applied.join(', ')}`);
        return dataSource;
      },
    }),
  ],
  providers: [PartitionService, PartitionMaintenance],
  exports: [PartitionService],
})
export class DatabaseModule implements OnModuleInit {
  constructor(private readonly partitions: PartitionService) {}

  async onModuleInit(): Promise<void> {
    await this.partitions.maintain();
  }
}

/** The data source, saying at shutdown that it closes its pool, with how many connections and how long it took. */
class ReportingDataSource extends DataSource {
  override async destroy(): Promise<void> {
    const what =
      dialectOf(this) === 'postgres'
        ? `closing the PostgreSQL pool (${pgPoolOf(this).totalCount} connections)`
        : 'closing the SQLite database';
    let failure: unknown;
    await shutdownPhase(new Logger('DatabaseModule'), what, () =>
      super.destroy().catch((error: unknown) => {
        failure = error;
        throw error;
      }),
    );
    if (failure) throw failure;
  }
}
