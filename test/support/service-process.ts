import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** The service as it is deployed: `node dist/src/main.js` in its own process, with a role. */
export const ROOT = join(import.meta.dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'src', 'main.js');

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  output: string[];
  exited: Promise<unknown>;
}

/** Compiles the service as `npm start` does. tsc emits even when another part of the tree has a type error; only a missing entry point fails. */
export function buildService(): void {
  spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'ignore',
      timeout: 300_000,
    },
  );
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: the build failed`);
}

export async function startProcess(
  env: Record<string, string>,
  role: 'api' | 'worker' | 'all',
): Promise<ServiceProcess> {
  const port = role === 'worker' ? 0 : await freePort();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      DEBUG_ROLE: role,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'debug',
      DEBUG_LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const service: ServiceProcess = {
    child,
    url: `http://127.0.0.1:${port}`,
    output,
    exited: once(child, 'exit'),
  };
  // the HTTP server's own line: a warning before it ("no API keys: listening on 127.0.0.1 only")
  // and the OTLP receiver's line ("receiver listening on http://…") come before it listens
  const ready = role === 'worker' ? /worker started/ : /listening on http:\/\/\S+ \(role /;
  for (let waited = 0; !ready.test(output.join('')); waited += 100) {
    if (child.exitCode !== null)
      throw new Error(`${role} exited during start-up:\n${output.join('')}`);
    if (waited > 90_000) throw new Error(`${role} did not start:\n${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return service;
}

export async function stopProcess(service: ServiceProcess | undefined): Promise<void> {
  if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 20_000);
  await service.exited;
  clearTimeout(timer);
}

export function isRunning(service: ServiceProcess): boolean {
  return service.child.exitCode === null && service.child.signalCode === null;
}

export async function waitFor(
  check: () => Promise<boolean>,
  timeoutMs: number,
  pollMs = 250,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return check();
}
