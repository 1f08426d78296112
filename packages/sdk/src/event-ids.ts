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
  return formatV7(lastMs, counter, random);
}

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * RFC 9562 layout: 48 bits of milliseconds, version 7, the 32-bit counter across rand_a and
 * the top of rand_b (after the variant bits), then random bits. Written here so that the
 * SDK has no dependencies.
 */
function formatV7(ms: number, seq: number, random: Uint8Array): string {
  const b = new Uint8Array(16);
  const high = Math.floor(ms / 0x100000000);
  const low = ms >>> 0;
  b[0] = (high >>> 8) & 0xff;
  b[1] = high & 0xff;
  b[2] = low >>> 24;
  b[3] = (low >>> 16) & 0xff;
  b[4] = (low >>> 8) & 0xff;
  b[5] = low & 0xff;
  b[6] = 0x70 | ((seq >>> 28) & 0x0f);
  b[7] = (seq >>> 20) & 0xff;
  b[8] = 0x80 | ((seq >>> 14) & 0x3f);
  b[9] = (seq >>> 6) & 0xff;
  b[10] = ((seq << 2) & 0xff) | (random[10] & 0x03);
  for (let i = 11; i < 16; i++) b[i] = random[i];
  let out = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += '-';
    out += HEX[b[i]];
  }
  return out;
}
