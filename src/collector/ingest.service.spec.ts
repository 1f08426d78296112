import type { DebugEventRecord } from '../common/debug-event.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { newId } from '../common/ids.js';
import type { AppConfig } from '../config/app-config.service.js';
import type { LateEventMinutes } from '../insights/late-event-minutes.js';
import type { PatternService } from '../patterns/pattern.service.js';
import { MemoryHotStore } from '../storage/hot/memory-hot-store.js';
import type { EventWriter } from '../storage/warm/event-writer.js';
import { AppEventBus } from '../common/events/app-event-bus.js';
import type { IngestBacklog } from './ingest-backlog.js';
import { IngestMetrics } from './ingest-metrics.js';
import { IngestService } from './ingest.service.js';
import type { JournalDurability } from './journal-durability.js';

function event(id = newId()): DebugEventRecord {
  const now = new Date().toISOString();
  return {
    id,
    timestamp: now,
    event_type: 'log',
    level: 'info',
    component_type: 'api',
    component_id: 'a1',
    correlation_id: null,
    parent_event_id: null,
    operation: null,
    duration_ms: null,
    message: 'm',
    data: null,
    metadata: null,
    session_id: null,
    pattern_id: null,
    ingested_at: now,
  };
}

/** A warm writer whose writes settle when the test says so (embedded mode: the accept path commits rows). */
function controllableWriter() {
  const adds: { payload: { events: DebugEventRecord[] }; settle: (error?: Error) => void }[] = [];
  const writer = {
    write: (events: DebugEventRecord[]) =>
      new Promise<number>((resolve, reject) =>
        adds.push({
          payload: { events },
          settle: (error) => (error ? reject(error) : resolve(events.length)),
        }),
      ),
  } as unknown as EventWriter;
  return { writer, adds };
}

function service(writer: EventWriter, hot = new MemoryHotStore(3600, 1000)) {
  const config = {
    batchSize: 100,
    batchWindowMs: 50,
    ingestAttempts: 3,
    ingestBackoffMs: 10,
  } as AppConfig;
  const backlog = {
    assertRoom: async () => undefined,
    noteAccepted: () => undefined,
  } as unknown as IngestBacklog;
  const ingest = new IngestService(
    hot,
    writer,
    { assign: async () => undefined } as unknown as PatternService,
    { note: async () => undefined } as unknown as LateEventMinutes,
    new AppEventBus(),
    backlog,
    new IngestMetrics(new MetricsService()),
    { confirm: async () => undefined } as unknown as JournalDurability,
    config,
  );
  return { ingest, hot };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('IngestService.accept', () => {
  it('answers only after the rows are committed, and a duplicate in flight waits for the original', async () => {
    const { writer, adds } = controllableWriter();
    const { ingest } = service(writer);
    const original = event();
    let firstDone = false;
    let secondDone = false;
    const first = ingest.accept([original]).then((fresh) => ((firstDone = true), fresh));
    await tick();
    const second = ingest.accept([original]).then((fresh) => ((secondDone = true), fresh));
    await tick();
    expect(adds).toHaveLength(1);
    expect(firstDone || secondDone).toBe(false);
    adds[0].settle();
    expect(await first).toEqual([true]);
    expect(await second).toEqual([false]);
  });

  it('releases the ids of a failed commit (a retry is new, not a duplicate), and fails the duplicates waiting on it', async () => {
    const { writer, adds } = controllableWriter();
    const { ingest, hot } = service(writer);
    const original = event();
    const first = ingest.accept([original]);
    await tick();
    const duplicate = ingest.accept([original]);
    await tick();
    adds[0].settle(new Error('database down'));
    await expect(first).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(duplicate).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await hot.get(original.id)).toBeNull();

    const retry = ingest.accept([original]);
    await tick();
    adds[1].settle();
    expect(await retry).toEqual([true]);
  });

  it('groups concurrent requests into one commit while a commit runs', async () => {
    const { writer, adds } = controllableWriter();
    const { ingest } = service(writer);
    const a = ingest.accept([event()]);
    await tick();
    const b = ingest.accept([event(), event()]);
    const c = ingest.accept([event()]);
    await tick();
    expect(adds).toHaveLength(1);
    adds[0].settle();
    await a;
    await tick();
    expect(adds).toHaveLength(2);
    expect((adds[1].payload as { events: unknown[] }).events).toHaveLength(3);
    adds[1].settle();
    await Promise.all([b, c]);
  });
});
