import type { DebugEventRecord } from '../common/debug-event.js';
import type {
  PatternDelta,
  PatternRepository,
  StoredPattern,
  StoredSpan,
} from './pattern.repository.js';
import { PatternService } from './pattern.service.js';
import { patternIdOf, type MinerChanges } from './template-miner.js';

/** A repository held in memory: records what was written, fails when told to. */
class FakeRepository {
  writes: (MinerChanges & { deltas: PatternDelta[] })[] = [];
  failNext = 0;
  stored: StoredPattern[] = [];
  spans: StoredSpan[] = [];
  async changedSince(): Promise<StoredPattern[]> {
    return this.stored;
  }
  async spansSince(): Promise<StoredSpan[]> {
    return this.spans;
  }
  async record(changes: MinerChanges, deltas: PatternDelta[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('database unavailable');
    }
    this.writes.push({ ...changes, deltas });
  }
}

let n = 0;
function event(message: string, level = 'error'): DebugEventRecord {
  n++;
  return {
    id: `event-${n}`,
    timestamp: new Date(Date.UTC(2026, 10, 24, 10, 0, n)).toISOString(),
    event_type: 'log',
    level,
    component_type: 'api',
    component_id: `api-${n % 2}`,
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
  };
}

describe('PatternService', () => {
  it('aggregates a batch per pattern: one delta each, with levels, components and samples', async () => {
    const repository = new FakeRepository();
    const service = new PatternService(repository as unknown as PatternRepository);
    const batch = [
      event('timeout after 30 ms'),
      event('timeout after 31 ms', 'critical'),
      event('cache miss for key a1'),
    ];
    await service.assign(batch);
    await service.flush();
    const deltas = repository.writes.flatMap((w) => w.deltas);
    expect(deltas).toHaveLength(2);
    const timeout = deltas.find((d) => d.id === batch[0].pattern_id)!;
    expect(timeout).toMatchObject({
      template: 'timeout after <*>',
      count: 2,
      levels: { error: 1, critical: 1 },
      sampleEventIds: [batch[0].id, batch[1].id],
      firstSeen: new Date(batch[0].timestamp),
      lastSeen: new Date(batch[1].timestamp),
    });
    expect(timeout.components).toHaveLength(2);
    expect(
      repository.writes
        .flatMap((w) => w.created)
        .map((p) => p.template)
        .sort(),
    ).toEqual(['cache miss for key <*>', 'timeout after <*>']);
  });

  it('keeps what a failed write left and writes it with the next one', async () => {
    const repository = new FakeRepository();
    const service = new PatternService(repository as unknown as PatternRepository);
    await service.flush(); // nothing pending: nothing written, no error
    repository.failNext = 2; // the write assign() starts, and the one flush() tries again
    const first = [event('disk full on /dev/sda1')];
    await service.assign(first);
    await expect(service.flush()).rejects.toThrow('database unavailable');
    expect(first[0].pattern_id).toMatch(/^[0-9a-f]{16}$/); // ids do not wait for the database
    await service.assign([event('disk full on /dev/sdb2')]);
    await service.flush();
    const deltas = repository.writes.flatMap((w) => w.deltas);
    expect(deltas).toEqual([expect.objectContaining({ id: first[0].pattern_id, count: 2 })]);
    expect(repository.writes.flatMap((w) => w.created).map((p) => p.id)).toEqual([
      first[0].pattern_id,
    ]);
  });

  it('writes the span shapes it learned, with the next write if one failed', async () => {
    const repository = new FakeRepository();
    const service = new PatternService(repository as unknown as PatternRepository);
    repository.failNext = 2; // the write assign() starts, and the one flush() tries again
    const units = ['Login Service', 'Message of the Day', 'User Manager for UID 1000', 'Cron'];
    await service.assign(
      [...units, 'Daily Cleanup of Temporary Directories'].map((u) => event(`Started ${u}.`)),
    );
    await expect(service.flush()).rejects.toThrow('database unavailable');
    await service.flush();
    const spans = repository.writes.flatMap((write) => write.spans);
    expect(spans).toContainEqual(
      expect.objectContaining({ tokens: ['Started', '<*>'], spanAt: 1 }),
    );
  });

  it('loads stored templates before the first batch, so a known message gets the stored id', async () => {
    const repository = new FakeRepository();
    repository.stored = [
      {
        id: patternIdOf(['user', '<*>', 'logged', 'in']),
        tokens: ['user', '<*>', 'logged', 'in'],
        template: 'user <*> logged in',
        mergedInto: null,
        changedAt: new Date(),
      },
    ];
    const service = new PatternService(repository as unknown as PatternRepository);
    const batch = [event('user bob logged in')];
    await service.assign(batch);
    expect(batch[0].pattern_id).toBe(patternIdOf(['user', '<*>', 'logged', 'in']));
    expect(service.patternOf('user carol logged in')).toEqual({
      id: patternIdOf(['user', '<*>', 'logged', 'in']),
      template: 'user <*> logged in',
    });
  });
});
