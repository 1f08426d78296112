import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error.js';
import { InsightsService } from '../../insights/insights.service.js';
import { SessionsService } from '../../sessions/sessions.service.js';
import { CompareService } from '../compare.service.js';
import { ComponentHealthService } from '../component-health.service.js';
import { ComponentRegistry } from '../component-registry.service.js';
import { EventAnalyticsService } from '../event-analytics.service.js';
import { ExplainErrorService } from '../explain-error.service.js';
import { OperationProgressService } from '../operation-progress.service.js';
import { QueryRepository } from '../query.repository.js';
import { bySeverityThenConfidence, openProblems, openProblemsPage } from '../open-problems.js';
import { ChangeAnswers } from './change-answers.js';
import { CountAnswers } from './count-answers.js';
import { LatencyAnswers } from './latency-answers.js';
import { parseQuestion, type Intent, type ParsedQuestion } from './question-parser.js';

export interface StructuredQuery {
  method: 'GET' | 'POST';
  path: string;
  body?: Record<string, unknown>;
  /** The MCP tool that runs the same query. */
  mcp_tool: string;
  mcp_arguments: Record<string, unknown>;
}

export interface AskAnswer {
  question: string;
  intent: Intent;
  confidence: number;
  understood: ParsedQuestion['entities'];
  answer: string;
  data: unknown;
  /** The structured queries that produced the answer: run them to refine it. */
  queries: StructuredQuery[];
  cached: boolean;
  examples?: string[];
}

const API = '/api/debug';
const MAX_WINDOW_MINUTES = 7 * 24 * 60;
/** A component needs this many events in the window to rank by error rate. */
const MIN_RANKED_EVENTS = 20;
/** How far back the messages are searched for an id the store does not key events by. */
const MENTION_HOURS = 24;
/** An id the question calls a trace, span, correlation or event id: the store keys events by those. */
const KEYED_ID = /\b(trace|span|correlation|event)\s*(id)?\b/;
/** The intents whose answers read events by component themselves: a session's components scope them. */
const SESSION_SCOPED: readonly string[] = [
  'count_events',
  'since_when',
  'what_changed',
  'slow_operations',
];
/** An id looked for in the messages has this many characters at least. */
const MENTION_MIN_LENGTH = 6;
/** How far back the evidence behind an ambiguous name is counted. */
const EVIDENCE_HOURS = 24;

/**
 * Answers a question in plain words: parses it (no language model), runs the structured
 * queries it maps to, and says what it ran so that the caller can refine it.
 */
@Injectable()
export class AskService {
  constructor(
    private readonly registry: ComponentRegistry,
    private readonly health: ComponentHealthService,
    private readonly progress: OperationProgressService,
    private readonly explain: ExplainErrorService,
    private readonly comparison: CompareService,
    private readonly analytics: EventAnalyticsService,
    private readonly repository: QueryRepository,
    private readonly sessions: SessionsService,
    private readonly insights: InsightsService,
    private readonly counts: CountAnswers,
    private readonly changes: ChangeAnswers,
    private readonly latencies: LatencyAnswers,
  ) {}

  async ask(
    question: string,
    options: { session_id?: string; now?: Date } = {},
  ): Promise<AskAnswer> {
    const session = options.session_id ? await this.sessions.get(options.session_id) : null;
    const now = options.now ?? new Date();
    const parsed = parseQuestion(question, await this.registry.names(), now);
    await this.preferEvidence(parsed, now);
    // a debugging session's components scope the answers that read events directly, when the
    // question names none (the others take the session's filters through session_id)
    if (
      session &&
      parsed.entities.components.length === 0 &&
      SESSION_SCOPED.includes(parsed.intent)
    )
      parsed.entities.components = (session.filters.components ?? []).map((selector) => ({
        text: selector,
        name: selector,
        kind: selector.includes('/') ? 'id' : 'type',
        distance: 0,
      }));
    const idLookup = await this.lookUpIds(parsed, question, now);
    const base = {
      question,
      intent: parsed.intent,
      confidence: parsed.confidence,
      understood: parsed.entities,
    };
    if (idLookup === 'missing') {
      const tried = parsed.entities.id_candidates.length
        ? parsed.entities.id_candidates
        : parsed.entities.correlation_ids;
      return {
        ...base,
        answer: `No operation, trace or event in the store has the id ${tried[0]} (looked for ${tried.slice(0, 8).join(', ')} among correlation ids, trace ids, event ids, pattern ids and span ids).`,
        data: { error: 'id not found', looked_for: tried },
        queries: [],
        cached: false,
        examples: await this.examples(),
      };
    }
    try {
      const routed = await this.route(parsed, now, options.session_id, question);
      if (routed) return { ...base, ...routed };
    } catch (error) {
      if (!(error instanceof DomainError) || error.code !== 'NOT_FOUND') throw error;
      return {
        ...base,
        answer: `I understood a ${parsed.intent.replace('_', ' ')} question, but: ${error.message}.`,
        data: { error: error.message, details: error.details },
        queries: [],
        cached: false,
        examples: await this.examples(),
      };
    }
    return {
      ...base,
      intent: 'unknown',
      answer: `I could not tell what to look up.${describeUnderstood(parsed)} Try one of the examples.`,
      data: null,
      queries: [],
      cached: false,
      examples: await this.examples(),
    };
  }

