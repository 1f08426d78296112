import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { embeddedEnv } from './support/services.js';

const ROOT = process.cwd();
const SCRATCH_SOURCES = join(ROOT, 'test', 'sdk-package');
const INGEST_KEY = 'pack-ingest-key';
const READ_KEY = 'pack-reader-key';

/** Runs a command without blocking this process's event loop (the service under test lives here). */
async function run(command: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await promisify(execFile)(command, args, { cwd, encoding: 'utf8', timeout: 240_000, maxBuffer: 16 << 20 })).stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
}

const rootVersion = (name: string): string =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * The SDK as a user gets it: `npm pack` of the workspace, the tarball installed into a new
 * project in a temp directory (with pino, winston, TypeScript and @types/node from the
 * registry, the npm cache first), compiled with strict TypeScript and run against the live
 * service; the events are read back through the API.
 */
describe('@ai-debug/sdk tarball in a scratch project', () => {
  let scratch: string;
  let running: RunningApp;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'ai-debug-sdk-pack-'));
    running = await startApp(embeddedEnv({ DEBUG_API_KEYS: `${INGEST_KEY}:ingest,${READ_KEY}:read` }));
  }, 120_000);
  afterAll(async () => {
    await running?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('packs only the build, installs, compiles strictly and delivers through the client, pino and winston', async () => {
    const packed = JSON.parse(
      await run('npm', ['pack', '--json', '--workspace', '@ai-debug/sdk', '--pack-destination', scratch], ROOT),
    ) as { filename: string; files: { path: string }[] }[];
    const files = packed[0].files.map((file) => file.path).sort();
    expect(files).toEqual(expect.arrayContaining(['README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/pino-transport.js', 'dist/winston-transport.js', 'dist/nest.js']));
    expect(files.filter((file) => file.startsWith('src/') || file.includes('.spec.'))).toEqual([]);

    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    for (const file of readdirSync(SCRATCH_SOURCES)) copyFileSync(join(SCRATCH_SOURCES, file), join(scratch, file));
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        join(scratch, packed[0].filename),
        `pino@${rootVersion('pino')}`,
        `winston@${rootVersion('winston')}`,
        `typescript@${rootVersion('typescript')}`,
        `@types/node@${rootVersion('@types/node')}`,
      ],
      scratch,
    );
    // Strict compile, with a @ts-expect-error that fails the build if the types were missing (any).
    await run(process.execPath, [join(scratch, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], scratch);

    const componentId = `scratch-${process.pid}`;
    const output = await run(process.execPath, [join(scratch, 'dist', 'app.js'), running.url, INGEST_KEY, componentId], scratch);
    const { correlationId, stats } = JSON.parse(output.trim().split('\n').pop()!) as {
      correlationId: string;
      stats: { events: { sent: number; dropped: number }; metrics: { sent: number } };
    };
    expect(stats.events.dropped).toBe(0);
    expect(stats.metrics.sent).toBe(1);
    const cjs = JSON.parse(await run(process.execPath, [join(scratch, 'dist', 'require.cjs'), running.url, INGEST_KEY, componentId], scratch)) as { sent: number };
    expect(cjs.sent).toBe(1);

    const response = await request(running.url)
      .get('/api/debug/events')
      .query({ component_id: componentId, order: 'asc', limit: 100 })
      .set('X-API-Key', READ_KEY)
      .expect(200);
    const events = response.body.items as { message: string; level: string; event_type: string; correlation_id: string | null; data: Record<string, unknown> | null }[];
    const byMessage = new Map(events.map((event) => [event.message, event]));

    expect(byMessage.get('scratch project started')?.level).toBe('info');
    const parseError = events.find((event) => event.event_type === 'error' && (event.data?.error as { name?: string })?.name === 'SyntaxError');
    expect(parseError?.level).toBe('error');

    const pinoLine = byMessage.get('pino line inside the operation');
    expect(pinoLine).toMatchObject({ level: 'info', correlation_id: correlationId, data: { order: 42 } });
    const winstonLine = byMessage.get('winston line inside the operation');
    expect(winstonLine).toMatchObject({ level: 'warning', correlation_id: correlationId, data: { order: 42 } });
    const pinoError = byMessage.get('pino error line');
    expect(pinoError).toMatchObject({ level: 'error', event_type: 'error', data: { error: { name: 'Error', message: 'pino error line' } } });
    expect(String((pinoError?.data?.error as { stack?: string }).stack)).toContain('app.js');
    expect(byMessage.get('sent from CommonJS')?.level).toBe('warning');
  }, 300_000);
});
