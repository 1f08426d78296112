import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { BLOB_STORE, type BlobStore } from './blob-store.js';
import { type ManifestEntry, ManifestRepository } from './manifest.repository.js';
import { CorruptSegmentError, parseHeader, readSegmentLines } from './segment-format.js';

/**
 * Reads rows back from cold segments. Segment bodies are immutable, so the most recent
 * ones are kept (compressed) in a small byte-bounded cache: repeated lookups in the same
 * day skip the blob store round trip.
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

  /** The row with `id` in `table`, and the segment it came from; the id's time (UUIDv7) narrows the search. */
  async findById<T extends { id: string }>(
    table: string,
    id: string,
    hint: Date | null,
  ): Promise<{ record: T; segment: ManifestEntry } | null> {
    const needle = `"id":"${id}"`;
    for (const entry of await this.manifest.mayHold(table, id, hint)) {
      for await (const line of this.rows(entry)) {
        if (!line.includes(needle)) continue;
        const record = JSON.parse(line) as T;
        if (record.id === id) return { record, segment: entry };
      }
    }
    return null;
  }

  /** The rows of one segment as JSON text, in the segment's (time) order, header checked and skipped. */
  async *rows(entry: ManifestEntry): AsyncGenerator<string> {
    const body = await this.body(entry);
    let header = true;
    for await (const line of readSegmentLines(entry.segmentKey, body)) {
      if (header) {
        parseHeader(entry.segmentKey, line);
        header = false;
        continue;
      }
      yield line;
    }
  }

  private async body(entry: ManifestEntry): Promise<Buffer> {
    const cached = this.bodies.get(entry.segmentKey);
    if (cached) return cached;
    const body = await this.store.get(entry.segmentKey);
    if (body === null) throw new CorruptSegmentError(entry.segmentKey, 'the manifest lists it but the blob store has no such object');
    this.bodies.set(entry.segmentKey, body);
    return body;
  }

  forget(keys: readonly string[]): void {
    for (const key of keys) this.bodies.delete(key);
  }
}
