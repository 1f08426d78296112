import { Injectable, Logger } from '@nestjs/common';
import fastJsonPatch from 'fast-json-patch';
import type { DebugEventRecord } from '../common/debug-event.js';
import { DomainError } from '../common/errors/domain-error.js';
import { newId } from '../common/ids.js';
import { AppConfig } from '../config/app-config.service.js';
import { SnapshotIdTakenError, SnapshotWriter, type StateSnapshotRecord } from '../storage/warm/snapshot-writer.js';
import { AppEventBus } from '../common/events/app-event-bus.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { MAX_STATE_BYTES, type StateSnapshotDto, type StateSnapshotAnswer } from './dto/state-snapshot.dto.js';
import { hasUnstorableJson, type RequestContext } from './event-normalizer.js';
import { IngestMetrics } from './ingest-metrics.js';
import { IngestService } from './ingest.service.js';
import { isPoisonError, poisonReason } from './poison-isolation.js';

/** Patches larger than this go into the state_change event as a count only (the snapshot keeps them whole). */
const MAX_EVENT_PATCH_BYTES = 32_768;
const MAX_CLOCK_SKEW_MS = 86_400_000;

/**
 * State snapshots: each is stored with its version (previous + 1), the sha256 of its
 * canonical JSON and the RFC 6902 patch from the previous snapshot, committed before
 * the answer; then a `state_change` event goes through the normal event path and the
 * change is published on the stream.
 */
@Injectable()
export class StateService {
  private readonly logger = new Logger(StateService.name);

  constructor(
    private readonly snapshots: SnapshotWriter,
    private readonly ingest: IngestService,
    private readonly stream: AppEventBus,
    private readonly metrics: IngestMetrics,
    private readonly config: AppConfig,
  ) {}

  async record(input: StateSnapshotDto, context: RequestContext): Promise<StateSnapshotAnswer> {
    const canonical = canonicalJson(input.state);
    if (Buffer.byteLength(canonical) > MAX_STATE_BYTES) {
      throw new DomainError('PAYLOAD_TOO_LARGE', `state must be at most ${MAX_STATE_BYTES} bytes as JSON`, {
        limit: MAX_STATE_BYTES,
      });
    }
    if (hasUnstorableJson(canonical)) {
      throw new DomainError('VALIDATION_FAILED', 'state must not contain NUL characters or unpaired surrogates');
    }
    const state = JSON.parse(canonical) as Record<string, unknown>;
    const hash = sha256Hex(canonical);
    const capturedAt = input.captured_at ? new Date(input.captured_at) : new Date();
    if (Number.isNaN(capturedAt.getTime())) throw new DomainError('VALIDATION_FAILED', 'captured_at must be a real date-time');
    if (capturedAt.getTime() < 0 || capturedAt.getTime() > Date.now() + MAX_CLOCK_SKEW_MS) {
      throw new DomainError('VALIDATION_FAILED', 'captured_at must be after 1970 and at most a day in the future', { field: 'captured_at' });
    }
    const correlationId = input.correlation_id ?? context.correlationId;

    const { snapshot, duplicate } = await this.snapshots
      .append(
        input.component_type,
        input.component_id,
        (previous): StateSnapshotRecord => ({
          id: input.id ?? newId(capturedAt),
          component_type: input.component_type,
          component_id: input.component_id,
          captured_at: capturedAt.toISOString(),
          correlation_id: correlationId,
          state,
          diff_from_previous: previous ? fastJsonPatch.compare(previous.state, state) : null,
          version: (previous?.version ?? 0) + 1,
          hash,
        }),
        input.id ?? undefined,
      )
      .catch((error: unknown) => {
        if (error instanceof SnapshotIdTakenError) throw new DomainError('CONFLICT', error.message, { id: error.id });
        // Refused for its content, not for the moment: a retry would fail the same way.
        if (isPoisonError(error) || isPoisonError((error as { driverError?: unknown }).driverError)) {
          throw new DomainError('VALIDATION_FAILED', `the state snapshot cannot be stored: ${poisonReason((error as { driverError?: unknown }).driverError ?? error)}`);
        }
        this.logger.warn(`state snapshot of ${input.component_type}/${input.component_id} not stored: ${(error as Error).message}`);
        throw new DomainError('UNAVAILABLE', 'the state snapshot could not be stored; retry shortly', undefined, 1);
      });
    // A retry of a stored snapshot answers it as it was stored (its own state, not this request's).
    const previousVersion = snapshot.version > 1 ? snapshot.version - 1 : null;
    const unchanged = snapshot.diff_from_previous !== null && snapshot.diff_from_previous.length === 0;
    if (!duplicate) this.metrics.accepted.inc({ kind: 'state' });

    const change = {
      snapshot_id: snapshot.id,
      component_type: snapshot.component_type,
      component_id: snapshot.component_id,
      version: snapshot.version,
      previous_version: previousVersion,
      hash: snapshot.hash,
      diff: snapshot.diff_from_previous,
      unchanged,
      captured_at: snapshot.captured_at,
      correlation_id: snapshot.correlation_id,
    };
    // The event takes the snapshot's id: a retry re-sends the same event, which the event path
    // dedupes (and restores, if the first attempt's event was lost).
    const eventId = await this.emitEvent(change, input.session_id ?? null);
    if (!duplicate) this.stream.emit('state.changed', { ...change, event_id: eventId });
    return {
      id: snapshot.id,
      component_type: snapshot.component_type,
      component_id: snapshot.component_id,
      version: snapshot.version,
      previous_version: previousVersion,
      hash: snapshot.hash,
      diff_from_previous: snapshot.diff_from_previous,
      unchanged,
      duplicate,
      captured_at: snapshot.captured_at,
      event_id: eventId,
    };
  }

  private async emitEvent(change: {
    snapshot_id: string;
    component_type: string;
    component_id: string;
    version: number;
    previous_version: number | null;
    hash: string;
    diff: unknown[] | null;
    unchanged: boolean;
    captured_at: string;
    correlation_id: string | null;
  }, sessionId: string | null): Promise<string | null> {
    const operations = change.diff?.length ?? 0;
    const patchFits = change.diff !== null && JSON.stringify(change.diff).length <= MAX_EVENT_PATCH_BYTES;
    const now = new Date();
    const event: DebugEventRecord = {
      id: change.snapshot_id,
      timestamp: change.captured_at,
      event_type: 'state_change',
      level: 'info',
      component_type: change.component_type,
      component_id: change.component_id,
      correlation_id: change.correlation_id,
      parent_event_id: null,
      operation: 'state.snapshot',
      duration_ms: null,
      message:
        change.previous_version === null
          ? `first state snapshot of ${change.component_type}/${change.component_id} (version 1)`
          : `state of ${change.component_type}/${change.component_id} changed to version ${change.version} (${operations} operation${operations === 1 ? '' : 's'})`,
      data: {
        snapshot_id: change.snapshot_id,
        version: change.version,
        previous_version: change.previous_version,
        hash: change.hash,
        operations,
        ...(patchFits ? { diff: change.diff } : { diff_truncated: change.diff !== null }),
      },
      metadata: null,
      session_id: sessionId,
      pattern_id: null,
      ingested_at: now.toISOString(),
    };
    try {
      await this.ingest.accept([event]);
      return event.id;
    } catch (error) {
      // The snapshot itself is committed; losing its event must not fail the request.
      this.logger.warn(`state_change event of snapshot ${change.snapshot_id} not queued: ${(error as Error).message}`);
      return null;
    }
  }
}
