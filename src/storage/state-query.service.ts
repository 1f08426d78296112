import { Injectable } from '@nestjs/common';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { DomainError, NotFoundError } from '../common/errors/domain-error.js';
import { ColdReader } from './cold/cold-reader.js';
import { ManifestRepository } from './cold/manifest.repository.js';
import { type SnapshotRecord } from './warm/row-mappers.js';
import { SnapshotQueryRepository } from './warm/snapshot-query.repository.js';

const SNAPSHOTS = 'debug_state_snapshots';

export interface TieredSnapshot extends SnapshotRecord {
  tier: 'warm' | 'cold';
}

export interface StateHistory {
  component_type: string;
  component_id: string;
  items: TieredSnapshot[];
  /** Pass as `before` for the next (older) page (the version, as a string); null at the first snapshot. */
  next_cursor: string | null;
}

export interface StateDiff {
  component_type: string;
  component_id: string;
  from_version: number;
  to_version: number;
  from_captured_at: string;
  to_captured_at: string;
  /** RFC 6902 operations that turn the `from` state into the `to` state. */
  patch: Operation[];
}

/**
 * A component's state: the latest snapshot (always warm: the archiver never moves a
 * component's newest version), its history newest first across warm and cold, and the
 * JSON patch between any two versions.
 */
@Injectable()
export class StateQueryService {
  constructor(
    private readonly warm: SnapshotQueryRepository,
    private readonly manifest: ManifestRepository,
    private readonly cold: ColdReader,
  ) {}

  async latest(componentType: string, componentId: string): Promise<TieredSnapshot> {
    const latest = await this.warm.latest(componentType, componentId);
    if (!latest) throw new NotFoundError('state of component', `${componentType}/${componentId}`);
    return { ...latest, tier: 'warm' };
  }

  async history(componentType: string, componentId: string, before: number | null, limit: number): Promise<StateHistory> {
    const warm = (await this.warm.history(componentType, componentId, before, limit + 1)).map(
      (row): TieredSnapshot => ({ ...row, tier: 'warm' }),
    );
    let rows = warm;
    if (warm.length <= limit) {
      const below = warm.length > 0 ? warm[warm.length - 1].version : before;
      const cold = (await this.coldSnapshots(componentType, componentId))
        .filter((row) => below === null || row.version < below)
        .map((row): TieredSnapshot => ({ ...row, tier: 'cold' }));
      rows = [...warm, ...cold];
    }
    const byVersion = new Map<number, TieredSnapshot>();
    for (const row of rows) if (!byVersion.has(row.version)) byVersion.set(row.version, row);
    const ordered = [...byVersion.values()].sort((a, b) => b.version - a.version);
    if (ordered.length === 0 && before === null) {
      throw new NotFoundError('state of component', `${componentType}/${componentId}`);
    }
    const items = ordered.slice(0, limit);
    return {
      component_type: componentType,
      component_id: componentId,
      items,
      next_cursor: ordered.length > limit ? String(items[items.length - 1].version) : null,
    };
  }

  async diff(componentType: string, componentId: string, fromVersion: number, toVersion: number): Promise<StateDiff> {
    const [from, to] = await Promise.all([
      this.version(componentType, componentId, fromVersion, 'from'),
      this.version(componentType, componentId, toVersion, 'to'),
    ]);
    return {
      component_type: componentType,
      component_id: componentId,
      from_version: from.version,
      to_version: to.version,
      from_captured_at: from.captured_at,
      to_captured_at: to.captured_at,
      patch: fastJsonPatch.compare(from.state, to.state),
    };
  }

  private async version(componentType: string, componentId: string, version: number, field: string): Promise<SnapshotRecord> {
    const warm = await this.warm.version(componentType, componentId, version);
    if (warm) return warm;
    const cold = (await this.coldSnapshots(componentType, componentId)).find((row) => row.version === version);
    if (cold) return cold;
    throw new DomainError('NOT_FOUND', `${componentType}/${componentId} has no version ${version} (${field})`, {
      field,
      version,
    });
  }

  /** Every archived snapshot of one component (segments that list it only). */
  private async coldSnapshots(componentType: string, componentId: string): Promise<SnapshotRecord[]> {
    const component = `${componentType}/${componentId}`;
    const entries = (await this.manifest.overlapping(SNAPSHOTS, null, null)).filter(
      (entry) => entry.componentTypes.includes(componentType) && (entry.components?.includes(component) ?? true),
    );
    const found: SnapshotRecord[] = [];
    const needle = JSON.stringify(componentId);
    for (const entry of entries) {
      for (const line of await this.cold.rows(entry)) {
        if (!line.includes(needle)) continue;
        const row = JSON.parse(line) as SnapshotRecord;
        if (row.component_type === componentType && row.component_id === componentId) found.push(row);
      }
    }
    return found;
  }
}
