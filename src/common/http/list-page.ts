/**
 * Every list answer is `{ items, next_cursor, …extras }`: pass `next_cursor` back as `cursor`
 * (with the same filters) for the next page; null means there is none. Lists paged by
 * offset use the next offset as their cursor.
 */
export const OFFSET_CURSOR_PATTERN = /^\d{1,7}$/;

export function nextOffsetCursor(offset: number, returned: number, total: number): string | null {
  return offset + returned < total && returned > 0 ? String(offset + returned) : null;
}

/** The offset a page starts at: the cursor when given (it wins), else `offset`, else 0. */
export function offsetOf(cursor: string | undefined, offset: number | undefined): number {
  return cursor !== undefined ? Number(cursor) : (offset ?? 0);
}
