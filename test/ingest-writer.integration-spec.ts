import { DataSource } from 'typeorm';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import { AppConfig } from '../src/config/app-config.service.js';
import { validateEnvironment } from '../src/config/environment.js';
import { createDataSource, runMigrations } from '../src/database/data-source.js';
import { PartitionService } from '../src/database/partition.service.js';
import { EventWriter } from '../src/storage/warm/event-writer.js';
import { MetricWriter } from '../src/storage/warm/metric-writer.js';
import { corpusEvents } from './factories/events.js';
import { describeWithPostgres, freshPostgresUrl, freshSqlitePath } from './support/services.js';

function records(count: number, seed: number): DebugEventRecord[] {
  const ingestedAt = new Date().toISOString();
  return corpusEvents(count, seed).map((event) => ({
    ...event,
    pattern_id: 'p1',
    ingested_at: ingestedAt,
  }));
}

function writerSuite(
  dialect: string,
  target: () => Promise<{ databaseUrl?: string; sqlitePath: string }>,
) {
  describe(`warm writers (${dialect})`, () => {
    let dataSource: DataSource;
    let writer: EventWriter;
    let metrics: MetricWriter;
    const count = async (ids: string[]) => {
      const placeholders = ids
        .map((_, index) => (dialect === 'postgres' ? `$${index + 1}` : '?'))
        .join(', ');
      const [row] = await dataSource.query(
        `SELECT count(*) AS n FROM debug_events WHERE id IN (${placeholders})`,
        ids,
      );
      return Number(row.n);
    };

    beforeAll(async () => {
      const where = await target();
      dataSource = await createDataSource(where).initialize();
      await runMigrations(dataSource);
      const config = new AppConfig(
        validateEnvironment({
          DATABASE_URL: where.databaseUrl ?? '',
          DEBUG_SQLITE_PATH: where.sqlitePath,
        }),
      );
      const partitions = new PartitionService(dataSource, config);
      writer = new EventWriter(dataSource, partitions);
      metrics = new MetricWriter(dataSource, partitions);
    });
    afterAll(async () => dataSource?.destroy());

    it('writes a batch once, and a batch overlapping it (a retried job) adds only the new rows', async () => {
      const events = records(150, 21);
      expect(await writer.write(events.slice(0, 100))).toBe(100);
      // COPY meets the 100 present rows, fails as a whole, and the batch is rewritten skipping them.
      expect(await writer.write(events)).toBe(50);
      expect(await writer.write(events)).toBe(0);
      expect(await count(events.map((event) => event.id))).toBe(150);
    });

    it('keeps every field, including text that needs COPY escapes', async () => {
      const [event] = records(1, 22);
      const tricky: DebugEventRecord = {
        ...event,
        message: 'tab\there, newline\nthere, backslash \\ and "quotes"',
        data: { nested: { list: [1, 'two\tthree', null] }, text: 'line\r\nbreak' },
        metadata: { unicode: 'héllo ☃ 😀' },
        duration_ms: 0.125,
      };
      // In a batch big enough to take the COPY path.
      const batch = [tricky, ...records(40, 23)];
      expect(await writer.write(batch)).toBe(41);
      const sql = `SELECT message, data, metadata, duration_ms, pattern_id FROM debug_events WHERE id = ${dialect === 'postgres' ? '$1' : '?'}`;
      const [row] = await dataSource.query(sql, [tricky.id]);
      const json = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value);
      expect(row.message).toBe(tricky.message);
      expect(json(row.data)).toEqual(tricky.data);
      expect(json(row.metadata)).toEqual(tricky.metadata);
      expect(Number(row.duration_ms)).toBe(0.125);
      expect(row.pattern_id).toBe('p1');
    });

    it('writes metric points idempotently', async () => {
      const point = {
        id: '019ab2f4-0000-7000-8000-000000000001',
        timestamp: new Date().toISOString(),
        name: 'queue.depth',
        component_type: 'worker',
        component_id: 'w1',
        value: 3,
        unit: null,
        tags: { a: 'b' },
      };
      expect(await metrics.write([point])).toBe(1);
      expect(await metrics.write([point])).toBe(0);
    });
  });
}

describeWithPostgres('PostgreSQL', () => {
  writerSuite('postgres', async () => ({
    databaseUrl: await freshPostgresUrl(),
    sqlitePath: ':memory:',
  }));
});
writerSuite('sqlite', async () => ({ sqlitePath: freshSqlitePath() }));
