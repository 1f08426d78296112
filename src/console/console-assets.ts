import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Paths the console never answers: the API, MCP, Socket.IO and the OTLP intake stay theirs (404 in their own envelope). */
export const RESERVED_PREFIXES = ['/api', '/mcp', '/socket.io', '/v1'] as const;

/**
 * Where `npm run build:web` put the built console: `dist/web` beside the compiled server
 * (`dist/src/console/` → `dist/web`), or seen from the sources when tests run them
 * (`src/console/` → `dist/web`). Null when the console has not been built.
 */
export function consoleDirectory(from = dirname(fileURLToPath(import.meta.url))): string | null {
  // A build has assets/: from src/console, ../../web is the console's *sources* (web/index.html, no assets).
  const candidates = [resolve(from, '../../dist/web'), resolve(from, '../../web')];
  return (
    candidates.find(
      (directory) =>
        existsSync(join(directory, 'index.html')) && existsSync(join(directory, 'assets')),
    ) ?? null
  );
}

/** Whether a request path belongs to the console (and may fall back to index.html). */
export function isConsolePath(path: string): boolean {
  return !RESERVED_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}
