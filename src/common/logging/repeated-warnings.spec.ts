import { RepeatedWarnings } from './repeated-warnings.js';

describe('RepeatedWarnings', () => {
  function setup() {
    const written: string[] = [];
    let now = 1_000_000;
    const warnings = new RepeatedWarnings(
      { warn: (message) => written.push(message) },
      30_000,
      () => now,
    );
    return { written, warnings, advance: (ms: number) => (now += ms) };
  }

  it('writes the first of a warning at once and the same one again only after the interval, with how often it came', () => {
    const { written, warnings, advance } = setup();
    warnings.warn('redis (main): connect ECONNREFUSED');
    for (let i = 0; i < 5; i++) {
      advance(2_000);
      warnings.warn('redis (main): connect ECONNREFUSED');
    }
    expect(written).toEqual(['redis (main): connect ECONNREFUSED']);
    advance(21_000);
    warnings.warn('redis (main): connect ECONNREFUSED');
    expect(written).toEqual([
      'redis (main): connect ECONNREFUSED',
      'redis (main): connect ECONNREFUSED (5 more times in the last 31 s)',
    ]);
  });

  it('keeps different warnings apart', () => {
    const { written, warnings } = setup();
    warnings.warn('redis (main): connect ECONNREFUSED');
    warnings.warn('redis (stream-relay): connect ECONNREFUSED');
    warnings.warn('redis (main): connect ECONNREFUSED');
    expect(written).toEqual([
      'redis (main): connect ECONNREFUSED',
      'redis (stream-relay): connect ECONNREFUSED',
    ]);
  });

  it('writes a warning again at once after its dependency came back', () => {
    const { written, warnings, advance } = setup();
    warnings.warn('redis (main): connect ECONNREFUSED');
    warnings.clear('redis (main)');
    advance(1_000);
    warnings.warn('redis (main): connect ECONNREFUSED');
    expect(written).toEqual([
      'redis (main): connect ECONNREFUSED',
      'redis (main): connect ECONNREFUSED',
    ]);
  });
});
