import { Inject, Injectable, Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { Clock } from '../../common/clock.js';
import { newId } from '../../common/ids.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { InsightsService } from '../../insights/insights.service.js';
import { JobName } from '../../common/queues.js';
import { AppConfig } from '../../config/app-config.service.js';
import { ArchiveSegmentEntity } from '../cold/archive-segment.entity.js';
import { BLOB_STORE, type BlobStore } from '../cold/blob-store.js';
import { ColdReader } from '../cold/cold-reader.js';
import { dayKey, type ManifestEntry, ManifestRepository } from '../cold/manifest.repository.js';
import { SegmentBuilder, verifySegment } from '../cold/segment-format.js';
import { type WarmSlice, WarmSliceRepository } from '../warm/warm-slice.repository.js';
import {
  ARCHIVE_SPECS,
  ARCHIVED_TABLES,
  type ArchiveTableSpec,
  encodeRow,
} from './archive-tables.js';
import { TIERING_LOCK, type TieringLease, type TieringLock } from './tiering-lock.js';
import type { TieringOutcome } from './tiering-run.entity.js';
import { TieringRunsRepository } from './tiering-runs.repository.js';

export const TIERING_JOBS = [
  JobName.WarmToCold,
  JobName.ColdRetention,
  JobName.InsightRetention,
] as const;
export type TieringJob = (typeof TIERING_JOBS)[number];

/** warm-to-cold and cold-retention both change the archive: one lock for both. */
const LOCK_OF: Record<TieringJob, string> = {
  [JobName.WarmToCold]: 'tiering:archive',
  [JobName.ColdRetention]: 'tiering:archive',
  [JobName.InsightRetention]: 'tiering:insight-retention',
};

const DAY_MS = 86_400_000;
const FETCH_ROWS = 5000;
const PROGRESS_EVERY_ROWS = 100_000;
/** Attempts at one slice in one run when rows keep arriving in it while it is archived. */
const SLICE_ATTEMPTS = 3;

export interface TieringReport {
  run_id: string;
  job: TieringJob;
  trigger: 'schedule' | 'manual';
  outcome: TieringOutcome;
  started_at: string;
  finished_at: string;
  summary: Record<string, unknown> | null;
  error: string | null;
}

export interface SliceOutcome {
  table: string;
  day: string;
  rows: number;
  segments: number;
  bytes: number;
  raw_bytes: number;
  /** The slice had been archived by an earlier run that stopped before removing the warm rows. */
  resumed: boolean;
  attempts: number;
  /** false when rows kept arriving: the slice stays warm and is tried again next run. */
  released: boolean;
}

/**
 * The tiering jobs. Each run takes a lock (one run of a job at a time across workers;
 * a run that finds it taken is recorded as skipped) and is safe to kill at any point:
 *
 * warm-to-cold, per table and per UTC day past warm retention:
 *   1. stream the day's rows in (time, id) order into gzip NDJSON segments, each put in
 *      the blob store under a key fixed by (table, day, generation, sequence), then read
 *      back and checked (sha256 + row count);
 *   2. record all the day's segments in the manifest in one transaction, not yet
 *      "released" (readers ignore them: the rows are still warm);
 *   3. in one fenced transaction: lock the day, check its row count still equals what
 *      was archived, drop the partition (or delete the rows) and mark the entries
 *      released.
 * Killed before 2, a re-run rewrites the same keys; killed between 2 and 3, a re-run
 * verifies the recorded segments and goes straight to 3. Rows that arrive in the day
 * meanwhile make the count differ: that pass is discarded and the day archived again.
 */
@Injectable()
export class TieringService {
  private readonly logger = new Logger(TieringService.name);
  private readonly worker = `${hostname()}:${process.pid}`;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
    @Inject(TIERING_LOCK) private readonly lock: TieringLock,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly manifest: ManifestRepository,
    private readonly warm: WarmSliceRepository,
    private readonly runs: TieringRunsRepository,
    private readonly insights: InsightsService,
    private readonly cold: ColdReader,
    private readonly metrics: MetricsService,
  ) {}

  async run(job: TieringJob, trigger: TieringReport['trigger']): Promise<TieringReport> {
    const started = this.clock.now();
    const lease = await this.lock.tryAcquire(LOCK_OF[job]);
    if (!lease) {
      const reason = `another run holds the lock ${LOCK_OF[job]}`;
      const runId = await this.runs.skipped(job, this.worker, started, reason);
      this.logger.log(`${job}: skipped (${reason})`);
      this.count(job, 'skipped');
      return this.report(runId, job, trigger, 'skipped', started, { reason }, null);
    }
    let runId = '';
    try {
      const abandoned = await this.runs.abandon(job, started);
      if (abandoned > 0)
        this.logger.warn(
          `${job}: ${abandoned} earlier run(s) had stopped mid-way; this run finishes their work`,
        );
      runId = await this.runs.start(job, this.worker, started);
      this.logger.log(`${job}: started (run ${runId}, ${trigger}, worker ${this.worker})`);
      const summary = await this.execute(job, lease);
      await this.runs.finish(runId, 'ok', this.clock.now(), summary, null);
      await this.runs.prune(this.clock.now());
      this.logger.log(
        `${job}: done in ${Date.now() - started.getTime()} ms ${JSON.stringify(summary)}`,
      );
      this.count(job, 'ok');
      return this.report(runId, job, trigger, 'ok', started, summary, null);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error(
        `${job}: failed: ${message}`,
        error instanceof Error ? error.stack : undefined,
      );
      if (runId)
        await this.runs
          .finish(runId, 'failed', this.clock.now(), null, message)
          .catch(() => undefined);
      this.count(job, 'failed');
      if (trigger === 'schedule') throw error;
      return this.report(runId, job, trigger, 'failed', started, null, message);
    } finally {
      await lease
        .release()
        .catch((error: Error) => this.logger.warn(`${job}: releasing the lock: ${error.message}`));
    }
  }

  private execute(job: TieringJob, lease: TieringLease): Promise<Record<string, unknown>> {
    switch (job) {
      case JobName.WarmToCold:
        return this.warmToCold(lease);
      case JobName.ColdRetention:
        return this.coldRetention(lease);
      case JobName.InsightRetention:
        return this.insightRetention();
    }
  }

  private async warmToCold(lease: TieringLease): Promise<Record<string, unknown>> {
    const now = this.clock.now();
    const tables: Record<
      string,
      { slices: number; rows: number; segments: number; bytes: number; held_back: number }
    > = {};
    for (const table of ARCHIVED_TABLES) {
      const spec = ARCHIVE_SPECS[table];
      const cutoff = new Date(now.getTime() - spec.retentionHours(this.config) * 3_600_000);
      const slices = await this.warm.slicesBefore(spec, cutoff);
      const total = { slices: 0, rows: 0, segments: 0, bytes: 0, held_back: 0 };
      if (slices.length > 0)
        this.logger.log(
          `warm-to-cold ${table}: ${slices.length} day(s) older than ${cutoff.toISOString()}`,
        );
      for (const slice of slices) {
        const outcome = await this.archiveSlice(spec, slice, lease);
        total.slices++;
        total.rows += outcome.rows;
        total.segments += outcome.segments;
        total.bytes += outcome.bytes;
        if (!outcome.released) total.held_back++;
      }
      tables[table] = total;
    }
    return { tables };
  }

  /** Moves one day of one table to the cold tier (see the class comment for the steps). */
  async archiveSlice(
    spec: ArchiveTableSpec,
    slice: WarmSlice,
    lease: TieringLease,
  ): Promise<SliceOutcome> {
    const label = `${spec.table} ${dayKey(slice.start)} (${slice.relation})`;
    const pending = await this.manifest.unreleased(spec.table, slice.start);
    if (pending.length > 0) {
      const expected = pending.reduce((sum, entry) => sum + entry.rowCount, 0);
      if (await this.intact(pending)) {
        this.logger.log(
          `warm-to-cold ${label}: resuming: ${pending.length} segment(s), ${expected} rows archived, warm rows not yet removed`,
        );
        if (await this.release(spec, slice, pending, expected, lease)) {
          return this.outcome(slice, pending, true, 1, true);
        }
      }
      this.logger.warn(
        `warm-to-cold ${label}: discarding an earlier unfinished pass (${pending.length} segment(s)); archiving again`,
      );
      await this.discard(pending, lease);
    }
    for (let attempt = 1; attempt <= SLICE_ATTEMPTS; attempt++) {
      const entries = await this.writeSegments(spec, slice, label);
      const expected = entries.reduce((sum, entry) => sum + entry.rowCount, 0);
      await this.manifest.record(entries);
      if (await this.release(spec, slice, entries, expected, lease)) {
        this.metrics
          .counter('ads_tiering_rows_archived_total', 'Rows moved from the warm to the cold tier', [
            'table',
          ])
          .inc({ table: spec.table }, expected);
        return this.outcome(slice, entries, false, attempt, true);
      }
      this.logger.warn(
        `warm-to-cold ${label}: rows arrived while archiving (attempt ${attempt}); archiving again`,
      );
      await this.discard(entries, lease);
    }
    this.logger.warn(
      `warm-to-cold ${label}: still changing after ${SLICE_ATTEMPTS} attempts; left warm until the next run`,
    );
    return {
      table: spec.table,
      day: dayKey(slice.start),
      rows: 0,
      segments: 0,
      bytes: 0,
      raw_bytes: 0,
      resumed: false,
      attempts: SLICE_ATTEMPTS,
      released: false,
    };
  }

  /** Step 1: the slice's rows into verified segments, in the blob store, not yet in the manifest. */
  private async writeSegments(
    spec: ArchiveTableSpec,
    slice: WarmSlice,
    label: string,
  ): Promise<ArchiveSegmentEntity[]> {
    const generation = (await this.manifest.maxGeneration(spec.table, slice.start)) + 1;
    const segmentRows = this.config.archiveSegmentRows;
    const entries: ArchiveSegmentEntity[] = [];
    const began = Date.now();
    let builder: SegmentBuilder | null = null;
    let rows = 0;
    const close = async (full: SegmentBuilder) => {
      entries.push(await this.storeSegment(spec, slice, generation, entries.length + 1, full));
    };
    await this.warm.stream(spec, slice, FETCH_ROWS, async (batch) => {
      for (const row of batch) {
        builder ??= new SegmentBuilder(
          {
            table: spec.table,
            time_column: spec.timeColumn,
            slice_start: slice.start.toISOString(),
            generation,
            sequence: entries.length + 1,
          },
          segmentRows,
        );
        const { line, facts } = encodeRow(spec, row);
        await builder.add(line, facts);
        rows++;
        if (builder.count >= segmentRows) {
          await close(builder);
          builder = null;
        }
        if (rows % PROGRESS_EVERY_ROWS === 0) {
          const seconds = (Date.now() - began) / 1000;
          this.logger.log(
            `warm-to-cold ${label}: ${rows} rows, ${entries.length} segment(s) so far (${Math.round(rows / seconds)} rows/s)`,
          );
        }
      }
    });
    if (builder) await close(builder);
    const bytes = entries.reduce((sum, entry) => sum + entry.byteSize, 0);
    const raw = entries.reduce((sum, entry) => sum + entry.rawSize, 0);
    this.logger.log(
      `warm-to-cold ${label}: ${rows} rows in ${entries.length} segment(s), ${bytes} bytes` +
        `${bytes > 0 ? ` (${(raw / bytes).toFixed(1)}x smaller than NDJSON)` : ''}, written and verified in ${Date.now() - began} ms`,
    );
    return entries;
  }

  private async storeSegment(
    spec: ArchiveTableSpec,
    slice: WarmSlice,
    generation: number,
    sequence: number,
    builder: SegmentBuilder,
  ): Promise<ArchiveSegmentEntity> {
    const built = await builder.finish();
    const key = segmentKey(spec.table, slice.start, generation, sequence);
    await this.blobs.put(key, built.body);
    // Read back what the store now holds, as a later reader will.
    await verifySegment(key, await this.blobs.get(key), {
      sha256: built.sha256,
      count: built.header.count,
    });
    return {
      id: newId(),
      segmentKey: key,
      tableName: spec.table,
      sliceStart: slice.start,
      generation,
      sequence,
      timeFrom: new Date(built.header.time_from),
      timeTo: new Date(built.header.time_to),
      rowCount: built.header.count,
      byteSize: built.body.length,
      rawSize: built.rawSize,
      sha256: built.sha256,
      formatVersion: built.header.version,
      components: built.components,
      componentTypes: built.componentTypes,
      eventTypes: built.eventTypes,
      levels: built.levels,
      members: built.members,
      idFilter: built.idFilter,
      warmReleasedAt: null,
      createdAt: this.clock.now(),
    };
  }

  /** Step 3, in one fenced transaction: remove the warm rows if still exactly those archived, and release the entries. */
  private async release(
    spec: ArchiveTableSpec,
    slice: WarmSlice,
    entries: readonly ManifestEntry[],
    expected: number,
    lease: TieringLease,
  ): Promise<boolean> {
    const at = this.clock.now();
    const release = this.manifest.releaseStatement(
      entries.map((entry) => entry.id),
      at,
    );
    const result = await lease.fenced((transaction) =>
      this.warm.removeIfCount(transaction, spec, slice, expected, release),
    );
    if (result.removed) {
      this.warm.forgetPartition(slice);
      this.logger.log(
        `warm-to-cold ${spec.table} ${dayKey(slice.start)}: ${slice.wholePartition ? `dropped partition ${slice.relation}` : `deleted ${expected} warm rows`}; ${entries.length} segment(s) now serve reads`,
      );
    } else {
      this.logger.warn(
        `warm-to-cold ${spec.table} ${dayKey(slice.start)}: warm holds ${result.found} rows, ${expected} were archived`,
      );
    }
    return result.removed;
  }

  private async intact(entries: readonly ManifestEntry[]): Promise<boolean> {
    for (const entry of entries) {
      try {
        await verifySegment(entry.segmentKey, await this.blobs.get(entry.segmentKey), {
          sha256: entry.sha256,
          count: entry.rowCount,
        });
      } catch (error) {
        this.logger.warn(`segment ${entry.segmentKey}: ${(error as Error).message}`);
        return false;
      }
    }
    return true;
  }

  /** Forgets a pass that never released its warm rows: manifest first, then the objects. */
  private async discard(entries: readonly ManifestEntry[], lease: TieringLease): Promise<void> {
    await lease.fenced((transaction) =>
      this.manifest.delete(
        entries.map((entry) => entry.id),
        transaction,
      ),
    );
    this.cold.forget(entries.map((entry) => entry.segmentKey));
    for (const entry of entries) await this.blobs.delete(entry.segmentKey);
  }

  private outcome(
    slice: WarmSlice,
    entries: readonly ManifestEntry[],
    resumed: boolean,
    attempts: number,
    released: boolean,
  ): SliceOutcome {
    return {
      table: slice.table,
      day: dayKey(slice.start),
      rows: entries.reduce((sum, entry) => sum + entry.rowCount, 0),
      segments: entries.length,
      bytes: entries.reduce((sum, entry) => sum + entry.byteSize, 0),
      raw_bytes: entries.reduce((sum, entry) => sum + entry.rawSize, 0),
      resumed,
      attempts,
      released,
    };
  }

  /**
   * Deletes segments whose newest row is past DEBUG_COLD_RETENTION_DAYS: manifest entries
   * first (readers stop seeing them), then the objects; then any object left in a day
   * folder past retention that no entry names (a pass killed before its manifest step).
   */
  private async coldRetention(lease: TieringLease): Promise<Record<string, unknown>> {
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - this.config.coldRetentionDays * DAY_MS);
    const expired = await this.manifest.olderThan(cutoff);
    let rows = 0;
    let bytes = 0;
    for (let index = 0; index < expired.length; index += 500) {
      const chunk = expired.slice(index, index + 500);
      await lease.fenced((transaction) =>
        this.manifest.delete(
          chunk.map((entry) => entry.id),
          transaction,
        ),
      );
      this.cold.forget(chunk.map((entry) => entry.segmentKey));
      for (const entry of chunk) {
        await this.blobs.delete(entry.segmentKey);
        rows += entry.rowCount;
        bytes += entry.byteSize;
      }
      this.logger.log(
        `cold-retention: deleted ${Math.min(index + 500, expired.length)}/${expired.length} segment(s) older than ${cutoff.toISOString()}`,
      );
    }
    const cutoffDay = cutoff.toISOString().slice(0, 10);
    const live = await this.manifest.slicesWithEntries();
    let orphans = 0;
    for (const table of ARCHIVED_TABLES) {
      for (const blob of await this.blobs.list(`${table}/`)) {
        const day = dayOfKey(blob.key);
        if (day === null || day >= cutoffDay || live.has(`${table}@${day}`)) continue;
        await this.blobs.delete(blob.key);
        orphans++;
      }
    }
    if (orphans > 0)
      this.logger.log(`cold-retention: deleted ${orphans} object(s) that no manifest entry named`);
    return {
      cutoff: cutoff.toISOString(),
      segments_deleted: expired.length,
      rows_deleted: rows,
      bytes_deleted: bytes,
      orphans_deleted: orphans,
    };
  }

  private async insightRetention(): Promise<Record<string, unknown>> {
    const cutoff = new Date(
      this.clock.now().getTime() - this.config.insightRetentionHours * 3_600_000,
    );
    const deleted = await this.insights.deleteResolvedBefore(cutoff);
    return { cutoff: cutoff.toISOString(), insights_deleted: deleted };
  }

  private count(job: TieringJob, outcome: TieringOutcome): void {
    this.metrics
      .counter('ads_tiering_runs_total', 'Tiering job runs by outcome', ['job', 'outcome'])
      .inc({ job, outcome });
  }

  private report(
    runId: string,
    job: TieringJob,
    trigger: TieringReport['trigger'],
    outcome: TieringOutcome,
    started: Date,
    summary: Record<string, unknown> | null,
    error: string | null,
  ): TieringReport {
    return {
      run_id: runId,
      job,
      trigger,
      outcome,
      started_at: started.toISOString(),
      finished_at: this.clock.now().toISOString(),
      summary,
      error,
    };
  }
}

/** `<table>/<yyyy>/<mm>/<dd>/g<generation>-s<sequence>.ndjson.gz`: the same pass of the same day always writes the same keys. */
export function segmentKey(table: string, day: Date, generation: number, sequence: number): string {
  const [year, month, date] = day.toISOString().slice(0, 10).split('-');
  return `${table}/${year}/${month}/${date}/g${generation}-s${String(sequence).padStart(5, '0')}.ndjson.gz`;
}

function dayOfKey(key: string): string | null {
  const match = /^[a-z_]+\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(key);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : null;
}