  private async route(
    parsed: ParsedQuestion,
    now: Date,
    sessionId: string | undefined,
    question: string,
  ) {
    const { entities } = parsed;
    // "anything wrong with payments?": a thing that names no component is looked for in what the
    // open problems and the errors say
    if (
      entities.topic &&
      ['diagnose', 'list_insights', 'rank_failures', 'component_health'].includes(parsed.intent) &&
      entities.flow_kinds.length === 0
    ) {
      const about = await this.aboutTopic(entities.topic, entities.time_range, sessionId);
      if (about) return about;
      // "is the fraud service healthy?" about a thing nothing mentions: not everyone's health
      if (parsed.intent === 'component_health')
        return {
          answer: `No component named "${entities.topic}" has sent events, and no error or open problem mentions it. Known components closest to it: ${this.registry.suggest(entities.topic).join(', ')}.`,
          data: {
            error: 'component not found',
            component: entities.topic,
            did_you_mean: this.registry.suggest(entities.topic),
          },
          queries: [],
          cached: false,
        };
    }
    const components = entities.components.map((component) => component.name);
    const range = entities.time_range;
    const windowMinutes = range
      ? Math.min(
          MAX_WINDOW_MINUTES,
          Math.max(1, Math.ceil((Date.parse(range.to) - Date.parse(range.from)) / 60_000)),
        )
      : undefined;
    const at =
      range && Math.abs(Date.parse(range.to) - now.getTime()) > 1000 ? range.to : undefined;
    const windowed = strip({
      components: components.length ? components : undefined,
      window_minutes: windowMinutes,
      at,
      session_id: sessionId,
    });

    switch (parsed.intent) {
      case 'component_health':
      case 'diagnose': {
        const report = await this.health.health(windowed);
        const queries: StructuredQuery[] = [
          post('/analytics/component-health', windowed, 'component_health'),
        ];
        if (parsed.intent === 'component_health') {
          return { answer: report.summary, data: report, queries, cached: report.cached };
        }
        // Diagnose: the health, the top errors of the worst component, and the latest of them explained.
        const worst =
          report.components.find(
            (component) => component.status !== 'healthy' && component.status !== 'unknown',
          ) ?? report.components[0];
        if (!worst || worst.status === 'unknown')
          return {
            answer: report.summary,
            data: { health: report },
            queries,
            cached: report.cached,
          };
        const topRequest = strip({
          ...windowed,
          components: [worst.component],
          window_minutes: windowMinutes ?? 60,
        });
        const top = await this.analytics.topErrors(topRequest);
        queries.push(post('/analytics/top-errors', topRequest, 'top_errors'));
        let explanation: Awaited<ReturnType<ExplainErrorService['explainPattern']>> | null = null;
        if (top.patterns[0]) {
          explanation = await this.explain.explainPattern(top.patterns[0].pattern_id);
          queries.push(
            get(`/errors/patterns/${top.patterns[0].pattern_id}/explain`, 'explain_error', {
              pattern_id: top.patterns[0].pattern_id,
            }),
          );
        }
        const answer = [
          `${worst.component} is ${worst.status} (score ${worst.score}): ${worst.reasons.map((reason) => reason.message).join('; ')}.`,
          top.patterns[0]
            ? `Most frequent error: "${top.patterns[0].sample_message}" ×${top.patterns[0].occurrences}.`
            : 'No errors in the window.',
          explanation && !explanation.root_cause.is_the_event_itself
            ? `Probable root cause: "${explanation.root_cause.event.message}" in ${explanation.root_cause.event.component_type}/${explanation.root_cause.event.component_id} at ${explanation.root_cause.event.timestamp}.`
            : '',
          explanation?.suggestions[0] ?? '',
        ]
          .filter(Boolean)
          .join(' ');
        // asked about everything: the worst component first, then what else is open and severe
        const elsewhere =
          components.length === 0
            ? (await openProblems(this.insights, { sessionId, limit: 20 }))
                .filter(
                  (insight) =>
                    (insight.severity === 'high' || insight.severity === 'critical') &&
                    !insight.affected_components.some(
                      (component) =>
                        worst.component === component.component_type ||
                        worst.component === component.component_id ||
                        worst.component === `${component.component_type}/${component.component_id}`,
                    ),
                )
                .slice(0, 3)
            : [];
        return {
          answer: elsewhere.length
            ? `${answer} Also open elsewhere: ${elsewhere.map((insight) => `[${insight.severity}] ${insight.title}`).join('; ')}.`
            : answer,
          data: { health: report, top_errors: top, explanation, also_open: elsewhere },
          queries,
          cached: report.cached && top.cached,
        };
      }
      case 'operation_progress': {
        const correlationId = entities.correlation_ids[0];
        const progress = await this.progress.progress(correlationId);
        const mention = entities.mentioned;
        const others = mention?.operations.slice(1) ?? [];
        return {
          answer: mention
            ? `${mention.text} is not the id of an operation or an event, but ${mention.operations[0].events} event(s) of operation ${correlationId} mention it` +
              (others.length
                ? ` (the latest of ${mention.operations.length} operations that do; the others: ${others.map((item) => item.correlation_id).join(', ')})`
                : '') +
              `. ${progress.summary}`
            : progress.summary,
          data: progress,
          queries: [
            get(`/operations/${encodeURIComponent(correlationId)}`, 'operation_progress', {
              correlation_id: correlationId,
            }),
          ],
          cached: progress.cached,
        };
      }
      case 'explain_error': {
        if (entities.event_ids[0]) {
          const explanation = await this.explain.explainEvent(entities.event_ids[0]);
          return {
            answer: explanation.summary,
            data: explanation,
            queries: [
              get(`/errors/${entities.event_ids[0]}/explain`, 'explain_error', {
                event_id: entities.event_ids[0],
              }),
            ],
            cached: explanation.cached,
          };
        }
        const patternId = entities.pattern_ids[0];
        if (!patternId) return this.explainNewestMatching(entities, components, range, sessionId);
        const explanation = await this.explain.explainPattern(patternId);
        return {
          answer: explanation.summary,
          data: explanation,
          queries: [
            get(`/errors/patterns/${patternId}/explain`, 'explain_error', {
              pattern_id: patternId,
            }),
          ],
          cached: explanation.cached,
        };
      }
      case 'compare_components': {
        if (components.length === 0) return null;
        const request = strip({ ...windowed, window_minutes: windowMinutes ?? 60 });
        const comparison = await this.comparison.compare(request);
        return {
          answer: comparison.summary,
          data: comparison,
          queries: [post('/analytics/compare', request, 'compare_components')],
          cached: comparison.cached,
        };
      }
      case 'slow_operations': {
        // "p99 of payment.authorize": the operation named, measured
        const latency = await this.latencies.latency(question, entities, now);
        if (latency)
          return {
            answer: latency.answer,
            data: latency.data,
            queries: [post('/analytics/slow-operations', windowed, 'slow_operations')],
            cached: false,
          };
        // what got slower than usual (the open regressions) before what is slow by nature (a
        // transcode that always takes minutes tops the ranking, and says nothing went wrong)
        const [slow, regressions] = await Promise.all([
          this.analytics.slowOperations(windowed),
          this.openRegressions(entities.components, sessionId),
        ]);
        const slower = regressions
          .slice(0, 3)
          .map((insight) => insight.title.replace(/^Latency regression: /, ''))
          .join('; ');
        return {
          answer: slower
            ? `Slower than usual: ${slower}. Slowest operations now: ${slow.summary}`
            : slow.summary,
          data: { ...slow, regressions },
          queries: [
            post('/analytics/slow-operations', windowed, 'slow_operations'),
            get('/insights?status=open&type=performance&limit=100', 'list_insights', {
              status: 'open',
              type: 'performance',
              limit: 100,
            }),
          ],
          cached: slow.cached,
        };
      }
      case 'rank_failures':
        return this.rankFailures(components, windowMinutes, at, sessionId);
      case 'what_changed': {
        const changed = await this.changes.changes(entities, now);
        return {
          answer: changed.answer,
          data: changed.data,
          queries: changed.components
            .slice(0, 5)
            .map((component) =>
              get(
                `/state/${component.split('/').map(encodeURIComponent).join('/')}/history?limit=20`,
                'ask',
                { question },
              ),
            ),
          cached: false,
        };
      }
      case 'count_events':
      case 'since_when': {
        const counted =
          parsed.intent === 'count_events'
            ? await this.counts.count(question.toLowerCase(), entities, now)
            : await this.counts.since(question.toLowerCase(), entities, now);
        return {
          answer: counted.answer,
          data: counted.data,
          queries: counted.histograms.map((query) =>
            get(`/events/histogram?${new URLSearchParams(query)}`, 'ask', { question }),
          ),
          cached: false,
        };
      }
      case 'top_errors': {
        const request = strip({ ...windowed, window_minutes: windowMinutes ?? 60 });
        const top = await this.analytics.topErrors(request);
        return {
          answer: top.summary,
          data: top,
          queries: [post('/analytics/top-errors', request, 'top_errors')],
          cached: top.cached,
        };
      }
      case 'search_events': {
        const levels = entities.levels.includes('error')
          ? [...new Set([...entities.levels, 'critical'])]
          : entities.levels;
        const request = strip({
          components: components.length ? components : undefined,
          correlation_ids: entities.correlation_ids.length ? entities.correlation_ids : undefined,
          levels: levels.length ? levels : undefined,
          from: range?.from,
          to: range?.to,
          session_id: sessionId ?? entities.session_ids[0],
          text: entities.text ?? undefined,
          limit: 50,
        });
        const found = await this.analytics.search(request);
        const answer =
          found.items.length === 0
            ? 'no events match'
            : `${found.items.length}${found.truncated ? '+' : ''} event(s), newest ${found.items[0].timestamp}: ${found.items
                .slice(0, 3)
                .map(
                  (event) =>
                    `[${event.level}] ${event.component_type}/${event.component_id}: ${event.message}`,
                )
                .join(' | ')}`;
        return {
          answer,
          data: found,
          queries: [post('/analytics/events-search', request, 'search_events')],
          cached: false,
        };
      }
      case 'list_insights': {
        if (entities.insight_ids[0]) {
          const insight = await this.insights.get(entities.insight_ids[0]);
          return {
            answer: `${insight.severity} ${insight.insight_type} insight (${insight.status}): ${insight.title}. ${insight.summary}`,
            data: insight,
            queries: [get(`/insights/${insight.id}`, 'list_insights', { insight_id: insight.id })],
            cached: false,
          };
        }
        const component = components[0];
        if (entities.flow_kinds.length > 0)
          return this.openFlows(entities.flow_kinds, component, sessionId);
        // a service's name is its type: its problems are those of any of its instances
        const byType = entities.components[0]?.kind === 'type';
        const { items, total } = await openProblemsPage(this.insights, {
          component: byType ? undefined : component,
          componentType: byType ? component : undefined,
          sessionId,
          limit: 20,
        });
        const answer =
          items.length === 0
            ? `no open insights${component ? ` for ${component}` : ''}`
            : `${total} open problem(s)${total > items.length ? ` (the ${items.length} most severe listed)` : ''}, most severe first: ${items
                .slice(0, 3)
                .map(
                  (insight) =>
                    `[${insight.severity}, confidence ${insight.confidence}] ${insight.title}`,
                )
                .join('; ')}`;
        const args = strip({
          status: 'open',
          component: byType ? undefined : component,
          component_type: byType ? component : undefined,
          limit: '20',
        });
        return {
          answer,
          data: { items, total, order: 'severity, then confidence' },
          queries: [
            get(
              `/insights?${new URLSearchParams(args as Record<string, string>)}`,
              'list_insights',
              { ...args, limit: 20 },
            ),
          ],
          cached: false,
        };
      }
      case 'unknown':
        return null;
    }
  }

