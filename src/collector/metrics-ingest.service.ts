import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { AppConfig } from '../config/app-config.service.js';
import { MetricWriter, type DebugMetricRecord } from '../storage/warm/metric-writer.js';
import { AppEventBus } from '../common/events/app-event-bus.js';
import type { AppEvents } from '../common/events/app-events.js';
import { IngestMetrics } from './ingest-metrics.js';
import { MetricIntake, type MetricItem } from './metric-intake.js';

export interface MetricsAnswer {
  accepted: number;
  duplicates: number;
  rejected: number;
  ids: (string | null)[];
  results?: {
    index: number;
    status: 'accepted' | 'duplicate' | 'rejected';
    id?: string;
    reason?: string;
  }[];
}

/**
 * Metric points in: validated, committed to the warm store before the answer (a point
 * is small and far rarer than events, so one multi-row insert per request is enough),
 * then streamed as `debug:metric_update`.
 */
@Injectable()
export class MetricsIngestService {
  private readonly intake = new MetricIntake();

  constructor(
    private readonly writer: MetricWriter,
    private readonly stream: AppEventBus,
    private readonly metrics: IngestMetrics,
    private readonly config: AppConfig,
  ) {}

  async ingest(body: unknown): Promise<MetricsAnswer> {
    const batch =
      typeof body === 'object' && body !== null && !Array.isArray(body) && 'metrics' in body;
    const values = batch ? this.listOf(body) : [body];
    const now = new Date();
    const oldestMs = now.getTime() - this.config.metricRetentionHours * 3_600_000;
    const items: MetricItem[] = values.map((value, index) => {
      const checked = this.intake.check(
        value,
        batch ? `metrics[${index}]` : 'metric',
        now,
        oldestMs,
      );
      return typeof checked === 'string'
        ? { index, reason: checked }
        : { index, metric: checked as DebugMetricRecord };
    });
    const good = items.filter(
      (item): item is { index: number; metric: DebugMetricRecord } => item.metric !== undefined,
    );
    const rejected = items.length - good.length;
    if (rejected > 0) this.metrics.rejected.inc({ kind: 'metric', reason: 'validation' }, rejected);
    if (good.length === 0) {
      const problems = items.map((item) => item.reason!);
      throw new DomainError(
        'VALIDATION_FAILED',
        batch ? `every metric was rejected: ${problems[0]}` : problems[0],
        {
          problems,
        },
      );
    }
    const written = await this.writer
      .write(good.map((item) => item.metric))
      .catch((error: unknown) => {
        throw new DomainError(
          'UNAVAILABLE',
          `metrics could not be stored: ${(error as Error).message}`,
          undefined,
          1,
        );
      });
    this.metrics.accepted.inc({ kind: 'metric' }, written);
    this.stream.emit(
      'metric.recorded',
      good.map((item) => item.metric as unknown as AppEvents['metric.recorded'][number]),
    );
    const ids = items.map((item) => item.metric?.id ?? null);
    const answer: MetricsAnswer = {
      accepted: good.length,
      duplicates: good.length - written,
      rejected,
      ids,
    };
    if (rejected > 0) {
      answer.results = items.map((item) =>
        item.metric
          ? { index: item.index, status: 'accepted', id: item.metric.id }
          : { index: item.index, status: 'rejected', reason: item.reason },
      );
    }
    return answer;
  }

  private listOf(body: object): unknown[] {
    const extra = Object.keys(body).filter((key) => key !== 'metrics');
    if (extra.length > 0)
      throw new DomainError(
        'VALIDATION_FAILED',
        `${extra[0]} is not a known field (the body is { "metrics": [ … ] })`,
      );
    const { metrics } = body as { metrics: unknown };
    if (!Array.isArray(metrics))
      throw new DomainError('VALIDATION_FAILED', 'metrics must be an array of metric points');
    if (metrics.length === 0)
      throw new DomainError('VALIDATION_FAILED', 'metrics must not be empty');
    if (metrics.length > this.config.maxBatchEvents) {
      throw new DomainError(
        'PAYLOAD_TOO_LARGE',
        `metrics holds ${metrics.length} points, over DEBUG_MAX_BATCH_EVENTS=${this.config.maxBatchEvents}`,
        { metrics: metrics.length, limit: this.config.maxBatchEvents },
      );
    }
    return metrics;
  }
}
