import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { BLOB_STORE, type BlobStore } from './blob-store.js';
import { type ManifestEntry, ManifestRepository } from './manifest.repository.js';
import {
  CorruptSegmentError,
  inflateLines,
  parseHeader,
  readSegmentLines,
} from './segment-format.js';

/** One gzip member of one segment: the unit the cold tier is read in. */
export interface ColdUnit {
  entry: ManifestEntry;
  member: number;
  fromMs: number;
  toMs: number;
}

/**
 * Reads rows back from cold segments. Segments are immutable, so recently read bodies and
 * single members are kept (compressed) in a byte-bounded cache; reads fetch and inflate only
 * the gzip members they need, found through the member list of the manifest entry.
 */
@Injectable()
export class ColdReader {
  private readonly bodies = new LRUCache<string, Buffer>({
    maxSize: 64 * 1024 * 1024,
    sizeCalculation: (body) => Math.max(1, body.length),
  });

  constructor(
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    private readonly manifest: ManifestRepository,
  ) {}

  /**
   * The row with `id` in `table`, and the segment it came from. The id's time (UUIDv7)
   * picks the member to inflate first; without it, or if it is not there, whole segments
   * are searched, only those whose Bloom filter may hold the id.
   */
  async findById<T extends { id: string }>(
    table: string,
    id: string,
    hint: Date | null,
  ): Promise<{ record: T; segment: ManifestEntry } | null> {
    // Only the quoted id: lines built by PostgreSQL write `"id" : "…"`, JSON.stringify `"id":"…"`.
    const needle = `"${id}"`;
    const entries = await this.manifest.mayHold(table, id, hint);
    const find = (lines: readonly string[]): T | null => {
      for (const line of lines) {
        if (!line.includes(needle)) continue;
        const record = JSON.parse(line) as T;
        if (record.id === id) return record;
      }
      return null;
    };
    if (hint) {
      const at = hint.getTime();
      for (const entry of entries) {
        for (const [index, member] of entry.members.entries()) {
          if (member[3] > at || at > member[4]) continue;
          const record = find(await this.memberLines(entry, index));
          if (record) return { record, segment: entry };
        }
      }
    }
    for (const entry of entries) {
      const record = find(await this.rows(entry));
      if (record) return { record, segment: entry };
    }
    return null;
  }

  /** The members of these entries, each with its time range. */
  units(entries: readonly ManifestEntry[]): ColdUnit[] {
    return entries.flatMap((entry) =>
      entry.members.map((member, index) => ({
        entry,
        member: index,
        fromMs: member[3],
        toMs: member[4],
      })),
    );
  }

  /**
   * The rows of one member as JSON text. Only that member's bytes are read (a ranged read:
   * a file read at an offset, an S3 Range GET) unless the whole segment is cached already.
   */
  async memberLines(entry: ManifestEntry, index: number): Promise<string[]> {
    const [offset, length] = entry.members[index];
    const cacheKey = `${entry.segmentKey}#${index}`;
    let bytes =
      this.bodies.get(entry.segmentKey)?.subarray(offset, offset + length) ??
      this.bodies.get(cacheKey);
    if (!bytes) {
      const read = await this.store.getRange(entry.segmentKey, offset, length);
      if (read === null || read.length !== length) {
        throw new CorruptSegmentError(
          entry.segmentKey,
          `member ${index} could not be read (${read?.length ?? 'no'} of ${length} bytes)`,
        );
      }
      this.bodies.set(cacheKey, read);
      bytes = read;
    }
    try {
      return await inflateLines(bytes);
    } catch (error) {
      throw new CorruptSegmentError(
        entry.segmentKey,
        `member ${index} does not inflate (${(error as Error).message})`,
      );
    }
  }

  /** All rows of one segment as JSON text, in time order (header checked and dropped). */
  async rows(entry: ManifestEntry): Promise<string[]> {
    const lines = await readSegmentLines(entry.segmentKey, await this.body(entry));
    parseHeader(entry.segmentKey, lines[0]);
    return lines.slice(1);
  }

  private async body(entry: ManifestEntry): Promise<Buffer> {
    const cached = this.bodies.get(entry.segmentKey);
    if (cached) return cached;
    const body = await this.store.get(entry.segmentKey);
    if (body === null)
      throw new CorruptSegmentError(
        entry.segmentKey,
        'the manifest lists it but the blob store has no such object',
      );
    this.bodies.set(entry.segmentKey, body);
    return body;
  }

  forget(keys: readonly string[]): void {
    const gone = new Set(keys);
    for (const key of [...this.bodies.keys()])
      if (gone.has(key.split('#')[0])) this.bodies.delete(key);
  }
}
