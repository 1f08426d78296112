import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '../common/errors/domain-error.js';
import { StateDiffQuery, StateHistoryQuery } from './dto/state.query.js';
import { type StateDiff, type StateHistory, StateQueryService, type TieredSnapshot } from './state-query.service.js';
import { SnapshotDto, StateDiffDto, StateHistoryDto } from './dto/storage-responses.dto.js';

const COMPONENT_TYPE = /^[^\s/]{1,128}$/;
const COMPONENT_ID = /^[^\s/]{1,256}$/;

@ApiTags('state')
@Controller('state')
export class StateController {
  constructor(private readonly state: StateQueryService) {}

  @Get(':componentType/:componentId')
  @ApiOperation({ summary: "A component's latest state snapshot" })
  @ApiOkResponse({ description: 'The newest snapshot (state, version, hash, diff_from_previous)', type: SnapshotDto })
  @ApiNotFoundResponse({ description: 'No snapshot of that component' })
  latest(@Param('componentType') componentType: string, @Param('componentId') componentId: string): Promise<TieredSnapshot> {
    checkComponent(componentType, componentId);
    return this.state.latest(componentType, componentId);
  }

  @Get(':componentType/:componentId/history')
  @ApiOperation({ summary: "A component's snapshots, newest first, across the warm and cold tiers" })
  @ApiOkResponse({ description: '{ items: [snapshot + tier], next_cursor } (pass next_cursor as `before`)', type: StateHistoryDto })
  history(
    @Param('componentType') componentType: string,
    @Param('componentId') componentId: string,
    @Query() query: StateHistoryQuery,
  ): Promise<StateHistory> {
    checkComponent(componentType, componentId);
    return this.state.history(componentType, componentId, query.cursor ? Number(query.cursor) : (query.before ?? null), query.limit ?? 50);
  }

  @Get(':componentType/:componentId/diff')
  @ApiOperation({ summary: 'RFC 6902 JSON patch from one version of the state to another' })
  @ApiOkResponse({ description: '{ from_version, to_version, patch: [ { op, path, value? } ] }', type: StateDiffDto })
  @ApiBadRequestResponse({ description: 'from or to missing or not a positive integer' })
  @ApiNotFoundResponse({ description: 'One of the versions does not exist; the message says which' })
  diff(
    @Param('componentType') componentType: string,
    @Param('componentId') componentId: string,
    @Query() query: StateDiffQuery,
  ): Promise<StateDiff> {
    checkComponent(componentType, componentId);
    return this.state.diff(componentType, componentId, query.from, query.to);
  }
}

function checkComponent(componentType: string, componentId: string): void {
  if (!COMPONENT_TYPE.test(componentType)) {
    throw new DomainError('VALIDATION_FAILED', 'componentType must be 1-128 characters without spaces or /', {
      field: 'componentType',
    });
  }
  if (!COMPONENT_ID.test(componentId)) {
    throw new DomainError('VALIDATION_FAILED', 'componentId must be 1-256 characters without spaces or /', {
      field: 'componentId',
    });
  }
}
