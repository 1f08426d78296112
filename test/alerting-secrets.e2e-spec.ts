import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import request from 'supertest';
import { SIGNATURE_HEADER, signBody, TIMESTAMP_HEADER } from '../src/alerting/alert-channels.js';
import { HttpReceiver } from './support/alert-receivers.js';
import { startApp, type RunningApp } from './support/app.js';
import { embeddedEnv } from './support/services.js';

const HMAC_SECRET = 'hmac-secret-7f3a91';

/**
 * Channel secrets at rest (embedded mode, one SQLite file across restarts): a rule written
 * without DEBUG_SECRETS_KEY, then read and rewritten by a service with a key (the row is
 * encrypted, the webhook still signed), then read by a service with another key (listing
 * works, the delivery fails naming the cause).
 */
describe('alert channel secrets encrypted at rest (embedded mode)', () => {
  const env = embeddedEnv({
    DEBUG_ALERT_INTERVAL_SECONDS: '0',
    DEBUG_ALERT_DELIVERY_BACKOFF_MS: '100',
    DEBUG_ALERT_DELIVERY_ATTEMPTS: '2',
  });
  const keyA = randomBytes(32).toString('hex');
  const keyB = randomBytes(32).toString('base64');
  let receiver: HttpReceiver;
  let running: RunningApp | undefined;
  let ruleId: string;

  const storedChannels = () => {
    const db = new Database(env.DEBUG_SQLITE_PATH, { readonly: true });
    try {
      const row = db.prepare('SELECT channels FROM alert_rules WHERE id = ?').get(ruleId) as {
        channels: string;
      };
      return row.channels;
    } finally {
      db.close();
    }
  };
  const metric = (value: number) =>
    request(running!.url)
      .post('/api/debug/metrics')
      .send({ name: 'disk.used', value, component_type: 'db', component_id: 'main' })
      .expect(201);
  const evaluate = () => request(running!.url).post('/api/debug/alerts/evaluate').expect(200);
  const restart = async (extra: Record<string, string>) => {
    await running?.close();
    running = await startApp({ ...env, ...extra });
  };

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
  });
  afterAll(async () => {
    await running?.close();
    await receiver?.close();
  });

  it('a rule written without a key is stored in clear and stays readable once a key is set', async () => {
    await restart({});
    ruleId = (
      await request(running!.url)
        .post('/api/debug/alerts/rules')
        .send({
          name: 'disk full',
          when: {
            metric: {
              name: 'disk.used',
              op: '>',
              threshold: 90,
              aggregate: 'last',
              window_seconds: 300,
            },
          },
          channels: [{ type: 'webhook', url: `${receiver.url}/signed`, secret: HMAC_SECRET }],
        })
        .expect(201)
    ).body.id;
    expect(storedChannels()).toContain(HMAC_SECRET);

    await restart({ DEBUG_SECRETS_KEY: keyA });
    const rule = (await request(running!.url).get(`/api/debug/alerts/rules/${ruleId}`).expect(200))
      .body;
    expect(rule.channels).toEqual([
      { type: 'webhook', url: `${receiver.url}/signed`, secret_set: true },
    ]);
    // still in clear until its next write
    expect(storedChannels()).toContain(HMAC_SECRET);
  }, 60_000);

  it('with the key, the next write encrypts the secrets and the webhook still gets a valid signature', async () => {
    await request(running!.url)
      .put(`/api/debug/alerts/rules/${ruleId}`)
      .send({
        name: 'disk full',
        when: {
          metric: {
            name: 'disk.used',
            op: '>',
            threshold: 90,
            aggregate: 'last',
            window_seconds: 300,
          },
        },
        // sent back without its secret, as the API shows it: the stored one is kept
        channels: [{ type: 'webhook', url: `${receiver.url}/signed` }],
      })
      .expect(200);
    const stored = storedChannels();
    expect(stored).not.toContain(HMAC_SECRET);
    expect(stored).not.toContain('/signed');
    expect(JSON.parse(stored)).toEqual([
      {
        type: 'webhook',
        url: expect.stringMatching(/^enc:v1:[\w-]+:[\w-]+:[\w-]+$/),
        secret: expect.stringMatching(/^enc:v1:[\w-]+:[\w-]+:[\w-]+$/),
      },
    ]);

    await metric(97);
    await evaluate();
    await receiver.waitFor(() => receiver.to('/signed').length === 1, 20_000, 'the firing notice');
    const hook = receiver.to('/signed')[0];
    const timestamp = String(hook.headers[TIMESTAMP_HEADER.toLowerCase()]);
    expect(hook.headers[SIGNATURE_HEADER.toLowerCase()]).toBe(
      `sha256=${signBody(HMAC_SECRET, timestamp, hook.body)}`,
    );
    expect(hook.json).toMatchObject({ state: 'firing', rule: { name: 'disk full' } });
    // marked delivered before the restart, so the next service has only the next notice to send
    const deadline = Date.now() + 20_000;
    let delivered = 0;
    while (delivered === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      delivered = (
        await request(running!.url)
          .get(`/api/debug/alerts/deliveries?rule_id=${ruleId}&status=delivered`)
          .expect(200)
      ).body.items.length;
    }
    expect(delivered).toBe(1);
  }, 60_000);

  it('with another key, listing works and the delivery fails naming the channel secret and the key', async () => {
    await restart({ DEBUG_SECRETS_KEY: keyB });
    const listed = (await request(running!.url).get('/api/debug/alerts/rules').expect(200)).body;
    const rule = listed.items.find((item: { id: string }) => item.id === ruleId);
    expect(rule.channels[0]).toMatchObject({
      type: 'webhook',
      secret_set: false,
      unreadable_secrets: expect.stringMatching(/^secret: DEBUG_SECRETS_KEY does not decrypt it/),
    });
    expect(rule.channels[0].unreadable_secrets).toMatch(
      /url: DEBUG_SECRETS_KEY does not decrypt it/,
    );

    await metric(10);
    await evaluate();
    let failed: { status: string; last_error: string; attempts: number }[] = [];
    const deadline = Date.now() + 20_000;
    while (failed.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      failed = (
        await request(running!.url)
          .get(`/api/debug/alerts/deliveries?rule_id=${ruleId}&status=failed`)
          .expect(200)
      ).body.items;
    }
    expect(failed).toEqual([
      expect.objectContaining({
        status: 'failed',
        // not retried: another attempt cannot succeed with the same key
        attempts: 1,
        last_error: expect.stringMatching(
          /stored secrets cannot be decrypted \(secret: .*\); start with the DEBUG_SECRETS_KEY they were written with/,
        ),
      }),
    ]);
    expect(receiver.to('/signed')).toHaveLength(1);
  }, 60_000);

  it('refuses to start with a key that is not 32 bytes, naming the variable', async () => {
    await running?.close();
    running = undefined;
    await expect(startApp({ ...env, DEBUG_SECRETS_KEY: 'not-a-key' })).rejects.toThrow(
      /DEBUG_SECRETS_KEY.*must be 32 bytes/,
    );
  }, 30_000);
});
