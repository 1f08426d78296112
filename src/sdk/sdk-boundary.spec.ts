import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SDK_DIR = join(process.cwd(), 'src/sdk');
/** The only file that may load NestJS at run time (reached through `ai-debug-system/sdk/nest`). */
const NEST_ADAPTER = 'debug-logger.service.ts';

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

  it.each(files)('%s loads only node built-ins, uuid and its own files', (file) => {
    const allowed = (specifier: string) =>
      specifier.startsWith('node:') ||
      specifier === 'uuid' ||
      (specifier.startsWith('./') && specifier.endsWith('.js')) ||
      (file === NEST_ADAPTER && specifier === '@nestjs/common');
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
    expect([...reachable].sort()).toEqual(
      ['correlation-middleware.ts', 'correlation.ts', 'debug-client.ts', 'event-ids.ts', 'http-sender.ts', 'index.ts', 'payload-limits.ts', 'retry-policy.ts'].sort(),
    );
  });
});
