import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import request from 'supertest';
import { wireEvent } from './factories/events.js';
import { ingestSettled, startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';
import { TcpRelay } from './support/tcp-relay.js';
import { RssSampler } from './faults/fault-checks.js';

/**
 * PostgreSQL going away under a running service (full mode). The service reaches PostgreSQL
 * through a TCP relay of this test's own, which the test closes (connections cut, new ones
 * refused) and opens again: ingestion goes on (202: the events wait in the Redis journal),
 * reads answer 503 with Retry-After naming the cause instead of 500, readiness says what is
 * down, and once PostgreSQL is reachable again every accepted event is written once.
 */
describeWithPostgresAndRedis('PostgreSQL outage under a running service (full mode)', () => {
  let relay: TcpRelay;
  let running: RunningApp | undefined;

  beforeAll(async () => {
    const env = await fullModeEnv();
    const database = new URL(env.DATABASE_URL);
    relay = await TcpRelay.open({ host: database.hostname, port: Number(database.port || 5432) });
    database.port = String(relay.port);
    running = await startApp({ ...env, DATABASE_URL: database.toString() });
  });

  afterAll(async () => {
    await relay.start(); // open again, if a test left it closed, for a clean shutdown
    await running?.close();
    await relay.stop();
  });

  it('keeps accepting while PostgreSQL is unreachable, answers reads with 503 naming the cause, and writes every accepted event once it is back', async () => {
    const app = running!;
    const before = wireEvent({ component_id: 'outage-1', message: 'before the outage' });
    await request(app.url).post('/api/debug/events').send(before).expect(202);
    expect(await ingestSettled(app.app, 30_000)).toBe(true);
    const rss = RssSampler.ofThisProcess('postgres-outage');
    rss.warm();

    await relay.stop();
    const during = Array.from({ length: 20 }, (_, index) =>
      wireEvent({ component_id: 'outage-1', message: `during the outage ${index}` }),
    );
    const accepted = await request(app.url)
      .post('/api/debug/events/batch')
      .send({ events: during })
      .expect(202);
    expect(accepted.body).toMatchObject({ accepted: 20, rejected: 0 });

    const read = await request(app.url)
      .get('/api/debug/events')
      .query({ component_id: 'outage-1' })
      .expect(503);
    expect(read.headers['retry-after']).toBe('5');
    expect(read.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(read.body.message).toMatch(/^a store this request needs is unreachable \(/);

    // Every analyzer failed: not an all-clear with nothing found.
    const insights = await request(app.url)
      .post('/api/debug/insights/generate')
      .send({})
      .expect(503);
    expect(insights.body.message).toMatch(/^a store this request needs is unreachable \(/);

    // An agent on MCP gets a tool error it can read, not a protocol failure.
    const agent = new Client({ name: 'outage-e2e', version: '1.0.0' });
    await agent.connect(new StreamableHTTPClientTransport(new URL('/mcp', app.url)));
    try {
      const result = (await agent.callTool({
        name: 'list_insights',
        arguments: {},
      })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(result.content[0]).toMatchObject({
        type: 'text',
        text: expect.stringMatching(/^UNAVAILABLE: a store this request needs is unreachable \(/),
      });
    } finally {
      await agent.close();
    }

    const readiness = await request(app.url).get('/api/debug/health').expect(503);
    expect(readiness.body.message).toMatch(/^not ready: database/);
    expect(readiness.body.details).toMatchObject({
      database: { status: 'down' },
      redis: { status: 'up' },
    });
    // Public: which check is down, never the error text with the addresses it names.
    expect(JSON.stringify(readiness.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|:\d{4,5}\b/);

    await relay.start();
    expect(await ingestSettled(app.app, 60_000)).toBe(true);
    let listed = await request(app.url)
      .get('/api/debug/events')
      .query({ component_id: 'outage-1', limit: 100 });
    for (let waited = 0; listed.status !== 200 && waited < 10_000; waited += 200) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      listed = await request(app.url)
        .get('/api/debug/events')
        .query({ component_id: 'outage-1', limit: 100 });
    }
    expect(listed.status).toBe(200);
    const ids = (listed.body.items as { id: string }[]).map((event) => event.id).sort();
    expect(ids).toEqual([before, ...during].map((event) => event.id as string).sort());
    rss.expectBoundedGrowth();
  });
});
