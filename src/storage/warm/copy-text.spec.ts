import { copyTimeToIso, splitCopyRow, unescapeCopy } from './copy-text.js';

describe('COPY text format', () => {
  it('splits fields, keeps NULL apart from the text "\\N"', () => {
    expect(splitCopyRow('a\t\\N\t\\\\N\t')).toEqual(['a', null, '\\N', '']);
  });

  it('undoes every escape PostgreSQL writes', () => {
    expect(unescapeCopy('tab\\there\\nnew\\\\slash\\r\\b\\f\\v')).toBe(
      'tab\there\nnew\\slash\r\b\f\v',
    );
    expect(unescapeCopy('\\101\\x42')).toBe('AB');
    expect(unescapeCopy('\\303\\251t\\303\\251')).toBe('été');
    expect(unescapeCopy('{"q": "say \\\\"hi\\\\""}')).toBe('{"q": "say \\"hi\\""}');
    expect(unescapeCopy('żółw ✓ \\t')).toBe('żółw ✓ \t');
  });

  it('turns COPY timestamps into the ISO form Date#toISOString writes', () => {
    expect(copyTimeToIso('2026-11-15 07:03:09.123456+00')).toBe('2026-11-15T07:03:09.123Z');
    expect(copyTimeToIso('2026-11-15 07:03:09.1+00')).toBe('2026-11-15T07:03:09.100Z');
    expect(copyTimeToIso('2026-11-15 07:03:09+00')).toBe('2026-11-15T07:03:09.000Z');
    expect(copyTimeToIso('2026-11-15 07:03:09.5+02')).toBe('2026-11-15T05:03:09.500Z');
  });
});
