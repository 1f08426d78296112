import { Body, Controller, Headers, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { RequireScope } from '../common/auth/scopes.decorator.js';
import { ErrorEnvelope } from '../common/errors/error-envelope.js';
import { CorrelationHeaders } from './collector.controller.js';
import { StateSnapshotAnswer, StateSnapshotDto } from './dto/state-snapshot.dto.js';
import { requestContextOf } from './event-normalizer.js';
import { IngestEnabledGuard } from './ingest-enabled.guard.js';
import { StateService } from './state.service.js';

@ApiTags('ingestion')
@Controller()
@UseGuards(IngestEnabledGuard)
export class StateController {
  constructor(private readonly states: StateService) {}

  @Post('state')
  @RequireScope('ingest')
  @HttpCode(HttpStatus.CREATED)
  @CorrelationHeaders()
  @ApiOperation({
    summary: 'Record a component state snapshot',
    description:
      'Stores the snapshot (committed before the answer) with version = previous + 1, the sha256 of its canonical JSON ' +
      'and the RFC 6902 patch from the previous snapshot of the same component; emits a `state_change` event.',
  })
  @ApiBody({
    type: StateSnapshotDto,
    examples: {
      snapshot: {
        value: {
          component_type: 'agent',
          component_id: 'planner-7',
          state: { status: 'planning', queue: ['task-1'], retries: 0 },
          correlation_id: 'order-4711',
        },
      },
    },
  })
  @ApiCreatedResponse({ type: StateSnapshotAnswer })
  @ApiBadRequestResponse({ type: ErrorEnvelope })
  record(
    @Body() body: StateSnapshotDto,
    @Headers('x-correlation-id') correlationId?: string,
    @Headers('traceparent') traceparent?: string,
  ): Promise<StateSnapshotAnswer> {
    return this.states.record(body, requestContextOf({ correlationId, traceparent }));
  }
}
