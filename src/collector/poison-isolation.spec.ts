import type { DebugEventRecord } from '../common/debug-event.js';
import { isPoisonError, writeIsolatingPoison } from './poison-isolation.js';

const event = (id: string) => ({ id }) as DebugEventRecord;
const dataError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021', where: 'COPY debug_events, line 3' });

describe('writeIsolatingPoison', () => {
  it('writes every good event of a batch and returns the poison ones with their reason', async () => {
    const stored = new Set<string>();
    const poison = new Set(['e3', 'e7']);
    const write = async (events: DebugEventRecord[]) => {
      if (events.some((one) => poison.has(one.id))) throw dataError;
      for (const one of events) stored.add(one.id);
      return events.length;
    };
    const batch = Array.from({ length: 10 }, (_, index) => event(`e${index}`));
    const result = await writeIsolatingPoison(batch, write);
    expect(result.written).toBe(8);
    expect([...stored].sort()).toEqual(['e0', 'e1', 'e2', 'e4', 'e5', 'e6', 'e8', 'e9']);
    expect(result.poisoned.map((one) => one.event.id)).toEqual(['e3', 'e7']);
    expect(result.poisoned[0].reason).toBe('invalid byte sequence for encoding "UTF8": 0x00 (COPY debug_events, line 3)');
  });

  it('rethrows an outage at once instead of bisecting (the whole batch is retried)', async () => {
    let calls = 0;
    const outage = Object.assign(new Error('Connection terminated unexpectedly'), {});
    await expect(
      writeIsolatingPoison([event('a'), event('b')], async () => {
        calls++;
        throw outage;
      }),
    ).rejects.toBe(outage);
    expect(calls).toBe(1);
  });

  it('tells content errors from connection errors by SQLSTATE class', () => {
    expect(isPoisonError({ code: '22P05' })).toBe(true);
    expect(isPoisonError({ code: '54000' })).toBe(true);
    expect(isPoisonError({ code: '57P01' })).toBe(false);
    expect(isPoisonError({ code: '08006' })).toBe(false);
    expect(isPoisonError({ code: 'ECONNRESET' })).toBe(false);
    expect(isPoisonError(new Error('timeout'))).toBe(false);
  });
});
