import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { wireEvent } from './factories/events.js';
import { startApp, type RunningApp } from './support/app.js';
import { StreamClient, until } from './support/streaming-clients.js';
import {
  describeWithPostgresAndRedis,
  embeddedEnv,
  freshRedisPrefix,
  fullModeEnv,
} from './support/services.js';

const BOOTSTRAP_ADMIN = 'bootstrap-admin-key-1';
const ADMIN = { 'X-API-Key': BOOTSTRAP_ADMIN };
/** DEBUG_API_KEY_REFRESH_SECONDS of the instances that follow changes by reloading. */
const REFRESH_SECONDS = 1;

interface CreatedKey {
  id: string;
  name: string;
  scopes: string[];
  prefix: string;
  status: string;
  secret: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns true; the milliseconds it took, or null if `withinMs` passed
 * first. The bound is the one docs/security.md promises, with room for a loaded machine.
 */
async function msUntil(probe: () => Promise<boolean>, withinMs: number): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if (await probe()) return Date.now() - started;
    await sleep(50);
  }
  return null;
}

async function statusOf(url: string, secret: string, path = '/api/debug/events'): Promise<number> {
  return (await request(url).get(path).set('X-API-Key', secret)).status;
}

async function createKey(
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = ADMIN,
): Promise<CreatedKey> {
  const response = await request(url)
    .post('/api/debug/admin/keys')
    .set(headers)
    .send(body)
    .expect(201);
  return response.body as CreatedKey;
}

