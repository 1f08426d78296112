import { groupingAccuracy } from './grouping-accuracy.js';

const lines = (entries: [string, string][]) => new Map(entries);

describe('groupingAccuracy', () => {
  const truth = lines([
    ['1', 'E1'],
    ['2', 'E1'],
    ['3', 'E2'],
    ['4', 'E2'],
    ['5', 'E3'],
  ]);

  it('is 1 when the groups are the same sets, whatever the keys', () => {
    expect(
      groupingAccuracy(
        truth,
        lines([
          ['1', 'a'],
          ['2', 'a'],
          ['3', 'b'],
          ['4', 'b'],
          ['5', 'c'],
        ]),
      ),
    ).toBe(1);
  });

  it('counts a line only when its whole group matches', () => {
    // E1 split in two: both its lines wrong; E2 and E3 merged: all three wrong
    const predicted = lines([
      ['1', 'a'],
      ['2', 'x'],
      ['3', 'b'],
      ['4', 'b'],
      ['5', 'b'],
    ]);
    expect(groupingAccuracy(truth, predicted)).toBe(0);
    const partly = lines([
      ['1', 'a'],
      ['2', 'a'],
      ['3', 'b'],
      ['4', 'c'],
      ['5', 'd'],
    ]);
    expect(groupingAccuracy(truth, partly)).toBeCloseTo(3 / 5);
  });

  it('counts lines without a prediction as wrong', () => {
    expect(
      groupingAccuracy(
        truth,
        lines([
          ['1', 'a'],
          ['2', 'a'],
          ['3', 'b'],
          ['4', 'b'],
        ]),
      ),
    ).toBeCloseTo(4 / 5);
  });
});
