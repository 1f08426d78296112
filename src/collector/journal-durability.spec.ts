import { chooseFsyncMethod } from './journal-durability.js';

describe('chooseFsyncMethod: how DEBUG_DURABILITY=fsync makes a journal write safe', () => {
  it('needs no wait where Redis fsyncs its AOF before answering', () => {
    expect(
      chooseFsyncMethod({
        version: '7.0.15',
        appendonly: true,
        appendfsync: 'always',
        connectedReplicas: 1,
      }),
    ).toEqual({ method: 'appendfsync-always' });
  });

  it('waits for the AOF fsync (WAITAOF) on Redis 7.2 or later with AOF on', () => {
    const facts = { appendonly: true, appendfsync: 'everysec', connectedReplicas: 0 };
    expect(chooseFsyncMethod({ ...facts, version: '7.2.4' })).toEqual({ method: 'waitaof' });
    expect(chooseFsyncMethod({ ...facts, version: '8.0.0' })).toEqual({ method: 'waitaof' });
    expect(chooseFsyncMethod({ ...facts, version: '7.0.15' })).toHaveProperty('refusal');
  });

  it('waits for a replica (WAIT 1) where the AOF cannot be waited for', () => {
    expect(
      chooseFsyncMethod({
        version: '7.0.15',
        appendonly: true,
        appendfsync: 'everysec',
        connectedReplicas: 2,
      }),
    ).toEqual({ method: 'replica' });
    expect(chooseFsyncMethod({ version: '7.2.0', connectedReplicas: 1 })).toEqual({
      method: 'replica',
    });
  });

  it('refuses, saying what to configure, when Redis keeps writes only in memory', () => {
    const choice = chooseFsyncMethod({
      version: '7.0.15',
      appendonly: false,
      appendfsync: 'everysec',
      connectedReplicas: 0,
    });
    expect(choice).toEqual({ refusal: expect.stringContaining('appendonly no') });
    const refusal = (choice as { refusal: string }).refusal;
    expect(refusal).toContain('"appendfsync always"');
    expect(refusal).toContain('attach a replica');
    expect(refusal).toContain('DEBUG_DURABILITY=default');
    expect(chooseFsyncMethod({ version: '7.2.1', connectedReplicas: 0 })).toEqual({
      refusal: expect.stringContaining('CONFIG GET refused'),
    });
  });
});
