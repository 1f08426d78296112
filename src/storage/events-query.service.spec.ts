import type { DebugEventRecord } from '../common/debug-event.js';
import { DomainError } from '../common/errors/domain-error.js';
import { decodeCursor, encodeCursor, matches } from './events-query.service.js';

const event: DebugEventRecord = {
  id: '019a0000-0000-7000-8000-000000000001',
  timestamp: '2026-11-16T10:00:00.000Z',
  event_type: 'error',
  level: 'error',
  component_type: 'api',
  component_id: 'payments-1',
  correlation_id: 'order-1',
  parent_event_id: null,
  operation: 'pay',
  duration_ms: 12,
  message: 'Timeout talking to the bank',
  data: null,
  metadata: null,
  session_id: 's-1',
  pattern_id: 'p-1',
  ingested_at: '2026-11-16T10:00:00.005Z',
};

describe('event cursors', () => {
  it('round-trips a position and refuses it for the other order', () => {
    const cursor = encodeCursor({ timestamp: event.timestamp, id: event.id }, 'asc');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, 'asc')).toEqual({ timestamp: event.timestamp, id: event.id });
    expect(() => decodeCursor(cursor, 'desc')).toThrow(/order=asc/);
  });

  it.each([
    '',
    'garbage',
    Buffer.from('{"v":1,"t":"x","id":"y","o":"asc"}').toString('base64url'),
    Buffer.from('[1]').toString('base64url'),
  ])('rejects %j as a 400 naming the cursor', (cursor) => {
    try {
      decodeCursor(cursor, 'asc');
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).status).toBe(400);
      expect((error as DomainError).message).toContain('cursor');
    }
  });
});

describe('filters on archived rows', () => {
  it('apply each field as the warm store SQL does', () => {
    expect(matches(event, {})).toBe(true);
    expect(matches(event, { text: 'timeout TALKING' })).toBe(true);
    expect(matches(event, { text: 'refused' })).toBe(false);
    expect(
      matches(event, { component_type: 'api', component_id: 'payments-1', level: 'error' }),
    ).toBe(true);
    expect(matches(event, { component_id: 'payments-2' })).toBe(false);
    expect(matches(event, { from: new Date(event.timestamp), to: new Date(event.timestamp) })).toBe(
      true,
    );
    expect(matches(event, { from: new Date('2026-11-16T10:00:00.001Z') })).toBe(false);
    expect(matches(event, { to: new Date('2026-11-16T09:59:59.999Z') })).toBe(false);
    expect(
      matches(event, {
        session_id: 's-1',
        pattern_ids: ['p-0', 'p-1'],
        correlation_id: 'order-1',
        event_type: 'error',
      }),
    ).toBe(true);
    expect(matches(event, { pattern_ids: ['p-0'] })).toBe(false);
    expect(matches(event, { session_id: 's-2' })).toBe(false);
  });
});

describe('the filter on one record: insight subjects', () => {
  it('matches any of several components (a type alone matches every instance) and one operation', () => {
    expect(matches(event, { components: [{ component_type: 'api' }] })).toBe(true);
    expect(
      matches(event, {
        components: [
          { component_type: 'db', component_id: 'db-1' },
          { component_type: 'api', component_id: 'payments-1' },
        ],
      }),
    ).toBe(true);
    expect(matches(event, { components: [{ component_type: 'api', component_id: 'p-2' }] })).toBe(
      false,
    );
    expect(matches(event, { operation: 'pay' })).toBe(true);
    expect(matches(event, { operation: 'refund' })).toBe(false);
  });
});
