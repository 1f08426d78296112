import { IngestJournalWriter, nextReadCount, pauseAfterFailures } from './ingest-journal.writer.js';

describe('nextReadCount: journal entries to ask for next', () => {
  const batchSize = 1000;

  it('grows at most 4× a step while single-event entries come back full', () => {
    let count = 1;
    const seen: number[] = [];
    for (let step = 0; step < 6; step++) {
      count = nextReadCount(count, count, count, batchSize);
      seen.push(count);
    }
    expect(seen).toEqual([4, 16, 64, 256, 1000, 1000]);
  });

  it('does not grow after a read that came back short (a trickle)', () => {
    expect(nextReadCount(16, 3, 3, batchSize)).toBe(16);
  });

  it('shrinks at once to what fits DEBUG_BATCH_SIZE when entries turn large', () => {
    expect(nextReadCount(256, 10, 10_000, batchSize)).toBe(1);
    expect(nextReadCount(64, 64, 6_400, batchSize)).toBe(10);
  });

  it('never asks for less than one entry', () => {
    expect(nextReadCount(1, 1, 50_000, batchSize)).toBe(1);
    expect(nextReadCount(1, 0, 0, batchSize)).toBe(1);
  });
});

describe('IngestJournalWriter: entries that keep killing their writers', () => {
  it('hands an entry handed out more than 3 times to the ingest queue instead of writing it, and acknowledges all', async () => {
    const written: unknown[][] = [];
    const queued: unknown[] = [];
    const acknowledged: string[] = [];
    const writer = new IngestJournalWriter(
      { acknowledge: async (entries: { id: string }[]) => void acknowledged.push(...entries.map((entry) => entry.id)) } as never,
      { writeBatchIsolating: async (events: unknown[]) => (written.push(events), { written: events.length, poisoned: [] }) } as never,
      {} as never,
      { add: async (_queue: string, _name: string, payload: unknown) => void queued.push(payload) } as never,
      { jobsFailed: { inc: () => undefined } } as never,
      { batchSize: 1000, ingestAttempts: 3, ingestBackoffMs: 10 } as never,
    );
    const event = (message: string) => ({ message }) as never;
    const entries = [
      { id: '1-0', events: [event('fine')], deliveries: 1 },
      { id: '2-0', events: [event('suspect')], deliveries: 4 },
      { id: '3-0', events: [event('claimed once')], deliveries: 2 },
    ];
    const count = await (writer as unknown as { write(entries: unknown[]): Promise<number> }).write(entries);
    expect(written).toEqual([[event('fine'), event('claimed once')]]);
    expect(queued).toEqual([{ events: [event('suspect')] }]);
    expect(acknowledged).toEqual(['1-0', '2-0', '3-0']);
    expect(count).toBe(2);
  });
});

describe('pauseAfterFailures: a failing writer backs off', () => {
  it('doubles from 250 ms and stays at 10 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 50].map(pauseAfterFailures)).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });
});
