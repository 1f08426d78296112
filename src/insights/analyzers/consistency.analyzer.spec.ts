import type { SnapshotRow } from '../insight-aggregates.repository.js';
import {
  compareGroup,
  compareVersions,
  detectInconsistencies,
  flatten,
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

  it('finds nothing when replicas agree', () => {
    expect(
      detectInconsistencies({
        now: at,
        snapshots: [snapshot('c-1', config), snapshot('c-2', config)],
      }),
    ).toEqual([]);
  });
});
