import { DataSource } from 'typeorm';
import { newId } from '../src/common/ids.js';
import type { DebugEventRecord } from '../src/common/debug-event.js';
import { createDataSource, runMigrations } from '../src/database/data-source.js';
import { DebugEventEntity } from '../src/database/entities/index.js';
import { PatternStatsService } from '../src/patterns/pattern-stats.service.js';
import { PatternRepository } from '../src/patterns/pattern.repository.js';
import { PatternService } from '../src/patterns/pattern.service.js';
import { describeWithPostgres, freshPostgresUrl, freshSqlitePath } from './support/services.js';

const BASE = new Date('2026-11-24T10:00:00.000Z');

function event(message: string, overrides: Partial<DebugEventRecord> = {}): DebugEventRecord {
  const timestamp = new Date(BASE.getTime() + Math.floor(Math.random() * 60_000));
  return {
    id: newId(timestamp),
    timestamp: timestamp.toISOString(),
    event_type: 'log',
    level: 'error',
    component_type: 'sshd',
    component_id: 'host-1',
    correlation_id: null,
    parent_event_id: null,
    operation: null,
    duration_ms: null,
    message,
    data: null,
    metadata: null,
    session_id: null,
    pattern_id: null,
    ingested_at: new Date().toISOString(),
    ...overrides,
  };
}

/** What the ingest worker does, then waiting for the pattern writer (assign() does not). */
async function assignAndFlush(worker: PatternService, events: DebugEventRecord[]): Promise<void> {
  await worker.assign(events);
  await worker.flush();
}

function toEntity(record: DebugEventRecord): DebugEventEntity {
  return {
    id: record.id,
    timestamp: new Date(record.timestamp),
    eventType: record.event_type,
    level: record.level,
    componentType: record.component_type,
    componentId: record.component_id,
    correlationId: record.correlation_id,
    parentEventId: record.parent_event_id,
    operation: record.operation,
    durationMs: record.duration_ms,
    message: record.message,
    data: null,
    metadata: null,
    sessionId: record.session_id,
    patternId: record.pattern_id,
    ingestedAt: new Date(record.ingested_at),
  };
}

