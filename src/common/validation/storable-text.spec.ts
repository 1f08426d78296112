import { isStorableText, MAX_JSON_DEPTH, unstorableInputProblem } from './storable-text.js';

describe('storable text', () => {
  it('refuses NUL and unpaired surrogates, keeps paired ones', () => {
    expect(isStorableText('plain ✓ 😀')).toBe(true);
    expect(isStorableText('x\u0000')).toBe(false);
    expect(isStorableText('a\ud800b')).toBe(false);
    expect(isStorableText('\udc00')).toBe(false);
    expect(isStorableText('\ud83d\ude00')).toBe(true);
  });

  it('names the field of a nested bad string or key', () => {
    expect(unstorableInputProblem({ session_id: 'x\u0000' }, '')).toBe(
      'session_id must not contain NUL characters or unpaired surrogates',
    );
    expect(unstorableInputProblem({ state: { a: [1, 'ok', 'b\ud800'] } }, '')).toBe(
      'state.a[2] must not contain NUL characters or unpaired surrogates',
    );
    expect(unstorableInputProblem({ state: { ['k\u0000']: 1 } }, '')).toBe(
      'a key under state must not contain NUL characters or unpaired surrogates',
    );
    expect(unstorableInputProblem({ fine: { deep: ['yes'] } }, '')).toBeNull();
    expect(unstorableInputProblem(JSON.parse('{"state":{"__proto__":{"x":1}}}'), '')).toBe(
      'state.__proto__ is not an allowed key',
    );
  });

  it('leaves raw bodies (Buffers) alone', () => {
    expect(unstorableInputProblem(Buffer.from('x\u0000y'), '')).toBeNull();
  });

  it('refuses nesting past the limit without overflowing the stack', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 100_000; level++) deep = [deep];
    expect(unstorableInputProblem({ data: deep }, '')).toMatch(
      new RegExp(`^data(\\[0\\])+ is nested more than ${MAX_JSON_DEPTH} levels deep$`),
    );
    let fine: unknown = 'leaf';
    for (let level = 0; level < MAX_JSON_DEPTH - 2; level++) fine = { next: fine };
    expect(unstorableInputProblem({ data: fine }, '')).toBeNull();
  });
});
