const FALSE_POSITIVE_RATE = 0.01;
const HASHES = 7;

/**
 * A Bloom filter over the ids of one segment: "no" is certain, "maybe" is wrong about
 * 1% of the time. Kept in the manifest so a lookup by an id that carries no time (a
 * client's UUIDv4) opens only the segments that may hold it.
 */
export class IdFilter {
  private constructor(private readonly bits: Uint8Array) {}

  static forCapacity(expected: number): IdFilter {
    const bitCount = Math.max(
      64,
      Math.ceil((-Math.max(1, expected) * Math.log(FALSE_POSITIVE_RATE)) / Math.LN2 ** 2),
    );
    return new IdFilter(new Uint8Array(Math.ceil(bitCount / 8)));
  }

  static decode(encoded: string): IdFilter {
    return new IdFilter(new Uint8Array(Buffer.from(encoded, 'base64')));
  }

  add(id: string): void {
    for (const bit of this.positions(id)) this.bits[bit >>> 3] |= 1 << (bit & 7);
  }

  mightContain(id: string): boolean {
    for (const bit of this.positions(id))
      if ((this.bits[bit >>> 3] & (1 << (bit & 7))) === 0) return false;
    return true;
  }

  encode(): string {
    return Buffer.from(this.bits).toString('base64');
  }

  private positions(id: string): number[] {
    // Two FNV-1a hashes (different offset bases) drive double hashing: cheap and well spread.
    const text = id.toLowerCase();
    let first = 0x811c9dc5;
    let second = 0x01000193 ^ 0x5bd1e995;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      first = Math.imul(first ^ code, 0x01000193);
      second = Math.imul(second ^ code, 0x01000193) ^ (second >>> 13);
    }
    first >>>= 0;
    const step = (second | 1) >>> 0;
    const size = this.bits.length * 8;
    const result: number[] = [];
    for (let index = 0; index < HASHES; index++) result.push((first + index * step) % size);
    return result;
  }
}
