import { ClientOutbox, type OutboxMessage } from './client-outbox.js';

const message = (n: number, channel: OutboxMessage['channel'] = 'debug:event'): OutboxMessage => ({
  channel,
  payload: { id: `e${n}` },
  arrivedAtMs: Date.UTC(2026, 0, 1) + n,
});

describe('ClientOutbox', () => {
  it('batches by channel, keeping order within each', () => {
    const outbox = new ClientOutbox(10);
    outbox.push(message(1));
    outbox.push(message(2, 'debug:metric_update'));
    outbox.push(message(3));
    const segment = outbox.take(100);
    expect(segment).toEqual({
      kind: 'batches',
      messages: 3,
      batches: new Map([
        ['debug:event', [{ id: 'e1' }, { id: 'e3' }]],
        ['debug:metric_update', [{ id: 'e2' }]],
      ]),
    });
    expect(outbox.isEmpty).toBe(true);
    expect(outbox.take(100)).toBeNull();
  });

  it('takes at most the batch size per step', () => {
    const outbox = new ClientOutbox(10);
    for (let n = 1; n <= 5; n++) outbox.push(message(n));
    expect(outbox.take(2)).toMatchObject({ messages: 2 });
    expect(outbox.size).toBe(3);
    expect(outbox.take(10)).toMatchObject({ messages: 3 });
  });

  it('drops new messages when full and announces the gap after what came before it', () => {
    const outbox = new ClientOutbox(3);
    for (let n = 1; n <= 6; n++) outbox.push(message(n));
    expect(outbox.size).toBe(3);
    expect(outbox.droppedTotal).toBe(3);

    expect(outbox.take(100)).toMatchObject({ kind: 'batches', messages: 3 });
    outbox.push(message(7));
    const gap = outbox.take(100);
    expect(gap).toEqual({
      kind: 'gap',
      notice: {
        count: 3,
        channels: { 'debug:event': 3 },
        since: new Date(Date.UTC(2026, 0, 1) + 4 - 1).toISOString(),
        until: new Date(Date.UTC(2026, 0, 1) + 6).toISOString(),
      },
    });
    expect(outbox.take(100)).toMatchObject({
      kind: 'batches',
      batches: new Map([['debug:event', [{ id: 'e7' }]]]),
    });
  });

  it('starts a new gap after a message got through', () => {
    const outbox = new ClientOutbox(1);
    outbox.push(message(1));
    outbox.push(message(2));
    outbox.take(100);
    outbox.push(message(3));
    outbox.push(message(4));
    expect(outbox.take(100)).toMatchObject({ kind: 'gap', notice: { count: 1 } });
    expect(outbox.take(100)).toMatchObject({ kind: 'batches', messages: 1 });
    expect(outbox.take(100)).toMatchObject({ kind: 'gap', notice: { count: 1 } });
    expect(outbox.droppedTotal).toBe(2);
  });
});