describeWithPostgresAndRedis(
  'API keys managed at runtime (PostgreSQL + Redis, three instances on one database)',
  () => {
    /** Where keys are managed; reloads every REFRESH_SECONDS. */
    let a: RunningApp;
    /** Same database, its own Redis prefix: it hears no announcements and follows by reloading. */
    let reloading: RunningApp;
    /** Same database and Redis prefix as `a`, reloading only every 60 s: it follows by the announcement. */
    let announced: RunningApp;

    beforeAll(async () => {
      const env = await fullModeEnv({
        DEBUG_API_KEYS: `${BOOTSTRAP_ADMIN}:admin,bootstrap-reader-1:read`,
        DEBUG_API_KEY_REFRESH_SECONDS: String(REFRESH_SECONDS),
        DEBUG_PROTECT_DOCS: 'on',
        DEBUG_PROTECT_METRICS: 'admin',
        // The polls below present keys an instance does not know yet: they are not a guesser.
        DEBUG_AUTH_FAILURES_PER_MINUTE: '100000',
      });
      a = await startApp(env);
      reloading = await startApp({
        ...env,
        DEBUG_ROLE: 'api',
        DEBUG_REDIS_PREFIX: freshRedisPrefix(),
      });
      announced = await startApp({
        ...env,
        DEBUG_ROLE: 'api',
        DEBUG_API_KEY_REFRESH_SECONDS: '60',
      });
    });
    afterAll(async () => {
      await announced?.close();
      await reloading?.close();
      await a?.close();
    });

    it('needs the admin scope', async () => {
      await request(a.url).get('/api/debug/admin/keys').expect(401);
      const forbidden = await request(a.url)
        .get('/api/debug/admin/keys')
        .set('X-API-Key', 'bootstrap-reader-1')
        .expect(403);
      expect(forbidden.body.message).toContain('"admin" scope');
    });

    it('creates a key, shows its secret once, and enforces its scopes on every instance', async () => {
      const key = await createKey(a.url, { name: 'checkout ingest', scopes: ['ingest'] });
      expect(key).toMatchObject({
        name: 'checkout ingest',
        scopes: ['ingest'],
        status: 'active',
        expires_at: null,
        revoked_at: null,
        last_used_at: null,
      });
      expect(key.secret).toMatch(/^adk_[0-9a-f]{64}$/);
      expect(key.prefix).toBe(key.secret.slice(0, 12));
      expect(Object.keys(key)).not.toContain('key_hash');

      // In force here at once: it may ingest, not read.
      await request(a.url)
        .post('/api/debug/events')
        .set('X-API-Key', key.secret)
        .send(wireEvent({ message: 'sent with a stored key' }))
        .expect(202);
      const forbidden = await request(a.url)
        .get('/api/debug/events')
        .set('Authorization', `Bearer ${key.secret}`)
        .expect(403);
      expect(forbidden.body.message).toContain('"read" scope');

      // The other instances know it within the bound.
      for (const other of [reloading, announced]) {
        const took = await msUntil(
          async () => (await statusOf(other.url, key.secret)) === 403,
          REFRESH_SECONDS * 1000 + 4000,
        );
        expect(took).not.toBeNull();
      }
    });

    it('lists and gets keys without their secrets or hashes, a page at a time', async () => {
      const made = [
        await createKey(a.url, { name: 'list one', scopes: ['read'] }),
        await createKey(a.url, { name: 'list two', scopes: ['read', 'ingest'] }),
      ];
      const all = await request(a.url).get('/api/debug/admin/keys').set(ADMIN).expect(200);
      expect(all.body.next_cursor).toBeNull();
      const text = JSON.stringify(all.body);
      for (const key of made) {
        expect(text).not.toContain(key.secret);
        expect(text).not.toContain(key.secret.slice(12));
      }
      const names = (all.body.items as CreatedKey[]).map((key) => key.name);
      expect(names).toEqual(expect.arrayContaining(['checkout ingest', 'list one', 'list two']));
      expect(all.body.items.every((key: object) => !('secret' in key))).toBe(true);
      expect((all.body.items as CreatedKey[]).find((key) => key.id === made[1].id)?.scopes).toEqual(
        ['ingest', 'read'],
      );

      const first = await request(a.url)
        .get('/api/debug/admin/keys?limit=2')
        .set(ADMIN)
        .expect(200);
      expect(first.body.items).toHaveLength(2);
      expect(first.body.next_cursor).toBe(first.body.items[1].id);
      const second = await request(a.url)
        .get(`/api/debug/admin/keys?limit=2&cursor=${first.body.next_cursor}`)
        .set(ADMIN)
        .expect(200);
      const paged = [...first.body.items, ...second.body.items].map((key: CreatedKey) => key.id);
      expect(paged).toEqual(
        (all.body.items as CreatedKey[]).slice(0, paged.length).map((k) => k.id),
      );
      expect(new Set(paged).size).toBe(paged.length);

      const one = await request(a.url)
        .get(`/api/debug/admin/keys/${made[0].id}`)
        .set(ADMIN)
        .expect(200);
      expect(one.body).toMatchObject({ id: made[0].id, name: 'list one', status: 'active' });
      expect(JSON.stringify(one.body)).not.toContain(made[0].secret);
      await request(a.url).get(`/api/debug/admin/keys/${randomUUID()}`).set(ADMIN).expect(404);
    });

    it('answers 400 naming the field for bad input', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ scopes: ['read'] }, 'name'],
        [{ name: 'x' }, 'scopes'],
        [{ name: 'x', scopes: [] }, 'scopes'],
        [{ name: 'x', scopes: ['write'] }, 'scopes'],
        [{ name: 'x', scopes: ['read', 'read'] }, 'scopes'],
        [{ name: '', scopes: ['read'] }, 'name'],
        [{ name: 'x'.repeat(201), scopes: ['read'] }, 'name'],
        [{ name: 'x', scopes: ['read'], expires_at: 'tomorrow' }, 'expires_at'],
        [{ name: 'x', scopes: ['read'], expires_at: '2020-01-01T00:00:00Z' }, 'expires_at'],
        [{ name: 'x', scopes: ['read'], secret: 'my-own-secret' }, 'secret'],
      ];
      for (const [body, field] of cases) {
        const response = await request(a.url).post('/api/debug/admin/keys').set(ADMIN).send(body);
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        expect(JSON.stringify(response.body)).toContain(field);
      }
      const badId = await request(a.url).get('/api/debug/admin/keys/not-a-uuid').set(ADMIN);
      expect(badId.status).toBe(400);
      expect(JSON.stringify(badId.body)).toContain('id');
      const badCursor = await request(a.url).get('/api/debug/admin/keys?cursor=zzz').set(ADMIN);
      expect(badCursor.status).toBe(400);
      expect(badCursor.body.message).toEqual(expect.stringContaining('cursor'));
    });

    it('refuses a revoked key here at once, by announcement at once, and by reloading within the refresh interval', async () => {
      const key = await createKey(a.url, { name: 'to revoke', scopes: ['read'] });
      for (const instance of [a, reloading, announced]) {
        const took = await msUntil(
          async () => (await statusOf(instance.url, key.secret)) === 200,
          REFRESH_SECONDS * 1000 + 4000,
        );
        expect(took).not.toBeNull();
      }

      const revoked = await request(a.url)
        .put(`/api/debug/admin/keys/${key.id}/revoke`)
        .set(ADMIN)
        .expect(200);
      expect(revoked.body).toMatchObject({ id: key.id, status: 'revoked' });
      expect(Date.parse(revoked.body.revoked_at)).toBeLessThanOrEqual(Date.now());
      expect(await statusOf(a.url, key.secret)).toBe(401);

      // `announced` reloads only every 60 s: only the announcement over Redis explains a refusal now.
      const byAnnouncement = await msUntil(
        async () => (await statusOf(announced.url, key.secret)) === 401,
        3000,
      );
      expect(byAnnouncement).not.toBeNull();
      // `reloading` hears nothing: it follows within one refresh interval (plus a loaded machine's slack).
      const byReload = await msUntil(
        async () => (await statusOf(reloading.url, key.secret)) === 401,
        REFRESH_SECONDS * 1000 + 3000,
      );
      expect(byReload).not.toBeNull();

      // Idempotent; a revoked key stays listed as revoked and cannot be changed.
      const again = await request(a.url)
        .put(`/api/debug/admin/keys/${key.id}/revoke`)
        .set(ADMIN)
        .expect(200);
      expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
      await request(a.url)
        .patch(`/api/debug/admin/keys/${key.id}`)
        .set(ADMIN)
        .send({ scopes: ['admin'] })
        .expect(409);
      await request(a.url)
        .put(`/api/debug/admin/keys/${randomUUID()}/revoke`)
        .set(ADMIN)
        .expect(404);
    });

    it('closes open stream connections whose key is revoked, on this and the other instances', async () => {
      const key = await createKey(a.url, { name: 'streamer', scopes: ['read'] });
      await msUntil(async () => (await statusOf(announced.url, key.secret)) === 200, 4000);
      const here = new StreamClient(a.url, { apiKey: key.secret });
      const there = new StreamClient(announced.url, { apiKey: key.secret });
      const other = new StreamClient(a.url, { apiKey: 'bootstrap-reader-1' });
      try {
        for (const client of [here, there, other])
          await client.subscribeOk({ channels: ['debug:event'] });
        await request(a.url).put(`/api/debug/admin/keys/${key.id}/revoke`).set(ADMIN).expect(200);
        await until(
          () => here.disconnectReason !== null && there.disconnectReason !== null,
          'both connections of the revoked key closed',
          50,
        );
        for (const client of [here, there]) {
          expect(client.errors).toContainEqual(expect.objectContaining({ code: 'unauthorized' }));
        }
        // A connection of another key stays open.
        expect(other.socket.connected).toBe(true);
        expect(other.disconnectReason).toBeNull();
      } finally {
        for (const client of [here, there, other]) client.close();
      }
    });

    it('refuses a key from its expiry on, on every instance, without a reload', async () => {
      const expiresAt = new Date(Date.now() + 2500);
      const key = await createKey(a.url, {
        name: 'short-lived',
        scopes: ['read'],
        expires_at: expiresAt.toISOString(),
      });
      expect(key.expires_at).toBe(expiresAt.toISOString());
      for (const instance of [a, reloading]) {
        const known = await msUntil(
          async () => (await statusOf(instance.url, key.secret)) === 200,
          2000,
        );
        expect(known).not.toBeNull();
      }
      await sleep(Math.max(0, expiresAt.getTime() - Date.now()) + 20);
      expect(await statusOf(a.url, key.secret)).toBe(401);
      expect(await statusOf(reloading.url, key.secret)).toBe(401);
      const shown = await request(a.url).get(`/api/debug/admin/keys/${key.id}`).set(ADMIN);
      expect(shown.body.status).toBe('expired');
    });

    it('changes scopes and expiry of a key, and notes its last use', async () => {
      const key = await createKey(a.url, { name: 'grows', scopes: ['ingest'] });
      expect(await statusOf(a.url, key.secret)).toBe(403);
      const changed = await request(a.url)
        .patch(`/api/debug/admin/keys/${key.id}`)
        .set(ADMIN)
        .send({ name: 'grown', scopes: ['ingest', 'read'], expires_at: '2099-01-01T00:00:00Z' })
        .expect(200);
      expect(changed.body).toMatchObject({
        name: 'grown',
        scopes: ['ingest', 'read'],
        expires_at: '2099-01-01T00:00:00.000Z',
      });
      expect(await statusOf(a.url, key.secret)).toBe(200);
      const used = await msUntil(
        async () => {
          const shown = await request(a.url).get(`/api/debug/admin/keys/${key.id}`).set(ADMIN);
          return shown.body.last_used_at !== null;
        },
        REFRESH_SECONDS * 1000 + 4000,
      );
      expect(used).not.toBeNull();
      await request(a.url)
        .patch(`/api/debug/admin/keys/${key.id}`)
        .set(ADMIN)
        .send({ expires_at: null })
        .expect(200)
        .expect((response) => expect(response.body.expires_at).toBeNull());
    });

    it('puts Swagger UI, its JSON and the Prometheus scrape behind a key when configured', async () => {
      const reader = await createKey(a.url, { name: 'docs reader', scopes: ['read'] });
      const json = await request(a.url).get('/api/docs-json').expect(401);
      expect(json.headers['www-authenticate']).toMatch(/^Basic /);
      await request(a.url).get('/api/docs').expect(401);
      await request(a.url).get('/API/DOCS-JSON').expect(401);
      const document = await request(a.url)
        .get('/api/docs-json')
        .set('X-API-Key', reader.secret)
        .expect(200);
      expect(Object.keys(document.body.paths)).toContain('/api/debug/admin/keys');
      // The scrape alias is documented as keyed while DEBUG_PROTECT_METRICS is on.
      expect(document.body.paths['/api/debug/metrics'].get.responses['401']).toBeDefined();
      const basic = `Basic ${Buffer.from(`anyone:${reader.secret}`).toString('base64')}`;
      const page = await request(a.url).get('/api/docs/').set('Authorization', basic).expect(200);
      expect(page.text).toContain('swagger');
      await request(a.url)
        .get('/api/docs-json')
        .set('Authorization', `Basic ${Buffer.from('anyone:wrong').toString('base64')}`)
        .expect(401);

      for (const path of ['/metrics', '/api/debug/metrics', '/metrics/']) {
        await request(a.url).get(path).expect(401);
        const forbidden = await request(a.url).get(path).set('X-API-Key', reader.secret);
        expect(forbidden.status).toBe(403);
        expect(forbidden.body.message).toContain('"admin" scope');
        const scraped = await request(a.url).get(path).set(ADMIN).expect(200);
        expect(scraped.text).toContain('# HELP');
      }
      // Metric ingestion at POST /api/debug/metrics is not the scrape: the ingest scope still does.
      const ingest = await createKey(a.url, { name: 'metrics ingest', scopes: ['ingest'] });
      await request(a.url)
        .post('/api/debug/metrics')
        .set('X-API-Key', ingest.secret)
        .send({ name: 'queue.depth', value: 3, component_type: 'worker', component_id: 'w-1' })
        .expect(201);
      // Public health stays public.
      await request(a.url).get('/api/debug/health/live').expect(200);
    });
  },
);

