// `npm run ingest:replay [-- --list] [--limit N]`: puts ingest jobs that failed every attempt
// back in the queue (the warm write is idempotent, so a replay never stores an event twice).
// Same as POST /api/debug/admin/ingest/replay, without needing the API up. Full mode only: the
// in-process queue of the embedded mode lives and dies with its process.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module.js';
import { QueueName } from '../src/common/queues.js';
import { AppConfig } from '../src/config/app-config.service.js';
import { ConfigValidationError, validateEnvironment } from '../src/config/environment.js';
import { JOB_QUEUE, type JobQueue } from '../src/queue/job-queue.js';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const config = new AppConfig(validateEnvironment(process.env));
  if (!config.redisUrl) {
    console.error(
      'ingest:replay needs the full mode (REDIS_URL): the embedded in-process queue keeps no failed jobs across processes',
    );
    process.exitCode = 2;
    return;
  }
  const limit = Number(option('limit') ?? 10_000);
  if (!Number.isInteger(limit) || limit < 1) throw new Error('--limit must be a positive integer');
  // An API-role context: no worker starts here, so nothing but the replay happens.
  const context = await NestFactory.createApplicationContext(
    AppModule.forRoot({ DEBUG_ROLE: 'api' }),
    { logger: ['error', 'warn'] },
  );
  try {
    const queue = context.get<JobQueue>(JOB_QUEUE);
    const failed = await queue.failed(QueueName.Ingest, limit);
    console.log(
      `${failed.length} failed ingest job(s)${failed.length === limit ? ` (first ${limit})` : ''}`,
    );
    for (const job of failed) {
      const events = (job.payload as { events?: unknown[] } | null)?.events?.length ?? 0;
      console.log(
        `  job ${job.id}: ${events} events, ${job.attemptsMade} attempts, failed ${job.failedAt ?? '?'}: ${job.failedReason}`,
      );
    }
    if (process.argv.includes('--list') || failed.length === 0) return;
    const replayed = await queue.retryFailed(QueueName.Ingest, limit);
    console.log(`replayed ${replayed} job(s); workers will write them (idempotent by event id)`);
  } finally {
    await context.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigValidationError ? error.message : error);
  process.exit(1);
});