  /**
   * The open problems and the recent errors that mention a topic (a word of their evidence, of
   * their messages), most severe first; null when nothing does (the question is then answered as
   * if the word were not there).
   */
  private async aboutTopic(
    topic: string,
    range: ParsedQuestion['entities']['time_range'],
    sessionId: string | undefined,
  ): Promise<Pick<AskAnswer, 'answer' | 'data' | 'queries' | 'cached'> | null> {
    const request = strip({
      levels: ['error', 'critical'],
      text: topic,
      from: range?.from,
      to: range?.to,
      session_id: sessionId,
      limit: 20,
    });
    const [problems, errors] = await Promise.all([
      this.insights.mentioning({
        needles: [],
        words: [topic],
        statuses: ['open', 'regressed'],
        limit: 50,
      }),
      this.analytics.search(request),
    ]);
    if (problems.length === 0 && errors.items.length === 0) return null;
    const ranked = [...problems].sort(bySeverityThenConfidence);
    const parts = [
      ranked.length > 0
        ? `${ranked.length} open problem(s) mention "${topic}", most severe first: ${ranked
            .slice(0, 3)
            .map((insight) => `[${insight.severity}] ${insight.title}`)
            .join('; ')}.`
        : `No open problem mentions "${topic}".`,
      errors.items.length > 0
        ? `${errors.items.length}${errors.truncated ? '+' : ''} error event(s) mention it, newest ${errors.items[0].timestamp}: ` +
          `${errors.items[0].component_type}/${errors.items[0].component_id}: ${errors.items[0].message.slice(0, 160)}`
        : 'No error event mentions it.',
    ];
    return {
      answer: parts.join(' '),
      data: { topic, items: ranked.slice(0, 20), errors },
      // the problems are the open insights whose components or evidence hold the word: no
      // route filters insights by a word, so only the event search is a query to run again
      queries: [post('/analytics/events-search', request, 'search_events')],
      cached: false,
    };
  }

