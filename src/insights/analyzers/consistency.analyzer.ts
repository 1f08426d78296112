import { Injectable } from '@nestjs/common';
import { effectSizeFactor, recencyFactor, sampleSizeFactor } from '../confidence.js';
import type { BucketSeries, SnapshotRow } from '../insight-aggregates.repository.js';
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
  /** Per component ("type/id"), its events and errors in the scope and before it. */
  failures?: ReadonlyMap<string, ComponentFailures>;
}

export interface ComponentFailures {
  events: number;
  errors: number;
  eventsBefore: number;
  errorsBefore: number;
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
    fields: flatOf(member),
  }));
  const paths = new Set(flat.flatMap((member) => [...member.fields.keys()]));
  const divergences: FieldDivergence[] = [];
  for (const path of [...paths].sort()) {
    if (settings.ignoredField.test(path)) continue;
    // a version's members are compared by staleVersions, when its values read as versions
    if (
      settings.versionField.test(path) &&
      flat.every((member) => !member.fields.has(path) || looksLikeVersion(member.fields.get(path)!))
    )
      continue;
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
    fields: flatOf(member),
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
    // "stable" and "canary" have no order: such a field is compared as any other (compareGroup)
    if (
      present.length < 2 ||
      !present.every((item) => looksLikeVersion(JSON.stringify(item.value)))
    )
      continue;
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

/** A flattened value (JSON text) that reads as a version: a number, 5.3.0-rc2, v2, 2025-03-31, web@5.1.0. */
function looksLikeVersion(json: string): boolean {
  const value = JSON.parse(json) as unknown;
  if (typeof value === 'number') return Number.isFinite(value);
  // "payment-service@3.15.0": a release named as Sentry names them, the version after the @
  return (
    typeof value === 'string' && /^([\w.-]+@)?v?\d+([._-]\d+)*([.+~-][0-9A-Za-z.-]+)?$/.test(value)
  );
}

/** Numbers numerically, dotted versions part by part ("1.10.0" > "1.9.2"), anything else as text. */
export function compareVersions(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const partsA = String(a)
    .replace(/^[^@]*@/, '')
    .replace(/^v/i, '')
    .split(/[.\-+]/);
  const partsB = String(b)
    .replace(/^[^@]*@/, '')
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
    const earlier = before.get(group);
    const standing = standingPaths(earlier, members);
    const all = compareGroup(members);
    const divergences = all.flatMap((divergence) => {
      if (!standing.has(divergence.path)) return [divergence];
      // a field that differed earlier too: only its stragglers are news
      const stragglers = divergence.diverging.filter((key) =>
        leftBehind(divergence.path, key, earlier, members, true),
      );
      return stragglers.length > 0 ? [{ ...divergence, diverging: stragglers }] : [];
    });
    const reported = new Set(divergences.map((divergence) => divergence.path));
    if (divergences.length > 0)
      drafts.push(
        divergenceDraft(
          group,
          members,
          divergences,
          input,
          all.filter((divergence) => !reported.has(divergence.path)),
        ),
      );
    const stale = newlyBehind(staleVersions(members), earlier, members);
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
 * Version fields behind the newest, without the members that were behind earlier as well (one
 * cluster's epoch beside another's, a region on its own release train) unless they were left
 * behind since: the peers that shared their value earlier moved on and they did not.
 */
function newlyBehind(
  stale: ReturnType<typeof staleVersions>,
  earlier: readonly SnapshotRow[] | undefined,
  members: readonly SnapshotRow[],
): ReturnType<typeof staleVersions> {
  if (!earlier) return stale;
  const behindEarlier = new Set(
    staleVersions(earlier).flatMap((item) => item.behind.map((key) => `${item.path}\u0000${key}`)),
  );
  return stale.flatMap((item) => {
    const behind = item.behind.filter(
      (key) =>
        !behindEarlier.has(`${item.path}\u0000${key}`) ||
        leftBehind(item.path, key, earlier, members, false),
    );
    return behind.length > 0 ? [{ ...item, behind }] : [];
  });
}

const flatCache = new WeakMap<SnapshotRow, Map<string, string>>();

/** A snapshot's leaf paths (flatten), once per snapshot. */
function flatOf(row: SnapshotRow): Map<string, string> {
  let flat = flatCache.get(row);
  if (!flat) flatCache.set(row, (flat = flatten(row.state)));
  return flat;
}

/**
 * Whether a member kept its value on `path` while at least half of the peers that shared that
 * value earlier moved to another one. For a field that is not a version (`nearUnanimous`), only
 * when the value the member is left out of is held by settings.leftBehindMajority of the members
 * that send the field: a leader and its followers trading places leave no one behind.
 */
function leftBehind(
  path: string,
  key: string,
  earlier: readonly SnapshotRow[] | undefined,
  members: readonly SnapshotRow[],
  nearUnanimous: boolean,
): boolean {
  if (!earlier) return false;
  const valueIn = (rows: readonly SnapshotRow[]) => {
    const values = new Map<string, string | undefined>();
    for (const row of rows) values.set(componentKey(row.component), flatOf(row).get(path));
    return values;
  };
  const [then, now] = [valueIn(earlier), valueIn(members)];
  const mine = then.get(key);
  if (mine === undefined || now.get(key) !== mine) return false;
  const peers = [...then].filter(
    ([peer, value]) => peer !== key && value === mine && now.get(peer) !== undefined,
  );
  const moved = peers.filter(([peer]) => now.get(peer) !== mine);
  if (peers.length === 0 || moved.length * 2 < peers.length) return false;
  if (!nearUnanimous) return true;
  const holders = [...now.values()].filter((value) => value !== undefined);
  const tally = new Map<string, number>();
  for (const value of holders) tally.set(value!, (tally.get(value!) ?? 0) + 1);
  const top = Math.max(...tally.values());
  return top >= settings.leftBehindMajority * holders.length && (tally.get(mine) ?? 0) < top;
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
  const failing = failingDiverging(members, diverging, input.failures);
  if (failing) return failingDivergenceDraft(group, members, divergences, failing, input);
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

function failingDivergenceDraft(
  group: string,
  members: SnapshotRow[],
  divergences: FieldDivergence[],
  failing: NonNullable<ReturnType<typeof failingDiverging>>,
  input: ConsistencyInput,
): InsightDraft {
  const { changed, unchanged } = failing;
  const lastSeen = new Date(Math.max(...members.map((member) => member.capturedAt.getTime())));
  const parts = failureParts(changed, unchanged, 'the others', failing, members, input, lastSeen);
  const shown = divergences
    .slice(0, 3)
    .map(
      (divergence) =>
        `${divergence.path}: ${changed
          .map((key) => `${key}=${JSON.stringify(divergence.values[key])}`)
          .join(', ')} (the others: ${[
          ...new Set(unchanged.map((key) => JSON.stringify(divergence.values[key]))),
        ].join(', ')})`,
    );
  const diverging = [...new Set(divergences.flatMap((divergence) => divergence.diverging))].sort();
  return {
    analyzer: 'consistency',
    type: 'consistency',
    kind: 'failing_change',
    severity: 'high',
    title: `${describeComponents(changed, 2)} ${changed.length === 1 ? 'fails' : 'fail'} since ${changed.length === 1 ? 'its' : 'their'} state differs from the other ${groupLabel(group)} on ${divergences.length} field(s); the others do not`,
    summary:
      `${shown.join('; ')}${divergences.length > 3 ? '; …' : ''}. ` +
      `${parts.sentence} ` +
      `The difference is the suspect: put ${describeComponents(changed, 3)} back on the others' values.`,
    identity: [group, ...diverging],
    affected: parts.affected,
    evidence: {
      group,
      members: snapshotsEvidence(members),
      fields: divergences.slice(0, 50),
      changed_components: changed,
      errors: parts.errors,
    },
    suggestions: [
      `Compare the snapshots: GET /api/debug/state/${members[0].component.component_type}/${changed[0].split('/').slice(1).join('/')}`,
      `Put ${describeComponents(changed, 3)} back on the configuration the others run and watch the errors`,
    ],
    factors: parts.factors,
    firstSeen: lastSeen,
    lastSeen,
    subjects: parts.subjects,
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
  const failing = failingSinceChange(stale, behind, input.failures);
  if (failing) return failingChangeDraft(group, members, stale, behind, failing, input, lastSeen);
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

/**
 * The members on the newest value, when they fail in the scope and those behind do not
 * (settings.changeFailure): a bad release or config on the members that took it, not an update
 * the others missed.
 */
function failingSinceChange(
  stale: ReturnType<typeof staleVersions>,
  behind: readonly string[],
  failures: ReadonlyMap<string, ComponentFailures> | undefined,
): { ahead: string[]; now: ComponentFailures; behindNow: ComponentFailures } | null {
  if (!failures) return null;
  const ahead = [
    ...new Set(
      stale.flatMap((item) =>
        Object.entries(item.values)
          .filter(([, value]) => compareVersions(value, item.newest) === 0)
          .map(([key]) => key),
      ),
    ),
  ].sort();
  const contrast = failureContrast(ahead, behind, failures);
  return contrast ? { ahead, ...contrast } : null;
}

/**
 * Whether the `changed` members fail in the scope and the `unchanged` do not
 * (settings.changeFailure), with both sides' counts.
 */
function failureContrast(
  changed: readonly string[],
  unchanged: readonly string[],
  failures: ReadonlyMap<string, ComponentFailures>,
): { now: ComponentFailures; behindNow: ComponentFailures } | null {
  const sum = (keys: readonly string[]) =>
    keys.reduce(
      (total, key) => {
        const counts = failures.get(key);
        if (!counts) return total;
        return {
          events: total.events + counts.events,
          errors: total.errors + counts.errors,
          eventsBefore: total.eventsBefore + counts.eventsBefore,
          errorsBefore: total.errorsBefore + counts.errorsBefore,
        };
      },
      { events: 0, errors: 0, eventsBefore: 0, errorsBefore: 0 },
    );
  const [now, behindNow] = [sum(changed), sum(unchanged)];
  const rule = settings.changeFailure;
  const rate = now.errors / Math.max(now.events, 1);
  // one error more on each side: no rate from nothing
  const rateBefore = (now.errorsBefore + 1) / (now.eventsBefore + 1);
  const behindRate = (behindNow.errors + 1) / (behindNow.events + 1);
  return now.errors >= rule.minErrors &&
    rate >= rule.minRate &&
    rate >= rule.vsBefore * rateBefore &&
    rate >= rule.vsBehind * behindRate
    ? { now, behindNow }
    : null;
}

/**
 * Among diverging members, those that fail since while the others do not (failureContrast): the
 * minority of a group with a majority; of two members, the one that fails when the other does not.
 */
function failingDiverging(
  members: readonly SnapshotRow[],
  diverging: readonly string[],
  failures: ReadonlyMap<string, ComponentFailures> | undefined,
): {
  changed: string[];
  unchanged: string[];
  now: ComponentFailures;
  behindNow: ComponentFailures;
} | null {
  if (!failures) return null;
  const keys = members.map((member) => componentKey(member.component));
  const candidates = diverging.length < keys.length ? [diverging] : keys.map((key) => [key]);
  const found = candidates.flatMap((changed) => {
    const unchanged = keys.filter((key) => !changed.includes(key));
    if (unchanged.length === 0) return [];
    const contrast = failureContrast(changed, unchanged, failures);
    return contrast ? [{ changed: [...changed], unchanged, ...contrast }] : [];
  });
  return found.length === 1 ? found[0] : null;
}

function failingChangeDraft(
  group: string,
  members: SnapshotRow[],
  stale: ReturnType<typeof staleVersions>,
  behind: readonly string[],
  failing: NonNullable<ReturnType<typeof failingSinceChange>>,
  input: ConsistencyInput,
  lastSeen: Date,
): InsightDraft {
  const { ahead } = failing;
  const parts = failureParts(
    ahead,
    behind,
    describeComponents(behind, 2),
    failing,
    members,
    input,
    lastSeen,
  );
  const changes = stale.map(
    (item) =>
      `${item.path} ${JSON.stringify(item.newest)} (${describeComponents(behind, 2)}: ` +
      `${[...new Set(item.behind.map((key) => JSON.stringify(item.values[key])))].join(', ')})`,
  );
  return {
    analyzer: 'consistency',
    type: 'consistency',
    kind: 'failing_change',
    severity: 'high',
    title: `${describeComponents(ahead, 2)} ${ahead.length === 1 ? 'fails' : 'fail'} since taking ${stale.map((item) => `${item.path} ${JSON.stringify(item.newest)}`).join(', ')}; ${describeComponents(behind, 2)} on the earlier value${stale.length > 1 ? 's' : ''} ${behind.length === 1 ? 'does' : 'do'} not`,
    summary:
      `Among ${groupLabel(group)}, ${describeComponents(ahead)} moved to ${changes.join('; ')}. ` +
      `${parts.sentence} ` +
      `The change is the suspect: roll ${describeComponents(ahead, 3)} back rather than the others forward.`,
    identity: [group, ...stale.map((item) => item.path)],
    affected: parts.affected,
    evidence: {
      group,
      members: snapshotsEvidence(members),
      versions: stale,
      changed_components: ahead,
      errors: parts.errors,
    },
    suggestions: [
      `Roll ${describeComponents(ahead, 3)} back to the value the others run, then compare what changed: GET /api/debug/state/${members[0].component.component_type}/${ahead[0].split('/').slice(1).join('/')}`,
      `Read the new errors: POST /api/debug/ai/query {"question":"what changed on ${ahead[0].split('/').slice(1).join('/')}?"}`,
    ],
    factors: parts.factors,
    firstSeen: lastSeen,
    lastSeen,
    subjects: parts.subjects,
  };
}

/** What both kinds of failing change say of the failures: the numbers, the evidence, the factors. */
function failureParts(
  changed: readonly string[],
  unchanged: readonly string[],
  unchangedName: string,
  contrast: { now: ComponentFailures; behindNow: ComponentFailures },
  members: readonly SnapshotRow[],
  input: ConsistencyInput,
  lastSeen: Date,
) {
  const { now, behindNow } = contrast;
  const percent = (errors: number, events: number) =>
    `${round((100 * errors) / Math.max(events, 1), 1)}%`;
  return {
    sentence:
      `In the scope ${describeComponents(changed, 2)} logged ${now.errors} error(s) in ${now.events} event(s) ` +
      `(${percent(now.errors, now.events)}; before: ${percent(now.errorsBefore, now.eventsBefore)}), ` +
      `${unchangedName} ${behindNow.errors} in ${behindNow.events} (${percent(behindNow.errors, behindNow.events)}).`,
    affected: members
      .filter((member) => changed.includes(componentKey(member.component)))
      .map((member) => member.component),
    errors: { changed: now, unchanged: { ...behindNow, components: [...unchanged] } },
    factors: {
      sample_size: sampleSizeFactor(now.errors, 10),
      effect_size: effectSizeFactor(
        now.errors / Math.max(now.events, 1) / ((behindNow.errors + 1) / (behindNow.events + 1)),
        3,
      ),
      recency: recencyFactor(lastSeen, input.now, InsightSettings.confidence.recencyHalfLifeMs),
    },
    subjects: changed.map((key) => `component:${key}`),
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

/** Per component, its events and errors in the scope and in the baseline before it. */
function failuresOf(
  series: readonly BucketSeries[],
  baselineBuckets: number,
): Map<string, ComponentFailures> {
  const total = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0);
  const failures = new Map<string, ComponentFailures>();
  for (const row of series) {
    if (!row.component) continue;
    failures.set(componentKey(row.component), {
      events: total(row.counts.slice(baselineBuckets)),
      errors: total(row.errors.slice(baselineBuckets)),
      eventsBefore: total(row.counts.slice(0, baselineBuckets)),
      errorsBefore: total(row.errors.slice(0, baselineBuckets)),
    });
  }
  return failures;
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
      failures: failuresOf(await context.componentSeries(), context.grid.baselineBuckets),
    });
  }
}
