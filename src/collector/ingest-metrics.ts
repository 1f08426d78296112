import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsService } from '../common/metrics/metrics.service.js';

/** The Prometheus instruments of ingestion. */
@Injectable()
export class IngestMetrics {
  readonly accepted: Counter<string>;
  readonly duplicates: Counter<string>;
  readonly rejected: Counter<string>;
  readonly written: Counter<string>;
  readonly jobsFailed: Counter<string>;
  readonly batchWriteSeconds: Histogram<string>;
  readonly backlogEvents: Gauge<string>;
  readonly failedJobs: Gauge<string>;

  constructor(metrics: MetricsService) {
    this.accepted = metrics.counter(
      'ads_ingest_accepted_total',
      'Items accepted and made durable',
      ['kind'],
    );
    this.duplicates = metrics.counter(
      'ads_ingest_duplicates_total',
      'Events answered as accepted-duplicate (id already seen within the hot TTL)',
    );
    this.rejected = metrics.counter('ads_ingest_rejected_total', 'Items refused, by reason', [
      'kind',
      'reason',
    ]);
    this.written = metrics.counter(
      'ads_ingest_events_written_total',
      'Event rows newly written to the warm store',
    );
    this.jobsFailed = metrics.counter(
      'ads_ingest_jobs_failed_total',
      'Ingest batch jobs that failed; final="true" when no attempt is left (kept in the failed set)',
      ['final'],
    );
    this.batchWriteSeconds = metrics.histogram(
      'ads_ingest_batch_write_seconds',
      'Time to write one batch of events to the warm store',
      [],
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
    this.backlogEvents = metrics.gauge(
      'ads_ingest_backlog_events',
      'Events waiting in the ingest queue (estimate)',
    );
    this.failedJobs = metrics.gauge('ads_ingest_failed_jobs', 'Ingest jobs in the failed set');
  }
}
