import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { v4 as uuidv4 } from 'uuid';
import request from 'supertest';
import type { DataSource, Repository } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import { API_PREFIX } from '../src/bootstrap.js';
import { Clock, ManualClock } from '../src/common/clock.js';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import { newId } from '../src/common/ids.js';
import { JobName } from '../src/common/queues.js';
import { DebugEventEntity, DebugInsightEntity, DebugMetricEntity, DebugStateSnapshotEntity } from '../src/database/entities/index.js';
import { dayStart, PartitionService } from '../src/database/partition.service.js';
import { ArchiveSegmentEntity } from '../src/storage/cold/archive-segment.entity.js';
import { BLOB_STORE, type BlobInfo, type BlobStore } from '../src/storage/cold/blob-store.js';
import { LocalBlobStore } from '../src/storage/cold/local-blob-store.js';
import { ManifestRepository } from '../src/storage/cold/manifest.repository.js';
import { readSegmentLines } from '../src/storage/cold/segment-format.js';
import type { TieringReport } from '../src/storage/tiering/tiering.service.js';
import { TieringService } from '../src/storage/tiering/tiering.service.js';
import type { FencedTransaction } from '../src/storage/tiering/tiering-lock.js';
import type { ArchiveTableSpec } from '../src/storage/tiering/archive-tables.js';
import { type WarmSlice, WarmSliceRepository } from '../src/storage/warm/warm-slice.repository.js';
import { describeWithPostgresAndRedis, embeddedEnv, fullModeEnv } from './support/services.js';

const ADMIN = 'storage-admin-key:admin';
const READER = 'storage-read-key:read';
const KEYS = `${ADMIN},${READER}`;
const DAY = 86_400_000;

/** A blob store that fails its Nth put (crash point: before the segment is written). */
class FailingBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  puts = 0;
  failOnPut: number | null = null;
  constructor(private readonly inner: BlobStore) {}
  get location() {
    return this.inner.location;
  }
  async put(key: string, body: Buffer) {
    this.puts++;
    if (this.failOnPut === this.puts) throw new Error(`injected failure on put #${this.puts} (${key})`);
    return this.inner.put(key, body);
  }
  get(key: string) {
    return this.inner.get(key);
  }
  getRange(key: string, offset: number, length: number) {
    return this.inner.getRange(key, offset, length);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  list(prefix: string): Promise<BlobInfo[]> {
    return this.inner.list(prefix);
  }
}

/** Fails the manifest step once (crash point: after the segments are written, before the manifest). */
class FailingManifestRepository extends ManifestRepository {
  failNextRecord = false;
  override async record(entries: ArchiveSegmentEntity[]): Promise<void> {
    if (this.failNextRecord) {
      this.failNextRecord = false;
      throw new Error('injected failure before the manifest was recorded');
    }
    return super.record(entries);
  }
}

/** Fails the warm removal once (crash point: after the manifest, before the drop). */
class FailingWarmSliceRepository extends WarmSliceRepository {
  failNextRemove = false;
  /** Runs once, just before the removal step: a row arriving in the day while it is archived. */
  lateArrival: ((slice: WarmSlice) => Promise<void>) | null = null;
  override async removeIfCount(
    transaction: FencedTransaction,
    spec: ArchiveTableSpec,
    slice: WarmSlice,
    expected: number,
    alongside: { sql: string; parameters: unknown[] },
  ) {
    if (this.failNextRemove) {
      this.failNextRemove = false;
      throw new Error('injected failure before the warm rows were dropped');
    }
    const arrive = this.lateArrival;
    this.lateArrival = null;
    if (arrive) await arrive(slice);
    return super.removeIfCount(transaction, spec, slice, expected, alongside);
  }
}

interface Harness {
  app: INestApplication;
  url: string;
  clock: ManualClock;
  blobs: FailingBlobStore;
  manifest: FailingManifestRepository;
  warmSlices: FailingWarmSliceRepository;
  dataSource: DataSource;
  close(): Promise<void>;
}

