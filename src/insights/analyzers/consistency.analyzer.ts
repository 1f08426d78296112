import { Injectable } from '@nestjs/common';
import { effectSizeFactor, recencyFactor, sampleSizeFactor } from '../confidence.js';
import type { SnapshotRow } from '../insight-aggregates.repository.js';
import { InsightSettings } from '../insight-settings.js';
import { componentKey, type InsightDraft, type Severity } from '../insight.types.js';
import { round } from '../robust-stats.js';
import { type AnalysisContext, type Analyzer, describeComponents, formatTime } from './analyzer.js';

const settings = InsightSettings.consistency;

export interface ConsistencyInput {
  snapshots: readonly SnapshotRow[];
  now: Date;
  /** Each component's latest snapshot before the scope: fields that differed then already are not findings. */
  before?: readonly SnapshotRow[];
  /** Named groups of components that must agree ("type/id" keys), besides same-type groups. */
  groups?: ReadonlyMap<string, readonly string[]>;
}

export interface FieldDivergence {
  path: string;
  /** Every member's value, side by side ("type/id" → value; absent fields are missing). */
  values: Record<string, unknown>;
  majority: unknown;
  diverging: string[];
}

/** Leaf paths of a state object (arrays compared whole), to a bounded depth and count. */
export function flatten(
  state: unknown,
  prefix = '',
  depth = 0,
  out = new Map<string, string>(),
): Map<string, string> {
  if (out.size >= settings.maxFields) return out;
  if (
    state !== null &&
    typeof state === 'object' &&
    !Array.isArray(state) &&
    depth < settings.maxDepth
  ) {
    for (const [key, value] of Object.entries(state as Record<string, unknown>)) {
      flatten(value, prefix ? `${prefix}.${key}` : key, depth + 1, out);
    }
    return out;
  }
  if (prefix) out.set(prefix, JSON.stringify(state));
  return out;
}

/**
 * Field-by-field comparison of a group's latest snapshots. A field diverges when most members
 * agree and some do not (with two members, any difference). Fields that differ on every member
 * of a larger group are per-instance by nature and skipped, as are the names in `ignoredField`.
 */
export function compareGroup(members: readonly SnapshotRow[]): FieldDivergence[] {
  const flat = members.map((member) => ({
    key: componentKey(member.component),
    fields: flatten(member.state),
  }));
  const paths = new Set(flat.flatMap((member) => [...member.fields.keys()]));
  const divergences: FieldDivergence[] = [];
  for (const path of [...paths].sort()) {
    if (settings.ignoredField.test(path) || settings.versionField.test(path)) continue;
    // a member that does not send a field says nothing about it (an older agent, a field only
    // the leader has): the members that send it are compared
    const holders = flat.filter((member) => member.fields.has(path));
    if (holders.length < 2) continue;
    const tally = new Map<string, string[]>();
    for (const member of holders) {
      const value = member.fields.get(path)!;
      tally.set(value, [...(tally.get(value) ?? []), member.key]);
    }
    if (tally.size === 1) continue;
    if (holders.length >= 3 && tally.size === holders.length) continue;
    const [majorityValue, majorityKeys] = [...tally.entries()].sort(
      (a, b) => b[1].length - a[1].length,
    )[0];
    const hasMajority = majorityKeys.length > holders.length / 2;
    const values: Record<string, unknown> = {};
    for (const member of holders) values[member.key] = JSON.parse(member.fields.get(path)!);
    divergences.push({
      path,
      values,
      majority: hasMajority ? JSON.parse(majorityValue) : null,
      diverging: hasMajority
        ? holders.map((member) => member.key).filter((key) => !majorityKeys.includes(key))
        : holders.map((m) => m.key),
    });
  }
  return divergences;
}