async function connectMcp(url: string, key: string): Promise<Client> {
  const client = new Client({ name: 'api-keys-e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', url), {
      requestInit: { headers: { 'X-API-Key': key } },
    }),
  );
  return client;
}

function textOf(result: CallToolResult): string {
  return (result.content as { type: 'text'; text: string }[]).map((part) => part.text).join('\n');
}

function dataOf<T>(result: CallToolResult): T {
  expect(result.isError).toBeFalsy();
  const [, json] = result.content as { type: 'text'; text: string }[];
  return JSON.parse(json.text) as T;
}

describe('API keys without DEBUG_API_KEYS (embedded mode, SQLite)', () => {
  let running: RunningApp;
  /** The admin key the first test leaves usable. */
  let operator: Record<string, string>;

  beforeAll(async () => {
    running = await startApp(embeddedEnv({ DEBUG_API_KEYS: '' }));
  });
  afterAll(async () => running?.close());

  it('turns authentication on with the first key, which must carry admin, and keeps one admin key', async () => {
    await request(running.url).get('/api/debug/events').expect(200);
    const refused = await request(running.url)
      .post('/api/debug/admin/keys')
      .send({ name: 'first', scopes: ['read'] })
      .expect(400);
    expect(refused.body.message).toMatch(/^scopes of the first key must include "admin"/);
    await request(running.url).get('/api/debug/events').expect(200);

    const first = await createKey(running.url, { name: 'operator', scopes: ['admin'] }, {});
    await request(running.url).get('/api/debug/events').expect(401);
    await request(running.url).get('/api/debug/events').set('X-API-Key', first.secret).expect(200);
    const config = await request(running.url)
      .get('/api/debug/admin/config')
      .set('X-API-Key', first.secret)
      .expect(200);
    expect(config.body).toMatchObject({ auth_enabled: true, api_keys: 0 });

    // The last admin key can neither be revoked nor lose admin.
    const admin = { 'X-API-Key': first.secret };
    const last = await request(running.url)
      .put(`/api/debug/admin/keys/${first.id}/revoke`)
      .set(admin)
      .expect(409);
    expect(last.body.message).toContain('last usable admin key');
    await request(running.url)
      .patch(`/api/debug/admin/keys/${first.id}`)
      .set(admin)
      .send({ scopes: ['read'] })
      .expect(409);

    const second = await createKey(running.url, { name: 'operator 2', scopes: ['admin'] }, admin);
    await request(running.url)
      .put(`/api/debug/admin/keys/${first.id}/revoke`)
      .set(admin)
      .expect(200);
    await request(running.url).get('/api/debug/events').set(admin).expect(401);
    await request(running.url).get('/api/debug/events').set('X-API-Key', second.secret).expect(200);
    operator = { 'X-API-Key': second.secret };
  });

  it('manages keys over MCP with the admin scope, and refuses without it', async () => {
    const admin = await createKey(running.url, { name: 'mcp admin', scopes: ['admin'] }, operator);
    const agent = await connectMcp(running.url, admin.secret);
    try {
      const created = dataOf<CreatedKey>(
        (await agent.callTool({
          name: 'create_api_key',
          arguments: { name: 'agent-made', scopes: ['read'] },
        })) as CallToolResult,
      );
      expect(created.secret).toMatch(/^adk_/);
      await request(running.url)
        .get('/api/debug/events')
        .set('X-API-Key', created.secret)
        .expect(200);

      const listed = dataOf<{ items: CreatedKey[] }>(
        (await agent.callTool({ name: 'api_keys', arguments: {} })) as CallToolResult,
      );
      expect(listed.items.map((key) => key.name)).toContain('agent-made');
      expect(JSON.stringify(listed)).not.toContain(created.secret);

      const bad = (await agent.callTool({
        name: 'create_api_key',
        arguments: { name: 'x', scopes: ['read'], expires_at: '2001-01-01T00:00:00Z' },
      })) as CallToolResult;
      expect(bad.isError).toBe(true);
      expect(textOf(bad)).toContain('expires_at must lie in the future');

      const reader = await connectMcp(running.url, created.secret);
      try {
        for (const [name, args] of [
          ['api_keys', {}],
          ['create_api_key', { name: 'y', scopes: ['admin'] }],
          ['revoke_api_key', { id: admin.id }],
        ] as const) {
          const refused = (await reader.callTool({ name, arguments: args })) as CallToolResult;
          expect(refused.isError).toBe(true);
          expect(textOf(refused)).toContain('"admin" scope');
        }
      } finally {
        await reader.close();
      }

      const revoked = dataOf<CreatedKey>(
        (await agent.callTool({
          name: 'revoke_api_key',
          arguments: { id: created.id },
        })) as CallToolResult,
      );
      expect(revoked.status).toBe('revoked');
      await request(running.url)
        .get('/api/debug/events')
        .set('X-API-Key', created.secret)
        .expect(401);
    } finally {
      await agent.close();
    }
  });
});
