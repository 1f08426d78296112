import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SNAPSHOT_COLUMNS, type SnapshotRecord, toSnapshotRecord } from './row-mappers.js';
import { type Row } from '../../database/sql/row-values.js';

const SELECT_LIST = SNAPSHOT_COLUMNS.map((column) => `s."${column}"`).join(', ');

/** Reads of debug_state_snapshots in the warm store. */
@Injectable()
export class SnapshotQueryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private placeholder(index: number): string {
    return this.dataSource.options.type === 'postgres' ? `$${index}` : '?';
  }

  async latest(componentType: string, componentId: string): Promise<SnapshotRecord | null> {
    const [first] = await this.history(componentType, componentId, null, 1);
    return first ?? null;
  }

  /** Newest first, versions below `beforeVersion` when given. */
  async history(
    componentType: string,
    componentId: string,
    beforeVersion: number | null,
    limit: number,
  ): Promise<SnapshotRecord[]> {
    const parameters: unknown[] = [componentType, componentId];
    let before = '';
    if (beforeVersion !== null) {
      parameters.push(beforeVersion);
      before = `AND s.version < ${this.placeholder(3)}`;
    }
    const rows = (await this.dataSource.query(
      `SELECT ${SELECT_LIST} FROM debug_state_snapshots s
        WHERE s.component_type = ${this.placeholder(1)} AND s.component_id = ${this.placeholder(2)} ${before}
        ORDER BY s.version DESC LIMIT ${Math.trunc(limit)}`,
      parameters,
    )) as Row[];
    return rows.map(toSnapshotRecord);
  }

  async version(
    componentType: string,
    componentId: string,
    version: number,
  ): Promise<SnapshotRecord | null> {
    const rows = (await this.dataSource.query(
      `SELECT ${SELECT_LIST} FROM debug_state_snapshots s
        WHERE s.component_type = ${this.placeholder(1)} AND s.component_id = ${this.placeholder(2)}
          AND s.version = ${this.placeholder(3)}`,
      [componentType, componentId, version],
    )) as Row[];
    return rows[0] ? toSnapshotRecord(rows[0]) : null;
  }
}
