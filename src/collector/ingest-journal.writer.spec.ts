import { nextReadCount } from './ingest-journal.writer.js';

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
