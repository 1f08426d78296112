import type { RedisService } from '../common/redis/redis.service.js';
import type { AppConfig } from '../config/app-config.service.js';
import type { ApiKeyRepository } from './api-key.repository.js';
import { KeyDirectoryService } from './key-directory.service.js';
import { hashSecret } from './stored-keys.js';

type Row = Awaited<ReturnType<ApiKeyRepository['unrevoked']>>[number];

/** The table as the directory reads it, in memory; `failing` makes every query throw. */
class FakeKeyTable {
  rows: Row[] = [];
  everHeld = false;
  failing = false;
  loads = 0;
  used: string[][] = [];

  async unrevoked(): Promise<Row[]> {
    this.loads++;
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failing) throw new Error('connection refused');
    return this.rows.map((row) => ({ ...row }));
  }

  async anyKey(): Promise<boolean> {
    return this.everHeld;
  }

  async markUsed(ids: readonly string[]): Promise<void> {
    if (this.failing) throw new Error('connection refused');
    this.used.push([...ids]);
  }
}

const config = { runsApi: false, apiKeyRefreshSeconds: 5 } as unknown as AppConfig;
const noRedis = {
  enabled: false,
  key: (...parts: string[]) => parts.join(':'),
} as unknown as RedisService;

async function directoryOver(table: FakeKeyTable): Promise<KeyDirectoryService> {
  const service = new KeyDirectoryService(table as unknown as ApiKeyRepository, noRedis, config);
  await service.onModuleInit();
  return service;
}

const row = (id: string, secret: string, extra: Partial<Row> = {}): Row => ({
  id,
  hash: hashSecret(secret),
  scopes: 'read',
  expires_at: null,
  ...extra,
});

describe('KeyDirectoryService', () => {
  it('knows the keys at start-up and follows the table at each reload', async () => {
    const table = new FakeKeyTable();
    table.rows = [row('a', 'secret-a')];
    const directory = await directoryOver(table);
    expect(directory.lookup(hashSecret('secret-a'))?.id).toBe('a');
    expect(directory.holdsKeys).toBe(true);

    table.rows = [row('b', 'secret-b', { scopes: 'admin+read' })];
    table.everHeld = true;
    await directory.refresh();
    expect(directory.lookup(hashSecret('secret-a'))).toBeUndefined();
    expect([...directory.lookup(hashSecret('secret-b'))!.scopes]).toEqual(['admin', 'read']);
  });

  it('keeps authentication on when every stored key is revoked', async () => {
    const table = new FakeKeyTable();
    const directory = await directoryOver(table);
    expect(directory.holdsKeys).toBe(false);
    table.everHeld = true;
    await directory.refresh();
    expect(directory.holdsKeys).toBe(true);
  });

  it('keeps the keys it loaded last while the table does not answer', async () => {
    const table = new FakeKeyTable();
    table.rows = [row('a', 'secret-a')];
    const directory = await directoryOver(table);
    table.failing = true;
    table.rows = [];
    await directory.refresh();
    expect(directory.lookup(hashSecret('secret-a'))?.id).toBe('a');
    table.failing = false;
    await directory.refresh();
    expect(directory.lookup(hashSecret('secret-a'))).toBeUndefined();
  });

  it('applies a revocation made here at once, before the reload answers', async () => {
    const table = new FakeKeyTable();
    table.rows = [row('a', 'secret-a')];
    const directory = await directoryOver(table);
    table.failing = true; // the reload after the revocation fails: the key must be gone anyway
    await directory.changed('a');
    expect(directory.lookup(hashSecret('secret-a'))).toBeUndefined();
  });

  it('runs one reload at a time, and one more for the calls made during it', async () => {
    const table = new FakeKeyTable();
    const directory = await directoryOver(table);
    const before = table.loads;
    const first = directory.refresh();
    table.rows = [row('late', 'secret-late')];
    await Promise.all([first, directory.refresh(), directory.refresh(), directory.refresh()]);
    expect(table.loads - before).toBe(2);
    expect(directory.lookup(hashSecret('secret-late'))?.id).toBe('late');
  });

  it('writes last use once per reload, for every key used since', async () => {
    const table = new FakeKeyTable();
    table.rows = [row('a', 'secret-a'), row('b', 'secret-b')];
    const directory = await directoryOver(table);
    for (let use = 0; use < 100; use++) directory.lookup(hashSecret('secret-a'));
    directory.lookup(hashSecret('secret-b'));
    directory.lookup(hashSecret('wrong'));
    await directory.refresh();
    await directory.refresh();
    expect(table.used.map((ids) => ids.sort())).toEqual([['a', 'b']]);
  });

  it('refuses an expired key without a reload', async () => {
    const table = new FakeKeyTable();
    table.rows = [row('a', 'secret-a', { expires_at: new Date(Date.now() - 1) })];
    const directory = await directoryOver(table);
    expect(directory.lookup(hashSecret('secret-a'))).toBeUndefined();
  });
});
