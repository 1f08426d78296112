import { type BatchSenders, startSenders } from '../support/batch-senders.js';
import { describeWithPostgresAndRedis, fullModeEnv } from '../support/services.js';
import {
  buildService,
  isRunning,
  type ServiceProcess,
  startProcess,
  stopProcess,
  waitFor,
} from '../support/service-process.js';
import {
  countRowsById,
  RssSampler,
  SERVICE_PROCESS_GROWTH_BOUND_MB,
  SERVICE_PROCESS_RSS_CAP_MB,
} from './fault-checks.js';

/**
 * The api's readiness. A failed request says whether the api is still running and what it
 * printed last, so that a survivor that died shows why.
 */
async function readiness(
  api: ServiceProcess,
): Promise<{ status: number; body: { details?: Record<string, { status: string }> } }> {
  try {
    const response = await fetch(`${api.url}/api/debug/health`);
    return {
      status: response.status,
      body: (await response.json()) as { details?: Record<string, { status: string }> },
    };
  } catch (error) {
    const state = isRunning(api)
      ? 'still running'
      : `exited (code ${api.child.exitCode}, signal ${api.child.signalCode})`;
    throw new Error(
      `readiness of the api at ${api.url} failed (${String(error)}); the api is ${state}; ` +
        `its last output:\n${api.output.join('').slice(-6000)}`,
      { cause: error },
    );
  }
}

/**
 * SIGKILL of the api and of the worker process under load (full mode, compiled service in its own
 * processes). Every acknowledged event ends up in the warm store exactly once; while no writer is
 * alive the api's readiness says so (503, `writers` down) and is ready again once a worker is back;
 * the survivors never die.
 */
describeWithPostgresAndRedis('fault: SIGKILL of api and worker processes under load', () => {
  beforeAll(() => buildService(), 320_000);

  it('loses and duplicates nothing acknowledged, and readiness tells when no writer is alive', async () => {
    const env = await fullModeEnv({ DEBUG_BATCH_SIZE: '50', DEBUG_INGEST_CLAIM_IDLE_MS: '3000' });
    const processes: ServiceProcess[] = [];
    let senders: BatchSenders | undefined;
    const rss = new RssSampler('process-kill');
    try {
      let api = await startProcess(env, 'api');
      const firstWorker = await startProcess(env, 'worker');
      processes.push(api, firstWorker);
      rss.track('api 1', api.child);
      rss.track('worker 1', firstWorker.child);
      senders = startSenders(() => api.url);
      const { acknowledged } = senders;

      expect(await waitFor(async () => acknowledged.length >= 500, 60_000, 50)).toBe(true);
      api.child.kill('SIGKILL');
      await api.exited;
      api = await startProcess(env, 'api');
      processes.push(api);
      rss.track('api 2', api.child);
      expect(await waitFor(async () => acknowledged.length >= 1000, 60_000, 50)).toBe(true);
      rss.warm('api 2');

      firstWorker.child.kill('SIGKILL');
      await firstWorker.exited;
      expect(await waitFor(async () => (await readiness(api)).status === 503, 40_000, 500)).toBe(
        true,
      );
      const down = await readiness(api);
      expect(down.body.details).toMatchObject({
        writers: { status: 'down' },
        database: { status: 'up' },
        redis: { status: 'up' },
      });

      const secondWorker = await startProcess(env, 'worker');
      processes.push(secondWorker);
      rss.track('worker 2', secondWorker.child);
      expect(await waitFor(async () => (await readiness(api)).status === 200, 30_000, 200)).toBe(
        true,
      );
      const sentBefore = acknowledged.length;
      expect(await waitFor(async () => acknowledged.length >= sentBefore + 500, 60_000, 50)).toBe(
        true,
      );
      rss.warm('worker 2');
      await senders.stop();

      expect(
        await waitFor(
          async () => (await countRowsById(env.DATABASE_URL, acknowledged)).missing.length === 0,
          120_000,
          500,
        ),
      ).toBe(true);
      const counts = await countRowsById(env.DATABASE_URL, acknowledged);
      expect(counts).toEqual({ missing: [], duplicated: [] });
      expect(isRunning(api)).toBe(true);
      expect(isRunning(secondWorker)).toBe(true);

      const figures = rss.finish();
      for (const one of Object.values(figures))
        expect(one.peakMb).toBeLessThan(SERVICE_PROCESS_RSS_CAP_MB);
      expect(figures['api 2'].growthMb).toBeLessThan(SERVICE_PROCESS_GROWTH_BOUND_MB);
      expect(figures['worker 2'].growthMb).toBeLessThan(SERVICE_PROCESS_GROWTH_BOUND_MB);
    } finally {
      await senders?.stop();
      rss.stop();
      await Promise.all(processes.map(stopProcess));
    }
  }, 300_000);
});
