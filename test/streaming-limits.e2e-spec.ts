import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';
import { StreamClient, until } from './support/streaming-clients.js';
import { RssSampler } from './faults/fault-checks.js';

const READER = 'limits-reader-key-1';
const OTHER = 'limits-reader-key-2';

/**
 * Stream memory bounded per key and per instance (issue 20: 100 subscriptions of 1,000 ids cost
 * ~116 MB per connection, with no cap on connections). Each bound answers a clear refusal.
 */
describeWithPostgresAndRedis('streaming limits (full mode, real socket.io clients)', () => {
  let running: RunningApp;
  let rss: RssSampler;
  const clients: StreamClient[] = [];
  const client = (apiKey: string) => {
    const created = new StreamClient(running.url, { apiKey });
    clients.push(created);
    return created;
  };
  const ids = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, index) => `${prefix}-${index}`);

  beforeAll(async () => {
    running = await startApp({
      ...(await fullModeEnv()),
      DEBUG_API_KEYS: `${READER}:read,${OTHER}:read`,
      DEBUG_STREAM_MAX_CONNECTIONS: '5',
      DEBUG_STREAM_MAX_CONNECTIONS_PER_KEY: '3',
      DEBUG_STREAM_MAX_FILTER_VALUES: '2500',
    });
    rss = RssSampler.ofThisProcess('streaming-limits');
    rss.warm();
  });
  afterEach(async () => {
    for (const one of clients.splice(0)) one.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
  afterAll(async () => {
    rss?.stop();
    await running?.close();
  });

  it('refuses a key its connection past DEBUG_STREAM_MAX_CONNECTIONS_PER_KEY, and the instance past DEBUG_STREAM_MAX_CONNECTIONS', async () => {
    const own = [client(READER), client(READER), client(READER)];
    for (const one of own) await one.subscribeOk({ component_types: ['api'] });
    const fourth = client(READER);
    await until(() => fourth.disconnectReason !== null, 'the fourth connection of one key refused');
    expect(fourth.errors).toEqual([
      {
        code: 'too_many_connections',
        message: expect.stringContaining('this API key holds its limit of 3'),
      },
    ]);

    const others = [client(OTHER), client(OTHER)];
    for (const one of others) await one.subscribeOk({ component_types: ['api'] });
    const sixth = client(OTHER);
    await until(
      () => sixth.disconnectReason !== null,
      'the sixth connection of the instance refused',
    );
    expect(sixth.errors).toEqual([
      {
        code: 'too_many_connections',
        message: expect.stringContaining('DEBUG_STREAM_MAX_CONNECTIONS'),
      },
    ]);

    // A closed connection frees its place.
    own[0].close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await client(READER).subscribeOk({ component_types: ['api'] });
  });

  it("refuses subscriptions past the key's filter budget, and frees it on unsubscribe", async () => {
    const first = client(READER);
    const second = client(READER);
    const kept = await first.subscribeOk({ component_ids: ids('a', 1000) });
    await second.subscribeOk({ component_ids: ids('b', 1000) });
    const refused = await second.subscribe({ component_ids: ids('c', 1000) });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: 'filter_too_large',
        message: expect.stringContaining('at most 2500 together'),
      },
    });
    const unsubscribed = (await first.socket.emitWithAck('unsubscribe', {
      subscription_id: kept,
    })) as { ok: boolean };
    expect(unsubscribed.ok).toBe(true);
    await second.subscribeOk({ component_ids: ids('c', 1000) });
  });

  it('answers since: 1e300 with invalid_subscription naming since (was internal)', async () => {
    const one = client(READER);
    for (const since of [1e300, '99999999999999999999', '9999-12-31T00:00:00.000Z']) {
      const ack = await one.subscribe({ since });
      expect(ack).toMatchObject({
        ok: false,
        error: { code: 'invalid_subscription', details: [{ field: 'since' }] },
      });
    }
    await one.subscribeOk({ since: Date.now() - 1000 });
  });

  it('keeps the RSS of the process bounded over the refusals above', () => {
    rss.expectBoundedGrowth();
  });
});
