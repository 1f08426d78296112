import { gunzipSync } from 'node:zlib';
import { IdFilter } from './id-filter.js';
import {
  CorruptSegmentError,
  inflateLines,
  parseHeader,
  readSegmentLines,
  SegmentBuilder,
  verifySegment,
} from './segment-format.js';

const META = {
  table: 'debug_events',
  time_column: 'timestamp',
  slice_start: '2026-11-16T00:00:00.000Z',
  generation: 1,
  sequence: 1,
};

async function build(rows: number) {
  const builder = new SegmentBuilder(META, rows);
  const written: { id: string; message: string }[] = [];
  for (let index = 0; index < rows; index++) {
    const row = {
      id: `id-${index}`,
      message: `row ${index} ${'x'.repeat(index % 50)}\n with a newline`,
    };
    written.push(row);
    await builder.add(JSON.stringify(row), {
      id: row.id,
      time: new Date(Date.parse(META.slice_start) + index * 1000),
      componentType: index % 2 ? 'api' : 'worker',
      componentId: `c${index % 3}`,
      level: 'info',
    });
  }
  return { segment: await builder.finish(), written };
}

describe('archive segments', () => {
  it('writes a header line then one JSON row per line, in several gzip members that read as one file', async () => {
    const { segment, written } = await build(30_000);
    const lines = gunzipSync(segment.body).toString('utf8').trimEnd().split('\n');
    const header = parseHeader('k', lines[0]);
    expect(header).toMatchObject({
      format: 'ads-archive-segment',
      version: 1,
      table: 'debug_events',
      count: 30_000,
    });
    expect(header.time_from).toBe('2026-11-16T00:00:00.000Z');
    expect(header.time_to).toBe(new Date(Date.parse(META.slice_start) + 29_999_000).toISOString());
    expect(lines.slice(1).map((line) => JSON.parse(line))).toEqual(written);
    expect(segment.rawSize).toBeGreaterThan(1 << 20);
    expect(segment.components).toEqual([
      'api/c0',
      'api/c1',
      'api/c2',
      'worker/c0',
      'worker/c1',
      'worker/c2',
    ]);
    expect(segment.componentTypes).toEqual(['api', 'worker']);
    expect(segment.levels).toEqual(['info']);
    expect(segment.eventTypes).toBeNull();
  });

  it('lists each gzip member with its offset, rows and time range, and each inflates on its own', async () => {
    const { segment, written } = await build(30_000);
    expect(segment.members.length).toBeGreaterThan(2);
    expect(segment.members.reduce((sum, member) => sum + member[2], 0)).toBe(30_000);
    const last = segment.members[segment.members.length - 1];
    expect(last[0] + last[1]).toBe(segment.body.length);
    let seen = 0;
    for (const [offset, length, rows, fromMs, toMs] of segment.members) {
      const lines = await inflateLines(segment.body.subarray(offset, offset + length));
      expect(lines).toHaveLength(rows);
      expect(lines.map((line) => JSON.parse(line))).toEqual(written.slice(seen, seen + rows));
      expect(fromMs).toBe(Date.parse(META.slice_start) + seen * 1000);
      expect(toMs).toBe(Date.parse(META.slice_start) + (seen + rows - 1) * 1000);
      seen += rows;
    }
  });

  it('streams the lines back and verifies count and checksum', async () => {
    const { segment } = await build(500);
    const lines: string[] = [];
    for (const line of await readSegmentLines('k', segment.body)) lines.push(line);
    expect(lines).toHaveLength(501);
    await expect(
      verifySegment('k', segment.body, { sha256: segment.sha256, count: 500 }),
    ).resolves.toMatchObject({ count: 500 });
  });

  it('rejects a missing, altered or short segment', async () => {
    const { segment } = await build(100);
    await expect(verifySegment('k', null, { sha256: segment.sha256, count: 100 })).rejects.toThrow(
      CorruptSegmentError,
    );
    const altered = Buffer.from(segment.body);
    altered[altered.length - 10] ^= 0xff;
    await expect(
      verifySegment('k', altered, { sha256: segment.sha256, count: 100 }),
    ).rejects.toThrow(/sha256/);
    await expect(
      verifySegment('k', segment.body, { sha256: segment.sha256, count: 101 }),
    ).rejects.toThrow(/100 rows/);
  });

  it('keeps every id in its filter and rejects most others', () => {
    const filter = IdFilter.forCapacity(10_000);
    for (let index = 0; index < 10_000; index++) filter.add(`present-${index}`);
    const decoded = IdFilter.decode(filter.encode());
    for (let index = 0; index < 10_000; index++)
      expect(decoded.mightContain(`present-${index}`)).toBe(true);
    let falsePositives = 0;
    for (let index = 0; index < 10_000; index++)
      if (decoded.mightContain(`absent-${index}`)) falsePositives++;
    expect(falsePositives).toBeLessThan(300);
  });
});

describe('local blob store', () => {
  it('puts atomically, reads whole and ranged, lists by prefix, deletes idempotently', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { LocalBlobStore } = await import('./local-blob-store.js');
    const store = new LocalBlobStore(mkdtempSync(join(tmpdir(), 'ads-blob-')));
    await store.put('debug_events/2026/11/16/g1-s00001.ndjson.gz', Buffer.from('0123456789'));
    await store.put('debug_events/2026/11/17/g1-s00001.ndjson.gz', Buffer.from('abc'));
    expect((await store.get('debug_events/2026/11/16/g1-s00001.ndjson.gz'))?.toString()).toBe(
      '0123456789',
    );
    expect(
      (await store.getRange('debug_events/2026/11/16/g1-s00001.ndjson.gz', 3, 4))?.toString(),
    ).toBe('3456');
    expect(await store.get('debug_events/2026/11/18/none.ndjson.gz')).toBeNull();
    expect(await store.getRange('debug_events/2026/11/18/none.ndjson.gz', 0, 1)).toBeNull();
    expect(await store.list('debug_events/2026/11/16/')).toEqual([
      { key: 'debug_events/2026/11/16/g1-s00001.ndjson.gz', size: 10 },
    ]);
    expect((await store.list('debug_events/')).map((blob) => blob.key)).toHaveLength(2);
    await store.delete('debug_events/2026/11/16/g1-s00001.ndjson.gz');
    await store.delete('debug_events/2026/11/16/g1-s00001.ndjson.gz');
    expect(await store.list('debug_events/2026/11/16/')).toEqual([]);
    await expect(store.put('../escape', Buffer.from('x'))).rejects.toThrow(/invalid blob key/);
  });
});
