import {
  ERROR_LEVELS,
  errorEventSql,
  EVENT_TYPES,
  isErrorEvent,
  LEVELS,
  WARNING_AND_ABOVE,
} from './debug-event.js';

describe('the event vocabulary', () => {
  it('calls an event an error by an error level or by the error event type, whatever the other', () => {
    for (const level of LEVELS) {
      for (const event_type of EVENT_TYPES) {
        const expected = level === 'error' || level === 'critical' || event_type === 'error';
        expect([level, event_type, isErrorEvent({ level, event_type })]).toEqual([
          level,
          event_type,
          expected,
        ]);
      }
    }
  });

  it('orders its level groups as the levels are ordered', () => {
    expect(LEVELS.slice(-ERROR_LEVELS.length)).toEqual([...ERROR_LEVELS]);
    expect(LEVELS.slice(-WARNING_AND_ABOVE.length)).toEqual([...WARNING_AND_ABOVE]);
  });

  it('spells the SQL form with the table alias and no parameters', () => {
    expect(errorEventSql()).toBe("(level IN ('error', 'critical') OR event_type = 'error')");
    expect(errorEventSql('e.')).toBe(
      "(e.level IN ('error', 'critical') OR e.event_type = 'error')",
    );
  });
});
