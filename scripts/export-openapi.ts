// `npm run openapi:export [-- <file>]`: writes the service's OpenAPI document (default
// openapi/openapi.json, where `npm run openapi:lint` reads it). Builds the application in
// embedded mode on a throwaway SQLite file; serves nothing.
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/bootstrap.js';
import { buildOpenApiDocument } from '../src/common/http/openapi-document.js';

async function main(): Promise<void> {
  const target = process.argv[2] ?? join('openapi', 'openapi.json');
  const scratch = mkdtempSync(join(tmpdir(), 'ai-debug-openapi-'));
  const app = await createApp({
    DEBUG_REDIS_ENABLED: 'false',
    DEBUG_SQLITE_PATH: join(scratch, 'debug.sqlite'),
    DEBUG_ARCHIVE_DIR: join(scratch, 'archive'),
    DEBUG_INSIGHT_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'error',
  });
  try {
    await app.init();
    writeFileSync(target, JSON.stringify(buildOpenApiDocument(app), null, 2) + '\n');
    console.log(`wrote ${target}`);
  } finally {
    await app.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