/** Version-like fields whose value on some members is behind the newest in the group. */
export function staleVersions(
  members: readonly SnapshotRow[],
): { path: string; newest: unknown; values: Record<string, unknown>; behind: string[] }[] {
  const flat = members.map((member) => ({
    key: componentKey(member.component),
    fields: flatten(member.state),
  }));
  const paths = new Set(
    flat.flatMap((member) =>
      [...member.fields.keys()].filter((path) => settings.versionField.test(path)),
    ),
  );
  const result: {
    path: string;
    newest: unknown;
    values: Record<string, unknown>;
    behind: string[];
  }[] = [];
  for (const path of [...paths].sort()) {
    const present = flat
      .filter((member) => member.fields.has(path))
      .map((member) => ({
        key: member.key,
        value: JSON.parse(member.fields.get(path)!) as unknown,
      }));
    if (present.length < 2) continue;
    const newest = present.reduce((best, item) =>
      compareVersions(item.value, best.value) > 0 ? item : best,
    ).value;
    const behind = present
      .filter((item) => compareVersions(item.value, newest) < 0)
      .map((item) => item.key);
    if (behind.length === 0) continue;
    result.push({
      path,
      newest,
      values: Object.fromEntries(present.map((item) => [item.key, item.value])),
      behind,
    });
  }
  return result;
}

/** Numbers numerically, dotted versions part by part ("1.10.0" > "1.9.2"), anything else as text. */
export function compareVersions(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const partsA = String(a)
    .replace(/^v/i, '')
    .split(/[.\-+]/);
  const partsB = String(b)
    .replace(/^v/i, '')
    .split(/[.\-+]/);
  for (let index = 0; index < Math.max(partsA.length, partsB.length); index++) {
    const left = partsA[index] ?? '0';
    const right = partsB[index] ?? '0';
    const numeric = /^\d+$/.test(left) && /^\d+$/.test(right);
    const order = numeric ? Number(left) - Number(right) : left.localeCompare(right);
    if (order !== 0) return order;
  }
  return 0;
}

/** Same-type groups plus configured groups, each with at least two members. */
export function groupSnapshots(
  snapshots: readonly SnapshotRow[],
  groups: ReadonlyMap<string, readonly string[]> = new Map(),
): Map<string, SnapshotRow[]> {
  const result = new Map<string, SnapshotRow[]>();
  for (const snapshot of snapshots) {
    const name = `type:${snapshot.component.component_type}`;
    result.set(name, [...(result.get(name) ?? []), snapshot]);
  }
  const byKey = new Map(snapshots.map((snapshot) => [componentKey(snapshot.component), snapshot]));
  for (const [name, keys] of groups) {
    const members = keys
      .map((key) => byKey.get(key))
      .filter((snapshot): snapshot is SnapshotRow => !!snapshot);
    result.set(`group:${name}`, members);
  }
  for (const [name, members] of result) if (members.length < 2) result.delete(name);
  return result;
}

export function detectInconsistencies(input: ConsistencyInput): InsightDraft[] {
  const drafts: InsightDraft[] = [];
  const before = groupSnapshots(input.before ?? [], input.groups);
  for (const [group, members] of groupSnapshots(input.snapshots, input.groups)) {
    const earlier = standingPaths(before.get(group), members);
    const all = compareGroup(members);
    const divergences = all.filter((divergence) => !earlier.has(divergence.path));
    if (divergences.length > 0)
      drafts.push(
        divergenceDraft(
          group,
          members,
          divergences,
          input,
          all.filter((divergence) => earlier.has(divergence.path)),
        ),
      );
    const stale = staleVersions(members);
    if (stale.length > 0) drafts.push(staleVersionDraft(group, members, stale, input));
    const newest = Math.max(...members.map((member) => member.capturedAt.getTime()));
    const lagging = members.filter(
      (member) => newest - member.capturedAt.getTime() > settings.staleAfterMs,
    );
    if (lagging.length > 0 && lagging.length < members.length)
      drafts.push(staleStateDraft(group, members, lagging, newest, input));
  }
  return drafts;
}

/**
 * The fields on which the same members already differed before the scope: a leader's role, a
 * node's own address or lag differ between replicas all the time, and that is what they are,
 * not what went wrong. Only members present both times are compared.
 */
