import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PartitionService } from '../../database/partition.service.js';
import { daysOf } from './event-writer.js';
import { dialectOf, pgPoolOf, sqliteOf, sqliteTime } from '../../database/sql/dialect.js';
import { jsonOrNull } from '../../database/sql/row-values.js';

/** A metric point as it is stored and streamed (snake_case, as the columns). */
export interface DebugMetricRecord {
  id: string;
  timestamp: string;
  name: string;
  component_type: string;
  component_id: string;
  value: number;
  unit: string | null;
  tags: Record<string, string> | null;
}

const COLUMNS = [
  'id',
  '"timestamp"',
  'name',
  'component_type',
  'component_id',
  'value',
  'unit',
  'tags',
] as const;

/** Writes metric points in one statement, idempotent by (id, timestamp). */
@Injectable()
export class MetricWriter {
  private readonly dialect;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly partitions: PartitionService,
  ) {
    this.dialect = dialectOf(dataSource);
  }

  /** Returns how many points were new. Committed when it resolves. */
  async write(metrics: readonly DebugMetricRecord[]): Promise<number> {
    if (metrics.length === 0) return 0;
    if (this.dialect === 'sqlite') {
      const db = sqliteOf(this.dataSource);
      const insert = db.prepare(
        `INSERT OR IGNORE INTO debug_metrics (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
      );
      return db.transaction((rows: readonly DebugMetricRecord[]) =>
        rows.reduce((written, metric) => {
          const values = rowValues(metric);
          values[1] = sqliteTime(metric.timestamp);
          return written + insert.run(...values).changes;
        }, 0),
      )(metrics);
    }
    await this.partitions.ensureFor('debug_metrics', daysOf(metrics));
    const columns: unknown[][] = COLUMNS.map(() => new Array(metrics.length));
    metrics.forEach((metric, row) =>
      rowValues(metric).forEach((value, column) => (columns[column][row] = value)),
    );
    const result = await pgPoolOf(this.dataSource).query(
      `INSERT INTO debug_metrics (${COLUMNS.join(', ')})
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::varchar[], $4::varchar[], $5::varchar[],
                            $6::float8[], $7::varchar[], $8::jsonb[])
       ON CONFLICT DO NOTHING`,
      columns,
    );
    return result.rowCount ?? 0;
  }
}

function rowValues(metric: DebugMetricRecord): unknown[] {
  return [
    metric.id,
    metric.timestamp,
    metric.name,
    metric.component_type,
    metric.component_id,
    metric.value,
    metric.unit,
    jsonOrNull(metric.tags),
  ];
}
