import Bull from 'bull';
import { JobName, QueueName } from '../../src/common/queues.js';
import { BullJobQueue } from '../../src/queue/bull-job-queue.js';
import { InProcessJobQueue } from '../../src/queue/in-process-job-queue.js';
import type { JobQueue } from '../../src/queue/job-queue.js';
import { describeWithRedis, freshRedisPrefix, redisUrl } from '../support/services.js';

const until = async (check: () => Promise<boolean> | boolean, timeoutMs = 10000) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('condition not met in time');
};

function jobQueueContract(
  name: string,
  make: () => { queue: JobQueue; close: () => Promise<void> },
) {
  describe(`job queue contract: ${name}`, () => {
    let queue: JobQueue;
    let close: () => Promise<void>;

    beforeEach(() => ({ queue, close } = make()));
    afterEach(async () => close());

    it('runs a job with its payload and counts it completed', async () => {
      const seen: unknown[] = [];
      queue.process(
        QueueName.Ingest,
        JobName.IngestBatch,
        async (payload) => void seen.push(payload),
      );
      await queue.add(QueueName.Ingest, JobName.IngestBatch, { events: [1, 2, 3] });
      await until(() => seen.length === 1);
      expect(seen).toEqual([{ events: [1, 2, 3] }]);
      await until(async () => (await queue.counts(QueueName.Ingest)).completed === 1);
    });

    it('retries with backoff, then keeps a job that keeps failing in the failed set, and replays it', async () => {
      let attempts = 0;
      let healthy = false;
      queue.process(QueueName.Ingest, JobName.IngestBatch, async () => {
        attempts++;
        if (!healthy) throw new Error(`warm store down (attempt ${attempts})`);
      });
      await queue.add(
        QueueName.Ingest,
        JobName.IngestBatch,
        { events: ['x'] },
        { attempts: 3, backoffMs: 10 },
      );
      await until(async () => (await queue.counts(QueueName.Ingest)).failed === 1);
      expect(attempts).toBe(3);
      const [failed] = await queue.failed(QueueName.Ingest);
      expect(failed).toMatchObject({
        name: JobName.IngestBatch,
        attemptsMade: 3,
        payload: { events: ['x'] },
      });
      expect(failed.failedReason).toContain('warm store down');

      healthy = true;
      expect(await queue.retryFailed(QueueName.Ingest)).toBe(1);
      await until(
        async () => (await queue.counts(QueueName.Ingest)).failed === 0 && attempts === 4,
      );
      expect(await queue.drained(QueueName.Ingest, 5000)).toBe(true);
    });

    it('does not add a job twice under the same job id', async () => {
      await queue.add(QueueName.Tiering, JobName.WarmToCold, {}, { jobId: 'same-id' });
      await queue.add(QueueName.Tiering, JobName.WarmToCold, {}, { jobId: 'same-id' });
      expect((await queue.counts(QueueName.Tiering)).waiting).toBe(1);
    });

    it('runs a repeatable job again and again', async () => {
      let runs = 0;
      queue.process(QueueName.Insights, JobName.GenerateInsights, async () => void runs++);
      await queue.repeat(QueueName.Insights, JobName.GenerateInsights, 100);
      await until(() => runs >= 2);
    });
  });
}

jobQueueContract('in-process', () => {
  const queue = new InProcessJobQueue();
  return { queue, close: () => queue.onApplicationShutdown() };
});

describeWithRedis('Bull', () => {
  jobQueueContract('Bull on Redis', () => {
    const prefix = `${freshRedisPrefix()}:bull`;
    const queues = new Map(
      Object.values(QueueName).map((name) => [name, new Bull(name, redisUrl(), { prefix })]),
    );
    const queue = new BullJobQueue(queues);
    return {
      queue,
      close: async () => {
        await Promise.all(
          [...queues.values()].map(async (bull) => {
            await bull.obliterate({ force: true }).catch(() => undefined);
            await bull.close();
          }),
        );
      },
    };
  });
});