  /** Open performance regressions, those of the named components (by type or id) only, most severe first. */
  private async openRegressions(
    mentioned: ParsedQuestion['entities']['components'],
    sessionId: string | undefined,
  ) {
    const regressions = await openProblems(this.insights, {
      sessionId,
      type: 'performance',
      limit: 50,
    });
    if (mentioned.length === 0) return regressions.slice(0, 10);
    return regressions
      .filter((insight) =>
        insight.affected_components.some((component) =>
          mentioned.some((mention) =>
            mention.kind === 'type'
              ? component.component_type === mention.name
              : component.component_id === mention.name,
          ),
        ),
      )
      .slice(0, 10);
  }

  /**
   * "explain the TypeError in checkout": the newest error event with the question's words (in its
   * components and time, if named), explained as an event is.
   */
  private async explainNewestMatching(
    entities: ParsedQuestion['entities'],
    components: readonly string[],
    range: ParsedQuestion['entities']['time_range'],
    sessionId: string | undefined,
  ): Promise<Pick<AskAnswer, 'answer' | 'data' | 'queries' | 'cached'>> {
    const request = strip({
      components: components.length ? [...components] : undefined,
      levels: ['error', 'critical'],
      text: entities.text ?? undefined,
      from: range?.from,
      to: range?.to,
      session_id: sessionId,
      limit: 1,
    });
    const found = await this.analytics.search(request);
    const queries = [post('/analytics/events-search', request, 'search_events')];
    const newest = found.items[0];
    if (!newest)
      return {
        answer: `No error event mentions "${entities.text}"${components.length ? ` on ${components.join(', ')}` : ''}${range ? ' in that time' : ''}.`,
        data: { search: found },
        queries,
        cached: false,
      };
    const explanation = await this.explain.explainEvent(newest.id);
    queries.push(get(`/errors/${newest.id}/explain`, 'explain_error', { event_id: newest.id }));
    return {
      answer: `The newest error mentioning "${entities.text}" (${newest.component_type}/${newest.component_id} at ${newest.timestamp}): ${explanation.summary}`,
      data: explanation,
      queries,
      cached: explanation.cached,
    };
  }

