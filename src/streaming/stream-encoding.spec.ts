import { Encoder } from 'socket.io-parser';
import type { AppEvent } from '../common/events/app-events.js';
import { decodeRelay, encodeBatchPacket, encodeRelay, jsonOf } from './stream-encoding.js';

describe('stream encoding', () => {
  const payloads = [
    { id: 'e1', message: 'quote " and \\ and ünïcode', data: { nested: [1, null, true] } },
    { id: 'e2', message: '', data: null },
  ];

  it('builds the same packet socket.io-parser would', () => {
    const expected = new Encoder().encode({
      type: 2,
      nsp: '/debug',
      data: ['debug:event', payloads],
    });
    expect([encodeBatchPacket('/debug', 'debug:event', payloads)]).toEqual(expected);
    const root = new Encoder().encode({ type: 2, nsp: '/', data: ['debug:alert', payloads] });
    expect([encodeBatchPacket('/', 'debug:alert', payloads)]).toEqual(root);
  });

  it('serializes a payload once', () => {
    const payload = { id: 'x' };
    const first = jsonOf(payload);
    payload.id = 'changed after publishing';
    expect(jsonOf(payload)).toBe(first);
  });

  it('round-trips relay envelopes and skips its own unparsed', () => {
    const events = [
      { name: 'events.accepted', payload: [{ id: 'a1' }, { id: 'a2' }] },
      {
        name: 'metric.recorded',
        payload: [{ name: 'cpu', value: 1, component_type: 'api', component_id: 'api-1' }],
      },
      {
        name: 'state.changed',
        payload: { component_type: 'api', component_id: 'api-1', version: 2 },
      },
    ] as unknown as AppEvent[];
    const text = encodeRelay('instance-a', events);
    expect(decodeRelay(text, 'instance-b')).toEqual(events);
    expect(decodeRelay(text, 'instance-a')).toBeNull();
    expect(decodeRelay('no envelope', 'instance-a')).toBeNull();
  });
});
