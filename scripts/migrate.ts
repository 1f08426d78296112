// `npm run migration:run`: applies pending migrations to DATABASE_URL (PostgreSQL) or to
// the SQLite file (DEBUG_SQLITE_PATH); running it again is a no-op.
import 'reflect-metadata';
import { AppConfig } from '../src/config/app-config.service.js';
import { ConfigValidationError, validateEnvironment } from '../src/config/environment.js';
import { createDataSource, runMigrations, targetFromConfig } from '../src/database/data-source.js';

async function main(): Promise<void> {
  const config = new AppConfig(validateEnvironment(process.env));
  const where = config.databaseUrl
    ? new URL(config.databaseUrl).host + new URL(config.databaseUrl).pathname
    : config.sqlitePath;
  console.log(`migrating ${config.dialect} (${where})`);
  const dataSource = await createDataSource(targetFromConfig(config)).initialize();
  try {
    const applied = await runMigrations(dataSource);
    console.log(
      applied.length > 0
        ? `applied: ${applied.join(', ')}`
        : 'nothing to apply: the schema is up to date',
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
