import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleDirectory, isConsolePath } from './console-assets.js';

describe('console assets', () => {
  it('leaves the API, MCP, Socket.IO and OTLP paths to their owners', () => {
    for (const path of ['/api', '/api/debug/events', '/mcp', '/socket.io/', '/v1/traces'])
      expect(isConsolePath(path)).toBe(false);
    for (const path of ['/', '/insights/0194', '/events', '/apis', '/v1x', '/mcpx'])
      expect(isConsolePath(path)).toBe(true);
  });

  it('finds the built console beside the compiled server or from the sources, never the sources’ index.html', () => {
    const root = mkdtempSync(join(tmpdir(), 'ads-console-'));
    mkdirSync(join(root, 'src/console'), { recursive: true });
    mkdirSync(join(root, 'web'), { recursive: true });
    writeFileSync(join(root, 'web/index.html'), 'sources');
    expect(consoleDirectory(join(root, 'src/console'))).toBeNull();
    mkdirSync(join(root, 'dist/web/assets'), { recursive: true });
    writeFileSync(join(root, 'dist/web/index.html'), 'built');
    expect(consoleDirectory(join(root, 'src/console'))).toBe(join(root, 'dist/web'));
    expect(consoleDirectory(join(root, 'dist/src/console'))).toBe(join(root, 'dist/web'));
  });
});
