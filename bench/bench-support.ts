import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';

export const ADMIN_URL =
  process.env.BENCH_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.js');
/** The Node flags of `npm start` and the Dockerfile: the service runs as a user runs it. */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=64'];

export function log(line: string): void {
  process.stdout.write(`[${new Date().toISOString().slice(11, 23)}] ${line}\n`);
}

/** `--name N` from the command line, or the fallback. */
export function numberOption(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

/** The `fraction` quantile (0.95 = p95) of unsorted values. */
export function quantile(values: readonly number[], fraction: number): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    fraction * 100,
  );
}

export function suffix(): string {
  return randomBytes(4).toString('hex');
}

export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createDatabase(name: string): Promise<string> {
  await adminQuery(`CREATE DATABASE ${name}`);
  return databaseUrl(name);
}

export async function dropDatabase(name: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

export async function deleteRedisPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) deleted += await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
  return deleted;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Starts `node dist/src/main.js` as a user would, and waits until it answers. */
export async function startService(
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<ServiceProcess> {
  const port = env.DEBUG_ROLE === 'worker' ? 0 : await freePort();
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, ...nodeArgs, MAIN], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DEBUG_API_KEYS: '',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
  };
  if (env.DEBUG_ROLE === 'worker') return { child, url, stop };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`service exited with ${child.exitCode} during start-up`);
    try {
      const response = await fetch(`${url}/api/debug/health/live`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('service did not start within 60 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, url, stop };
}

export const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** POSTs a body with a keep-alive agent; resolves with the status and the answer text. */
export function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent: keepAliveAgent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

export function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: keepAliveAgent, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function fmt(value: number, digits = 1): string {
  return value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

/** Reads one Prometheus sample (first line that starts with `name`). */
export function sample(text: string, name: string): number {
  const line = text
    .split('\n')
    .find((candidate) => candidate.startsWith(name + ' ') || candidate.startsWith(name + '{'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

/** CPU seconds used so far, by process group: this service, PostgreSQL, Redis, and the whole machine. */
export interface CpuSnapshot {
  service: number;
  /** Every PostgreSQL process on the machine (other sessions too). */
  postgres: number;
  /** The backends of this measurement's database only, when known. */
  postgresOwn?: number;
  redis: number;
  machineBusy: number;
  machineTotal: number;
}

function processCpu(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Linux only (reads /proc); zeros elsewhere. */
export function cpuSnapshot(servicePids: readonly number[]): CpuSnapshot {
  const snapshot: CpuSnapshot = {
    service: 0,
    postgres: 0,
    redis: 0,
    machineBusy: 0,
    machineTotal: 0,
  };
  if (!existsSync('/proc/stat')) return snapshot;
  for (const pid of servicePids) snapshot.service += processCpu(pid);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let comm: string;
    try {
      comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm === 'postgres') snapshot.postgres += processCpu(Number(entry));
    else if (comm.startsWith('redis-server')) snapshot.redis += processCpu(Number(entry));
  }
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .map(Number);
  snapshot.machineTotal = ticks.reduce((sum, value) => sum + value, 0) / 100;
  snapshot.machineBusy = snapshot.machineTotal - (ticks[3] + ticks[4]) / 100;
  return snapshot;
}

export function cpuSince(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  return {
    service: after.service - before.service,
    postgres: after.postgres - before.postgres,
    redis: after.redis - before.redis,
    machineBusy: after.machineBusy - before.machineBusy,
    machineTotal: after.machineTotal - before.machineTotal,
  };
}

/** "service 12.3 µs, PostgreSQL 20.1 µs, Redis 4.0 µs per event; machine busy 97% (others' load included)" */
export function describeCpu(cpu: CpuSnapshot, events: number): string {
  const perEvent = (seconds: number) => `${fmt((seconds / events) * 1e6, 1)} µs`;
  const busy =
    cpu.machineTotal > 0 ? `${Math.round((100 * cpu.machineBusy) / cpu.machineTotal)}%` : '?';
  // The sum over every postgres process is skewed by other sessions' backends starting and ending.
  const own =
    cpu.postgresOwn !== undefined
      ? `PostgreSQL (own backends) ${perEvent(cpu.postgresOwn)}`
      : `PostgreSQL (all) ${perEvent(cpu.postgres)}`;
  return `service ${perEvent(cpu.service)}, ${own}, Redis ${perEvent(cpu.redis)} CPU per event; machine busy ${busy}`;
}

/** CPU seconds of every PostgreSQL process, by pid. */
export function postgresCpuByPid(): Map<number, number> {
  const cpu = new Map<number, number>();
  if (!existsSync('/proc/stat')) return cpu;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres')
        cpu.set(Number(entry), processCpu(Number(entry)));
    } catch {
      // gone
    }
  }
  return cpu;
}

/** The backends connected to one database (other sessions on this shared server excluded). */
export async function backendPids(database: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    return rows.map((row: { pid: number }) => row.pid);
  } finally {
    await client.end();
  }
}

/** CPU seconds the given backends used since `before` (a backend born since counts whole). */
export function backendCpuSince(before: Map<number, number>, pids: readonly number[]): number {
  const now = postgresCpuByPid();
  return pids.reduce(
    (sum, pid) => sum + Math.max(0, (now.get(pid) ?? 0) - (before.get(pid) ?? 0)),
    0,
  );
}
