import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DebugEventRecord } from '../common/debug-event.js';
import { ROLLUP_OVERLAP_MS } from './insight-rollup-tables.js';
import { sqliteTime } from '../database/sql/dialect.js';

const MINUTE_MS = 60_000;
/**
 * Older than this when stored: its minute may lie before the overlap every rollup refresh
 * aggregates again. An event stored sooner after its time than this, but after a refresh, lies
 * within the overlap of the next one with half the overlap to spare.
 */
const LATE_AFTER_MS = ROLLUP_OVERLAP_MS / 2;

/**
 * Marks the minutes of events stored late (a backlog, a backfill, a client that buffered
 * offline) in `debug_insight_late_minutes`, so that the next rollup refresh aggregates those
 * minutes again. Called by the ingest write path once a batch is committed: one statement per
 * batch, and nothing at all for on-time traffic.
 */
@Injectable()
export class LateEventMinutes {
  private readonly postgres: boolean;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.postgres = dataSource.options.type === 'postgres';
  }

  async note(events: readonly DebugEventRecord[], now = Date.now()): Promise<void> {
    const minutes = new Set<number>();
    for (const event of events) {
      const at = Date.parse(event.timestamp);
      if (at < now - LATE_AFTER_MS) minutes.add(at - (at % MINUTE_MS));
    }
    if (minutes.size === 0) return;
    // One order for every writer: concurrent batches marking the same minutes take the row locks
    // in the same order and cannot deadlock (a per-row trigger did, in two concurrent COPYs).
    const ordered = [...minutes].sort((a, b) => a - b).map((ms) => new Date(ms));
    if (this.postgres) {
      await this.dataSource.query(
        'INSERT INTO debug_insight_late_minutes (bucket_start) SELECT unnest($1::timestamptz[]) ON CONFLICT DO NOTHING',
        [ordered.map((minute) => minute.toISOString())],
      );
    } else {
      await this.dataSource.query(
        `INSERT OR IGNORE INTO debug_insight_late_minutes (bucket_start) VALUES ${ordered.map(() => '(?)').join(', ')}`,
        ordered.map(sqliteTime),
      );
    }
  }
}
