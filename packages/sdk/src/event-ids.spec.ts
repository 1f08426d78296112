import { validate, version } from 'uuid';
import { newEventId } from './event-ids.js';

describe('newEventId', () => {
  it('makes valid UUIDv7s that sort in creation order, also within one millisecond', () => {
    const before = Date.now();
    const ids = Array.from({ length: 5000 }, () => newEventId());
    expect(ids.every((id) => validate(id) && version(id) === 7)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const firstMs = parseInt(ids[0].slice(0, 8) + ids[0].slice(9, 13), 16);
    expect(firstMs).toBeGreaterThanOrEqual(before);
  });
});
