import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { EventIntake } from '../collector/event-intake.service.js';
import type { IngestEventInput } from '../collector/event-shape.js';
import { IngestService } from '../collector/ingest.service.js';
import type { MetricInput } from '../collector/metric-intake.js';
import { MetricsIngestService } from '../collector/metrics-ingest.service.js';
import type { DebugEventRecord } from '../common/debug-event.js';
import { DomainError } from '../common/errors/domain-error.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { AppConfig } from '../config/app-config.service.js';
import { type Envelope, type EnvelopeItem, itemJson } from './envelope-parser.js';
import {
  type MappedItem,
  mapCheckIn,
  mapErrorEvent,
  mapLogs,
  mapSession,
  mapSessionAggregates,
  mapSpan,
  mapTransaction,
  type SentrySource,
} from './sentry-mapper.js';

type Mapper = (payload: Record<string, unknown>, source: SentrySource, where: string) => MappedItem;

const MAPPERS: Record<string, Mapper> = {
  event: mapErrorEvent,
  transaction: mapTransaction,
  span: mapSpan,
  log: mapLogs,
  check_in: mapCheckIn,
  session: mapSession,
  sessions: mapSessionAggregates,
};

/** Item types Sentry SDKs send that are accepted and counted but not stored (docs/sentry.md says why). */
const COUNTED_ONLY = new Set([
  'attachment',
  'replay_event',
  'replay_recording',
  'replay_video',
  'profile',
  'profile_chunk',
  'client_report',
  'user_report',
  'feedback',
  'statsd',
  'metric_meta',
]);

export interface EnvelopeOutcome {
  /** Events stored for the first time / already known (a retried envelope). */
  stored: number;
  duplicates: number;
  metrics: number;
  /** Breadcrumbs refused by validation (e.g. older than the retention): dropped, not failing the envelope. */
  droppedBreadcrumbs: number;
  counted: number;
  ignored: number;
}

interface Pending {
  input: IngestEventInput;
  item: EnvelopeItem;
  optional: boolean;
}

/**
 * Envelope items → our events and metric points, through the collector's own intake
 * (validation and normalization) and accept path (hot tier, ingest journal, idempotency by id).
 * A refused event fails the whole envelope with 400 naming its item, before anything is kept.
 */
@Injectable()
export class SentryIntakeService {
  private readonly logger = new Logger(SentryIntakeService.name);
  private readonly items: Counter<string>;

  constructor(
    private readonly intake: EventIntake,
    private readonly ingest: IngestService,
    private readonly metricsIngest: MetricsIngestService,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.items = metrics.counter(
      'ads_sentry_items_total',
      'Sentry envelope items received, by item type and outcome (stored, counted: accepted and not stored, ignored: unknown type)',
      ['type', 'outcome'],
    );
  }

  async accept(envelope: Envelope, source: SentrySource): Promise<EnvelopeOutcome> {
    const pending: Pending[] = [];
    const metricPoints: MetricInput[] = [];
    const outcome: EnvelopeOutcome = {
      stored: 0,
      duplicates: 0,
      metrics: 0,
      droppedBreadcrumbs: 0,
      counted: 0,
      ignored: 0,
    };
    const tally = new Map<string, [string, number]>();
    const note = (type: string, result: string) => {
      const key = `${type}\u0000${result}`;
      tally.set(key, [type, (tally.get(key)?.[1] ?? 0) + 1]);
    };

    for (const item of envelope.items) {
      const mapper = MAPPERS[item.type];
      if (!mapper) {
        const known = COUNTED_ONLY.has(item.type);
        note(known ? item.type : 'unknown', known ? 'counted' : 'ignored');
        if (known) outcome.counted++;
        else outcome.ignored++;
        continue;
      }
      const mapped = mapper(itemJson(item), source, `item ${item.index} (${item.type})`);
      for (const input of mapped.events) pending.push({ input, item, optional: false });
      for (const input of mapped.extras) pending.push({ input, item, optional: true });
      metricPoints.push(...mapped.metrics);
      note(item.type, 'stored');
    }

    const records = this.validate(pending, outcome);
    if (records.length > 0) {
      const fresh = await this.acceptInChunks(records);
      outcome.stored = fresh.filter(Boolean).length;
      outcome.duplicates = fresh.length - outcome.stored;
    }
    if (metricPoints.length > 0) {
      const answer = await this.metricsIngest.ingest({ metrics: metricPoints });
      outcome.metrics = answer.accepted;
      if (answer.rejected > 0)
        this.logger.warn(
          `${answer.rejected} session metric points refused: ${answer.results?.find((result) => result.reason)?.reason}`,
        );
    }
    for (const [key, [type, count]] of tally)
      this.items.inc({ type, outcome: key.slice(type.length + 1) }, count);
    return outcome;
  }

  /** Validates every event with the REST path's rules; an item's own event refused is a 400 naming the item. */
  private validate(pending: Pending[], outcome: EnvelopeOutcome): DebugEventRecord[] {
    const records: DebugEventRecord[] = [];
    const size = this.config.maxBatchEvents;
    for (let start = 0; start < pending.length; start += size) {
      const chunk = pending.slice(start, start + size);
      const checked = this.intake.batch(
        { events: chunk.map((entry) => entry.input) },
        { correlationId: null },
      );
      checked.forEach((result, position) => {
        const entry = chunk[position];
        if (result.event) {
          records.push(result.event);
        } else if (entry.optional) {
          outcome.droppedBreadcrumbs++;
        } else {
          const reason = result.reason.replace(/^events\[\d+\]\.?/, '');
          throw new DomainError(
            'VALIDATION_FAILED',
            `item ${entry.item.index} (${entry.item.type}): ${reason}`,
            {
              item: entry.item.index,
              type: entry.item.type,
              reason,
            },
          );
        }
      });
    }
    return records;
  }

  private async acceptInChunks(records: DebugEventRecord[]): Promise<boolean[]> {
    const fresh: boolean[] = [];
    const size = this.config.maxBatchEvents;
    for (let start = 0; start < records.length; start += size) {
      fresh.push(...(await this.ingest.accept(records.slice(start, start + size))));
    }
    return fresh;
  }
}