/** The whole service as `npm start` builds it, with the clock and three seams replaced by test doubles. */
async function boot(env: Record<string, string>, clock = new ManualClock()): Promise<Harness> {
  const blobs = new FailingBlobStore(new LocalBlobStore(env.DEBUG_ARCHIVE_DIR));
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ HOST: '127.0.0.1', DEBUG_API_KEYS: KEYS, LOG_LEVEL: 'warn', ...env })],
  })
    .overrideProvider(Clock)
    .useValue(clock)
    .overrideProvider(BLOB_STORE)
    .useValue(blobs)
    .overrideProvider(ManifestRepository)
    .useClass(FailingManifestRepository)
    .overrideProvider(WarmSliceRepository)
    .useClass(FailingWarmSliceRepository)
    .compile();
  const app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
  app.setGlobalPrefix(API_PREFIX);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    clock,
    blobs,
    manifest: app.get(ManifestRepository) as FailingManifestRepository,
    warmSlices: app.get(WarmSliceRepository) as FailingWarmSliceRepository,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    close: () => app.close(),
  };
}

/** Events of one UTC day, `count` of them a minute apart, on a few components and levels. */
function eventsOfDay(day: Date, count: number, tag: string): DebugEventEntity[] {
  return Array.from({ length: count }, (_, index) => {
    const timestamp = new Date(day.getTime() + 3_600_000 + index * 60_000 + (index % 7));
    return {
      id: newId(timestamp),
      timestamp,
      eventType: index % 10 === 0 ? 'error' : 'log',
      level: index % 10 === 0 ? 'error' : 'info',
      componentType: index % 2 ? 'api' : 'worker',
      componentId: `${tag}-${index % 4}`,
      correlationId: `corr-${tag}-${index % 25}`,
      parentEventId: null,
      operation: 'handle',
      durationMs: index + 0.25,
      message: `${tag} event ${index} ${index % 13 === 0 ? 'Timeout talking to db' : 'ok'}${index % 11 === 0 ? ' line\n2\ttab "q" back\\slash żółw ✓ \u0001' : ''}`,
      data: { index, nested: { tag, list: [index, 'x', null] }, path: 'C:\\tmp\\x', text: 'a\tb\nc "d" ☃', big: 1e21, small: -0.000125 },
      metadata: { host: `h${index % 3}` },
      sessionId: index % 5 === 0 ? 'session-1' : null,
      patternId: null,
      ingestedAt: new Date(timestamp.getTime() + 5),
    };
  });
}

async function insertEvents(harness: Harness, events: DebugEventEntity[]): Promise<void> {
  await harness.app.get(PartitionService).ensureFor('debug_events', events.map((event) => event.timestamp));
  for (let index = 0; index < events.length; index += 200) {
    await harness.dataSource
      .getRepository(DebugEventEntity)
      .insert(events.slice(index, index + 200) as Parameters<Repository<DebugEventEntity>['insert']>[0]);
  }
}

async function run(harness: Harness, job: string = JobName.WarmToCold): Promise<TieringReport> {
  const response = await request(harness.url)
    .post(`/${API_PREFIX}/storage/migrate`)
    .set('X-API-Key', 'storage-admin-key')
    .send({ job })
    .expect(200);
  return response.body as TieringReport;
}

/** Every event a range query returns, following the cursor to the end. */
async function listAll(harness: Harness, query: Record<string, string | number>): Promise<(DebugEventRecord & { tier: string })[]> {
  const all: (DebugEventRecord & { tier: string })[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const response = await request(harness.url)
      .get(`/${API_PREFIX}/events`)
      .set('X-API-Key', 'storage-read-key')
      .query({ ...query, ...(cursor ? { cursor } : {}) })
      .expect(200);
    all.push(...response.body.items);
    cursor = response.body.next_cursor ?? undefined;
    if (!cursor) return all;
  }
  throw new Error('cursor never ended');
}

function withoutTier<T extends { tier?: string }>(rows: T[]): Omit<T, 'tier'>[] {
  return rows.map(({ tier: _tier, ...rest }) => rest);
}

/** Every event id held by the warm table and by released cold segments (blob contents, not the manifest's counts). */
async function idsAcrossTiers(harness: Harness): Promise<{ warm: string[]; cold: string[]; coldRecords: DebugEventRecord[] }> {
  const warmRows: { id: string }[] = await harness.dataSource.query('SELECT id FROM debug_events');
  const entries = await harness.dataSource
    .getRepository(ArchiveSegmentEntity)
    .find({ where: { tableName: 'debug_events' }, order: { timeFrom: 'ASC' } });
  const coldRecords: DebugEventRecord[] = [];
  for (const entry of entries.filter((segment) => segment.warmReleasedAt !== null)) {
    const body = await harness.blobs.get(entry.segmentKey);
    let first = true;
    for (const line of await readSegmentLines(entry.segmentKey, body!)) {
      if (first) {
        first = false;
        continue;
      }
      coldRecords.push(JSON.parse(line) as DebugEventRecord);
    }
  }
  return { warm: warmRows.map((row) => row.id), cold: coldRecords.map((record) => record.id), coldRecords };
}