  /**
   * Open flow insights of `kinds` (stuck, broken), those naming `component` first (as an affected
   * component or in the flow's kind: a checkout that hangs at the payment service is a stuck
   * "checkout-api …" flow affecting the payment service).
   */
  private async openFlows(
    kinds: readonly string[],
    component: string | undefined,
    sessionId: string | undefined,
  ): Promise<Pick<AskAnswer, 'answer' | 'data' | 'queries' | 'cached'>> {
    const flows = (
      await openProblems(this.insights, { sessionId, type: 'flow', limit: 200 })
    ).filter((insight) => kinds.includes(String(insight.evidence.kind)));
    const names = (insight: (typeof flows)[number]) => [
      ...insight.affected_components.flatMap((ref) => [ref.component_type, ref.component_id]),
      String(insight.evidence.flow_kind ?? ''),
    ];
    const named = component
      ? flows.filter((insight) => names(insight).some((name) => name.includes(component)))
      : flows;
    const items = (named.length > 0 ? named : flows).slice(0, 20);
    const what = kinds.map((kind) => (kind === 'stuck_flow' ? 'stuck' : 'broken')).join(' or ');
    const answer =
      items.length === 0
        ? `no open ${what} flows`
        : `${items.length} open ${what} flow insight(s)${component && named.length === 0 ? ` (none names ${component}; all of them)` : ''}, most severe first: ${items
            .slice(0, 3)
            .map((insight) => {
              const ids = flowIdsOf(insight.evidence);
              const all = Array.isArray(insight.evidence.stuck_ids)
                ? insight.evidence.stuck_ids.length
                : 0;
              const shown = ids.length
                ? ` (${ids.join(', ')}${all > ids.length ? `, … ${all} in all: data.items[].evidence.stuck_ids` : ''}${insight.first_seen ? `; since ${insight.first_seen}` : ''})`
                : '';
              return `[${insight.severity}] ${insight.title}${shown}`;
            })
            .join('; ')}`;
    return {
      answer,
      data: { items, order: 'severity, then confidence', kinds },
      queries: [
        get('/insights?status=open&type=flow&limit=100', 'list_insights', {
          status: 'open',
          type: 'flow',
          limit: 100,
        }),
      ],
      cached: false,
    };
  }

