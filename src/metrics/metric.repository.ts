import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { toIso } from '../database/sql/row-values.js';
import { SqlRunner, type SqlParams } from '../database/sql/sql-runner.js';
import type { MetricObservation } from './component-metrics.js';
import type { MetricPoint } from './metric-aggregation.js';

export interface MetricFilter {
  from: Date;
  to: Date;
  name?: string;
  componentType?: string;
  componentId?: string;
}

export interface MetricSeriesRow {
  name: string;
  component_type: string;
  component_id: string;
  unit: string | null;
  points: number;
  first_at: string | null;
  last_at: string | null;
  min: number;
  max: number;
  avg: number;
}

/** Reads of `debug_metrics` (written by the collector's `POST /metrics`). */
@Injectable()
export class MetricRepository {
  private readonly sql: SqlRunner;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.sql = new SqlRunner(dataSource);
  }

  /** One row per (name, component) with points in the range. */
  async series(filter: MetricFilter, limit: number): Promise<MetricSeriesRow[]> {
    const { where, params } = whereOf(filter);
    const rows = await this.sql.rows<Record<string, unknown>>(
      `SELECT name, component_type, component_id, MAX(unit) AS unit, COUNT(*) AS points,
              MIN(timestamp) AS first_at, MAX(timestamp) AS last_at,
              MIN(value) AS min, MAX(value) AS max, AVG(value) AS avg
         FROM debug_metrics WHERE ${where}
        GROUP BY name, component_type, component_id
        ORDER BY name, component_type, component_id
        LIMIT :limit`,
      { ...params, limit },
    );
    return rows.map((row) => ({
      name: String(row.name),
      component_type: String(row.component_type),
      component_id: String(row.component_id),
      unit: row.unit === null || row.unit === undefined ? null : String(row.unit),
      points: Number(row.points),
      first_at: toIso(row.first_at),
      last_at: toIso(row.last_at),
      min: Number(row.min),
      max: Number(row.max),
      avg: Number(row.avg),
    }));
  }

  /** The points of one component in the ranges, newest first; at most `limit`. */
  componentPoints(
    component: { componentType: string; componentId: string | null },
    ranges: readonly { from: Date; to: Date }[],
    limit: number,
  ): Promise<MetricObservation[]> {
    return componentPointsOf(this.sql, component, ranges, limit);
  }

  /** The points of one metric in the range, oldest first; at most `limit`. */
  async points(
    filter: MetricFilter & { name: string },
    limit: number,
  ): Promise<{ points: MetricPoint[]; unit: string | null }> {
    const { where, params } = whereOf(filter);
    const rows = await this.sql.rows<Record<string, unknown>>(
      `SELECT timestamp, value, component_type, component_id, unit FROM debug_metrics WHERE ${where}
        ORDER BY timestamp LIMIT :limit`,
      { ...params, limit },
    );
    return {
      points: rows.map((row) => ({
        timeMs: new Date(toIso(row.timestamp) ?? 0).getTime(),
        value: Number(row.value),
        componentType: String(row.component_type),
        componentId: String(row.component_id),
      })),
      unit:
        (rows.find((row) => row.unit !== null && row.unit !== undefined)?.unit as string | null) ??
        null,
    };
  }
}

/** The points of one component (a type, or one instance of it) in a set of time ranges, at most `limit`. */
async function componentPointsOf(
  sql: SqlRunner,
  component: { componentType: string; componentId: string | null },
  ranges: readonly { from: Date; to: Date }[],
  limit: number,
): Promise<MetricObservation[]> {
  if (ranges.length === 0) return [];
  const params: SqlParams = { componentType: component.componentType, limit };
  const within = ranges.map((range, index) => {
    params[`from${index}`] = range.from;
    params[`to${index}`] = range.to;
    return `(timestamp >= :from${index} AND timestamp < :to${index})`;
  });
  if (component.componentId !== null) params.componentId = component.componentId;
  const rows = await sql.rows<Record<string, unknown>>(
    `SELECT name, unit, component_id, tags, timestamp, value FROM debug_metrics
      WHERE component_type = :componentType
        ${component.componentId !== null ? 'AND component_id = :componentId' : ''}
        AND (${within.join(' OR ')})
      ORDER BY timestamp DESC LIMIT :limit`,
    params,
  );
  return rows.map((row) => ({
    name: String(row.name),
    unit: row.unit === null || row.unit === undefined ? null : String(row.unit),
    componentId: String(row.component_id),
    series: `${String(row.component_id)}\u0000${typeof row.tags === 'string' ? row.tags : JSON.stringify(row.tags ?? null)}`,
    timeMs: new Date(toIso(row.timestamp) ?? 0).getTime(),
    value: Number(row.value),
  }));
}

function whereOf(filter: MetricFilter): { where: string; params: SqlParams } {
  const clauses = ['timestamp >= :from', 'timestamp < :to'];
  const params: SqlParams = { from: filter.from, to: filter.to };
  if (filter.name !== undefined) {
    clauses.push('name = :name');
    params.name = filter.name;
  }
  if (filter.componentType !== undefined) {
    clauses.push('component_type = :componentType');
    params.componentType = filter.componentType;
  }
  if (filter.componentId !== undefined) {
    clauses.push('component_id = :componentId');
    params.componentId = filter.componentId;
  }
  return { where: clauses.join(' AND '), params };
}
