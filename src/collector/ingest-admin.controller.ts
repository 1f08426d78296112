import { Controller, DefaultValuePipe, Get, Inject, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../common/auth/scopes.decorator.js';
import { DomainError } from '../common/errors/domain-error.js';
import { QueueName } from '../common/queues.js';
import { redisCall } from '../common/redis/redis-call.js';
import { JOB_QUEUE, type JobQueue } from '../queue/job-queue.js';
import { IngestBacklog } from './ingest-backlog.js';
import type { IngestBatchJob } from './ingest.service.js';
import { FailedIngestJobsDto, IngestStatusDto, ReplayAnswerDto } from './dto/ingest-admin-responses.dto.js';

/** Operators look here during incidents: an answer in bounded time, even while Redis is away. */
const fromRedis = <T>(work: () => Promise<T>) => redisCall('Redis (the ingest journal and retry queue)', work);

function boundedLimit(limit: number): number {
  if (limit < 1 || limit > 10_000) throw new DomainError('VALIDATION_FAILED', 'limit must be between 1 and 10000');
  return limit;
}

@ApiTags('operations')
@Controller('admin/ingest')
@RequireScope('admin')
export class IngestAdminController {
  constructor(
    @Inject(JOB_QUEUE) private readonly jobQueue: JobQueue,
    private readonly backlog: IngestBacklog,
  ) {}

  @Get('status')
  @ApiOperation({
    summary: 'Ingestion backlog: events in the journal not yet written, the retry queue\'s job counts, and the backlog in events',
  })
  @ApiOkResponse({ type: IngestStatusDto })
  async status() {
    const { journalEvents, counts, backlogEvents } = await fromRedis(() => this.backlog.status());
    return { queue: this.jobQueue.kind, journal_events: journalEvents, ...counts, backlog_events: backlogEvents };
  }

  @Get('failed')
  @ApiOperation({ summary: 'Ingest jobs that failed every attempt (kept for replay)' })
  @ApiQuery({ name: 'limit', required: false, example: 100 })
  @ApiOkResponse({ type: FailedIngestJobsDto })
  async failed(@Query('limit', new DefaultValuePipe(100), ParseIntPipe) limit: number) {
    const [counts, jobs] = await fromRedis(() =>
      Promise.all([this.jobQueue.counts(QueueName.Ingest), this.jobQueue.failed(QueueName.Ingest, boundedLimit(limit))]),
    );
    return {
      total: counts.failed,
      next_cursor: null,
      items: jobs.map((job) => {
        const events = (job.payload as Partial<IngestBatchJob> | null)?.events ?? [];
        return {
          id: job.id,
          name: job.name,
          failed_reason: job.failedReason,
          attempts_made: job.attemptsMade,
          failed_at: job.failedAt,
          events: events.length,
          first_event_id: events[0]?.id ?? null,
        };
      }),
    };
  }

  @Post('replay')
  @ApiOperation({ summary: 'Put failed ingest jobs back in the queue (writes are idempotent, so replaying twice is safe)' })
  @ApiQuery({ name: 'limit', required: false, example: 10000 })
  @ApiOkResponse({ type: ReplayAnswerDto })
  async replay(@Query('limit', new DefaultValuePipe(10_000), ParseIntPipe) limit: number) {
    // A replay cut short here goes on once Redis answers; replaying again is safe.
    return { replayed: await fromRedis(() => this.jobQueue.retryFailed(QueueName.Ingest, boundedLimit(limit))) };
  }
}
