import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/bootstrap.js';
import { IngestJournal } from '../../src/collector/ingest-journal.js';
import { QueueName } from '../../src/common/queues.js';
import { JOB_QUEUE, type JobQueue } from '../../src/queue/job-queue.js';

export interface RunningApp {
  app: NestExpressApplication;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/** Boots the whole service as `npm start` does and listens on a free local port. */
export async function startApp(env: Record<string, string>): Promise<RunningApp> {
  const app = await createApp({ HOST: '127.0.0.1', ...env });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}

/**
 * Waits until everything accepted is in the warm store: the ingest journal written (full mode)
 * and no batch waiting for a retry in the `ingest` queue. False on timeout.
 */
export async function ingestSettled(
  app: NestExpressApplication,
  timeoutMs = 30_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  if (!(await app.get(IngestJournal).drained(timeoutMs))) return false;
  return app.get<JobQueue>(JOB_QUEUE).drained(QueueName.Ingest, Math.max(1, deadline - Date.now()));
}
