import { TemplateMiner, patternIdOf } from './template-miner.js';
import { tokenize } from './tokenizer.js';

describe('TemplateMiner', () => {
  it('groups messages that differ only in masked values', () => {
    const miner = new TemplateMiner();
    const a = miner.match(
      'Received block blk_-1608999687919862906 of size 91178 from /10.250.10.6',
    );
    const b = miner.match(
      'Received block blk_7503483334202473044 of size 233217 from /10.251.71.16',
    );
    const c = miner.match(
      'Deleting block blk_-1608999687919862906 file /mnt/hadoop/dfs/data/current/subdir54/blk_-1608999687919862906',
    );
    expect(a.id).toBe(b.id);
    expect(c.id).not.toBe(a.id);
    expect(miner.template(a.id)?.template).toBe('Received block <*> of size <*> from <*>');
  });

  it('merges a position once it holds four different words, and keeps earlier ids pointing to the merge', () => {
    const miner = new TemplateMiner();
    const users = ['webmaster', 'admin', 'oracle', 'postgres', 'guest'];
    const ids = users.map((user) => miner.match(`Invalid user ${user} from 173.234.31.186`).id);
    expect(new Set(ids.slice(0, 3)).size).toBe(3); // three names could still be an enumeration
    const merged = miner.resolve(ids[0]);
    expect(ids.map((id) => miner.resolve(id))).toEqual(users.map(() => merged));
    expect(miner.template(merged)?.template).toBe('Invalid user <*> from <*>');
    expect(miner.match('Invalid user nobody-new from 1.2.3.4').id).toBe(merged);
    const { merges } = miner.drainChanges();
    expect(merges.map((m) => m.into)).toEqual([merged, merged, merged, merged]);
  });

  it('keeps enumerations of few values apart (states, two user names)', () => {
    const miner = new TemplateMiner();
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      for (const state of ['FOLLOWING', 'LEADING', 'LOOKING']) {
        ids.add(
          miner.resolve(
            miner.match(`Notification: ${i} (n.leader), ${state} (n.state), ${i} (n.sid)`).id,
          ),
        );
      }
    }
    expect(ids.size).toBe(3);
    for (const who of ['admin', 'root'])
      miner.match(`Disconnecting: Too many authentication failures for ${who} [preauth]`);
    expect(
      miner.match('Disconnecting: Too many authentication failures for admin [preauth]').id,
    ).not.toBe(
      miner.match('Disconnecting: Too many authentication failures for root [preauth]').id,
    );
  });

  it('turns the first word into a variable too when it varies (program names)', () => {
    const miner = new TemplateMiner();
    const programs = ['chrome', 'firefox', 'outlook', 'dropbox'];
    const ids = programs.map(
      (p) => miner.match(`${p} - proxy.example.org:5070 open through proxy HTTPS`).id,
    );
    expect(new Set(ids.slice(0, 3)).size).toBe(3);
    expect(new Set(ids.map((id) => miner.resolve(id))).size).toBe(1);
    expect(miner.template(ids[3])?.template).toBe(
      '<*> - proxy.example.org:<*> open through proxy HTTPS',
    );
  });

  it('merges a word pattern into a pattern with a masked value at the same place', () => {
    const miner = new TemplateMiner();
    const word = miner.match(
      'Failed password for invalid user webmaster from 1.2.3.4 port 22 ssh2',
    ).id;
    const value = miner.match(
      'Failed password for invalid user test9 from 1.2.3.5 port 23 ssh2',
    ).id;
    expect(miner.resolve(word)).toBe(value);
  });

  it('gives the same id in any arrival order, and to a second miner that loaded the first one’s templates', () => {
    const lines = [
      'session opened for user alice by (uid=0)',
      'session opened for user bob by (uid=0)',
      'session opened for user carol by (uid=500)',
      'session opened for user dave by (uid=501)',
      'session closed for user alice',
    ];
    const forward = new TemplateMiner();
    const backward = new TemplateMiner();
    const f = lines.map((l) => forward.match(l).id).map((id) => forward.resolve(id));
    const b = lines
      .slice()
      .reverse()
      .map((l) => backward.match(l).id)
      .map((id) => backward.resolve(id))
      .reverse();
    expect(f).toEqual(b);

    const worker2 = new TemplateMiner();
    for (const pattern of forward.templates()) worker2.load(pattern);
    expect(worker2.match('session opened for user zed by (uid=7)').id).toBe(f[0]);
    expect(worker2.match('session closed for user alice').id).toBe(f[4]);
  });

  it('merges its own patterns into a wider pattern loaded from elsewhere', () => {
    const local = new TemplateMiner();
    const specific = local.match('Invalid user webmaster from 1.2.3.4').id;
    const general = ['Invalid', 'user', '<*>', 'from', '<*>'];
    local.load({
      id: patternIdOf(general),
      tokens: general,
      template: 'Invalid user <*> from <*>',
    });
    expect(local.resolve(specific)).toBe(patternIdOf(general));
    expect(local.drainChanges().merges).toEqual([{ from: specific, into: patternIdOf(general) }]);
  });

  it('uses the hash of the template tokens as the id', () => {
    const miner = new TemplateMiner();
    const { id } = miner.match('disk /dev/sda1 is 91% full');
    expect(id).toBe(patternIdOf(tokenize('disk /dev/sda1 is 91% full')));
    expect(id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('stays bounded when words vary in two places at once', () => {
    const miner = new TemplateMiner({ maxPerFamily: 20 });
    // letters only, and every pair new: neither masking nor one-position counting can help
    const word = (n: number) =>
      String.fromCharCode(97 + (n % 26)) + String.fromCharCode(97 + (((n / 26) | 0) % 26)) + 'x';
    const unbounded = new TemplateMiner({ maxPerFamily: 1_000_000 });
    for (let i = 0; i < 300; i++) {
      miner.match(`user ${word(i)} logged in from ${word(i + 7)}`);
      unbounded.match(`user ${word(i)} logged in from ${word(i + 7)}`);
    }
    expect(unbounded.size).toBe(300);
    expect(miner.size).toBeLessThanOrEqual(20);
    expect(miner.resolve(miner.match('user zulu logged in from yankee').id)).toBe(
      miner.resolve(miner.match('user alpha logged in from bravo').id),
    );
  });

  it('peeks without learning', () => {
    const miner = new TemplateMiner();
    expect(miner.peek('disk /dev/sda1 is 91% full')).toBeUndefined();
    const { id } = miner.match('disk /dev/sda1 is 91% full');
    expect(miner.peek('disk /dev/sdc3 is 12% full')?.id).toBe(id);
    expect(miner.size).toBe(1);
  });

  it('generalizes when words seen by two processes together are enough', () => {
    const first = new TemplateMiner();
    const second = new TemplateMiner();
    for (const user of ['alice', 'bob']) first.match(`session opened for user ${user} by sshd`);
    for (const user of ['carol', 'dave']) second.match(`session opened for user ${user} by sshd`);
    expect(first.size + second.size).toBe(4); // two names each: nothing to generalize yet
    for (const pattern of first.templates()) second.load(pattern);
    expect(second.size).toBe(1);
    const general = second.templates()[0];
    expect(general.template).toBe('session opened for user <*> by sshd');
    const { created, merges } = second.drainChanges();
    expect(created.map((p) => p.id)).toContain(general.id);
    expect(merges.map((m) => m.into)).toEqual([general.id, general.id, general.id, general.id]);
  });

  it('mines only the head of a very long message', () => {
    const miner = new TemplateMiner({ maxWords: 8 });
    const trace = (n: number) =>
      `NullPointerException in handler ${n}\n` + '  at frame.call(x.java)\n'.repeat(n + 1);
    expect(miner.match(trace(1)).id).toBe(miner.match(trace(50)).id);
  });
});
