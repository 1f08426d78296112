import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * A redis-server of a test's or benchmark's own on a loopback port (`redis-server` on the PATH),
 * with no persistence unless `args` asks for it. Resolves once it answers PING.
 */
export async function startRedisServer(
  port: number,
  args: readonly string[] = [],
): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: 'ignore' },
  );
  const probe = new Redis(`redis://127.0.0.1:${port}`, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined); // refused until the server listens: the loop retries
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return child;
      } catch (error) {
        if (attempt > 100 || child.exitCode !== null) throw error;
        probe.disconnect();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    probe.disconnect();
  }
}

/** A replica of the server on `primaryPort`, resolved once the primary counts it as connected. */
export async function startRedisReplica(port: number, primaryPort: number): Promise<ChildProcess> {
  // A replica keeps the primary's snapshot as a file in its directory: a temporary one.
  const dir = mkdtempSync(join(tmpdir(), 'ads-redis-replica-'));
  const child = await startRedisServer(port, [
    '--replicaof',
    '127.0.0.1',
    String(primaryPort),
    '--dir',
    dir,
  ]);
  child.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const primary = new Redis(`redis://127.0.0.1:${primaryPort}`, { maxRetriesPerRequest: 1 });
  try {
    for (let waited = 0; ; waited += 50) {
      const info = await primary.info('replication');
      if (/^connected_slaves:[1-9]/m.test(info) && /state=online/.test(info)) return child;
      if (waited > 20_000) throw new Error(`replica on ${port} did not come online:\n${info}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    primary.disconnect();
  }
}

/** SIGKILL, as a crash would; resolves once the process is gone. */
export async function killRedisServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}