function checksum(records: Omit<DebugEventRecord, never>[]): string {
  const sorted = [...records].sort((a, b) => (a.id < b.id ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex');
}

function tieringSuite(mode: string, makeEnv: () => Promise<Record<string, string>>, postgres: boolean) {
  describe(`storage tiers (${mode})`, () => {
    const now = new Date();
    const dayA = dayStart(new Date(now.getTime() - 12 * DAY));
    const dayB = dayStart(new Date(now.getTime() - 9 * DAY));

    describe('warm → cold, and reads across the tiers', () => {
      let harness: Harness;
      let env: Record<string, string>;
      const oldA = eventsOfDay(dayA, 300, 'a');
      const oldB = eventsOfDay(dayB, 600, 'b');
      const recent = eventsOfDay(dayStart(now), 0, 'r').concat(
        Array.from({ length: 40 }, (_, index) => eventsOfDay(new Date(now.getTime() - 2 * 3_600_000 - index * 60_000), 1, 'r')[0]),
      );
      const foreignId = uuidv4();
      let before: Omit<DebugEventRecord & { tier: string }, 'tier'>[];
      let report: TieringReport;

      beforeAll(async () => {
        env = await makeEnv();
        harness = await boot({ ...env, DEBUG_ARCHIVE_SEGMENT_ROWS: '250' });
        const foreign = eventsOfDay(dayB, 1, 'foreign')[0];
        foreign.id = foreignId;
        await insertEvents(harness, [...oldA, ...oldB, foreign, ...recent]);
        const snapshots = harness.dataSource.getRepository(DebugStateSnapshotEntity);
        const states = [{ status: 'starting' }, { status: 'ready', workers: 2 }, { status: 'ready', workers: 4, extra: true }];
        for (const [index, state] of states.entries()) {
          await snapshots.insert({
            id: newId(),
            componentType: 'api',
            componentId: 'payments-1',
            capturedAt: index < 2 ? new Date(dayB.getTime() + index * 60_000) : new Date(now.getTime() - 60_000),
            correlationId: null,
            state,
            diffFromPrevious: null,
            version: index + 1,
            hash: `h${index + 1}`,
          });
        }
        const metricTimes = [new Date(dayB.getTime() + 60_000), new Date(dayB.getTime() + 120_000), new Date(now.getTime() - 60_000)];
        await harness.app.get(PartitionService).ensureFor('debug_metrics', metricTimes);
        await harness.dataSource.getRepository(DebugMetricEntity).insert(
          metricTimes.map((timestamp, index) => ({
            id: newId(timestamp),
            timestamp,
            name: 'queue_depth',
            componentType: 'worker',
            componentId: 'w-1',
            value: index * 10,
            unit: 'jobs',
            tags: { pool: 'a' },
          })),
        );
        before = withoutTier(await listAll(harness, { order: 'asc', limit: 97 }));
        report = await run(harness);
      });
      afterAll(async () => harness?.close());

      it('archives every day past retention and leaves the recent rows warm', async () => {
        expect(before).toHaveLength(300 + 600 + 1 + 40);
        expect(report.outcome).toBe('ok');
        const tables = (report.summary as { tables: Record<string, { rows: number; segments: number }> }).tables;
        expect(tables.debug_events.rows).toBe(901);
        // 250 rows per segment: day A → 2 segments, day B (601 rows) → 3.
        expect(tables.debug_events.segments).toBe(5);
        expect(tables.debug_state_snapshots.rows).toBe(2);
        expect(tables.debug_metrics.rows).toBe(2);
        const [{ metrics }] = await harness.dataSource.query('SELECT count(*) AS metrics FROM debug_metrics');
        expect(Number(metrics)).toBe(1);
        const { warm, cold } = await idsAcrossTiers(harness);
        expect(warm.sort()).toEqual(recent.map((event) => event.id).sort());
        expect(cold).toHaveLength(901);
        expect(new Set(cold).size).toBe(901);
        if (postgres) {
          const [{ gone }] = await harness.dataSource.query(`SELECT to_regclass($1) IS NULL AS gone`, [
            `debug_events_p${dayB.toISOString().slice(0, 10).replaceAll('-', '')}`,
          ]);
          expect(gone).toBe(true);
        }
      });

      it('answers a range query with the same events, in the same order, now from cold', async () => {
        const after = await listAll(harness, { order: 'asc', limit: 97 });
        expect(withoutTier(after)).toEqual(before);
        expect(after.filter((row) => row.tier === 'cold')).toHaveLength(901);
        expect(after.filter((row) => row.tier === 'warm')).toHaveLength(40);
        const newestFirst = await listAll(harness, { order: 'desc', limit: 64 });
        expect(withoutTier(newestFirst)).toEqual([...before].reverse());
      });

      it('applies every filter to cold rows as the warm store does', async () => {
        const filtered = await listAll(harness, {
          component_type: 'worker',
          component_id: 'b-2',
          level: 'error',
          order: 'asc',
          limit: 5,
        });
        const expected = before.filter(
          (event) => event.component_type === 'worker' && event.component_id === 'b-2' && event.level === 'error',
        );
        expect(filtered.length).toBeGreaterThan(0);
        expect(withoutTier(filtered)).toEqual(expected);
        const text = await listAll(harness, { text: 'TIMEOUT', session_id: 'session-1', order: 'asc', limit: 1000 });
        expect(withoutTier(text)).toEqual(
          before.filter((event) => event.message.toLowerCase().includes('timeout') && event.session_id === 'session-1'),
        );
        const window = await listAll(harness, {
          from: new Date(dayB.getTime() + 2 * 3_600_000).toISOString(),
          to: new Date(dayB.getTime() + 3 * 3_600_000).toISOString(),
          correlation_id: 'corr-b-3',
          order: 'asc',
        });
        expect(window.length).toBeGreaterThan(0);
        expect(withoutTier(window)).toEqual(
          before.filter(
            (event) =>
              event.correlation_id === 'corr-b-3' &&
              Date.parse(event.timestamp) >= dayB.getTime() + 2 * 3_600_000 &&
              Date.parse(event.timestamp) <= dayB.getTime() + 3 * 3_600_000,
          ),
        );
      });

      it('opens only the cold segments whose manifest entry can match', async () => {
        const page = await request(harness.url)
          .get(`/${API_PREFIX}/events`)
          .set('X-API-Key', 'storage-read-key')
          .query({ from: dayA.toISOString(), to: new Date(dayA.getTime() + DAY - 1).toISOString(), order: 'asc', limit: 10 })
          .expect(200);
        expect(page.body.tiers.cold_segments_read).toBe(1);
        const none = await request(harness.url)
          .get(`/${API_PREFIX}/events`)
          .set('X-API-Key', 'storage-read-key')
          .query({ component_id: 'no-such-component' })
          .expect(200);
        expect(none.body).toMatchObject({ items: [], next_cursor: null, tiers: { cold_segments_read: 0 } });
        const recentOnly = await request(harness.url)
          .get(`/${API_PREFIX}/events`)
          .set('X-API-Key', 'storage-read-key')
          .query({ limit: 10 })
          .expect(200);
        expect(recentOnly.body.tiers).toEqual({ warm: 10, cold: 0, cold_segments_read: 0 });
      });

      it('finds events by id in the cold tier, UUIDv7 and client-chosen ids alike, with identical content', async () => {
        for (const event of [oldA[0], oldA[299], oldB[317]]) {
          const response = await request(harness.url)
            .get(`/${API_PREFIX}/events/${event.id}`)
            .set('X-API-Key', 'storage-read-key')
            .expect(200);
          expect(response.body.tier).toBe('cold');
          const { tier: _tier, ...record } = response.body;
          expect(record).toEqual(before.find((row) => row.id === event.id));
        }
        const foreign = await request(harness.url).get(`/${API_PREFIX}/events/${foreignId}`).set('X-API-Key', 'storage-read-key').expect(200);
        expect(foreign.body).toMatchObject({ id: foreignId, tier: 'cold' });
        const warm = await request(harness.url).get(`/${API_PREFIX}/events/${recent[3].id}`).set('X-API-Key', 'storage-read-key').expect(200);
        expect(warm.body.tier).toBe('warm');
        const missing = await request(harness.url).get(`/${API_PREFIX}/events/${newId(dayB)}`).set('X-API-Key', 'storage-read-key').expect(404);
        expect(missing.body.statusCode).toBe(404);
      });

      it('answers 400 naming the field for a bad id, filter or cursor', async () => {
        const bad = async (path: string, query: Record<string, string>, field: string) => {
          const response = await request(harness.url).get(`/${API_PREFIX}${path}`).set('X-API-Key', 'storage-read-key').query(query).expect(400);
          expect(response.body.message).toContain(field);
        };
        await bad('/events/not-a-uuid', {}, 'id');
        await bad('/events', { from: 'yesterday' }, 'from');
        await bad('/events', { limit: '0' }, 'limit');
        await bad('/events', { limit: '100000' }, 'limit');
        await bad('/events', { level: 'loud' }, 'level');
        await bad('/events', { cursor: 'garbage' }, 'cursor');
        await bad('/events', { colour: 'red' }, 'colour');
        await bad('/events', { from: now.toISOString(), to: dayA.toISOString() }, 'from');
        const page = await request(harness.url).get(`/${API_PREFIX}/events`).set('X-API-Key', 'storage-read-key').query({ limit: 1 }).expect(200);
        await bad('/events', { cursor: page.body.next_cursor, order: 'asc' }, 'cursor');
        await bad('/state/api/payments-1/diff', { from: 'one', to: '2' }, 'from');
      });

      it('keeps the latest state warm and reads history and diffs across tiers', async () => {
        const latest = await request(harness.url).get(`/${API_PREFIX}/state/api/payments-1`).set('X-API-Key', 'storage-read-key').expect(200);
        expect(latest.body).toMatchObject({ version: 3, tier: 'warm', state: { status: 'ready', workers: 4, extra: true } });
        const history = await request(harness.url)
          .get(`/${API_PREFIX}/state/api/payments-1/history`)
          .set('X-API-Key', 'storage-read-key')
          .query({ limit: 2 })
          .expect(200);
        expect(history.body.items.map((row: { version: number; tier: string }) => [row.version, row.tier])).toEqual([
          [3, 'warm'],
          [2, 'cold'],
        ]);
        expect(history.body.next_cursor).toBe('2');
        const older = await request(harness.url)
          .get(`/${API_PREFIX}/state/api/payments-1/history`)
          .set('X-API-Key', 'storage-read-key')
          .query({ before: 2 })
          .expect(200);
        expect(older.body.items.map((row: { version: number }) => row.version)).toEqual([1]);
        const diff = await request(harness.url)
          .get(`/${API_PREFIX}/state/api/payments-1/diff`)
          .set('X-API-Key', 'storage-read-key')
          .query({ from: 1, to: 3 })
          .expect(200);
        expect(diff.body).toMatchObject({ from_version: 1, to_version: 3 });
        expect(diff.body.patch).toEqual(
          expect.arrayContaining([
            { op: 'replace', path: '/status', value: 'ready' },
            { op: 'add', path: '/workers', value: 4 },
            { op: 'add', path: '/extra', value: true },
          ]),
        );
        await request(harness.url).get(`/${API_PREFIX}/state/api/payments-1/diff`).set('X-API-Key', 'storage-read-key').query({ from: 1, to: 9 }).expect(404);
        await request(harness.url).get(`/${API_PREFIX}/state/api/nobody`).set('X-API-Key', 'storage-read-key').expect(404);
      });

      it('reports each tier and the last job runs in storage stats (admin only)', async () => {
        await request(harness.url).get(`/${API_PREFIX}/storage/stats`).set('X-API-Key', 'storage-read-key').expect(403);
        const stats = await request(harness.url).get(`/${API_PREFIX}/storage/stats`).set('X-API-Key', 'storage-admin-key').expect(200);
        expect(stats.body.warm.tables.debug_events.rows).toBe(40);
        expect(stats.body.cold.tables.debug_events).toMatchObject({ rows: 901, segments: 5, unreleased_segments: 0 });
        expect(stats.body.cold.tables.debug_events.oldest).toBe(oldA[0].timestamp.toISOString());
        expect(stats.body.cold.tables.debug_events.compression_ratio).toBeGreaterThan(2);
        expect(stats.body.jobs['warm-to-cold'].last_success.run_id).toBe(report.run_id);
      });

      it('a second run finds nothing left to move', async () => {
        const again = await run(harness);
        expect(again.outcome).toBe('ok');
        expect((again.summary as { tables: Record<string, { rows: number }> }).tables.debug_events.rows).toBe(0);
        const { cold } = await idsAcrossTiers(harness);
        expect(cold).toHaveLength(901);
      });

      it('cold retention deletes only the segments past their time, manifest and objects', async () => {
        // Stand 19.5 days ahead: with 30 days of cold retention, day A (12 days old) is past it, day B (9) is not.
        harness.clock.set(now.getTime() + 19.5 * DAY);
        const retention = await run(harness, JobName.ColdRetention);
        expect(retention.outcome).toBe('ok');
        expect(retention.summary).toMatchObject({ segments_deleted: 2, rows_deleted: 300 });
        const { cold } = await idsAcrossTiers(harness);
        expect(cold.sort()).toEqual([...oldB.map((event) => event.id), foreignId].sort());
        const keys = (await harness.blobs.list('debug_events/')).map((blob) => blob.key);
        expect(keys.some((key) => key.includes(dayA.toISOString().slice(0, 10).replaceAll('-', '/')))).toBe(false);
        expect(keys.filter((key) => key.includes(dayB.toISOString().slice(0, 10).replaceAll('-', '/')))).toHaveLength(3);
        await request(harness.url).get(`/${API_PREFIX}/events/${oldA[5].id}`).set('X-API-Key', 'storage-read-key').expect(404);
        await request(harness.url).get(`/${API_PREFIX}/events/${oldB[5].id}`).set('X-API-Key', 'storage-read-key').expect(200);
        harness.clock.set(now);
      });

      it('insight retention deletes resolved insights past their time only', async () => {
        const insights = harness.dataSource.getRepository(DebugInsightEntity);
        const make = (status: string, resolvedAt: Date | null) => ({
          id: newId(),
          insightType: 'error',
          severity: 'high',
          title: 't',
          summary: 's',
          fingerprint: `fp-${newId()}`,
          affectedComponents: [],
          evidence: {},
          confidence: 0.5,
          confidenceFactors: {},
          suggestions: [],
          occurrences: 1,
          firstSeen: new Date(now.getTime() - 60 * DAY),
          lastSeen: new Date(now.getTime() - 40 * DAY),
          status,
          resolvedAt,
          resolution: null,
          sessionId: null,
          createdAt: new Date(now.getTime() - 60 * DAY),
          updatedAt: new Date(now.getTime() - 40 * DAY),
        });
        const expired = make('resolved', new Date(now.getTime() - 31 * DAY));
        const fresh = make('resolved', new Date(now.getTime() - 29 * DAY));
        const open = make('open', null);
        await insights.insert([expired, fresh, open]);
        const retention = await run(harness, JobName.InsightRetention);
        expect(retention).toMatchObject({ outcome: 'ok', summary: { insights_deleted: 1 } });
        const left = (await insights.find()).map((insight) => insight.id).sort();
        expect(left).toEqual([fresh.id, open.id].sort());
      });
    });

    describe('crash at each step, then a re-run', () => {
      const crashPoints = [
        ['before the segment is written', (harness: Harness) => (harness.blobs.failOnPut = harness.blobs.puts + 2)],
        ['after the segments are written, before the manifest', (harness: Harness) => (harness.manifest.failNextRecord = true)],
        ['after the manifest, before the warm rows are dropped', (harness: Harness) => (harness.warmSlices.failNextRemove = true)],
      ] as const;

      it.each(crashPoints)('%s: every event ends up present exactly once, content unchanged', async (_name, arm) => {
        const harness = await boot({ ...(await makeEnv()), DEBUG_ARCHIVE_SEGMENT_ROWS: '100' });
        try {
          const events = [...eventsOfDay(dayA, 250, 'a'), ...eventsOfDay(dayB, 250, 'b')];
          await insertEvents(harness, events);
          const original = withoutTier(await listAll(harness, { order: 'asc', limit: 1000 }));
          expect(original).toHaveLength(500);
          const originalChecksum = checksum(original);

          arm(harness);
          const crashed = await run(harness);
          expect(crashed.outcome).toBe('failed');
          expect(crashed.error).toMatch(/injected failure/);
          // Nothing lost and nothing doubled while the job is half done.
          const during = withoutTier(await listAll(harness, { order: 'asc', limit: 1000 }));
          expect(checksum(during)).toBe(originalChecksum);

          const rerun = await run(harness);
          expect(rerun.outcome).toBe('ok');
          const { warm, cold, coldRecords } = await idsAcrossTiers(harness);
          expect(warm).toEqual([]);
          expect(cold).toHaveLength(500);
          expect(new Set(cold).size).toBe(500);
          expect(checksum(coldRecords)).toBe(originalChecksum);
          const after = withoutTier(await listAll(harness, { order: 'asc', limit: 1000 }));
          expect(checksum(after)).toBe(originalChecksum);
          // The manifest names exactly the objects in the store: no orphan left by the crash.
          const entries = await harness.dataSource.getRepository(ArchiveSegmentEntity).find({ where: { tableName: 'debug_events' } });
          expect(entries.every((entry) => entry.warmReleasedAt !== null)).toBe(true);
          expect(entries.reduce((sum, entry) => sum + entry.rowCount, 0)).toBe(500);
          const objects = (await harness.blobs.list('debug_events/')).map((blob) => blob.key).sort();
          expect(objects).toEqual(entries.map((entry) => entry.segmentKey).sort());
        } finally {
          await harness.close();
        }
      });
    });

    it('a row that arrives in a day while it is archived makes the job archive that day again', async () => {
      const harness = await boot({ ...(await makeEnv()), DEBUG_ARCHIVE_SEGMENT_ROWS: '100' });
      try {
        const events = eventsOfDay(dayB, 150, 'b');
        await insertEvents(harness, events);
        const late = eventsOfDay(dayB, 151, 'late')[150];
        harness.warmSlices.lateArrival = async (slice) => {
          if (slice.table === 'debug_events') await insertEvents(harness, [late]);
        };
        const report = await run(harness);
        expect(report.outcome).toBe('ok');
        expect((report.summary as { tables: Record<string, { rows: number }> }).tables.debug_events.rows).toBe(151);
        const { warm, cold } = await idsAcrossTiers(harness);
        expect(warm).toEqual([]);
        expect(cold.sort()).toEqual([...events.map((event) => event.id), late.id].sort());
        const entries = await harness.dataSource.getRepository(ArchiveSegmentEntity).find({ where: { tableName: 'debug_events' } });
        expect(entries.map((entry) => entry.generation)).toEqual([1, 1]);
        const objects = (await harness.blobs.list('debug_events/')).map((blob) => blob.key).sort();
        expect(objects).toEqual(entries.map((entry) => entry.segmentKey).sort());
      } finally {
        await harness.close();
      }
    });

    describe('one run at a time', () => {
      it('overlapping runs do not double-archive: one runs, the other is skipped', async () => {
        const env = await makeEnv();
        const first = await boot({ ...env, DEBUG_ARCHIVE_SEGMENT_ROWS: '200' });
        // Full mode: a second process on the same database and archive; embedded: the same process.
        const second = postgres ? await boot({ ...env, DEBUG_ARCHIVE_SEGMENT_ROWS: '200' }) : first;
        try {
          const events = [...eventsOfDay(dayA, 400, 'a'), ...eventsOfDay(dayB, 400, 'b')];
          await insertEvents(first, events);
          const reports = await Promise.all([
            first.app.get(TieringService).run(JobName.WarmToCold, 'manual'),
            second.app.get(TieringService).run(JobName.WarmToCold, 'manual'),
            first.app.get(TieringService).run(JobName.WarmToCold, 'manual'),
          ]);
          const outcomes = reports.map((report) => report.outcome).sort();
          expect(outcomes).toEqual(['ok', 'skipped', 'skipped']);
          const { warm, cold } = await idsAcrossTiers(first);
          expect(warm).toEqual([]);
          expect(cold).toHaveLength(800);
          expect(new Set(cold).size).toBe(800);
          const stats = await request(first.url).get(`/${API_PREFIX}/storage/stats`).set('X-API-Key', 'storage-admin-key').expect(200);
          const outcomesSeen = stats.body.jobs['warm-to-cold'].last_runs.map((row: { outcome: string }) => row.outcome).sort();
          expect(outcomesSeen).toEqual(['ok', 'skipped', 'skipped']);
        } finally {
          if (second !== first) await second.close();
          await first.close();
        }
      });
    });
  });
}

tieringSuite('embedded: SQLite + in-process queue', async () => embeddedEnv(), false);

describeWithPostgresAndRedis('full mode', () => {
  tieringSuite('full: PostgreSQL + Redis', () => fullModeEnv(), true);
});