function standingPaths(
  before: readonly SnapshotRow[] | undefined,
  members: readonly SnapshotRow[],
): Set<string> {
  if (!before) return new Set();
  const now = new Set(members.map((member) => componentKey(member.component)));
  const same = before.filter((member) => now.has(componentKey(member.component)));
  if (same.length < 2) return new Set();
  return new Set(compareGroup(same).map((divergence) => divergence.path));
}

/**
 * What each component's state was earlier: its latest snapshot before the scope, else (a store
 * younger than the scope) its first one, when that is `standingAfterMs` older than its latest.
 */
export function referenceSnapshots(
  latest: readonly SnapshotRow[],
  beforeScope: readonly SnapshotRow[],
  earliest: readonly SnapshotRow[],
): SnapshotRow[] {
  const before = new Map(beforeScope.map((row) => [componentKey(row.component), row]));
  const first = new Map(earliest.map((row) => [componentKey(row.component), row]));
  return latest.flatMap((row) => {
    const key = componentKey(row.component);
    const reference = before.get(key) ?? first.get(key);
    return reference &&
      row.capturedAt.getTime() - reference.capturedAt.getTime() >= settings.standingAfterMs
      ? [reference]
      : [];
  });
}

function groupLabel(group: string): string {
  return group.startsWith('type:') ? `${group.slice(5)} replicas` : `group ${group.slice(6)}`;
}

function snapshotsEvidence(members: readonly SnapshotRow[]) {
  return members.map((member) => ({
    ...member.component,
    snapshot_id: member.id,
    version: member.version,
    captured_at: member.capturedAt.toISOString(),
  }));
}

function divergenceDraft(
  group: string,
  members: SnapshotRow[],
  divergences: FieldDivergence[],
  input: ConsistencyInput,
  standing: FieldDivergence[],
): InsightDraft {
  const diverging = [...new Set(divergences.flatMap((divergence) => divergence.diverging))].sort();
  const withMajority = divergences.filter(
    (divergence) => divergence.majority !== null || divergence.diverging.length < members.length,
  );
  const severity: Severity =
    members.length < 3 ? 'low' : divergences.length >= 3 ? 'high' : 'medium';
  const shown = divergences.slice(0, 3).map(
    (divergence) =>
      `${divergence.path}: ${Object.entries(divergence.values)
        .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
        .join(', ')}`,
  );
  const lastSeen = new Date(Math.max(...members.map((member) => member.capturedAt.getTime())));
  return {
    analyzer: 'consistency',
    type: 'consistency',
    kind: 'diverging_state',
    severity,
    title: `${describeComponents(diverging, 2)} disagree${diverging.length === 1 ? 's' : ''} with the other ${groupLabel(group)} on ${divergences.length} field(s)`,
    summary:
      `Latest snapshots of ${members.length} ${groupLabel(group)} differ on ${divergences.length} field(s): ${shown.join('; ')}` +
      `${divergences.length > 3 ? '; …' : ''}. ${members.length >= 3 ? `${describeComponents(diverging)} hold${diverging.length === 1 ? 's' : ''} the minority value(s): ` : ''}` +
      `reload or resync their configuration/state, or find why they did not receive the last update.`,
    identity: [group, ...diverging],
    affected: members
      .filter((member) => diverging.includes(componentKey(member.component)))
      .map((member) => member.component),
    evidence: {
      group,
      members: snapshotsEvidence(members),
      fields: divergences.slice(0, 50),
      diverging_components: diverging,
      // differed before the scope as well: left out of the finding
      standing_fields: standing.slice(0, 50).map((divergence) => divergence.path),
    },
    suggestions: [
      `Compare the snapshots: GET /api/debug/state/${members[0].component.component_type}/${diverging[0]?.split('/').slice(1).join('/') ?? members[0].component.component_id}`,
      `Push the expected configuration again to ${describeComponents(diverging, 3)} and check that they acknowledge it`,
    ],
    factors: {
      sample_size: sampleSizeFactor(members.length, 2),
      effect_size: effectSizeFactor(withMajority.length, 1),
      recency: recencyFactor(lastSeen, input.now, InsightSettings.confidence.recencyHalfLifeMs),
    },
    firstSeen: new Date(Math.min(...members.map((member) => member.capturedAt.getTime()))),
    lastSeen,
    subjects: diverging.map((key) => `component:${key}`),
  };
}

