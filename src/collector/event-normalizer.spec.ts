import { newId } from '../common/ids.js';
import { normalizeEvent, requestContextOf } from './event-normalizer.js';

const now = new Date('2026-11-24T08:00:00.000Z');
const window = { oldestMs: now.getTime() - 30 * 86_400_000, newestMs: now.getTime() + 86_400_000 };
const minimal = { event_type: 'log', component_type: 'api', component_id: 'a1' };
/** normalizeEvent of `minimal` with these fields, without request correlation. */
const normalize = (fields: Record<string, unknown>, path = 'e', within = window) =>
  normalizeEvent({ ...minimal, ...fields }, path, { correlationId: null }, within, now);

describe('normalizeEvent', () => {
  it('fills id, times and defaults; the id carries the event time', () => {
    const result = normalizeEvent(
      { ...minimal, timestamp: '2026-11-24T07:00:00.000Z' },
      'event',
      { correlationId: null },
      window,
      now,
    );
    expect(result.event).toMatchObject({
      timestamp: '2026-11-24T07:00:00.000Z',
      level: 'info',
      message: '',
      correlation_id: null,
      pattern_id: null,
      ingested_at: now.toISOString(),
    });
    expect(result.event!.id.slice(0, 8)).toBe(
      newId(new Date('2026-11-24T07:00:00.000Z')).slice(0, 8),
    );
  });

  it('reads a time in toISOString form to the same millisecond as Date.parse, leap days included', () => {
    for (const timestamp of [
      '2024-02-29T23:59:59.999Z',
      '2000-02-29T00:00:00.000Z',
      '1999-12-31T23:59:59.999Z',
      '2100-03-01T00:00:00.001Z',
      '1970-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
    ]) {
      const ms = Date.parse(timestamp);
      // a window of exactly that millisecond takes the event only if its time was read to the millisecond
      expect(normalize({ timestamp }, 'e', { oldestMs: ms, newestMs: ms }).event?.timestamp).toBe(
        timestamp,
      );
    }
    for (const timestamp of [
      '2023-02-29T00:00:00.000Z',
      '2100-02-29T00:00:00.000Z',
      '2026-04-31T00:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-11-24T10:60:00.000Z',
    ]) {
      expect(normalize({ timestamp }).reason).toBe('e.timestamp must be a real date-time');
    }
  });

  it('gives a client UUIDv7 without timestamp the time of its id, so a retry is the same row', () => {
    const at = new Date('2026-11-23T12:34:56.789Z');
    const id = newId(at);
    const first = normalizeEvent({ ...minimal, id }, 'event', { correlationId: null }, window, now);
    const retry = normalizeEvent(
      { ...minimal, id },
      'event',
      { correlationId: null },
      window,
      new Date(now.getTime() + 5000),
    );
    expect(first.event!.timestamp).toBe(at.toISOString());
    expect(retry.event!.timestamp).toBe(first.event!.timestamp);
  });

  it('takes the duration a line states only when the event sends none and is not a metric or a state', () => {
    expect(normalize({ message: 'invoice 81 rendered in 420ms' }).event?.duration_ms).toBe(420);
    expect(
      normalize({ message: 'invoice 81 rendered in 420ms', duration_ms: 433 }).event?.duration_ms,
    ).toBe(433);
    expect(
      normalize({ event_type: 'metric', message: 'p95 took 420ms' }).event?.duration_ms,
    ).toBeNull();
    expect(
      normalize({ event_type: 'state_change', message: 'timed out after 30s' }).event?.duration_ms,
    ).toBeNull();
    expect(normalize({ message: 'retrying in 5s' }).event?.duration_ms).toBeNull();
  });

  it('refuses calendar dates that do not exist, which Date.parse would shift', () => {
    for (const timestamp of [
      '2026-02-30T00:00:00.000Z',
      '2026-11-24T24:00:00.000Z',
      '2026-11-31T10:00:00+02:00',
    ]) {
      expect(
        normalizeEvent({ ...minimal, timestamp }, 'events[1]', { correlationId: null }, window, now)
          .reason,
      ).toBe('events[1].timestamp must be a real date-time');
    }
    expect(
      normalizeEvent(
        { ...minimal, timestamp: '2026-11-24T07:00:00+02:00' },
        'e',
        { correlationId: null },
        window,
        now,
      ).event!.timestamp,
    ).toBe('2026-11-24T05:00:00.000Z');
  });

  it('lowercases client ids', () => {
    const id = newId(now);
    const result = normalizeEvent(
      { ...minimal, id: id.toUpperCase() },
      'event',
      { correlationId: null },
      window,
      now,
    );
    expect(result.event!.id).toBe(id);
  });

  it('takes correlation from the request only when the event has none', () => {
    expect(
      normalizeEvent(minimal, 'e', { correlationId: 'hdr' }, window, now).event!.correlation_id,
    ).toBe('hdr');
    expect(
      normalizeEvent(
        { ...minimal, correlation_id: 'own' },
        'e',
        { correlationId: 'hdr' },
        window,
        now,
      ).event!.correlation_id,
    ).toBe('own');
  });

  it('refuses times outside the window and unstorable characters, naming the field', () => {
    expect(
      normalizeEvent(
        { ...minimal, timestamp: '2026-12-01T00:00:00Z' },
        'events[4]',
        { correlationId: null },
        window,
        now,
      ).reason,
    ).toMatch(/^events\[4\]\.timestamp is too far in the future/);
    expect(
      normalizeEvent(
        { ...minimal, timestamp: '2020-01-01T00:00:00Z' },
        'events[4]',
        { correlationId: null },
        window,
        now,
      ).reason,
    ).toMatch(/^events\[4\]\.timestamp is older than the retention/);
    expect(
      normalizeEvent(
        { ...minimal, message: 'a\u0000b' },
        'event',
        { correlationId: null },
        window,
        now,
      ).reason,
    ).toMatch(/^event\.message must not contain NUL/);
    expect(
      normalizeEvent(
        { ...minimal, data: { text: 'a\u0000b' } },
        'event',
        { correlationId: null },
        window,
        now,
      ).reason,
    ).toMatch(/^event\.data must not contain NUL/);
    expect(
      normalizeEvent(
        { ...minimal, data: { text: 'a\\u0000b' } },
        'event',
        { correlationId: null },
        window,
        now,
      ).event,
    ).toBeDefined();
    expect(
      normalizeEvent(
        { ...minimal, data: { text: 'x'.repeat(70_000) } },
        'event',
        { correlationId: null },
        window,
        now,
      ).reason,
    ).toBe('event.data must be at most 65536 bytes as JSON');
  });

  it('counts object sizes in UTF-8 bytes, and keeps the JSON it checked as what is stored', () => {
    // 6,000 two-byte characters: 12,000 bytes, under the 16 KiB limit; 9,000: 18,000 bytes, over it
    const fits = normalize({ message: 'm', metadata: { text: 'é'.repeat(6000) } }, 'event');
    expect(fits.event).toBeDefined();
    expect(JSON.parse(fits.json!)).toEqual(fits.event);
    expect(normalize({ message: 'm', metadata: { text: 'é'.repeat(9000) } }, 'event').reason).toBe(
      'event.metadata must be at most 16384 bytes as JSON',
    );
    // a short event whose object holds a lone surrogate is refused too (escaped in its JSON)
    expect(normalize({ message: 'm', metadata: { text: 'a\ud800b' } }, 'event').reason).toBe(
      'event.metadata must not contain NUL characters or unpaired surrogates',
    );
  });
});

describe('requestContextOf', () => {
  it('prefers X-Correlation-Id, then the trace id of traceparent', () => {
    expect(
      requestContextOf({
        correlationId: 'abc',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      }),
    ).toEqual({ correlationId: 'abc' });
    expect(
      requestContextOf({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }),
    ).toEqual({
      correlationId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(
      requestContextOf({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }),
    ).toEqual({ correlationId: null });
    expect(requestContextOf({ traceparent: 'garbage' })).toEqual({ correlationId: null });
  });
});
