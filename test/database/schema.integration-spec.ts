import { DataSource } from 'typeorm';
import { createDataSource, runMigrations } from '../../src/database/data-source.js';
import {
  DebugEventEntity,
  DebugInsightEntity,
  DebugSessionEntity,
  DebugStateSnapshotEntity,
  DebugMetricEntity,
} from '../../src/database/entities/index.js';
import { newId } from '../../src/common/ids.js';
import { InsightHoursAsJson1764600000001 } from '../../migrations/1764600000001-InsightHoursAsJson.js';
import { SeriesHoursAsArrays1765200000001 } from '../../migrations/1765200000001-SeriesHoursAsArrays.js';
import { MIGRATIONS } from '../../migrations/index.js';
import { insertRows, makeEventEntity } from '../factories/entities.js';
import { describeWithPostgres, freshPostgresUrl, freshSqlitePath } from '../support/services.js';

const TABLES = [
  'debug_events',
  'debug_insights',
  'debug_state_snapshots',
  'debug_metrics',
  'debug_sessions',
];

async function tableNames(dataSource: DataSource): Promise<string[]> {
  if (dataSource.options.type === 'postgres') {
    const rows: { name: string }[] = await dataSource.query(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'
       UNION SELECT relname FROM pg_class WHERE relkind = 'p'`,
    );
    return rows.map((row) => row.name);
  }
  const rows: { name: string }[] = await dataSource.query(
    `SELECT name FROM sqlite_master WHERE type = 'table'`,
  );
  return rows.map((row) => row.name);
}

function schemaSuite(
  dialect: string,
  target: () => Promise<{ databaseUrl?: string; sqlitePath: string }>,
) {
  describe(`schema on ${dialect}`, () => {
    let dataSource: DataSource;

    beforeAll(async () => {
      dataSource = await createDataSource(await target()).initialize();
    });
    afterAll(async () => dataSource?.destroy());

    it('applies every migration on an empty database, and a second run applies nothing', async () => {
      const first = await runMigrations(dataSource);
      expect(first.length).toBeGreaterThanOrEqual(1);
      expect(first[0]).toBe('InitialSchema1764000000000');
      expect(await tableNames(dataSource)).toEqual(expect.arrayContaining(TABLES));
      expect(await runMigrations(dataSource)).toEqual([]);
    });

    it('round-trips an event with JSON columns and a UTC timestamp to the millisecond', async () => {
      const event = makeEventEntity({
        timestamp: new Date('2026-03-01T23:59:59.123Z'),
        data: { nested: { list: [1, 'two', null], flag: true }, unicode: 'żółw ✓' },
        metadata: { host: 'web-1' },
      });
      await insertRows(dataSource, DebugEventEntity, event);
      const loaded = await dataSource
        .getRepository(DebugEventEntity)
        .findOneByOrFail({ id: event.id });
      expect(loaded.timestamp.toISOString()).toBe('2026-03-01T23:59:59.123Z');
      expect(loaded.data).toEqual(event.data);
      expect(loaded.metadata).toEqual({ host: 'web-1' });
      expect(loaded.durationMs).toBe(event.durationMs);
      expect(loaded.correlationId).toBe(event.correlationId);
    });

    it('round-trips the other four tables', async () => {
      const now = new Date('2026-05-05T05:05:05.505Z');
      const insight = {
        id: newId(),
        insightType: 'error',
        severity: 'high',
        title: 'Burst of timeouts',
        summary: 'payments timed out 40 times in 5 minutes',
        fingerprint: `error:${newId()}`,
        affectedComponents: [{ component_type: 'api', component_id: 'payments-1' }],
        evidence: { event_ids: ['a', 'b'], count: 40 },
        confidence: 0.87,
        confidenceFactors: { sample_size: 0.9, effect_size: 0.8 },
        suggestions: ['check the payment provider'],
        occurrences: 3,
        firstSeen: now,
        lastSeen: now,
        status: 'open',
        resolvedAt: null,
        resolution: null,
        sessionId: null,
        createdAt: now,
        updatedAt: now,
      };
      await insertRows(dataSource, DebugInsightEntity, insight);
      expect(
        await dataSource.getRepository(DebugInsightEntity).findOneByOrFail({ id: insight.id }),
      ).toEqual(insight);

      const snapshot = {
        id: newId(),
        componentType: 'worker',
        componentId: 'w-1',
        capturedAt: now,
        correlationId: null,
        state: { config: { retries: 3 } },
        diffFromPrevious: [{ op: 'replace', path: '/config/retries', value: 3 }],
        version: 2,
        hash: 'f'.repeat(64),
      };
      await insertRows(dataSource, DebugStateSnapshotEntity, snapshot);
      expect(
        await dataSource
          .getRepository(DebugStateSnapshotEntity)
          .findOneByOrFail({ id: snapshot.id }),
      ).toEqual(snapshot);

      const metric = {
        id: newId(),
        timestamp: now,
        name: 'queue_depth',
        componentType: 'worker',
        componentId: 'w-1',
        value: 12.5,
        unit: 'jobs',
        tags: { region: 'eu' },
      };
      await insertRows(dataSource, DebugMetricEntity, metric);
      expect(
        await dataSource.getRepository(DebugMetricEntity).findOneByOrFail({ id: metric.id }),
      ).toEqual(metric);

      const session = {
        id: newId(),
        name: 'checkout incident',
        description: null,
        status: 'active',
        filters: { component_ids: ['payments-1'] },
        createdBy: 'agent-7',
        createdAt: now,
        closedAt: null,
        summary: null,
      };
      await insertRows(dataSource, DebugSessionEntity, session);
      expect(
        await dataSource.getRepository(DebugSessionEntity).findOneByOrFail({ id: session.id }),
      ).toEqual(session);
    });

    it('keeps one row per event id (the idempotency key)', async () => {
      const event = makeEventEntity();
      await insertRows(dataSource, DebugEventEntity, event);
      await expect(insertRows(dataSource, DebugEventEntity, { ...event })).rejects.toThrow();
      expect(await dataSource.getRepository(DebugEventEntity).countBy({ id: event.id })).toBe(1);
    });
  });
}

schemaSuite('SQLite', async () => ({ sqlitePath: freshSqlitePath() }));

describeWithPostgres('PostgreSQL', () => {
  schemaSuite('PostgreSQL', async () => ({
    databaseUrl: await freshPostgresUrl({ migrated: false }),
    sqlitePath: ':memory:',
  }));
});

/** A data source on a fresh PostgreSQL database with every migration applied, for one describe. */
function migratedPostgres(): () => DataSource {
  let dataSource: DataSource | undefined;
  beforeAll(async () => {
    dataSource = await createDataSource({
      databaseUrl: await freshPostgresUrl({ migrated: false }),
      sqlitePath: ':memory:',
    }).initialize();
    await runMigrations(dataSource);
  });
  afterAll(async () => dataSource?.destroy());
  return () => dataSource!;
}

describeWithPostgres('PostgreSQL migrations of the series hour values', () => {
  const database = migratedPostgres();

  const columnTypes = async () =>
    (
      (await database().query(
        `SELECT column_name, udt_name FROM information_schema.columns
          WHERE table_name = 'debug_insight_series_hours' AND column_name IN ('counts', 'errors', 'sums', 'squares') ORDER BY column_name`,
      )) as { column_name: string; udt_name: string }[]
    ).map((row) => `${row.column_name}:${row.udt_name}`);
  const allOf = (type: string) =>
    ['counts', 'errors', 'squares', 'sums'].map((c) => `${c}:${type}`);
  const names = MIGRATIONS.map((migration) => migration.name);
  /** Undoes the migrations from the last one applied (`applied`, excluded) down to `migration`, included. */
  const undoDownTo = async (migration: { name: string }, applied: number) => {
    const from = names.indexOf(migration.name);
    for (let i = from; i < applied; i++) await database().undoLastMigration();
    return from;
  };

  it('keeps the values as float8[] now, as json and jsonb before, and drops the rollups it retypes', async () => {
    expect(await columnTypes()).toEqual(allOf('_float8'));
    await database().query(
      `INSERT INTO debug_insight_series_hours (series_key, hour_start, component_type, component_id, counts, errors)
       VALUES ('component:api/a1', '2026-11-24T08:00:00Z', 'api', 'a1', '{1,2,3.5}', '{0,1,0}')`,
    );
    const [row] = (await database().query(
      `SELECT array_to_json(counts) AS counts, array_to_json(errors) AS errors FROM debug_insight_series_hours`,
    )) as { counts: number[]; errors: number[] }[];
    expect(row).toEqual({ counts: [1, 2, 3.5], errors: [0, 1, 0] });

    // JSON (InsightHoursAsJson) before the arrays, jsonb before that
    const arrays = await undoDownTo(SeriesHoursAsArrays1765200000001, names.length);
    expect(await columnTypes()).toEqual(allOf('json'));
    const asJson = await undoDownTo(InsightHoursAsJson1764600000001, arrays);
    expect(await columnTypes()).toEqual(allOf('jsonb'));

    // the rollups are derived data: retyped, they are dropped with their state and rebuilt by the next run
    await database().query(
      `INSERT INTO debug_insight_series_hours (series_key, hour_start, component_type, component_id, counts, errors)
       VALUES ('component:api/a1', '2026-11-24T08:00:00Z', 'api', 'a1', '[1,2,3.5]', '[0,1,0]')`,
    );
    await database().query(
      `INSERT INTO debug_insight_rollup_state (id, rolled_from, rolled_until) VALUES (1, '2026-11-24T08:00:00Z', '2026-11-24T09:00:00Z')`,
    );
    expect(await runMigrations(database())).toEqual(names.slice(asJson));
    expect(await columnTypes()).toEqual(allOf('_float8'));
    const left = (await database().query(
      `SELECT (SELECT count(*) FROM debug_insight_series_hours)::int AS hours, (SELECT count(*) FROM debug_insight_rollup_state)::int AS state`,
    )) as { hours: number; state: number }[];
    expect(left[0]).toEqual({ hours: 0, state: 0 });
  });
});

describeWithPostgres('PostgreSQL series hour rows', () => {
  const database = migratedPostgres();

  it('rewrites the rows of the open hour in place: every update a heap-only tuple', async () => {
    // duration rows as a refresh writes them whole: three arrays of 60 per-minute values
    const values = (scale: number) =>
      `{${Array.from({ length: 60 }, (_, slot) => slot * scale + 0.123456789).join(',')}}`;
    const series = 60;
    const upsert = (scale: number) =>
      database().query(
        `INSERT INTO debug_insight_series_hours (series_key, hour_start, component_type, component_id, operation, counts, sums, squares)
         SELECT 'duration:api/a' || n || ':op', '2026-11-24T08:00:00Z', 'api', 'a' || n, 'op', $1::float8[], $2::float8[], $3::float8[]
           FROM generate_series(1, ${series}) AS n
         ON CONFLICT (series_key, hour_start) DO UPDATE
           SET counts = excluded.counts, sums = excluded.sums, squares = excluded.squares`,
        [values(scale), values(scale * 997.5), values(scale * 1_000_003.25)],
      );
    await upsert(1);
    // the pages as the build left them, then one refresh of the hour, read in its transaction
    const hotUpdates = await database().transaction(async (manager) => {
      await manager.query(
        `UPDATE debug_insight_series_hours SET counts = counts WHERE hour_start = '2026-11-24T08:00:00Z'`,
      );
      return (
        (await manager.query(
          `SELECT pg_stat_get_xact_tuples_updated('debug_insight_series_hours'::regclass) AS updated,
                  pg_stat_get_xact_tuples_hot_updated('debug_insight_series_hours'::regclass) AS hot`,
        )) as { updated: string; hot: string }[]
      )[0];
    });
    expect({ updated: Number(hotUpdates.updated), hot: Number(hotUpdates.hot) }).toEqual({
      updated: series,
      hot: series,
    });
  });
});
