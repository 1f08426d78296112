import { describe, expect, it } from '@jest/globals';
import { mentionsWhole } from './mentions.js';

describe('mentionsWhole', () => {
  it('finds an id as a whole word, in any case, and not inside a longer one', () => {
    expect(mentionsWhole('claim CLM-2026-000777 received', 'clm-2026-000777')).toBe(true);
    expect(mentionsWhole('claim CLM-2026-000777 received', 'CLM-2026-00077')).toBe(false);
    expect(mentionsWhole('statement for acc_471124 sent', '4711')).toBe(false);
    expect(mentionsWhole('order (4711) shipped', '4711')).toBe(true);
    expect(mentionsWhole('key a.b(c) set', 'a.b(c)')).toBe(true);
  });
});
