import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { createGunzip, gzip } from 'node:zlib';
import { IdFilter } from './id-filter.js';

const gzipAsync = promisify(gzip);

export const SEGMENT_FORMAT = 'ads-archive-segment';
export const SEGMENT_FORMAT_VERSION = 1;

/** Most distinct components a manifest entry lists; past it the entry says "any". */
export const MAX_LISTED_COMPONENTS = 5000;

/** Uncompressed bytes per gzip member: compressed off the event loop, one member at a time. */
const MEMBER_BYTES = 1 << 20;

/** The first line of every segment: enough to know what the file is without the manifest. */
export interface SegmentHeader {
  format: typeof SEGMENT_FORMAT;
  version: number;
  table: string;
  time_column: string;
  slice_start: string;
  generation: number;
  sequence: number;
  time_from: string;
  time_to: string;
  count: number;
  created_at: string;
}

/** What one archived row tells the manifest about itself. */
export interface SegmentRowFacts {
  id: string;
  time: Date;
  componentType: string;
  componentId: string;
  eventType?: string;
  level?: string;
}

export interface BuiltSegment {
  header: SegmentHeader;
  body: Buffer;
  sha256: string;
  rawSize: number;
  components: string[] | null;
  componentTypes: string[];
  eventTypes: string[] | null;
  levels: string[] | null;
  idFilter: string;
}

/**
 * Writes one segment: gzip-compressed NDJSON, one row per line, in the order given
 * (the archiver feeds rows by time). The file is a series of gzip members, which every
 * gzip reader reads as one stream: the header member comes first but is made last,
 * once the count and time range are known, so rows never wait in memory uncompressed
 * beyond one 1 MiB member.
 */
export class SegmentBuilder {
  private readonly members: Buffer[] = [];
  private pending: string[] = [];
  private pendingBytes = 0;
  private rawSize = 0;
  private rows = 0;
  private first: Date | null = null;
  private last: Date | null = null;
  private readonly components = new Set<string>();
  private readonly componentTypes = new Set<string>();
  private readonly eventTypes = new Set<string>();
  private readonly levels = new Set<string>();
  private readonly ids: IdFilter;

  constructor(
    private readonly meta: Pick<SegmentHeader, 'table' | 'time_column' | 'slice_start' | 'generation' | 'sequence'>,
    capacity: number,
  ) {
    this.ids = IdFilter.forCapacity(capacity);
  }

  get count(): number {
    return this.rows;
  }

  async add(row: unknown, facts: SegmentRowFacts): Promise<void> {
    const line = `${JSON.stringify(row)}\n`;
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.rows++;
    if (this.first === null || facts.time < this.first) this.first = facts.time;
    if (this.last === null || facts.time > this.last) this.last = facts.time;
    if (this.components.size <= MAX_LISTED_COMPONENTS) this.components.add(`${facts.componentType}/${facts.componentId}`);
    this.componentTypes.add(facts.componentType);
    if (facts.eventType !== undefined) this.eventTypes.add(facts.eventType);
    if (facts.level !== undefined) this.levels.add(facts.level);
    this.ids.add(facts.id);
    if (this.pendingBytes >= MEMBER_BYTES) await this.flush();
  }

  async finish(): Promise<BuiltSegment> {
    await this.flush();
    const header: SegmentHeader = {
      format: SEGMENT_FORMAT,
      version: SEGMENT_FORMAT_VERSION,
      ...this.meta,
      time_from: (this.first ?? new Date(this.meta.slice_start)).toISOString(),
      time_to: (this.last ?? new Date(this.meta.slice_start)).toISOString(),
      count: this.rows,
      created_at: new Date().toISOString(),
    };
    const headerMember = await gzipAsync(Buffer.from(`${JSON.stringify(header)}\n`));
    const body = Buffer.concat([headerMember, ...this.members]);
    return {
      header,
      body,
      sha256: sha256(body),
      rawSize: this.rawSize,
      components: this.components.size > MAX_LISTED_COMPONENTS ? null : [...this.components].sort(),
      componentTypes: [...this.componentTypes].sort(),
      eventTypes: this.eventTypes.size > 0 ? [...this.eventTypes].sort() : null,
      levels: this.levels.size > 0 ? [...this.levels].sort() : null,
      idFilter: this.ids.encode(),
    };
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const raw = Buffer.from(this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
    this.rawSize += raw.length;
    this.members.push(await gzipAsync(raw, { level: 6 }));
  }
}

export function sha256(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

export class CorruptSegmentError extends Error {
  constructor(key: string, reason: string) {
    super(`segment ${key} is corrupt: ${reason}`);
    this.name = 'CorruptSegmentError';
  }
}

/**
 * Reads a segment line by line, decompressing as it goes (a reader that stops early,
 * like a lookup by id, never inflates the rest). Yields the header first, then the rows'
 * JSON text; the caller parses only the lines it wants.
 */
export async function* readSegmentLines(key: string, body: Buffer): AsyncGenerator<string> {
  const lines = createInterface({ input: Readable.from([body]).pipe(createGunzip()), crlfDelay: Infinity });
  try {
    for await (const line of lines) if (line.length > 0) yield line;
  } finally {
    lines.close();
  }
}

export function parseHeader(key: string, line: string | undefined): SegmentHeader {
  let header: SegmentHeader;
  try {
    header = JSON.parse(line ?? '') as SegmentHeader;
  } catch {
    throw new CorruptSegmentError(key, 'the first line is not a JSON header');
  }
  if (header.format !== SEGMENT_FORMAT) throw new CorruptSegmentError(key, `unknown format ${String(header.format)}`);
  if (header.version > SEGMENT_FORMAT_VERSION) {
    throw new CorruptSegmentError(key, `format version ${header.version} is newer than this reader (${SEGMENT_FORMAT_VERSION})`);
  }
  return header;
}

/**
 * Re-reads a stored segment the way a later reader will: checksum of the bytes, the
 * header, and the number of rows. Returns the header; throws when anything differs.
 */
export async function verifySegment(
  key: string,
  body: Buffer | null,
  expected: { sha256: string; count: number },
): Promise<SegmentHeader> {
  if (body === null) throw new CorruptSegmentError(key, 'it is missing from the blob store');
  const actual = sha256(body);
  if (actual !== expected.sha256) throw new CorruptSegmentError(key, `sha256 ${actual} != ${expected.sha256}`);
  let header: SegmentHeader | undefined;
  let rows = 0;
  for await (const line of readSegmentLines(key, body)) {
    if (header === undefined) header = parseHeader(key, line);
    else rows++;
  }
  if (header === undefined) throw new CorruptSegmentError(key, 'it is empty');
  if (header.count !== expected.count || rows !== expected.count) {
    throw new CorruptSegmentError(key, `${rows} rows (header says ${header.count}), expected ${expected.count}`);
  }
  return header;
}