function patternSuite(
  dialect: string,
  target: () => Promise<{ databaseUrl?: string; sqlitePath: string }>,
) {
  describe(`patterns on ${dialect}`, () => {
    let dataSource: DataSource;
    let repository: PatternRepository;

    beforeAll(async () => {
      dataSource = await createDataSource(await target()).initialize();
      await runMigrations(dataSource);
      repository = new PatternRepository(dataSource);
    });
    afterAll(async () => dataSource?.destroy());

    async function row(id: string) {
      const [found] = (await repository.statsOf([id])).filter((r) => r.id === id);
      return found;
    }

    it('assign() sets pattern ids and stores the pattern with counts, levels, components and samples', async () => {
      const worker = new PatternService(repository);
      const batch = [
        event('Received block blk_-1608999687919862906 of size 91178 from /10.250.10.6', {
          level: 'info',
        }),
        event('Received block blk_7503483334202473044 of size 233217 from /10.251.71.16', {
          component_id: 'host-2',
        }),
        event(
          'Deleting block blk_-1608999687919862906 file /mnt/hadoop/dfs/data/current/blk_-1608999687919862906',
        ),
      ];
      await assignAndFlush(worker, batch);
      expect(batch[0].pattern_id).toMatch(/^[0-9a-f]{16}$/);
      expect(batch[1].pattern_id).toBe(batch[0].pattern_id);
      expect(batch[2].pattern_id).not.toBe(batch[0].pattern_id);

      const stored = await row(batch[0].pattern_id!);
      expect(stored).toMatchObject({
        template: 'Received block <*> of size <*> from <*>',
        mergedInto: null,
        count: 2,
        levels: { info: 1, error: 1 },
        sampleEventIds: [batch[0].id, batch[1].id],
      });
      expect(stored.components).toEqual(
        expect.arrayContaining([
          { component_type: 'sshd', component_id: 'host-1', count: 1 },
          { component_type: 'sshd', component_id: 'host-2', count: 1 },
        ]),
      );
      const times = [batch[0], batch[1]].map((e) => new Date(e.timestamp).getTime());
      expect(stored.firstSeen!.getTime()).toBe(Math.min(...times));
      expect(stored.lastSeen!.getTime()).toBe(Math.max(...times));

      await assignAndFlush(worker, [
        event('Received block blk_1 of size 5 from /10.0.0.1', { level: 'warning' }),
      ]);
      expect(await row(batch[0].pattern_id!)).toMatchObject({
        count: 3,
        levels: { info: 1, error: 1, warning: 1 },
      });
    });

    it('two workers give the same id to the same message, including patterns the other one generalized', async () => {
      const workerA = new PatternService(repository);
      const users = ['webmaster', 'admin', 'oracle', 'postgres', 'guest'];
      const batchA = users.map((user) => event(`Invalid user ${user} from 173.234.31.186`));
      await assignAndFlush(workerA, batchA);
      const general = batchA[batchA.length - 1].pattern_id!;
      expect(new Set(batchA.map((e) => e.pattern_id))).toEqual(new Set([general]));
      expect((await row(general)).template).toBe('Invalid user <*> from <*>');

      // a second process starts afterwards: it loads what the first one learned
      const workerB = new PatternService(repository);
      const fromB = event('Invalid user nobody from 10.9.8.7');
      const fromA = event('Invalid user nobody from 10.9.8.7');
      await assignAndFlush(workerB, [fromB]);
      await assignAndFlush(workerA, [fromA]);
      expect(fromB.pattern_id).toBe(general);
      expect(fromA.pattern_id).toBe(general);

      // a message neither has seen: content-addressed ids agree without any sync
      const newA = event('disk /dev/sda1 is 91% full');
      const newB = event('disk /dev/sdb2 is 97% full');
      await Promise.all([workerA.assign([newA]), workerB.assign([newB])]);
      await Promise.all([workerA.flush(), workerB.flush()]);
      expect(newA.pattern_id).toBe(newB.pattern_id);
      expect(await row(newA.pattern_id!)).toMatchObject({
        count: 2,
        template: 'disk <*> is <*> full',
      });
    });

    it('a process started later knows the spans learned before: a value of several words keeps its pattern', async () => {
      const first = new PatternService(repository);
      // a worker that synced before anything was learned, and learns the same span itself
      const second = new PatternService(repository);
      await second.sync();
      const units = [
        'Network Time Synchronization',
        'Journal Service',
        'Permit User Sessions',
        'Hostname Service',
        'Load Kernel Modules',
        'Daily man-db regeneration',
      ];
      const batch = [...units, ...units].map((unit) => event(`Started ${unit}.`));
      await assignAndFlush(first, batch);
      const general = batch[batch.length - 1].pattern_id!;
      expect((await row(general)).template).toBe('Started <*>');
      const stored = await repository.spansSince(null);
      expect(stored).toContainEqual(
        expect.objectContaining({ tokens: ['Started', '<*>'], spaceBefore: [false, true] }),
      );

      // a restart: the new process loads the templates and the spans
      const restarted = new PatternService(repository);
      const unseen = event('Started Power Profiles Daemon Service.');
      await assignAndFlush(restarted, [unseen]);
      expect(unseen.pattern_id).toBe(general);
      // the second worker (within its sync interval) learns the same shape and writes it too:
      // stored once
      const fromSecond = [...units].reverse().map((unit) => event(`Started ${unit}.`));
      await assignAndFlush(second, [...fromSecond, ...fromSecond]);
      expect(fromSecond[0].pattern_id).toBe(general);
      expect((await repository.spansSince(null)).length).toBe(stored.length);
    });

    it('converges when each worker saw too few words alone: the sync generalizes and both use the result', async () => {
      const workerA = new PatternService(repository);
      const workerB = new PatternService(repository);
      await Promise.all([workerA.sync(), workerB.sync()]);
      const fromA = ['alice', 'bob'].map((user) =>
        event(`job queue drained by worker ${user} in pool`),
      );
      const fromB = ['carol', 'dave'].map((user) =>
        event(`job queue drained by worker ${user} in pool`),
      );
      await assignAndFlush(workerA, fromA);
      await assignAndFlush(workerB, fromB); // within the sync interval: B has not seen A's words yet
      expect(new Set([...fromA, ...fromB].map((e) => e.pattern_id)).size).toBe(4);

      await workerB.sync(); // what the next due sync does: A's two words + B's two = four
      const fromB2 = event('job queue drained by worker erin in pool');
      await assignAndFlush(workerB, [fromB2]);
      const general = fromB2.pattern_id!;
      expect((await row(general)).template).toBe('job queue drained by worker <*> in pool');
      for (const e of [...fromA, ...fromB])
        expect((await row(e.pattern_id!)).mergedInto).toBe(general);

      await workerA.sync();
      const fromA2 = event('job queue drained by worker alice in pool');
      await assignAndFlush(workerA, [fromA2]);
      expect(fromA2.pattern_id).toBe(general);
    });

    it('keeps exact counts when two workers write the same pattern at the same time', async () => {
      const workers = [new PatternService(repository), new PatternService(repository)];
      const batches = Array.from({ length: 8 }, (_, b) =>
        Array.from({ length: 50 }, (_, i) =>
          event(`Connection closed by 10.0.${b}.${i} [preauth]`),
        ),
      );
      await Promise.all(batches.map((batch, b) => workers[b % 2].assign(batch)));
      await Promise.all(workers.map((worker) => worker.flush()));
      const id = batches[0][0].pattern_id!;
      expect(batches.flat().every((e) => e.pattern_id === id)).toBe(true);
      const stored = await row(id);
      expect(stored.count).toBe(400);
      expect(stored.levels).toEqual({ error: 400 });
      expect(stored.sampleEventIds.length).toBe(10);
    });

    it('records merges, and counts events of merged patterns under the pattern they went into', async () => {
      const worker = new PatternService(repository);
      const early = ['alice', 'bob', 'carol'].map((user) =>
        event(`session opened for user ${user} by sshd`),
      );
      await assignAndFlush(worker, early); // three names: still three patterns
      expect(new Set(early.map((e) => e.pattern_id)).size).toBe(3);
      const late = [event('session opened for user dave by sshd', { level: 'critical' })];
      await assignAndFlush(worker, late); // the fourth name makes the position a variable
      const root = late[0].pattern_id!;
      expect(early.every((e) => e.pattern_id !== root)).toBe(true);
      for (const e of early) expect((await row(e.pattern_id!)).mergedInto).toBe(root);

      await dataSource.getRepository(DebugEventEntity).save([...early, ...late].map(toEntity));
      const stats = new PatternStatsService(repository);
      const counts = await stats.counts({
        from: BASE,
        to: new Date(BASE.getTime() + 60_000),
        bucketMs: 30_000,
        levels: ['error', 'critical'],
      });
      const mine = counts.find((c) => c.patternId === root)!;
      expect(mine.total).toBe(4);
      expect(mine.counts).toHaveLength(2);
      expect(mine.counts[0] + mine.counts[1]).toBe(4);
      expect(mine.template).toBe('session opened for user <*> by sshd');
      expect(counts.some((c) => early.some((e) => e.pattern_id === c.patternId))).toBe(false);

      const page = await stats.errorPatterns({
        from: BASE,
        to: new Date(BASE.getTime() + 60_000),
        levels: ['critical'],
        minCount: 1,
        limit: 10,
        offset: 0,
      });
      expect(page.items.map((p) => p.pattern_id)).toEqual([root]);
      expect(page.items[0]).toMatchObject({ count: 1, levels: { critical: 1 } });
      expect(page.items[0].merged_pattern_ids.sort()).toEqual(
        early.map((e) => e.pattern_id).sort(),
      );

      const members = [root, ...early.map((e) => e.pattern_id!)].sort();
      expect(await stats.memberIds(root)).toEqual(members);
      expect(await stats.memberIds(early[0].pattern_id!)).toEqual(members);
      expect(await stats.rootsOf([early[1].pattern_id!, 'unknown'])).toEqual(
        new Map([
          [early[1].pattern_id!, root],
          ['unknown', 'unknown'],
        ]),
      );

      // a worker started after the merge learns it and uses the root for every name
      const later = new PatternService(repository);
      const again = event('session opened for user alice by sshd');
      await assignAndFlush(later, [again]);
      expect(again.pattern_id).toBe(root);
    });
  });
}

describeWithPostgres('patterns (PostgreSQL)', () => {
  patternSuite('PostgreSQL', async () => ({
    databaseUrl: await freshPostgresUrl(),
    sqlitePath: ':memory:',
  }));
});

describe('patterns (SQLite)', () => {
  patternSuite('SQLite', async () => ({ sqlitePath: freshSqlitePath() }));
});
