import { parseQueryDateTime } from './is-date-time.validator.js';

describe('parseQueryDateTime', () => {
  it('takes calendar date-times and dates', () => {
    expect(parseQueryDateTime('2026-11-16T08:00:00Z')?.toISOString()).toBe('2026-11-16T08:00:00.000Z');
    expect(parseQueryDateTime('2026-11-16T08:00:00.123+02:00')?.toISOString()).toBe('2026-11-16T06:00:00.123Z');
    expect(parseQueryDateTime('2026-11-16')?.toISOString()).toBe('2026-11-16T00:00:00.000Z');
  });

  it('refuses ISO week and ordinal dates, impossible days, year 0 and years past 9999', () => {
    for (const text of ['2026-W49-4', '2026-W49', '2026-337', '2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '1e308', '']) {
      expect(parseQueryDateTime(text)).toBeNull();
    }
  });
});
