import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Logger } from '@nestjs/common';
import type { ClientBase } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import type { AppConfig } from '../config/app-config.service.js';
import { CORE_ENTITIES } from './entities/index.js';
import { RepeatedWarnings } from '../common/logging/repeated-warnings.js';
import { SqlErrorLogger } from './sql-error-logger.js';
import { registerSqliteFunctions, type SqliteFunctionHost } from './sql/sqlite-functions.js';

const clientWarnings = new RepeatedWarnings(new Logger('PostgresClient'));

/**
 * How long an idle pooled PostgreSQL connection is kept at least; longer when the periodic insight
 * job runs less often (poolIdleTimeoutMs). A new connection costs a backend start and cold catalog
 * caches (every table, partition and index a query touches is loaded again on first use), so a
 * pool that closed its connections between two runs made each run open several of them anew.
 */
export const POOL_IDLE_TIMEOUT_MS = 10 * 60_000;

/** The pool's idle timeout for a periodic insight job every `intervalSeconds` (0: none): two intervals at least. */
export function poolIdleTimeoutMs(intervalSeconds: number): number {
  return Math.max(POOL_IDLE_TIMEOUT_MS, 2 * intervalSeconds * 1000);
}

/**
 * Every pooled PostgreSQL client gets an 'error' listener for its whole life. pg-pool listens
 * only while a client is idle; a client checked out (a writer's COPY connection, a query
 * runner holding a lock) whose backend is terminated or whose socket is reset emits 'error'
 * with nobody listening, and Node ends the process. The query in flight still fails with the
 * error and the pool drops the broken client on release; this only keeps the process alive.
 */
export function guardPooledClient(client: ClientBase): void {
  client.on('error', (error: Error) =>
    clientWarnings.warn(`a PostgreSQL connection failed: ${error.message}`),
  );
}

export interface DatabaseTarget {
  databaseUrl?: string;
  sqlitePath: string;
  /** How long idle PostgreSQL connections are kept (POOL_IDLE_TIMEOUT_MS when absent). */
  poolIdleTimeoutMs?: number;
}

/** `entities`: none under Nest, where each module registers its own (autoLoadEntities). */
export function dataSourceOptions(
  target: DatabaseTarget,
  entities: DataSourceOptions['entities'] = [],
): DataSourceOptions {
  const common = {
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    logging: ['error', 'warn'] as ('error' | 'warn')[],
    logger: new SqlErrorLogger(),
  };
  if (target.databaseUrl) {
    return {
      ...common,
      type: 'postgres',
      url: target.databaseUrl,
      extra: {
        max: 10,
        idleTimeoutMillis: target.poolIdleTimeoutMs ?? POOL_IDLE_TIMEOUT_MS,
        application_name: 'ai-debug-system',
        onConnect: guardPooledClient,
      },
    };
  }
  if (target.sqlitePath !== ':memory:') mkdirSync(dirname(target.sqlitePath), { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: target.sqlitePath,
    enableWAL: true,
    timeout: 5000,
    prepareDatabase: (db: { pragma(sql: string): unknown } & SqliteFunctionHost) => {
      db.pragma('synchronous = NORMAL');
      registerSqliteFunctions(db);
    },
  };
}

export function targetFromConfig(config: AppConfig): DatabaseTarget {
  return {
    databaseUrl: config.databaseUrl,
    sqlitePath: config.sqlitePath,
    poolIdleTimeoutMs: poolIdleTimeoutMs(config.insightIntervalSeconds),
  };
}

/**
 * Applies pending migrations. On PostgreSQL an advisory lock makes concurrent starters
 * (several api/worker processes) wait for one another instead of racing.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const isPostgres = dataSource.options.type === 'postgres';
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    if (isPostgres)
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', ['ai-debug-system:migrations']);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    if (isPostgres)
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', ['ai-debug-system:migrations']);
    await runner.release();
  }
}

/** A data source outside Nest (scripts, benchmarks, tests), with the core tables' entities. */
export function createDataSource(
  target: DatabaseTarget,
  entities: DataSourceOptions['entities'] = CORE_ENTITIES,
): DataSource {
  return new DataSource(dataSourceOptions(target, entities));
}
