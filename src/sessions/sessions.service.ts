import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors/domain-error.js';
import { newId } from '../common/ids.js';
import { InsightsService } from '../insights/insights.service.js';
import type { CreateSessionDto } from './dto/session.dto.js';
import { SessionRepository, type SessionWindow } from './session.repository.js';
import type {
  SessionDetail,
  SessionFilters,
  SessionInsightRef,
  SessionView,
} from './session.types.js';

const EVENTS_COUNT_LIMIT = 1_000_000;
const TIMELINE_BUCKETS = 60;
const NOTABLE_EVENTS = 50;
const INSIGHTS_LIMIT = 50;

/**
 * Named debugging sessions. Other modules scope their work with `filtersOf(id)` (queries,
 * insight generation, stream subscriptions).
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionRepository,
    private readonly insights: InsightsService,
  ) {}

  async create(input: CreateSessionDto): Promise<SessionView> {
    const filters = cleanFilters(input.filters ?? {});
    if (filters.from && filters.to && filters.from > filters.to) {
      throw new DomainError('VALIDATION_FAILED', 'filters.from must not be after filters.to', {
        field: 'filters.from',
      });
    }
    const session: SessionView = {
      id: newId(),
      name: input.name,
      description: input.description ?? null,
      status: 'active',
      filters,
      created_by: input.created_by ?? null,
      created_at: new Date().toISOString(),
      closed_at: null,
      summary: null,
    };
    await this.sessions.insert(session);
    return session;
  }

  /** The session, or a 404 naming it. */
  async get(id: string): Promise<SessionView> {
    const session = await this.sessions.find(id);
    if (!session) throw new NotFoundError('session', id);
    return session;
  }

  /** The filters that scope the session's events (404 for an unknown session). */
  async filtersOf(id: string): Promise<SessionFilters> {
    return (await this.get(id)).filters;
  }

  /** The time window the session covers: its filters' window, ending at its close when it has none. */
  windowOf(session: SessionView): SessionWindow {
    return {
      from: session.filters.from ? new Date(session.filters.from) : null,
      to: session.filters.to
        ? new Date(session.filters.to)
        : session.closed_at
          ? new Date(session.closed_at)
          : null,
    };
  }

  list(options: {
    status?: 'active' | 'closed';
    limit?: number;
    before?: string;
  }): Promise<SessionView[]> {
    return this.sessions.list({
      status: options.status,
      limit: options.limit ?? 50,
      before: options.before ? new Date(options.before) : undefined,
    });
  }

  /** Insights made for this session, or about its components/correlation ids, within its window. */
  private async insightsTouching(
    sessionId: string,
    filters: SessionFilters,
    window: SessionWindow,
  ): Promise<SessionInsightRef[]> {
    const needles = [
      ...(filters.components ?? []).flatMap((selector) => selector.split('/')),
      ...(filters.correlation_ids ?? []),
    ];
    const insights = await this.insights.mentioning({
      needles: needles.slice(0, 100),
      sessionId,
      from: window.from,
      to: window.to,
      limit: INSIGHTS_LIMIT,
    });
    return insights.map((insight) => ({
      id: insight.id,
      insight_type: insight.insight_type,
      severity: insight.severity,
      title: insight.title,
      status: insight.status,
      last_seen: insight.last_seen,
    }));
  }

  async detail(id: string): Promise<SessionDetail> {
    const session = await this.get(id);
    const window = this.windowOf(session);
    const span = await this.sessions.span(id, session.filters, window);
    const from = window.from ?? span.from;
    const to = window.to ?? span.to;
    const bucketSeconds = bucketFor(from, to);
    const [eventsCount, timeline, insights] = await Promise.all([
      this.sessions.countEvents(id, session.filters, window, EVENTS_COUNT_LIMIT),
      this.sessions.timeline(id, session.filters, window, bucketSeconds, NOTABLE_EVENTS),
      this.insightsTouching(id, session.filters, { from, to }),
    ]);
    return {
      ...session,
      events_count: eventsCount,
      events_count_capped: eventsCount >= EVENTS_COUNT_LIMIT,
      window: { from: from?.toISOString() ?? null, to: to?.toISOString() ?? null },
      insights,
      timeline: {
        bucket_seconds: bucketSeconds,
        buckets: timeline.buckets,
        notable_events: timeline.notable,
      },
    };
  }

  async close(id: string, summary: string | undefined): Promise<SessionView> {
    const session = await this.get(id);
    if (
      session.status === 'closed' ||
      !(await this.sessions.close(id, summary ?? null, new Date()))
    ) {
      throw new DomainError('CONFLICT', `session ${id} is already closed`, {
        id,
        closed_at: session.closed_at,
      });
    }
    return this.get(id);
  }
}

function cleanFilters(filters: SessionFilters): SessionFilters {
  const clean: SessionFilters = {};
  if (filters.components?.length) clean.components = [...new Set(filters.components)];
  if (filters.correlation_ids?.length)
    clean.correlation_ids = [...new Set(filters.correlation_ids)];
  if (filters.levels?.length) clean.levels = [...new Set(filters.levels)];
  if (filters.event_types?.length) clean.event_types = [...new Set(filters.event_types)];
  if (filters.from) clean.from = new Date(filters.from).toISOString();
  if (filters.to) clean.to = new Date(filters.to).toISOString();
  return clean;
}

/** A round bucket size that cuts the window into at most ~60 buckets. */
function bucketFor(from: Date | null, to: Date | null): number {
  if (!from || !to) return 60;
  const seconds = Math.max(1, (to.getTime() - from.getTime()) / 1000);
  const steps = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400];
  return steps.find((step) => seconds / step <= TIMELINE_BUCKETS) ?? 86400;
}
