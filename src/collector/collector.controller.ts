import {
  applyDecorators,
  Body,
  Controller,
  Headers,
  HttpCode,
  HttpStatus,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { DebugEventRecord } from '../common/debug-event.js';
import { RequireScope } from '../common/auth/scopes.decorator.js';
import { DomainError } from '../common/errors/domain-error.js';
import { ErrorEnvelope } from '../common/errors/error-envelope.js';
import {
  BatchAcceptedAnswer,
  EventAcceptedAnswer,
  IngestBatchDto,
} from './dto/ingest-answers.dto.js';
import { IngestEventDto } from './dto/ingest-event.dto.js';
import { requestContextOf } from './event-normalizer.js';
import { EventIntake, type IntakeItem } from './event-intake.service.js';
import { IngestEnabledGuard } from './ingest-enabled.guard.js';
import { IngestMetrics } from './ingest-metrics.js';
import { IngestService } from './ingest.service.js';

const EXAMPLE_EVENT = {
  id: '0193a4c8-6f1e-7d2a-9b1f-2c8f0e6d5a11',
  timestamp: '2026-11-24T08:15:30.123Z',
  event_type: 'error',
  level: 'error',
  component_type: 'agent',
  component_id: 'planner-7',
  correlation_id: 'order-4711',
  operation: 'plan.generate',
  duration_ms: 30012,
  message: 'tool call failed: timeout after 30000 ms',
  data: { tool: 'search', attempt: 3 },
  metadata: { host: 'node-3', version: '2.4.1' },
};

/** The headers that fill correlation_id when the body has none. */
export const CorrelationHeaders = () =>
  applyDecorators(
    // named as the @Headers() parameter reads it, so that the two are one optional parameter
    ApiHeader({
      name: 'x-correlation-id',
      required: false,
      description: 'Correlation id for events that carry none (X-Correlation-Id).',
    }),
    ApiHeader({
      name: 'traceparent',
      required: false,
      description:
        'W3C trace context: its trace id becomes the correlation id when neither the body nor X-Correlation-Id gives one.',
    }),
  );

@ApiTags('ingestion')
@Controller()
@UseGuards(IngestEnabledGuard)
@ApiTooManyRequestsResponse({
  description:
    'Backpressure: the ingest backlog is over its limit; retry after Retry-After seconds.',
  type: ErrorEnvelope,
})
@ApiServiceUnavailableResponse({
  description:
    'Disabled; Redis unreachable (nothing was kept); or, with DEBUG_DURABILITY=fsync, the events are in Redis but were not confirmed on disk or a replica in time. Retrying with the same ids is safe: ingest is idempotent by event id.',
  type: ErrorEnvelope,
})
export class CollectorController {
  constructor(
    private readonly intake: EventIntake,
    private readonly ingest: IngestService,
    private readonly metrics: IngestMetrics,
  ) {}

  @Post('events')
  @RequireScope('ingest')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Ingest one event',
    description:
      '202 means durable: the event is in the ingest queue on Redis (or committed to the warm store in embedded mode). ' +
      'Sending the same id again answers `duplicate` and stores nothing twice.',
  })
  @CorrelationHeaders()
  @ApiBody({
    type: IngestEventDto,
    examples: {
      error: { value: EXAMPLE_EVENT },
      minimal: {
        value: {
          event_type: 'log',
          component_type: 'api',
          component_id: 'gateway-1',
          message: 'GET /orders 200',
        },
      },
    },
  })
  @ApiAcceptedResponse({ type: EventAcceptedAnswer })
  @ApiBadRequestResponse({
    description: 'Invalid event; the message names the field.',
    type: ErrorEnvelope,
  })
  async ingestOne(
    @Body() event: unknown,
    @Headers('x-correlation-id') correlationId?: string,
    @Headers('traceparent') traceparent?: string,
  ): Promise<EventAcceptedAnswer> {
    let accepted;
    try {
      accepted = this.intake.single(event, requestContextOf({ correlationId, traceparent }));
    } catch (error) {
      this.metrics.rejected.inc({ kind: 'event', reason: 'validation' });
      throw error;
    }
    const [fresh] = await this.ingest.accept([accepted.event], [accepted.json]);
    return { id: accepted.event.id, status: fresh ? 'accepted' : 'duplicate' };
  }

  @Post('events/batch')
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Ingest a batch of events',
    description:
      'Up to DEBUG_MAX_BATCH_EVENTS events (default 1,000) within DEBUG_BODY_LIMIT. All good: 202. Some bad: 207 with ' +
      'a result per event (the good ones are kept). All bad: 400. A 2xx means every accepted event is durable. ' +
      'Retrying a batch with the same ids is safe: known ids answer `duplicate`.',
  })
  @CorrelationHeaders()
  @ApiBody({
    type: IngestBatchDto,
    examples: {
      batch: {
        value: {
          events: [
            EXAMPLE_EVENT,
            {
              event_type: 'log',
              level: 'info',
              component_type: 'worker',
              component_id: 'billing-2',
              message: 'invoice 88 sent',
              correlation_id: 'order-4711',
            },
          ],
        },
      },
    },
  })
  @ApiAcceptedResponse({
    type: BatchAcceptedAnswer,
    description: 'Every event accepted (or a known duplicate).',
  })
  @ApiResponse({
    status: 207,
    type: BatchAcceptedAnswer,
    description: 'Some events were rejected: `results` says which and why; the others are kept.',
  })
  @ApiBadRequestResponse({
    description: 'The body is malformed, or every event was rejected (details.results).',
    type: ErrorEnvelope,
  })
  @ApiPayloadTooLargeResponse({
    description: 'Over DEBUG_MAX_BATCH_EVENTS or DEBUG_BODY_LIMIT.',
    type: ErrorEnvelope,
  })
  async ingestBatch(
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
    @Headers('x-correlation-id') correlationId?: string,
    @Headers('traceparent') traceparent?: string,
  ): Promise<BatchAcceptedAnswer> {
    const items = this.intake.batch(body, requestContextOf({ correlationId, traceparent }));
    const good = items.filter(
      (item): item is IntakeItem & { event: DebugEventRecord } => item.event !== undefined,
    );
    const rejected = items.length - good.length;
    if (rejected > 0) this.metrics.rejected.inc({ kind: 'event', reason: 'validation' }, rejected);
    if (good.length === 0) {
      const first = items[0].reason!;
      throw new DomainError('VALIDATION_FAILED', `every event was rejected; the first: ${first}`, {
        results: items.map((item) => ({
          index: item.index,
          status: 'rejected',
          reason: item.reason,
        })),
      });
    }
    const fresh = await this.ingest.accept(
      good.map((item) => item.event),
      good.map((item) => item.json),
    );
    const ids: (string | null)[] = items.map((item) => item.event?.id ?? null);
    const duplicates = fresh.reduce((count, isNew) => (isNew ? count : count + 1), 0);
    const answer: BatchAcceptedAnswer = {
      accepted: good.length - duplicates,
      duplicates,
      rejected,
      ids,
    };
    if (rejected === 0) {
      response.status(HttpStatus.ACCEPTED);
      return answer;
    }
    const statusOf = new Map(
      good.map(
        (item, position) => [item.index, fresh[position] ? 'accepted' : 'duplicate'] as const,
      ),
    );
    answer.results = items.map((item) =>
      item.event
        ? { index: item.index, status: statusOf.get(item.index)!, id: item.event.id }
        : { index: item.index, status: 'rejected', reason: item.reason },
    );
    response.status(207);
    return answer;
  }
}
