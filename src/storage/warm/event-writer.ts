import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import copyStreams from 'pg-copy-streams';
import type { PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { DebugEventRecord } from '../../common/debug-event.js';
import { PartitionService } from '../../database/partition.service.js';
import { dialectOf, pgPoolOf, sqliteOf, sqliteTime } from '../../database/sql/dialect.js';
import { EVENT_COLUMNS } from '../../database/sql/event-row.js';
import { jsonOrNull } from '../../database/sql/row-values.js';

/** The columns in the order the writers send them (quoted: `timestamp` is a keyword). */
const COLUMNS = EVENT_COLUMNS.map((column) => (column === 'timestamp' ? '"timestamp"' : column));

/** How rows reach PostgreSQL: COPY (falling back to the idempotent insert on a duplicate), or the insert alone. */
export type EventWriteStrategy = 'copy' | 'unnest';

const UNIQUE_VIOLATION = '23505';
const MIN_COPY_ROWS = 32;

/**
 * The warm-store write of the ingest pipeline: a batch of events in one statement,
 * idempotent by id (a retried job writes nothing twice).
 *
 * PostgreSQL: day partitions are made sure of, then the batch goes in with COPY, the
 * fastest path; a COPY is all-or-nothing, so when one row of it already exists (a job
 * retried after its commit) the batch is written again with
 * INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING, which skips the rows present.
 * SQLite: prepared INSERT OR IGNORE in one transaction.
 */
@Injectable()
export class EventWriter {
  private readonly logger = new Logger(EventWriter.name);
  private readonly dialect;
  strategy: EventWriteStrategy = 'copy';

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly partitions: PartitionService,
  ) {
    this.dialect = dialectOf(dataSource);
  }

  /** Writes the events; returns how many rows were new. */
  async write(events: readonly DebugEventRecord[]): Promise<number> {
    if (events.length === 0) return 0;
    if (this.dialect === 'sqlite') return this.writeSqlite(events);
    await this.partitions.ensureFor('debug_events', daysOf(events));
    const client = await pgPoolOf(this.dataSource).connect();
    try {
      // COPY costs two round trips before its first row; a handful of rows (single events
      // under group commit) go faster as one idempotent INSERT.
      if (this.strategy === 'copy' && events.length >= MIN_COPY_ROWS) {
        try {
          return await this.copy(client, events);
        } catch (error) {
          if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
          this.logger.debug(
            `COPY of ${events.length} events met an existing row: writing them idempotently`,
          );
        }
      }
      return await this.insertIgnoringPresent(client, events);
    } finally {
      client.release();
    }
  }

  private async copy(client: PoolClient, events: readonly DebugEventRecord[]): Promise<number> {
    const stream = client.query(
      copyStreams.from(`COPY debug_events (${COLUMNS.join(', ')}) FROM STDIN`),
    );
    await pipeline(Readable.from([copyText(events)]), stream);
    return stream.rowCount;
  }

  private async insertIgnoringPresent(
    client: PoolClient,
    events: readonly DebugEventRecord[],
  ): Promise<number> {
    const columns: unknown[][] = COLUMNS.map(() => new Array(events.length));
    events.forEach((event, row) => {
      const values = rowValues(event);
      for (let column = 0; column < values.length; column++) columns[column][row] = values[column];
    });
    const result = await client.query(
      `INSERT INTO debug_events (${COLUMNS.join(', ')})
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::varchar[], $4::varchar[], $5::varchar[], $6::varchar[],
                            $7::varchar[], $8::varchar[], $9::varchar[], $10::float8[], $11::text[], $12::jsonb[],
                            $13::jsonb[], $14::varchar[], $15::varchar[], $16::timestamptz[])
       ON CONFLICT DO NOTHING`,
      columns,
    );
    return result.rowCount ?? 0;
  }

  private writeSqlite(events: readonly DebugEventRecord[]): number {
    const db = sqliteOf(this.dataSource);
    const insert = db.prepare(
      `INSERT OR IGNORE INTO debug_events (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
    );
    const writeAll = db.transaction((rows: readonly DebugEventRecord[]) => {
      let written = 0;
      for (const event of rows) {
        const values = rowValues(event);
        values[1] = sqliteTime(event.timestamp);
        values[15] = sqliteTime(event.ingested_at);
        written += insert.run(...values).changes;
      }
      return written;
    });
    return writeAll(events);
  }
}

const DAY_MS = 86_400_000;

/** One time per distinct day: a batch spans a few days, not a thousand. */
export function daysOf(rows: readonly { timestamp: string }[]): number[] {
  const days = new Set<number>();
  for (const row of rows) days.add(Math.floor(Date.parse(row.timestamp) / DAY_MS) * DAY_MS);
  return [...days];
}

function rowValues(event: DebugEventRecord): unknown[] {
  return [
    event.id,
    event.timestamp,
    event.event_type,
    event.level,
    event.component_type,
    event.component_id,
    event.correlation_id,
    event.parent_event_id,
    event.operation,
    event.duration_ms,
    event.message,
    jsonOrNull(event.data),
    jsonOrNull(event.metadata),
    event.session_id,
    event.pattern_id,
    event.ingested_at,
  ];
}

// COPY text format: columns split by tab, rows by newline, \N for NULL, backslash escapes.
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPES, (char) => ESCAPED[char]) : value;
}

/** The events as COPY text, one line each. Exported for its unit test. */
export function copyText(events: readonly DebugEventRecord[]): string {
  let text = '';
  for (const event of events) {
    text +=
      event.id +
      '\t' +
      event.timestamp +
      '\t' +
      copyField(event.event_type) +
      '\t' +
      copyField(event.level) +
      '\t' +
      copyField(event.component_type) +
      '\t' +
      copyField(event.component_id) +
      '\t' +
      copyField(event.correlation_id) +
      '\t' +
      copyField(event.parent_event_id) +
      '\t' +
      copyField(event.operation) +
      '\t' +
      (event.duration_ms === null ? '\\N' : String(event.duration_ms)) +
      '\t' +
      copyField(event.message) +
      '\t' +
      copyField(jsonOrNull(event.data)) +
      '\t' +
      copyField(jsonOrNull(event.metadata)) +
      '\t' +
      copyField(event.session_id) +
      '\t' +
      copyField(event.pattern_id) +
      '\t' +
      event.ingested_at +
      '\n';
  }
  return text;
}
