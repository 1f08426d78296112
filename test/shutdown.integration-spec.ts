import pg from 'pg';
import { wireBatch } from './factories/events.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';
import {
  buildService,
  startProcess,
  stopProcess,
  waitFor,
  type ServiceProcess,
} from './support/service-process.js';

/** The message of each JSON log line the process wrote. */
function messages(service: ServiceProcess): string[] {
  return service.output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => String((JSON.parse(line) as { message: unknown }).message));
}

describeWithPostgresAndRedis('graceful shutdown of the deployed service', () => {
  beforeAll(() => {
    // The service runs compiled, as `npm start` does.
    buildService();
  }, 320_000);

  it('on SIGTERM says what it drains and closes with counts and times, writes every acknowledged event and exits 0', async () => {
    // A long batching window keeps accepted events in the journal when the signal comes.
    const env = await fullModeEnv({ DEBUG_BATCH_SIZE_MS: '5000' });
    const service = await startProcess(env, 'all');
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      const served = await waitFor(
        async () =>
          (await fetch(`${service.url}/api/debug/health`).catch(() => null))?.status === 200,
        30_000,
      );
      expect(served).toBe(true);
      const ids: string[] = [];
      for (let batch = 0; batch < 20; batch++) {
        const events = wireBatch(100);
        const response = await fetch(`${service.url}/api/debug/events/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ events }),
        });
        await response.arrayBuffer();
        expect(response.status).toBe(202);
        ids.push(...events.map((event) => String(event.id)));
      }

      service.child.kill('SIGTERM');
      const [code, signal] = (await service.exited) as [number | null, string | null];

      expect({ code, signal }).toEqual({ code: 0, signal: null });
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(DISTINCT id) AS n FROM debug_events WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      expect(Number(rows[0].n)).toBe(ids.length);

      const log = messages(service);
      const at = (pattern: RegExp) => log.findIndex((message) => pattern.test(message));
      const received = at(/^shutdown: SIGTERM received, stopping$/);
      const drainStart = at(
        /^shutdown: draining the ingest journal \(\d+ events waiting, 2 writers\)$/,
      );
      const drainEnd = at(
        /^shutdown: draining the ingest journal .*: done in \d+ ms \(\d+ events written, 0 left in the journal\)$/,
      );
      const poolStart = at(/^shutdown: closing the PostgreSQL pool \(\d+ connections\)$/);
      const poolEnd = at(/^shutdown: closing the PostgreSQL pool .*: done in \d+ ms$/);
      const redisEnd = at(/^shutdown: closing \d+ Redis connections: done in \d+ ms$/);
      const finished = at(/^shutdown: finished in \d+ ms \(exit code 0\)$/);
      const phases = { received, drainStart, drainEnd, poolStart, poolEnd, redisEnd, finished };
      const missing = Object.entries(phases).filter(([, index]) => index < 0);
      expect({ missing: missing.map(([name]) => name), log }).toMatchObject({ missing: [] });
      expect(received).toBeLessThan(drainStart);
      expect(drainStart).toBeLessThan(drainEnd);
      expect(poolStart).toBeLessThan(poolEnd);
      expect(Math.max(drainEnd, poolEnd, redisEnd)).toBeLessThan(finished);

      // The counts agree: what was waiting at the signal is what the drain wrote.
      const waiting = Number(/\((\d+) events waiting/.exec(log[drainStart])![1]);
      const written = Number(/\((\d+) events written/.exec(log[drainEnd])![1]);
      expect(waiting).toBeGreaterThan(0);
      expect(written).toBeGreaterThanOrEqual(waiting);
      expect(written).toBeLessThanOrEqual(ids.length);
    } finally {
      await client.end();
      await stopProcess(service);
    }
  }, 120_000);
});
