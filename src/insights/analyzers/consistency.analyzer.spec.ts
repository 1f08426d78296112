import type { SnapshotRow } from '../insight-aggregates.repository.js';
import {
  compareGroup,
  compareVersions,
  detectInconsistencies,
  flatten,
  referenceSnapshots,
  staleVersions,
} from './consistency.analyzer.js';

const at = new Date('2026-01-01T12:00:00Z');
function snapshot(
  id: string,
  state: Record<string, unknown>,
  capturedAt = at,
  type = 'cache',
): SnapshotRow {
  return {
    id: `snap-${id}`,
    component: { component_type: type, component_id: id },
    capturedAt,
    version: 1,
    hash: 'h',
    state,
  };
}
const config = { limits: { max_memory_mb: 1024, policy: 'lru' }, flags: ['a', 'b'] };

describe('consistency analyzer', () => {
  it('flattens nested state into leaf paths, arrays whole', () => {
    expect([...flatten({ a: { b: 1, c: [1, 2] }, d: null }).entries()]).toEqual([
      ['a.b', '1'],
      ['a.c', '[1,2]'],
      ['d', 'null'],
    ]);
  });

  it('names the minority replica and shows values side by side', () => {
    const divergences = compareGroup([
      snapshot('c-1', config),
      snapshot('c-2', config),
      snapshot('c-3', { ...config, limits: { max_memory_mb: 512, policy: 'lru' } }),
    ]);
    expect(divergences).toEqual([
      {
        path: 'limits.max_memory_mb',
        values: { 'cache/c-1': 1024, 'cache/c-2': 1024, 'cache/c-3': 512 },
        majority: 1024,
        diverging: ['cache/c-3'],
      },
    ]);
  });

  it('takes as the earlier state the snapshot before the scope, else the first one if 10 min older', () => {
    const minutesAgo = (minutes: number) => new Date(at.getTime() - minutes * 60_000);
    const latest = [snapshot('c-1', config), snapshot('c-2', config), snapshot('c-3', config)];
    const beforeScope = [snapshot('c-1', config, minutesAgo(90))];
    const earliest = [
      snapshot('c-1', config, minutesAgo(200)),
      snapshot('c-2', config, minutesAgo(30)),
      snapshot('c-3', config, minutesAgo(5)),
    ];
    expect(
      referenceSnapshots(latest, beforeScope, earliest).map((row) => [
        row.component.component_id,
        row.capturedAt,
      ]),
    ).toEqual([
      ['c-1', minutesAgo(90)],
      ['c-2', minutesAgo(30)],
    ]);
  });

  it('compares a field only among the members that send it', () => {
    const divergences = compareGroup([
      snapshot('c-1', { ...config, followers: ['c-2', 'c-3'] }),
      snapshot('c-2', config),
      snapshot('c-3', { limits: config.limits }),
    ]);
    expect(divergences).toEqual([]);
  });

  it('leaves out fields on which the same replicas differed before the scope, and blames the one that changed', () => {
    const replica = (id: string, role: string, onHand: number, capturedAt: Date) =>
      snapshot(
        id,
        { role, stock: { 'SKU-1042': { on_hand: onHand } } },
        capturedAt,
        'stock-replica',
      );
    const earlier = new Date(at.getTime() - 2 * 3_600_000);
    const before = [
      replica('r-1', 'leader', 1000, earlier),
      replica('r-2', 'follower', 1000, earlier),
      replica('r-3', 'follower', 1000, earlier),
    ];
    const snapshots = [
      replica('r-1', 'leader', 1014, at),
      replica('r-2', 'follower', 1014, at),
      replica('r-3', 'follower', 847, at),
    ];
    const [draft] = detectInconsistencies({ snapshots, before, now: at });
    expect(draft.title).toBe(
      'stock-replica/r-3 disagrees with the other stock-replica replicas on 1 field(s)',
    );
    expect(draft.evidence.standing_fields).toEqual(['role']);
    expect(draft.affected).toEqual([{ component_type: 'stock-replica', component_id: 'r-3' }]);
    // only the role, as it always was: nothing to report
    expect(detectInconsistencies({ snapshots: before, before, now: at })).toEqual([]);
    // with nothing before the scope, the role counts
    expect(detectInconsistencies({ snapshots, now: at })[0].evidence.diverging_components).toEqual([
      'stock-replica/r-1',
      'stock-replica/r-3',
    ]);
  });

  it('skips per-instance fields: ignored names and fields that differ on every member', () => {
    const members = ['c-1', 'c-2', 'c-3'].map((id, index) =>
      snapshot(id, {
        ...config,
        hostname: `${id}.local`,
        uptime_s: index * 10,
        used_memory_mb: 100 + index,
      }),
    );
    expect(compareGroup(members)).toEqual([]);
  });

  it('finds version fields behind the newest, comparing dotted versions part by part', () => {
    expect(compareVersions('1.10.0', '1.9.2')).toBeGreaterThan(0);
    expect(compareVersions(17, 18)).toBeLessThan(0);
    expect(compareVersions('v2.0', '2.0.0')).toBe(0);
    expect(compareVersions('payments@3.15.0', 'payments@3.9.2')).toBeGreaterThan(0);
    const stale = staleVersions([
      snapshot('c-1', { app_version: '1.10.0' }),
      snapshot('c-2', { app_version: '1.10.0' }),
      snapshot('c-3', { app_version: '1.9.2' }),
    ]);
    expect(stale).toEqual([
      {
        path: 'app_version',
        newest: '1.10.0',
        values: { 'cache/c-1': '1.10.0', 'cache/c-2': '1.10.0', 'cache/c-3': '1.9.2' },
        behind: ['cache/c-3'],
      },
    ]);
  });

  it('compares same-type replicas and configured groups, and flags stale snapshots', () => {
    const old = new Date(at.getTime() - 3_600_000);
    const drafts = detectInconsistencies({
      now: at,
      snapshots: [
        snapshot('c-1', config),
        snapshot('c-2', config, old),
        snapshot('api-1', { region: 'eu' }, at, 'api'),
        snapshot('w-1', { region: 'us' }, at, 'worker'),
      ],
      groups: new Map([['edge', ['api/api-1', 'worker/w-1']]]),
    });
    const kinds = drafts.map((draft) => `${draft.kind}:${draft.evidence.group}`).sort();
    expect(kinds).toEqual(['diverging_state:group:edge', 'stale_state:type:cache']);
    const edge = drafts.find((draft) => draft.evidence.group === 'group:edge')!;
    expect(edge.severity).toBe('low');
  });

  it('reports a straggler left behind by a rollout that began before the scope, not the rollout itself', () => {
    const earlier = new Date(at.getTime() - 40 * 60_000);
    const gateway = (id: string, revision: number, capturedAt: Date, flag = false) =>
      snapshot(id, { config_revision: revision, flags: { fast_boot: flag } }, capturedAt, 'gw');
    const ids = Array.from({ length: 12 }, (_, i) => `gw-${i + 1}`);
    // at the scope's start the first wave (gw-1..4) was on 143, the rest on 142
    const before = ids.map((id, i) => gateway(id, i < 4 ? 143 : 142, earlier, i < 4));
    // now all but gw-12 took it
    const snapshots = ids.map((id, i) => gateway(id, i < 11 ? 143 : 142, at, i < 11));
    const drafts = detectInconsistencies({ snapshots, before, now: at });
    expect(drafts.map((draft) => [draft.kind, draft.affected.map((c) => c.component_id)])).toEqual([
      ['diverging_state', ['gw-12']],
      ['stale_version', ['gw-12']],
    ]);
    expect(drafts[1].title).toBe('gw/gw-12 behind on config_revision among gw replicas');
    // mid-rollout, as at the scope's start: the ones not yet reached are not stragglers
    expect(detectInconsistencies({ snapshots: before, before, now: at })).toEqual([]);
  });

  it("leaves another cluster's epoch alone and reports the member its peer left (two primaries)", () => {
    const earlier = new Date(at.getTime() - 30 * 60_000);
    const node = (id: string, region: string, role: string, epoch: number, capturedAt: Date) =>
      snapshot(id, { region, role, epoch }, capturedAt, 'session-store');
    const before = [
      node('eu-a', 'eu', 'primary', 4, earlier),
      node('eu-b', 'eu', 'replica', 4, earlier),
      node('eu-c', 'eu', 'replica', 4, earlier),
      node('us-a', 'us', 'primary', 7, earlier),
      node('us-b', 'us', 'replica', 7, earlier),
    ];
    // eu switched over as planned (epoch 5); us-b promoted itself (epoch 8), us-a stayed primary
    const snapshots = [
      node('eu-a', 'eu', 'replica', 5, at),
      node('eu-b', 'eu', 'primary', 5, at),
      node('eu-c', 'eu', 'replica', 5, at),
      node('us-a', 'us', 'primary', 7, at),
      node('us-b', 'us', 'primary', 8, at),
    ];
    const drafts = detectInconsistencies({ snapshots, before, now: at });
    expect(drafts.map((draft) => [draft.kind, draft.affected.map((c) => c.component_id)])).toEqual([
      ['stale_version', ['us-a']],
    ]);
    expect(drafts[0].summary).toContain('newest 8');
  });

  it('blames the members that took a new version and fail since, not those that did not take it', () => {
    const earlier = new Date(at.getTime() - 30 * 60_000);
    const pay = (id: string, api: string, capturedAt: Date) =>
      snapshot(id, { psp: { api_version: api } }, capturedAt, 'payments');
    const before = [pay('pay-1', '2024-06-20', earlier), pay('pay-2', '2024-06-20', earlier)];
    const snapshots = [pay('pay-1', '2024-06-20', at), pay('pay-2', '2025-03-31', at)];
    const counts = (
      events: number,
      errors: number,
      eventsBefore: number,
      errorsBefore: number,
    ) => ({
      events,
      errors,
      eventsBefore,
      errorsBefore,
    });
    const failing = detectInconsistencies({
      snapshots,
      before,
      now: at,
      failures: new Map([
        ['payments/pay-1', counts(300, 1, 900, 2)],
        ['payments/pay-2', counts(290, 124, 880, 1)],
      ]),
    });
    expect(failing.map((draft) => [draft.kind, draft.severity])).toEqual([
      ['failing_change', 'high'],
    ]);
    expect(failing[0].affected).toEqual([{ component_type: 'payments', component_id: 'pay-2' }]);
    expect(failing[0].summary).toContain('roll payments/pay-2 back');
    // both quiet: pay-1 missed the update
    const quiet = detectInconsistencies({
      snapshots,
      before,
      now: at,
      failures: new Map([
        ['payments/pay-1', counts(300, 1, 900, 2)],
        ['payments/pay-2', counts(290, 2, 880, 1)],
      ]),
    });
    expect(quiet.map((draft) => [draft.kind, draft.affected[0].component_id])).toEqual([
      ['stale_version', 'pay-1'],
    ]);
  });

  it('orders a release that reads as a version, and compares one that does not as any field', () => {
    const node = (id: string, release: string) => snapshot(id, { release }, at, 'web');
    const [stale] = detectInconsistencies({
      now: at,
      snapshots: [node('w-1', '3.15.0'), node('w-2', '3.15.0'), node('w-3', '3.14.2')],
    });
    expect(stale).toMatchObject({
      kind: 'stale_version',
      title: 'web/w-3 behind on release among web replicas',
    });
    const [channel] = detectInconsistencies({
      now: at,
      snapshots: [node('w-1', 'stable'), node('w-2', 'stable'), node('w-3', 'canary')],
    });
    expect(channel).toMatchObject({ kind: 'diverging_state', affected: [{ component_id: 'w-3' }] });
  });

  it('blames the member whose configuration differs and that fails since, the others quiet', () => {
    const node = (id: string, hsm: string) =>
      snapshot(id, { hsm: { endpoint: hsm, key_label: `ZMK-${hsm}` } }, at, 'card-auth');
    const snapshots = [node('ca-1', 'pool-a'), node('ca-2', 'pool-a'), node('ca-3', 'pool-b')];
    const counts = (events: number, errors: number) => ({
      events,
      errors,
      eventsBefore: events * 2,
      errorsBefore: 0,
    });
    const [failing] = detectInconsistencies({
      snapshots,
      now: at,
      failures: new Map([
        ['card-auth/ca-1', counts(160, 1)],
        ['card-auth/ca-2', counts(150, 0)],
        ['card-auth/ca-3', counts(163, 132)],
      ]),
    });
    expect(failing).toMatchObject({ kind: 'failing_change', severity: 'high' });
    expect(failing.affected).toEqual([{ component_type: 'card-auth', component_id: 'ca-3' }]);
    expect(failing.summary).toContain(
      'hsm.endpoint: card-auth/ca-3="pool-b" (the others: "pool-a")',
    );
    // quiet everywhere: a divergence to resync, as before
    const [quiet] = detectInconsistencies({
      snapshots,
      now: at,
      failures: new Map([['card-auth/ca-3', counts(163, 1)]]),
    });
    expect(quiet.kind).toBe('diverging_state');
  });

  it('finds nothing when replicas agree', () => {
    expect(
      detectInconsistencies({
        now: at,
        snapshots: [snapshot('c-1', config), snapshot('c-2', config)],
      }),
    ).toEqual([]);
  });
});
