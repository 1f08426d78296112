import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../common/auth/scopes.decorator.js';
import { CloseSessionDto, CreateSessionDto, ListSessionsQueryDto, SessionIdParamDto } from './dto/session.dto.js';
import { SessionsService } from './sessions.service.js';
import { SessionDetailDto, SessionDto, SessionPageDto } from './dto/session-responses.dto.js';


const SESSION_EXAMPLE = {
  id: '019ab3c2-7a10-7cc1-9a51-3f0c3c1d2e4f',
  name: 'checkout failures after deploy 412',
  description: 'Payments time out since 10:00',
  status: 'active',
  filters: { components: ['payment-service', 'payments-db'], levels: ['error', 'critical'], from: '2026-11-24T10:00:00.000Z' },
  created_by: 'agent:triage-bot',
  created_at: '2026-11-24T10:12:00.000Z',
  closed_at: null,
  summary: null,
};

@ApiTags('sessions')
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @RequireScope('ingest')
  @ApiOperation({ summary: 'Open a debugging session: a name and the filters that scope queries, insights and streams' })
  @ApiCreatedResponse({ type: SessionDto, example: SESSION_EXAMPLE })
  create(@Body() body: CreateSessionDto) {
    return this.sessions.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'Sessions, newest first' })
  @ApiOkResponse({ type: SessionPageDto, example: { items: [SESSION_EXAMPLE], next_cursor: null } })
  async list(@Query() query: ListSessionsQueryDto) {
    const items = await this.sessions.list({ ...query, before: query.cursor ?? query.before });
    // A full page may have more behind it: its last creation time is where the next one starts (`before`).
    const full = items.length === (query.limit ?? 50);
    return { items, next_cursor: full ? items[items.length - 1].created_at : null };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A session with its events count, the insights that touch its filters, and its timeline' })
  @ApiOkResponse({
    type: SessionDetailDto,
    example: {
      ...SESSION_EXAMPLE,
      events_count: 1824,
      events_count_capped: false,
      window: { from: '2026-11-24T10:00:00.000Z', to: '2026-11-24T10:41:07.000Z' },
      insights: [{ id: '019ab3…', insight_type: 'error', severity: 'high', title: 'Burst of "connection pool exhausted" in payments-db', status: 'open', last_seen: '2026-11-24T10:40:59.000Z' }],
      timeline: {
        bucket_seconds: 60,
        buckets: [{ start: '2026-11-24T10:00:00.000Z', events: 41, errors: 3 }],
        notable_events: [{ id: '019ab3…', timestamp: '2026-11-24T10:02:11.000Z', level: 'error', event_type: 'error', component_type: 'payments-db', component_id: 'db-1', correlation_id: 'order-7f3a', message: 'connection pool exhausted' }],
      },
    },
  })
  @ApiNotFoundResponse({ description: 'No such session' })
  detail(@Param() params: SessionIdParamDto) {
    return this.sessions.detail(params.id);
  }

  @Put(':id/close')
  @RequireScope('ingest')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close a session with a summary of what was found (409 if already closed)' })
  @ApiOkResponse({ type: SessionDto, example: { ...SESSION_EXAMPLE, status: 'closed', closed_at: '2026-11-24T11:02:00.000Z', summary: 'Pool exhausted; raised to 50.' } })
  close(@Param() params: SessionIdParamDto, @Body() body: CloseSessionDto) {
    return this.sessions.close(params.id, body.summary);
  }
}
