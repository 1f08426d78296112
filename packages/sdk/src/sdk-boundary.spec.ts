import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const PACKAGE_DIR = join(process.cwd(), 'packages/sdk');
const SDK_DIR = join(PACKAGE_DIR, 'src');
/** The only file that may load NestJS at run time (reached through `@ai-debug/sdk/nest`). */
const NEST_ADAPTER = 'debug-logger.service.ts';
/** Optional peers, each loaded only by its own entry point. */
const PEERS: Record<string, string> = { [NEST_ADAPTER]: '@nestjs/common', 'winston-transport.ts': 'winston-transport' };

function runtimeImports(file: string): string[] {
  const source = readFileSync(join(SDK_DIR, file), 'utf8');
  const specifiers: string[] = [];
  for (const match of source.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) {
    if (!match[2]) specifiers.push(match[3]);
  }
  return specifiers;
}

describe('SDK boundary: other services can import it without the server', () => {
  const files = readdirSync(SDK_DIR).filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'));

  it.each(files)('%s loads only node built-ins and its own files (an adapter: its optional peer)', (file) => {
    const allowed = (specifier: string) =>
      specifier.startsWith('node:') || (specifier.startsWith('./') && specifier.endsWith('.js')) || PEERS[file] === specifier;
    expect(runtimeImports(file).filter((specifier) => !allowed(specifier))).toEqual([]);
  });

  it('keeps NestJS out of the core entry point', () => {
    const reachable = new Set<string>();
    const visit = (file: string) => {
      if (reachable.has(file)) return;
      reachable.add(file);
      for (const specifier of runtimeImports(file)) {
        if (specifier.startsWith('./')) visit(specifier.slice(2).replace(/\.js$/, '.ts'));
      }
    };
    visit('index.ts');
    expect(reachable.has(NEST_ADAPTER)).toBe(false);
    expect(reachable.has('winston-transport.ts')).toBe(false);
    expect([...reachable].sort()).toEqual(
      ['correlation-middleware.ts', 'correlation.ts', 'debug-client.ts', 'event-ids.ts', 'http-sender.ts', 'index.ts', 'payload-limits.ts', 'retry-policy.ts'].sort(),
    );
  });
});

describe('SDK package manifest', () => {
  const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
    exports: Record<string, string | { types: string; default: string }>;
  };

  it('has no dependencies, only optional peers for the adapters', () => {
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(Object.values(PEERS).sort());
    for (const peer of Object.values(PEERS)) expect(manifest.peerDependenciesMeta[peer]?.optional).toBe(true);
  });

  it('exports, for each entry point, the build of a source file with its types', () => {
    for (const [entry, target] of Object.entries(manifest.exports)) {
      if (entry === './package.json') continue;
      if (typeof target === 'string') throw new Error(`${entry} has no types`);
      const source = target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts');
      expect(target.types).toBe(target.default.replace(/\.js$/, '.d.ts'));
      expect(readdirSync(SDK_DIR)).toContain(source);
    }
  });
});
