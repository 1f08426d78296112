import request from 'supertest';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

/** Rounds of the race: each round, the two last admin keys are taken away at the same time. */
const ROUNDS = 20;

interface Key {
  id: string;
  secret: string;
}

async function createAdminKey(url: string, secret: string | null, name: string): Promise<Key> {
  const call = request(url).post('/api/debug/admin/keys');
  if (secret) call.set('X-API-Key', secret);
  const response = await call.send({ name, scopes: ['admin'] }).expect(201);
  return { id: response.body.id, secret: response.body.secret };
}

/**
 * Both requests at once, each key on itself (it is the only credential left that may): the
 * first revokes its key; the second revokes its key too, or (`withPatch`) takes `admin` from it.
 */
async function takeBothAwayAtOnce(
  urls: readonly [string, string],
  keys: readonly [Key, Key],
  withPatch: boolean,
) {
  return Promise.all(
    keys.map((key, index) => {
      const call =
        withPatch && index === 1
          ? request(urls[index])
              .patch(`/api/debug/admin/keys/${key.id}`)
              .send({ scopes: ['read'] })
          : request(urls[index]).put(`/api/debug/admin/keys/${key.id}/revoke`);
      return call.set('X-API-Key', key.secret).ok(() => true);
    }),
  );
}

async function activeAdminIds(url: string, secret: string): Promise<string[]> {
  const listed = await request(url)
    .get('/api/debug/admin/keys')
    .query({ limit: 500 })
    .set('X-API-Key', secret)
    .expect(200);
  return (listed.body.items as { id: string; scopes: string[]; status: string }[])
    .filter((key) => key.status === 'active' && key.scopes.includes('admin'))
    .map((key) => key.id);
}

/**
 * Two revocations of the two last usable admin keys at the same time, or a revocation and the
 * removal of `admin` from the other (DEBUG_API_KEYS without an admin): exactly one may succeed, the other must get 409, and one admin key must remain.
 * The check and the write are one serialized step; without that both requests read "two
 * admins left" and both revoke, locking every operator out.
 */
async function raceTheLastTwoAdmins(urls: readonly [string, string]): Promise<void> {
  let survivor = await createAdminKey(urls[0], null, 'operator');
  const outcomes: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const pair: [Key, Key] = [
      await createAdminKey(urls[0], survivor.secret, `round ${round} a`),
      await createAdminKey(urls[0], survivor.secret, `round ${round} b`),
    ];
    await request(urls[0])
      .put(`/api/debug/admin/keys/${survivor.id}/revoke`)
      .set('X-API-Key', survivor.secret)
      .expect(200);

    const answers = await takeBothAwayAtOnce(urls, pair, round % 2 === 1);
    const statuses = answers.map((answer) => answer.status);
    outcomes.push(statuses.join('/'));
    const kept = statuses.indexOf(409);
    if (kept === -1 || [...statuses].sort().join() !== '200,409') {
      throw new Error(
        `round ${round}: expected one 200 and one 409, got ${statuses.join(' and ')} (rounds so far: ${outcomes.join(' ')})`,
      );
    }
    expect(answers[kept].body.message).toContain('last usable admin key');
    survivor = pair[kept];
    expect(await activeAdminIds(urls[0], survivor.secret)).toEqual([survivor.id]);
  }
  process.stdout.write(`last-admin race: ${ROUNDS} rounds, outcomes ${outcomes.join(' ')}\n`);
}

describeWithPostgresAndRedis(
  'the last admin keys revoked at the same time (PostgreSQL, two instances)',
  () => {
    let first: RunningApp;
    let second: RunningApp;

    beforeAll(async () => {
      const env = await fullModeEnv({
        DEBUG_API_KEYS: '',
        DEBUG_AUTH_FAILURES_PER_MINUTE: '100000',
      });
      first = await startApp(env);
      second = await startApp({ ...env, DEBUG_ROLE: 'api' });
    });
    afterAll(async () => {
      await second?.close();
      await first?.close();
    });

    it('lets exactly one of two concurrent removals of the last admin keys through, every round', async () => {
      await raceTheLastTwoAdmins([first.url, second.url]);
    }, 120_000);
  },
);

describe('the last admin keys revoked at the same time (SQLite, two instances on one file)', () => {
  let first: RunningApp;
  let second: RunningApp;

  beforeAll(async () => {
    const env = embeddedEnv({ DEBUG_API_KEYS: '', DEBUG_AUTH_FAILURES_PER_MINUTE: '100000' });
    first = await startApp(env);
    second = await startApp(env);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('lets exactly one of two concurrent removals of the last admin keys through, every round', async () => {
    await raceTheLastTwoAdmins([first.url, second.url]);
  }, 120_000);
});
