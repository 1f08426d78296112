import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/config/app-config.service.js';
import { validateEnvironment } from '../../src/config/environment.js';
import { createDataSource } from '../../src/database/data-source.js';
import { DebugEventEntity } from '../../src/database/entities/index.js';
import { PartitionService } from '../../src/database/partition.service.js';
import { insertRows, makeEventEntity } from '../factories/entities.js';
import { describeWithPostgres, freshPostgresUrl } from '../support/services.js';

describeWithPostgres('PostgreSQL day partitions', () => {
  let dataSource: DataSource;
  let partitions: PartitionService;
  const config = new AppConfig(validateEnvironment({ DEBUG_PARTITION_DAYS_AHEAD: '3' }));

  async function partitionOf(id: string): Promise<string> {
    const [row] = await dataSource.query(
      `SELECT tableoid::regclass::text AS part FROM debug_events WHERE id = $1`,
      [id],
    );
    return row.part;
  }

  beforeAll(async () => {
    dataSource = await createDataSource({
      databaseUrl: await freshPostgresUrl(),
      sqlitePath: ':memory:',
    }).initialize();
    partitions = new PartitionService(dataSource, config);
  });
  afterAll(async () => dataSource?.destroy());

  it('creates yesterday through today + N days ahead, for events and metrics', async () => {
    const created = await partitions.maintain(new Date('2026-11-24T23:30:00Z'));
    expect(created).toEqual(
      expect.arrayContaining([
        'debug_events_p20261123',
        'debug_events_p20261124',
        'debug_events_p20261127',
        'debug_metrics_p20261124',
      ]),
    );
    expect(created).not.toContain('debug_events_p20261128');
    expect((await partitions.list('debug_events')).map((p) => p.name)).toEqual([
      'debug_events_p20261123',
      'debug_events_p20261124',
      'debug_events_p20261125',
      'debug_events_p20261126',
      'debug_events_p20261127',
    ]);
    expect(await partitions.maintain(new Date('2026-11-24T23:30:00Z'))).toEqual([]);
  });

  it('puts events on each side of midnight into their own day', async () => {
    const before = makeEventEntity({ timestamp: new Date('2026-11-24T23:59:59.999Z') });
    const after = makeEventEntity({ timestamp: new Date('2026-11-25T00:00:00.000Z') });
    await insertRows(dataSource, DebugEventEntity, [before, after]);
    expect(await partitionOf(before.id)).toBe('debug_events_p20261124');
    expect(await partitionOf(after.id)).toBe('debug_events_p20261125');
  });

  it('moves rows that landed in the default partition into the day partition made later', async () => {
    const strays = [
      makeEventEntity({ timestamp: new Date('2026-01-15T10:00:00Z') }),
      makeEventEntity({ timestamp: new Date('2026-01-15T23:59:59Z') }),
    ];
    await insertRows(dataSource, DebugEventEntity, strays);
    expect(await partitionOf(strays[0].id)).toBe('debug_events_default');

    expect(await partitions.ensureFor('debug_events', [new Date('2026-01-15T12:00:00Z')])).toEqual([
      'debug_events_p20260115',
    ]);
    expect(await partitionOf(strays[0].id)).toBe('debug_events_p20260115');
    expect(await partitionOf(strays[1].id)).toBe('debug_events_p20260115');
    const [{ count }] = await dataSource.query(
      `SELECT count(*)::int AS count FROM debug_events WHERE "timestamp" >= '2026-01-15' AND "timestamp" < '2026-01-16'`,
    );
    expect(count).toBe(2);
  });

  it('lets two processes create different days of the same table at once, without deadlock', async () => {
    const url =
      dataSource.options.type === 'postgres' ? (dataSource.options as { url: string }).url : '';
    const other = await createDataSource({ databaseUrl: url, sqlitePath: ':memory:' }).initialize();
    try {
      const mine = new PartitionService(dataSource, config);
      const theirs = new PartitionService(other, config);
      const days = (first: number) =>
        [0, 1, 2, 3].map((offset) => new Date(Date.UTC(2026, 5, first + offset * 2, 12)));
      const [a, b] = await Promise.all([
        mine.ensureFor('debug_events', days(1)),
        theirs.ensureFor('debug_events', days(2)),
      ]);
      expect([...a, ...b].sort()).toEqual([
        'debug_events_p20260601',
        'debug_events_p20260602',
        'debug_events_p20260603',
        'debug_events_p20260604',
        'debug_events_p20260605',
        'debug_events_p20260606',
        'debug_events_p20260607',
        'debug_events_p20260608',
      ]);
    } finally {
      await other.destroy();
    }
  });

  it('lets several processes ask for the same new day at once', async () => {
    const others = [1, 2, 3].map(() => new PartitionService(dataSource, config));
    const results = await Promise.all(
      others.map((service) =>
        service.ensureFor('debug_events', [new Date('2026-02-02T02:02:02Z')]),
      ),
    );
    expect(results.flat()).toEqual(['debug_events_p20260202']);
    const event = makeEventEntity({ timestamp: new Date('2026-02-02T05:00:00Z') });
    await insertRows(dataSource, DebugEventEntity, event);
    expect(await partitionOf(event.id)).toBe('debug_events_p20260202');
  });
});
