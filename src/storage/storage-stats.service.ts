import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.service.js';
import { BLOB_STORE, type BlobStore } from './cold/blob-store.js';
import { ManifestRepository } from './cold/manifest.repository.js';
import { HOT_STORE, type HotStore } from './hot/hot-store.js';
import { ARCHIVE_SPECS, ARCHIVED_TABLES } from './tiering/archive-tables.js';
import { TIERING_JOBS } from './tiering/tiering.service.js';
import { TieringRunsRepository } from './tiering/tiering-runs.repository.js';
import type { TieringRunEntity } from './tiering/tiering-run.entity.js';
import { WarmStatsRepository } from './warm/warm-stats.repository.js';

const RUNS_PER_JOB = 5;

/** What `GET /storage/stats` answers: per tier count, bytes, oldest/newest; the jobs' last runs. */
@Injectable()
export class StorageStatsService {
  constructor(
    private readonly config: AppConfig,
    @Inject(HOT_STORE) private readonly hot: HotStore,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly warm: WarmStatsRepository,
    private readonly manifest: ManifestRepository,
    private readonly runs: TieringRunsRepository,
  ) {}

  async stats() {
    const [hot, warmTables, databaseBytes, cold, runs] = await Promise.all([
      this.hot.stats(),
      Promise.all(
        ARCHIVED_TABLES.map(
          async (table) => [table, await this.warm.table(ARCHIVE_SPECS[table])] as const,
        ),
      ),
      this.warm.databaseBytes(),
      this.manifest.stats(),
      this.runs.recent(TIERING_JOBS, RUNS_PER_JOB),
    ]);
    const coldByTable = Object.fromEntries(cold.map((row) => [row.table_name, row]));
    return {
      hot: {
        store: this.hot.kind,
        events: hot.count,
        oldest_arrival:
          hot.oldestArrivalMs === null ? null : new Date(hot.oldestArrivalMs).toISOString(),
        newest_arrival:
          hot.newestArrivalMs === null ? null : new Date(hot.newestArrivalMs).toISOString(),
        ttl_seconds: this.config.hotTtlSeconds,
      },
      warm: {
        store: this.config.dialect,
        database_bytes: databaseBytes,
        tables: Object.fromEntries(warmTables),
        retention_hours: {
          debug_events: this.config.eventRetentionHours,
          debug_metrics: this.config.metricRetentionHours,
          debug_state_snapshots: this.config.snapshotRetentionHours,
        },
      },
      cold: {
        store: this.blobs.kind,
        location: this.blobs.location,
        retention_days: this.config.coldRetentionDays,
        tables: Object.fromEntries(
          ARCHIVED_TABLES.map((table) => {
            const row = coldByTable[table];
            return [
              table,
              {
                rows: row?.rows ?? 0,
                segments: row?.segments ?? 0,
                bytes: row?.bytes ?? 0,
                uncompressed_bytes: row?.raw_bytes ?? 0,
                compression_ratio:
                  row && row.bytes > 0 ? Number((row.raw_bytes / row.bytes).toFixed(2)) : null,
                oldest: row?.oldest ?? null,
                newest: row?.newest ?? null,
                unreleased_segments: row?.pending_segments ?? 0,
              },
            ];
          }),
        ),
      },
      jobs: Object.fromEntries(
        Object.entries(runs).map(([job, { runs: list, lastOk }]) => [
          job,
          { last_success: lastOk ? runView(lastOk) : null, last_runs: list.map(runView) },
        ]),
      ),
    };
  }
}

function runView(run: TieringRunEntity) {
  return {
    run_id: run.id,
    outcome: run.outcome,
    started_at: run.startedAt.toISOString(),
    finished_at: run.finishedAt?.toISOString() ?? null,
    duration_ms: run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
    worker: run.worker,
    summary: run.summary,
    error: run.error,
  };
}
