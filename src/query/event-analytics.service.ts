import { Injectable } from '@nestjs/common';
import { componentTag, TAG_ANY_EVENT } from '../cache/cache-tags.js';
import { QueryCacheService } from '../cache/query-cache.service.js';
import { PatternStatsService } from '../patterns/pattern-stats.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { ComponentRegistry } from './component-registry.service.js';
import { QueryRepository } from './query.repository.js';
import type { ComponentSelector, EventRow } from './query.types.js';

export interface WindowedRequest {
  components?: string[];
  window_minutes?: number;
  at?: string;
  session_id?: string;
}

export interface SearchRequest {
  components?: string[];
  correlation_ids?: string[];
  levels?: string[];
  event_types?: string[];
  pattern_id?: string;
  session_id?: string;
  text?: string;
  from?: string;
  to?: string;
  limit?: number;
}

const MAX_TYPES = 50;

/** Slowest operations, top error patterns and a bounded event search. */
/** Timed calls an operation needs to rank among the slowest. */
const MIN_SLOW_SAMPLES = 5;

@Injectable()
export class EventAnalyticsService {
  constructor(
    private readonly repository: QueryRepository,
    private readonly registry: ComponentRegistry,
    private readonly cache: QueryCacheService,
    private readonly sessions: SessionsService,
    private readonly patterns: PatternStatsService,
  ) {}

  async slowOperations(request: WindowedRequest) {
    const { selectors, window, key } = await this.scope(request, 15);
    const { value, cached, computed_at } = await this.cache.getOrCompute(
      'slow',
      key,
      tagsOf(selectors, key.names.length === 0),
      async () => {
        const components = await Promise.all(
          selectors.map(async (selector) => ({
            component: selector.selector,
            component_type: selector.component_type,
            component_id: selector.component_id,
            operations: await this.repository.slowOperations(selector, window, 10),
          })),
        );
        const all = components
          .flatMap((component) =>
            component.operations.map((operation) => ({
              component: component.component,
              ...operation,
            })),
          )
          .sort((a, b) => (b.p95_ms ?? 0) - (a.p95_ms ?? 0));
        // A p95 over two calls says little: rank the operations with enough calls, all of them only when none has.
        const enough = all.filter((operation) => operation.samples >= MIN_SLOW_SAMPLES);
        const ranked = enough.length ? enough : all;
        return {
          window: { from: window.from.toISOString(), to: window.to.toISOString() },
          summary:
            ranked.length === 0
              ? 'no events with a duration in this window'
              : `slowest: ${ranked
                  .slice(0, 3)
                  .map(
                    (operation) =>
                      `${operation.operation} in ${operation.component} (p95 ${operation.p95_ms} ms over ${operation.samples} calls)`,
                  )
                  .join('; ')}`,
          slowest: ranked.slice(0, 10),
          min_samples: enough.length ? MIN_SLOW_SAMPLES : 1,
          components,
        };
      },
    );
    return { ...value, cached, computed_at };
  }

  async topErrors(request: WindowedRequest) {
    const { selectors, window, key } = await this.scope(request, 60);
    const { value, cached, computed_at } = await this.cache.getOrCompute(
      'top-errors',
      key,
      tagsOf(selectors, key.names.length === 0),
      async () => {
        const perComponent = await Promise.all(
          selectors.map(async (selector) =>
            (await this.repository.topPatterns(selector, window, 10, true)).map((pattern) => ({
              component: selector.selector,
              ...pattern,
            })),
          ),
        );
        const patterns = perComponent
          .flat()
          .sort((a, b) => b.occurrences - a.occurrences)
          .slice(0, 20);
        return {
          window: { from: window.from.toISOString(), to: window.to.toISOString() },
          summary:
            patterns.length === 0
              ? 'no errors in this window'
              : `most frequent: ${patterns
                  .slice(0, 3)
                  .map(
                    (pattern) =>
                      `"${pattern.sample_message}" ×${pattern.occurrences} in ${pattern.component}`,
                  )
                  .join('; ')}`,
          patterns,
        };
      },
    );
    return { ...value, cached, computed_at };
  }

  async search(
    request: SearchRequest,
  ): Promise<{ items: EventRow[]; next_cursor: null; limit: number; truncated: boolean }> {
    const limit = request.limit ?? 50;
    let components: ComponentSelector[] | undefined;
    let from = request.from ? new Date(request.from) : undefined;
    let to = request.to ? new Date(request.to) : undefined;
    let names = request.components ?? [];
    let correlationIds = request.correlation_ids;
    let levels = request.levels;
    let sessionId: string | undefined;
    if (request.session_id) {
      const session = await this.sessions.get(request.session_id);
      const window = this.sessions.windowOf(session);
      if (names.length === 0) names = session.filters.components ?? [];
      correlationIds ??= session.filters.correlation_ids;
      levels ??= session.filters.levels;
      from ??= window.from ?? undefined;
      to ??= window.to ?? undefined;
      // A session without filters is made of the events that carry its id.
      if (names.length === 0 && !correlationIds?.length && !levels?.length) sessionId = session.id;
    }
    if (names.length > 0) components = await this.registry.requireAll(names);
    const events = await this.repository.searchEvents({
      components,
      correlationIds,
      levels,
      eventTypes: request.event_types,
      patternIds: request.pattern_id
        ? await this.patterns.memberIds(request.pattern_id)
        : undefined,
      sessionId,
      text: request.text,
      from,
      to,
      limit: limit + 1,
    });
    return {
      items: events.slice(0, limit),
      next_cursor: null,
      limit,
      truncated: events.length > limit,
    };
  }

  private async scope(request: WindowedRequest, defaultMinutes: number) {
    let names = request.components ?? [];
    let at = request.at ? new Date(request.at) : undefined;
    if (request.session_id) {
      const session = await this.sessions.get(request.session_id);
      if (names.length === 0) names = session.filters.components ?? [];
      at ??= this.sessions.windowOf(session).to ?? undefined;
    }
    const selectors =
      names.length > 0
        ? await this.registry.requireAll(names)
        : (await this.registry.types()).slice(0, MAX_TYPES).map((type): ComponentSelector => ({
            selector: type,
            component_type: type,
            component_id: null,
          }));
    const windowMinutes = request.window_minutes ?? defaultMinutes;
    const to = at ?? new Date();
    const window = { from: new Date(to.getTime() - windowMinutes * 60_000), to };
    const key = {
      names: [...names].sort(),
      windowMinutes,
      at: request.at ?? null,
      session: request.session_id ?? null,
    };
    return { selectors, window, key };
  }
}

/** Tags of an answer; one about every component also goes stale with any new event (a new component). */
function tagsOf(selectors: ComponentSelector[], everyComponent: boolean): string[] {
  const tags = new Set(selectors.map((selector) => componentTag(selector.component_type)));
  if (everyComponent) tags.add(TAG_ANY_EVENT);
  return [...tags];
}
