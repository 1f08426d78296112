import { Logger } from '@nestjs/common';
import { assertSafeBinding, createApp, createWorkerContext } from './bootstrap.js';
import { ApiKeyService } from './common/auth/api-key.service.js';
import { AppConfig } from './config/app-config.service.js';
import { ConfigValidationError, ProcessRole, validateEnvironment } from './config/environment.js';
import { DatabaseSetupError, ensureDatabase } from './database/ensure-database.js';

/**
 * Says when a stop begins and how long it took in all; the phases between (draining the ingest
 * journal, closing pools) say their own counts and times. Nest's shutdown hooks run on the
 * signal and exit 0 once they are done (`useProcessExit`); registered after theirs, so that a
 * signal during start-up still stops the process.
 */
function reportShutdown(logger: Logger): void {
  let started: number | undefined;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      started ??= performance.now();
      logger.log(`shutdown: ${signal} received, stopping`);
    });
  }
  process.once('exit', (code) => {
    if (started !== undefined)
      logger.log(
        `shutdown: finished in ${Math.round(performance.now() - started)} ms (exit code ${code})`,
      );
  });
}

async function main(): Promise<void> {
  const logger = new Logger('Main');
  const env = validateEnvironment(process.env);
  const config = new AppConfig(env);
  if (config.databaseUrl && (await ensureDatabase(config.databaseUrl)) === 'created')
    logger.log(`created database ${new URL(config.databaseUrl).pathname.slice(1)}`);
  if (config.role === ProcessRole.Worker) {
    await createWorkerContext();
    reportShutdown(logger);
    logger.log(
      `worker started (${config.dialect}, ${config.redisUrl ? 'Bull on Redis' : 'in-process queue'})`,
    );
    return;
  }
  const app = await createApp();
  assertSafeBinding(config, logger, app.get(ApiKeyService).enabled);
  reportShutdown(logger);
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
