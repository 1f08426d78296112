import { countedKind, firstOfRise, latestRise } from './count-answers.js';

describe('latestRise', () => {
  it('finds the start and end of the latest run above the earlier level, gaps of one bucket inside', () => {
    const counts = [1, 0, 2, 1, 1, 0, 1, 2, 1, 1, 0, 1, 30, 0, 41, 38, 40, 1, 2, 1];
    expect(latestRise(counts)).toEqual({ start: 12, end: 16, baseline: 1 });
  });

  it('has no rise when errors stay at their level, and none without errors', () => {
    expect(latestRise([3, 4, 2, 3, 5, 3, 4, 2, 3, 4])).toBeNull();
    expect(latestRise([0, 0, 0, 0])).toBeNull();
  });

  it('takes errors from nothing as a rise, from their first bucket', () => {
    expect(latestRise([0, 0, 0, 0, 0, 0, 0, 4, 5, 6])).toEqual({ start: 7, end: 9, baseline: 0 });
  });
});

describe('countedKind', () => {
  it('counts errors when the question names errors or failures, else the level named, else every event', () => {
    expect(countedKind('how many orders failed?', { levels: [] })).toMatchObject({ errors: true });
    expect(countedKind('how many errors', { levels: ['error'] })).toMatchObject({ errors: true });
    expect(countedKind('how often did auth time out', { levels: [] })).toMatchObject({
      errors: true,
    });
    expect(countedKind('number of warnings', { levels: ['warning'] })).toEqual({
      errors: false,
      level: 'warning',
      noun: 'warning event(s)',
    });
    expect(countedKind('how many events did the gateway log', { levels: [] })).toEqual({
      errors: false,
      noun: 'event(s)',
    });
  });
});

describe('firstOfRise', () => {
  it('skips a routine error just before the burst in the same bucket', () => {
    const at = (seconds: number) => ({
      timestamp: new Date(Date.UTC(2026, 0, 1, 10, 0, seconds)).toISOString(),
    });
    const burst = Array.from({ length: 40 }, (_, index) => at(150 + index * 3));
    const newestFirst = [...burst].reverse().concat([at(20)]);
    expect(firstOfRise(newestFirst, 300_000)).toEqual(at(150));
    // errors spread out: the first of them
    expect(firstOfRise([at(250), at(130), at(10)], 300_000)).toEqual(at(10));
  });
});
