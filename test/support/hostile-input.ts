/**
 * Hostile values for a seeded, bounded fuzzer over the OpenAPI document: what the issue-20 probe
 * sent (forged cursors, ISO week and ordinal dates, 1e308, deep nesting, NUL, lone surrogates,
 * year 0, `__proto__`) and the usual suspects of type confusion.
 */

/** mulberry32: a small seeded PRNG, so that a failing run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)];
}

const forgedCursor = (payload: unknown) => Buffer.from(JSON.stringify(payload)).toString('base64url');

/** Hostile texts for path and query parameters. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  'x\u0000',
  '\u0000',
  'a\ud800b',
  '\udfff',
  '2026-W49-4',
  '2026-337',
  '2026-W49',
  '0000-01-01T00:00:00Z',
  '275760-09-13T00:00:00.000Z',
  '+275760-09-13T00:00:00.000Z',
  '-000001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '2026-02-30T00:00:00Z',
  '1e308',
  '-1e308',
  '1e-308',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '99999999999999999999999',
  '1.5',
  '0x10',
  'true',
  'null',
  'undefined',
  '[object Object]',
  '__proto__',
  'constructor',
  "' OR 1=1 --",
  '%',
  '%00',
  '../../etc/passwd',
  'x'.repeat(5000),
  '😀',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  'not-a-uuid',
  forgedCursor({ t: '275760-09-13T00:00:00.000Z', id: 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', o: 'desc' }),
  forgedCursor({ t: '+275760-09-13T00:00:00.000Z', id: '00000000-0000-0000-0000-000000000000', o: 'desc' }),
  forgedCursor({ t: '2026-01-01T00:00:00Z', id: '------------------------------------', o: 'asc' }),
  forgedCursor({ t: 1e308, id: null }),
  forgedCursor({ v: 1, t: '275760-09-13T00:00:00.000Z', id: 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', o: 'desc' }),
  forgedCursor({ v: 1, t: '+275760-09-13T00:00:00.000Z', id: '00000000-0000-0000-0000-000000000000', o: 'desc' }),
  forgedCursor({ v: 1, t: '2026-W49-4', id: '0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a11', o: 'asc' }),
  forgedCursor({ v: 1, t: '2026-01-01T00:00:00Z', id: '------------------------------------', o: 'desc' }),
  forgedCursor([1, 2, 3]),
  'eyJ0Ijp',
];

/** Hostile JSON values for body fields. */
export function hostileValues(random: () => number): unknown[] {
  return [
    null,
    true,
    0,
    -1,
    1e308,
    -1e308,
    1e300,
    Number.MAX_SAFE_INTEGER + 2,
    0.5,
    [],
    {},
    [[[[]]]],
    { $gt: '' },
    JSON.parse('{"__proto__": {"polluted": true}}'),
    JSON.parse('{"constructor": {"prototype": {"polluted": true}}}'),
    DEEP_PLACEHOLDER,
    pick(random, HOSTILE_STRINGS),
    pick(random, HOSTILE_STRINGS),
    pick(random, HOSTILE_STRINGS),
    Array.from({ length: 2000 }, (_, index) => `id-${index}`),
  ];
}

/** Stands for JSON nested 5,000 deep in a body: `toJsonText` writes it out (JSON.stringify of it would overflow the test's own stack). */
export const DEEP_PLACEHOLDER = 'deep-json-placeholder-5000';
const DEEP_JSON = '{"deeper":['.repeat(2500) + '"leaf"' + ']}'.repeat(2500);

/** The JSON text of a fuzzed body, with the deep placeholder written out. */
export function toJsonText(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replaceAll(`"${DEEP_PLACEHOLDER}"`, DEEP_JSON);
}

/** Raw (unparsed) hostile bodies. */
export const HOSTILE_RAW_BODIES: readonly string[] = [
  '',
  'null',
  '"text"',
  '[]',
  '1e308',
  '{"a":',
  '{"__proto__":{"x":1}}',
  '{"events":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
  '['.repeat(5000) + ']'.repeat(5000),
  '{"x":"\\u0000"}',
  '{"x":"\\ud800"}',
];