  /**
   * "api" is a component type with one event (a docs example) and the leading word of
   * "api-gateway" with thousands: the name with the most events in the last day wins.
   */
  private async preferEvidence(parsed: ParsedQuestion, now: Date): Promise<void> {
    const ambiguous = parsed.entities.components.filter(
      (component) => component.alternatives?.length,
    );
    if (ambiguous.length === 0) return;
    const names = ambiguous.flatMap((component) => [component.name, ...component.alternatives!]);
    const counts = await this.repository.eventCounts(
      names,
      new Date(now.getTime() - EVIDENCE_HOURS * 3_600_000),
    );
    for (const component of ambiguous) {
      const best = [component.name, ...component.alternatives!].reduce((a, b) =>
        (counts.get(b) ?? 0) > (counts.get(a) ?? 0) ? b : a,
      );
      if (best !== component.name) {
        component.alternatives = [
          component.name,
          ...component.alternatives!.filter((name) => name !== best),
        ];
        component.name = best;
      }
    }
  }

  /**
   * Ids as people write them ("order 123", "4bf92f35…") become the ids the store holds. An event
   * id turns the question into explaining that event. 'missing' when the question is about an id
   * and none of its spellings is in the store.
   */
  private async lookUpIds(
    parsed: ParsedQuestion,
    question: string,
    now: Date,
  ): Promise<'found' | 'missing' | 'none'> {
    const { entities } = parsed;
    if (!['operation_progress', 'search_events', 'explain_error'].includes(parsed.intent))
      return 'none';
    const candidates = [...new Set([...entities.id_candidates, ...entities.correlation_ids])];
    if (candidates.length === 0) return 'none';
    const found = await this.repository.findIds(candidates);
    if (found.length === 0 && parsed.intent !== 'explain_error') {
      // not an id the store keys by, but perhaps one its messages carry (a claim, a customer)
      const mention = await this.mentionOf(candidates, question, now);
      if (mention && mention.operations.length > 0) {
        entities.correlation_ids = [mention.operations[0].correlation_id];
        entities.mentioned = mention;
        parsed.intent = 'operation_progress';
        return 'found';
      }
      // only in events without a correlation id (plain log lines): those events answer
      if (mention) {
        entities.text = mention.text;
        entities.id_candidates = [];
        parsed.intent = 'search_events';
        return 'none';
      }
    }
    if (found.length === 0) return parsed.intent === 'explain_error' ? 'none' : 'missing';
    // A correlation id names the whole operation: it wins over an event, a pattern or a span.
    const best = found.find((item) => item.kind === 'correlation') ?? found[0];
    if (best.kind === 'correlation') {
      entities.correlation_ids = [best.id];
      return 'found';
    }
    entities.correlation_ids = [];
    if (best.kind === 'pattern') entities.pattern_ids = [best.id];
    else entities.event_ids = [best.id];
    parsed.intent = 'explain_error';
    return 'found';
  }