function staleVersionDraft(
  group: string,
  members: SnapshotRow[],
  stale: ReturnType<typeof staleVersions>,
  input: ConsistencyInput,
): InsightDraft {
  const behind = [...new Set(stale.flatMap((item) => item.behind))].sort();
  const lastSeen = new Date(Math.max(...members.map((member) => member.capturedAt.getTime())));
  return {
    analyzer: 'consistency',
    type: 'consistency',
    kind: 'stale_version',
    severity: 'medium',
    title: `${describeComponents(behind, 2)} behind on ${stale.map((item) => item.path).join(', ')} among ${groupLabel(group)}`,
    summary:
      stale
        .map(
          (item) =>
            `${item.path}: newest ${JSON.stringify(item.newest)}, ` +
            Object.entries(item.values)
              .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
              .join(', '),
        )
        .join('; ') +
      `. Roll ${describeComponents(behind, 3)} forward or find why the update did not reach them.`,
    identity: [group, ...stale.map((item) => item.path)],
    affected: members
      .filter((member) => behind.includes(componentKey(member.component)))
      .map((member) => member.component),
    evidence: { group, members: snapshotsEvidence(members), versions: stale },
    suggestions: [`Redeploy or resync ${describeComponents(behind, 3)}`],
    factors: {
      sample_size: sampleSizeFactor(members.length, 2),
      effect_size: effectSizeFactor(behind.length, 1),
      recency: recencyFactor(lastSeen, input.now, InsightSettings.confidence.recencyHalfLifeMs),
    },
    firstSeen: lastSeen,
    lastSeen,
    subjects: behind.map((key) => `component:${key}`),
  };
}

function staleStateDraft(
  group: string,
  members: SnapshotRow[],
  lagging: SnapshotRow[],
  newest: number,
  input: ConsistencyInput,
): InsightDraft {
  const names = lagging.map((member) => componentKey(member.component)).sort();
  const oldest = Math.min(...lagging.map((member) => member.capturedAt.getTime()));
  return {
    analyzer: 'consistency',
    type: 'consistency',
    kind: 'stale_state',
    severity: 'low',
    title: `No recent state from ${describeComponents(names, 2)} (${groupLabel(group)})`,
    summary:
      `The latest snapshot of ${describeComponents(names)} is ${round((newest - oldest) / 60_000, 1)} min older than the newest ` +
      `in ${groupLabel(group)} (${formatTime(new Date(newest))}): its state may be out of date or it stopped reporting.`,
    identity: [group, ...names],
    affected: lagging.map((member) => member.component),
    evidence: { group, members: snapshotsEvidence(members), stale_after_ms: settings.staleAfterMs },
    suggestions: [`Check that ${describeComponents(names, 3)} still report state`],
    factors: {
      sample_size: sampleSizeFactor(members.length, 2),
      effect_size: effectSizeFactor((newest - oldest) / settings.staleAfterMs, 2),
      recency: recencyFactor(
        new Date(newest),
        input.now,
        InsightSettings.confidence.recencyHalfLifeMs,
      ),
    },
    firstSeen: new Date(oldest),
    lastSeen: new Date(oldest),
    subjects: names.map((key) => `component:${key}`),
  };
}

@Injectable()
export class ConsistencyAnalyzer implements Analyzer {
  readonly name = 'consistency' as const;

  async analyze(context: AnalysisContext): Promise<InsightDraft[]> {
    const from = new Date(context.scope.to.getTime() - settings.lookbackMs);
    const [snapshots, beforeScope, earliest] = await Promise.all([
      context.aggregates.latestSnapshots(context.scope, from),
      context.aggregates.latestSnapshots(context.scope, from, context.scope.from),
      context.aggregates.latestSnapshots(context.scope, from, context.scope.to, 'earliest'),
    ]);
    return detectInconsistencies({
      snapshots,
      before: referenceSnapshots(snapshots, beforeScope, earliest),
      now: context.now,
      groups: context.consistencyGroups,
    });
  }
}
