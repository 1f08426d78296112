import type { INestApplicationContext } from '@nestjs/common';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { getMetadataStorage } from 'class-validator';
import { parse } from 'yaml';
import { createWorkerContext } from '../src/bootstrap.js';
import { EnvironmentVariables, validateEnvironment } from '../src/config/environment.js';
import { embeddedEnv } from './support/services.js';

const ROOT = process.cwd();
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

/**
 * docker-compose.yml and the Dockerfile checked against the code, as far as this machine
 * allows (no `docker compose` here): the YAML parsed, every variable the services set is one
 * the configuration knows and accepts, no default keys, health checks for api and worker.
 */
describe('deployment files', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, ComposeService>;
    volumes: Record<string, unknown>;
  };
  const dockerfile = read('Dockerfile');
  /** Every variable the environment schema validates (its decorated properties). */
  const known = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
      .map((meta) => meta.propertyName),
  );

  it('runs postgres, redis, api and worker, the app services from the one image with healthy dependencies first', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'postgres', 'redis', 'worker']);
    for (const name of ['api', 'worker']) {
      const service = compose.services[name];
      expect(service).toMatchObject({ build: '.', image: 'ai-debug-system:latest' });
      expect(service.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      });
      expect(service.volumes).toEqual(['archive:/app/data/archive']);
    }
    expect(Object.keys(compose.volumes).sort()).toEqual(['archive', 'pgdata', 'redisdata']);
    // the API and console, OTLP/HTTP and OTLP/gRPC, published on the ports the service listens on
    const env = compose.services.api.environment!;
    const ports = [env.PORT, env.OTLP_HTTP_PORT, env.OTLP_GRPC_PORT];
    expect(ports.map(Number)).toEqual([3000, 4318, 4317]);
    expect(compose.services.api.ports).toEqual(ports.map((port) => `${port}:${port}`));
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${ports.join(' ')}$`, 'm'));
  });

  it('sets only variables the configuration knows, with values it accepts, and no default API keys', () => {
    for (const name of ['api', 'worker']) {
      const env = compose.services[name].environment!;
      expect(Object.keys(env).filter((key) => !known.has(key))).toEqual([]);
      expect(env.DEBUG_API_KEYS).toMatch(/^\$\{DEBUG_API_KEYS:\?[^}]+\}$/);
      // `${NAME:-default}` as compose resolves it when NAME is unset.
      const withDefaults = Object.fromEntries(
        Object.entries(env).map(([key, value]) => [
          key,
          String(value).replace(/^\$\{[A-Z_]+:-([^}]*)\}$/, '$1'),
        ]),
      );
      const resolved = { ...withDefaults, DEBUG_API_KEYS: 'compose-test-key:ingest+read+admin' };
      const config = validateEnvironment(resolved);
      expect(config.DEBUG_ARCHIVE_DIR).toBe('/app/data/archive');
      expect(config.DEBUG_DURABILITY).toBe('default');
    }
    // DEBUG_DURABILITY=fsync needs REDIS_APPENDFSYNC=always (or a replica): the same switch pair.
    expect(compose.services.api.environment!.DEBUG_DURABILITY).toBe('${DEBUG_DURABILITY:-default}');
    expect(compose.services.redis.command).toEqual(
      expect.arrayContaining(['--appendonly', 'yes', '${REDIS_APPENDFSYNC:-everysec}']),
    );
    const { DATABASE_URL, REDIS_URL } = compose.services.api.environment!;
    const pg = compose.services.postgres.environment!;
    expect(new URL(DATABASE_URL).pathname).toBe(`/${pg.POSTGRES_DB}`);
    expect(decodeURIComponent(new URL(DATABASE_URL).username)).toBe(pg.POSTGRES_USER);
    expect(new URL(REDIS_URL).host).toBe('redis:6379');
  });

  it('checks the health of the api over HTTP and of the worker through its heartbeat file', () => {
    const api = compose.services.api;
    expect(api.healthcheck!.test.join(' ')).toContain(
      `127.0.0.1:${api.environment!.PORT}/api/debug/health`,
    );
    const worker = compose.services.worker;
    expect(worker.healthcheck!.test.join(' ')).toContain(worker.environment!.DEBUG_HEARTBEAT_FILE);
    const maxAgeMs = Number(/< (\d+)/.exec(worker.healthcheck!.test.join(' '))![1]);
    expect(maxAgeMs).toBeGreaterThan(
      3 * Number(worker.environment!.DEBUG_HEARTBEAT_SECONDS) * 1000,
    );
  });

  it('builds on Node 22 and gives node the archive directory', () => {
    expect(dockerfile.match(/^FROM node:(\d+)/gm)).toEqual(['FROM node:22', 'FROM node:22']);
    expect(dockerfile).toMatch(/mkdir -p \/app\/data\/archive && chown -R node:node \/app\/data/);
    expect(dockerfile).toMatch(/^USER node$/m);
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) =>
      match[1].split(' '),
    );
    for (const path of copied) expect(() => statSync(join(ROOT, path))).not.toThrow();
  });
});

describe('worker heartbeat (DEBUG_HEARTBEAT_FILE)', () => {
  let dir: string;
  let worker: INestApplicationContext | undefined;

  afterAll(async () => {
    await worker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the file at start and rewrites it while the stores answer', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ai-debug-heartbeat-'));
    const file = join(dir, 'heartbeat');
    worker = await createWorkerContext(
      embeddedEnv({
        DEBUG_ROLE: 'worker',
        DEBUG_HEARTBEAT_FILE: file,
        DEBUG_HEARTBEAT_SECONDS: '1',
      }),
    );
    const first = readFileSync(file, 'utf8').trim();
    expect(Date.now() - Date.parse(first)).toBeLessThan(10_000);
    let next = first;
    for (let waited = 0; next === first && waited < 10_000; waited += 100) {
      await sleep(100);
      next = readFileSync(file, 'utf8').trim();
    }
    expect(Date.parse(next)).toBeGreaterThan(Date.parse(first));
  });
});
