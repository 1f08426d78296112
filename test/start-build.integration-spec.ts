import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(process.cwd(), 'scripts', 'build-if-stale.mjs');

/** `npm start`'s prestart step in a small project of its own: it compiles only when a source changed. */
describe('npm start builds only when sources changed (scripts/build-if-stale.mjs)', () => {
  let project: string;
  const run = () => {
    const result = spawnSync(process.execPath, [SCRIPT], { cwd: project, encoding: 'utf8' });
    expect(result.status).toBe(0);
    return result.stdout;
  };
  const built = () => statSync(join(project, 'dist', 'src', 'main.js')).mtimeMs;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'ai-debug-prestart-'));
    mkdirSync(join(project, 'src'));
    writeFileSync(join(project, 'src', 'main.ts'), 'export const answer: number = 42;\n');
    const tsc = join(process.cwd(), 'node_modules', 'typescript', 'bin', 'tsc');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'prestart-fixture', private: true, scripts: { build: `node ${tsc} -p tsconfig.build.json` } }));
    writeFileSync(
      join(project, 'tsconfig.build.json'),
      JSON.stringify({ compilerOptions: { outDir: 'dist', rootDir: '.', module: 'NodeNext', target: 'ES2022', types: [] }, include: ['src/**/*.ts'] }),
    );
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it('compiles when there is no build, not again when nothing changed, and again after a change', () => {
    expect(run()).toContain('no build yet: building');
    const first = built();
    expect(run()).toContain('build is up to date');
    expect(built()).toBe(first);
    const later = new Date(first + 5_000);
    utimesSync(join(project, 'src', 'main.ts'), later, later);
    expect(run()).toContain('sources changed (src): building');
    expect(built()).toBeGreaterThan(first);
  });
});
