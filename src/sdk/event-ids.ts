import { v7 as uuidv7 } from 'uuid';

/**
 * UUIDv7 ids, monotonic within this process (a 32-bit counter seeded at random each new
 * millisecond, as RFC 9562 §6.2 method 1 suggests), with random bytes drawn from a pool:
 * one `getRandomValues` call per 256 ids instead of one per id, which was the largest
 * cost of recording an event.
 */
const POOL_IDS = 256;
const pool = new Uint8Array(16 * POOL_IDS);
let next = pool.length;
let lastMs = -Infinity;
let counter = 0;

export function newEventId(): string {
  if (next === pool.length) {
    globalThis.crypto.getRandomValues(pool);
    next = 0;
  }
  const random = pool.subarray(next, next + 16);
  next += 16;
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = ((random[6] & 0x7f) << 24) | (random[7] << 16) | (random[8] << 8) | random[9];
  } else {
    counter = (counter + 1) | 0;
    // Counter wrapped: borrow the next millisecond rather than go backwards.
    if (counter === 0) lastMs++;
  }
  return uuidv7({ random, msecs: lastMs, seq: counter });
}
