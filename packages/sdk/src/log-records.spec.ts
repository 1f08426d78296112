import { eventOfRecord, levelOfNumber, levelOfWord } from './log-records.js';

describe('log records as events', () => {
  it('maps pino numbers and npm/syslog words to the service levels', () => {
    expect([10, 20, 30, 40, 50, 60].map(levelOfNumber)).toEqual(['debug', 'debug', 'info', 'warning', 'error', 'critical']);
    expect(['silly', 'verbose', 'http', 'info', 'notice', 'warn', 'error', 'crit', 'emerg', 'unknown'].map(levelOfWord)).toEqual([
      'debug',
      'debug',
      'debug',
      'info',
      'info',
      'warning',
      'error',
      'critical',
      'critical',
      'info',
    ]);
  });

  it('lifts correlation fields, moves an error to data.error and keeps the rest as data', () => {
    const event = eventOfRecord('charge failed', 'error', {
      correlationId: 'order-7',
      operation: 'charge',
      duration_ms: 12,
      err: { type: 'TypeError', message: 'x is undefined', stack: 'TypeError: x\n    at f (a.js:1:1)', code: 'E1' },
      order: 7,
    });
    expect(event).toEqual({
      message: 'charge failed',
      level: 'error',
      type: 'error',
      correlationId: 'order-7',
      operation: 'charge',
      durationMs: 12,
      data: { order: 7, error: { name: 'TypeError', message: 'x is undefined', stack: 'TypeError: x\n    at f (a.js:1:1)', code: 'E1' } },
    });
  });

  it('takes a stack beside the message (winston errors format) and leaves empty fields out', () => {
    expect(eventOfRecord('boom', 'error', { stack: 'Error: boom\n    at g (b.js:2:2)' })).toEqual({
      message: 'boom',
      level: 'error',
      type: 'error',
      data: { error: { name: 'Error', message: 'boom', stack: 'Error: boom\n    at g (b.js:2:2)' } },
    });
    expect(eventOfRecord('plain', 'info', { correlation_id: '' })).toEqual({ message: 'plain', level: 'info', type: 'log', data: { correlation_id: '' } });
  });
});