  /**
   * The operations whose messages mention the id the question wrote out (as written, not the
   * spellings made from it), within MENTION_HOURS; no operations when only events without a
   * correlation id mention it; null when nothing does.
   */
  private async mentionOf(
    candidates: readonly string[],
    question: string,
    now: Date,
  ): Promise<NonNullable<ParsedQuestion['entities']['mentioned']> | null> {
    const lower = question.toLowerCase();
    // an id called a trace, a span, a correlation or an event id is one the store keys by
    if (KEYED_ID.test(lower)) return null;
    // six characters at least: "DE46", the start of an IBAN, is in many messages
    const [text] = candidates
      .filter((candidate) => !candidate.endsWith('…') && candidate.length >= MENTION_MIN_LENGTH)
      .filter((candidate) => lower.includes(candidate.toLowerCase()));
    if (!text) return null;
    // one read of the messages: the operations that mention it, else the plain lines that do
    const from = new Date(now.getTime() - MENTION_HOURS * 3_600_000);
    const mentions = await this.repository.mentionsOf(text, from, 10);
    return mentions.operations.length > 0 || mentions.plainLines > 0
      ? { text, operations: mentions.operations }
      : null;
  }

  /** Components by error rate in the window (enough events to mean something), the worst with its root cause. */
  private async rankFailures(
    components: string[],
    windowMinutes: number | undefined,
    at: string | undefined,
    sessionId: string | undefined,
  ) {
    const selectors: string[] = [];
    for (const name of components) {
      const ids = await this.registry.idsOf(name);
      selectors.push(...(ids.length > 1 ? ids.slice(0, 50).map((id) => `${name}/${id}`) : [name]));
    }
    const request = strip({
      components: selectors.length ? selectors : undefined,
      window_minutes: windowMinutes ?? 60,
      at,
      session_id: sessionId,
    });
    const report = await this.health.health(request);
    const measured = report.components.filter(
      (component) => component.metrics.events > 0 && component.metrics.error_rate !== null,
    );
    const enough = measured.filter((component) => component.metrics.events >= MIN_RANKED_EVENTS);
    const ranking = (enough.length ? enough : measured)
      .sort(
        (a, b) =>
          b.metrics.error_rate! - a.metrics.error_rate! || b.metrics.errors - a.metrics.errors,
      )
      .slice(0, 10)
      .map((component) => ({
        component: component.component,
        error_rate: component.metrics.error_rate,
        errors: component.metrics.errors,
        events: component.metrics.events,
        status: component.status,
      }));
    const queries: StructuredQuery[] = [
      post('/analytics/component-health', request, 'component_health'),
    ];
    const worst = ranking[0];
    if (!worst || worst.errors === 0) {
      return {
        answer: 'no component has errors in the window',
        data: { ranking, window_minutes: request.window_minutes },
        queries,
        cached: report.cached,
      };
    }
    const topRequest = strip({
      components: [worst.component],
      window_minutes: request.window_minutes,
      at,
      session_id: sessionId,
    });
    const top = await this.analytics.topErrors(topRequest);
    queries.push(post('/analytics/top-errors', topRequest, 'top_errors'));
    let rootCause: {
      event_id: string;
      component: string;
      message: string | null;
      timestamp: string;
    } | null = null;
    if (top.patterns[0]) {
      const explanation = await this.explain.explainPattern(top.patterns[0].pattern_id);
      queries.push(
        get(`/errors/patterns/${top.patterns[0].pattern_id}/explain`, 'explain_error', {
          pattern_id: top.patterns[0].pattern_id,
        }),
      );
      if (!explanation.root_cause.is_the_event_itself) {
        const event = explanation.root_cause.event;
        rootCause = {
          event_id: event.id,
          component: `${event.component_type}/${event.component_id}`,
          message: event.message,
          timestamp: event.timestamp,
        };
      }
    }
    const percent = (rate: number | null) => `${Math.round((rate ?? 0) * 1000) / 10}%`;
    const answer = [
      `By error rate: ${ranking
        .slice(0, 3)
        .map(
          (item) =>
            `${item.component} ${percent(item.error_rate)} (${item.errors} of ${item.events})`,
        )
        .join(', ')}.`,
      top.patterns[0]
        ? `${worst.component} mostly fails with "${top.patterns[0].sample_message}" ×${top.patterns[0].occurrences}.`
        : '',
      rootCause ? `Probable root cause: "${rootCause.message}" in ${rootCause.component}.` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return {
      answer,
      data: {
        ranking,
        top_errors: top.patterns.slice(0, 5),
        root_cause: rootCause,
        window_minutes: request.window_minutes,
      },
      queries,
      cached: report.cached && top.cached,
    };
  }

  /** Questions that work on this store: they name its real components and ids. */
  private async examples(): Promise<string[]> {
    const types = await this.registry.types();
    const [first = 'payment-service', second = 'checkout'] = types;
    const [latestError] = await this.repository.searchEvents({
      levels: ['error', 'critical'],
      limit: 1,
    });
    const examples = [
      `is ${first} healthy?`,
      `why is ${first} failing since 10:00?`,
      `what is slow in ${first} in the last 15 minutes?`,
      `compare ${first} and ${second}`,
      `what are the most common errors in the last hour?`,
      `any open problems?`,
    ];
    if (latestError) {
      examples.push(`explain error ${latestError.id}`);
      if (latestError.correlation_id) {
        examples.push(`show errors for correlation ${latestError.correlation_id}`);
        examples.push(`where is operation ${latestError.correlation_id} stuck?`);
      }
    }
    return examples;
  }
}

function describeUnderstood(parsed: ParsedQuestion): string {
  const { entities } = parsed;
  const parts: string[] = [];
  if (entities.components.length)
    parts.push(`components ${entities.components.map((component) => component.name).join(', ')}`);
  if (entities.time_range)
    parts.push(`time ${entities.time_range.from} – ${entities.time_range.to}`);
  if (entities.levels.length) parts.push(`levels ${entities.levels.join(', ')}`);
  if (entities.correlation_ids.length)
    parts.push(`correlation ids ${entities.correlation_ids.join(', ')}`);
  if (entities.event_ids.length) parts.push(`event ids ${entities.event_ids.join(', ')}`);
  return parts.length
    ? ` I understood: ${parts.join('; ')}.`
    : ' I recognised no component, id, level or time in it.';
}

function strip<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;
}

function post(path: string, body: Record<string, unknown>, tool: string): StructuredQuery {
  return { method: 'POST', path: `${API}${path}`, body, mcp_tool: tool, mcp_arguments: body };
}

function get(path: string, tool: string, args: Record<string, unknown>): StructuredQuery {
  return { method: 'GET', path: `${API}${path}`, mcp_tool: tool, mcp_arguments: args };
}

/** The operations a flow insight names as examples (stuck: its examples; skipped: its chains). */
function flowIdsOf(evidence: Record<string, unknown>): string[] {
  const stuck = Array.isArray(evidence.stuck_ids) ? evidence.stuck_ids : [];
  const examples = Array.isArray(evidence.examples)
    ? (evidence.examples as { correlation_id?: unknown }[]).map((item) => item.correlation_id)
    : [];
  const listed = Array.isArray(evidence.correlation_ids) ? evidence.correlation_ids : [];
  return [...new Set([...stuck, ...examples, ...listed])]
    .filter((id): id is string => typeof id === 'string')
    .slice(0, 5);
}
