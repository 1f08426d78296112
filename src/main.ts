import { Logger } from '@nestjs/common';
import { assertSafeBinding, createApp, createWorkerContext } from './bootstrap.js';
import { AppConfig } from './config/app-config.service.js';
import { ConfigValidationError, ProcessRole, validateEnvironment } from './config/environment.js';
import { DatabaseSetupError, ensureDatabase } from './database/ensure-database.js';

async function main(): Promise<void> {
  const logger = new Logger('Main');
  const env = validateEnvironment(process.env);
  const config = new AppConfig(env);
  if (config.databaseUrl && (await ensureDatabase(config.databaseUrl)) === 'created')
    logger.log(`created database ${new URL(config.databaseUrl).pathname.slice(1)}`);
  if (config.role === ProcessRole.Worker) {
    await createWorkerContext();
    logger.log(
      `worker started (${config.dialect}, ${config.redisUrl ? 'Bull on Redis' : 'in-process queue'})`,
    );
    return;
  }
  assertSafeBinding(config, logger);
  const app = await createApp();
  await app.listen(config.port, config.host);
  logger.log(
    `listening on http://${config.host}:${config.port} (role ${config.role}, ${config.dialect}, ` +
      `${config.redisUrl ? 'Redis' : 'no Redis'}); Swagger UI at /api/docs`,
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigValidationError || error instanceof DatabaseSetupError) {
    console.error(error.message);
  } else {
    console.error(
      'start-up failed:',
      error instanceof Error ? (error.stack ?? error.message) : error,
    );
  }
  process.exit(1);
});
