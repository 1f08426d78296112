import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { run } from './tool-run.js';
import { registerAlertingTools } from './alerting-tools.js';
import type { AlertingService } from '../alerting/alerting.service.js';
import { DomainError } from '../common/errors/domain-error.js';
import {
  EVENT_TYPES,
  INSIGHT_STATUSES,
  INSIGHT_TYPES,
  LEVELS,
  SEVERITIES,
} from '../common/debug-event.js';
import type { InsightsService } from '../insights/insights.service.js';
import { AGGREGATIONS, GROUPINGS } from '../metrics/metric-aggregation.js';
import type { MetricsQueryService } from '../metrics/metrics-query.service.js';
import type { AskService } from '../query/ask/ask.service.js';
import type { CompareService } from '../query/compare.service.js';
import type { ComponentHealthService } from '../query/component-health.service.js';
import type { EventAnalyticsService } from '../query/event-analytics.service.js';
import type { ExplainErrorService } from '../query/explain-error.service.js';
import type { OperationProgressService } from '../query/operation-progress.service.js';

export interface McpToolServices {
  health: ComponentHealthService;
  progress: OperationProgressService;
  explain: ExplainErrorService;
  compare: CompareService;
  analytics: EventAnalyticsService;
  ask: AskService;
  insights: InsightsService;
  metrics: MetricsQueryService;
  alerting?: AlertingService;
  /** May the caller of this request write (resolve insights)? null when it may, else why not. */
  writeRefusal: string | null;
}

const components = z
  .array(z.string().min(1).max(256))
  .max(50)
  .optional()
  .describe(
    'Component selectors: a component_type (all its instances), a component_id, or "type/id". Names must match what components report; unknown names come back with suggestions.',
  );
const windowMinutes = z.number().int().min(1).max(10080).optional();
const at = z.iso
  .datetime({ offset: true })
  .optional()
  .describe('End of the window, ISO-8601; default now.');
const sessionId = z
  .uuid()
  .optional()
  .describe('Scope to a debugging session (its components and time window).');

/** The agent queries as MCP tools. Each answers a short summary line, then the data as JSON. */
export function registerTools(server: McpServer, services: McpToolServices): void {
  server.registerTool(
    'component_health',
    {
      title: 'Component health',
      description:
        'Is a component healthy? Returns healthy / degraded / unhealthy with a 0-100 score and the reasons with numbers: ' +
        'error rate and p95 latency in the window vs the baseline before it, open insights, silence/staleness, latest state version. ' +
        'Omit components to check every known component type (worst first). Start here when something "seems wrong".',
      inputSchema: {
        components,
        window_minutes: windowMinutes.describe('Window judged, ending now (default 15).'),
        baseline_hours: z
          .number()
          .int()
          .min(1)
          .max(720)
          .optional()
          .describe('Baseline before the window (default 24).'),
        at,
        session_id: sessionId,
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(
        () => services.health.health(args),
        (report) => report.summary,
      ),
  );

  server.registerTool(
    'operation_progress',
    {
      title: 'Operation progress',
      description:
        'Follow one operation end to end by its correlation id: the steps in the order they began, the component and status of each ' +
        '(completed / failed / in_progress / stuck), the current step, failures, elapsed time, and whether it looks stuck. ' +
        'Use it when a request, job or flow "never finished".',
      inputSchema: {
        correlation_id: z
          .string()
          .min(1)
          .max(256)
          .describe('The correlation id the events of the operation share.'),
        stuck_after_seconds: z
          .number()
          .int()
          .min(1)
          .max(86400)
          .optional()
          .describe('Idle time after which an unfinished step counts as stuck.'),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(
        () =>
          services.progress.progress(args.correlation_id, {
            stuckAfterSeconds: args.stuck_after_seconds,
          }),
        (progress) => progress.summary,
      ),
  );

  server.registerTool(
    'explain_error',
    {
      title: 'Explain an error',
      description:
        'Why did this error happen? Give an event_id (or a pattern_id). Returns the error pattern and how often it occurs, first/last seen, ' +
        'the affected components, the events before it on the same correlation chain, the probable root cause (the earliest upstream error), ' +
        'open insights that mention it, similar resolved insights with their resolution notes, and concrete suggestions.',
      inputSchema: {
        event_id: z.uuid().optional().describe('Id of the error event.'),
        pattern_id: z
          .string()
          .regex(/^[\w-]{1,64}$/)
          .optional()
          .describe('Id of an error pattern (from top_errors or search_events).'),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(
        () => {
          if (args.event_id) return services.explain.explainEvent(args.event_id);
          if (args.pattern_id) return services.explain.explainPattern(args.pattern_id);
          throw new DomainError('VALIDATION_FAILED', 'give event_id or pattern_id', {
            field: 'event_id',
          });
        },
        (explanation) => explanation.summary,
      ),
  );

  server.registerTool(
    'compare_components',
    {
      title: 'Compare components',
      description:
        'Set components side by side: volume, error rate, latency p50/p95/p99, top message patterns, and the JSON paths where their latest ' +
        'states differ. Name two or more components, or a single component_type to compare its instances (e.g. "which workers disagree on config?").',
      inputSchema: {
        components: z
          .array(z.string().min(1).max(256))
          .min(1)
          .max(20)
          .describe('Two or more selectors, or one component_type.'),
        window_minutes: windowMinutes.describe('Window, ending now (default 60).'),
        at,
        session_id: sessionId,
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(
        () => services.compare.compare(args),
        (comparison) => comparison.summary,
      ),
  );

  server.registerTool(
    'slow_operations',
    {
      title: 'Slowest operations',
      description:
        'The slowest operations (p50/p95/max of duration_ms) of the components in a window, slowest first. Use for "what is slow?".',
      inputSchema: {
        components,
        window_minutes: windowMinutes.describe('Window, ending now (default 15).'),
        at,
        session_id: sessionId,
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(
        () => services.analytics.slowOperations(args),
        (slow) => slow.summary,
      ),
  );

  server.registerTool(
    'top_errors',
    {
      title: 'Most frequent errors',
      description:
        'The most frequent error patterns of the components in a window, with a sample message and pattern_id each (pass it to explain_error).',
      inputSchema: {
        components,
        window_minutes: windowMinutes.describe('Window, ending now (default 60).'),
        at,
        session_id: sessionId,
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(
        () => services.analytics.topErrors(args),
        (top) => top.summary,
      ),
  );

  server.registerTool(
    'search_events',
    {
      title: 'Search events',
      description:
        'Find raw events, newest first, at most `limit` (≤ 100; `truncated` says when there were more). Filter by components, correlation ids, ' +
        'levels, event types, pattern id, session, words in the message and a time range. Prefer the other tools for summaries; use this for evidence.',
      inputSchema: {
        components,
        correlation_ids: z.array(z.string().min(1).max(256)).max(50).optional(),
        levels: z.array(z.enum(LEVELS)).optional(),
        event_types: z.array(z.enum(EVENT_TYPES)).optional(),
        pattern_id: z
          .string()
          .regex(/^[\w-]{1,64}$/)
          .optional(),
        session_id: sessionId,
        text: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('Words the message contains (case-insensitive).'),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
        limit: z.number().int().min(1).max(100).optional().describe('Default 20.'),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(
        () => services.analytics.search({ ...args, limit: args.limit ?? 20 }),
        (found) =>
          `${found.items.length}${found.truncated ? '+' : ''} event(s)${found.items[0] ? `, newest ${found.items[0].timestamp}` : ''}`,
      ),
  );

  server.registerTool(
    'query_metrics',
    {
      title: 'Query metrics',
      description:
        'Metrics the components report (POST /metrics). Without `name`: the series that have points in the range (name, component, unit, count, min/max/avg). ' +
        'With `name`: that metric by step (e.g. "1m") aggregated with avg, min, max, sum, count, p50, p95 or p99, one series per component ' +
        '(or per component type, or one in all). Default range: the last day.',
      inputSchema: {
        name: z
          .string()
          .min(1)
          .max(256)
          .optional()
          .describe('The metric, e.g. "http.latency_ms"; omit to list series.'),
        component_type: z.string().min(1).max(128).optional(),
        component_id: z.string().min(1).max(256).optional(),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
        step: z
          .string()
          .regex(/^\d{1,9}[smhd]?$/)
          .optional()
          .describe('30s, 5m, 1h, 1d or seconds; default the range in 60 steps.'),
        aggregation: z.enum(AGGREGATIONS).optional().describe('Per step; default avg.'),
        group_by: z.enum(GROUPINGS).optional().describe('Default component.'),
      },
      annotations: { readOnlyHint: true },
    },
    ({ name, ...args }) =>
      name === undefined
        ? run(
            () => services.metrics.series(args),
            (list) =>
              `${list.items.length}${list.truncated ? '+' : ''} metric series from ${list.from} to ${list.to}`,
          )
        : run(
            () => services.metrics.query({ ...args, name }),
            (answer) =>
              `${answer.name}: ${answer.items.length} series, ${answer.aggregation} per ${answer.step_seconds} s` +
              answer.items
                .map(
                  (series) =>
                    `; ${series.component_id ?? series.component_type ?? 'all'} ${series.samples} point(s)`,
                )
                .join(''),
          ),
  );

  server.registerTool(
    'list_insights',
    {
      title: 'List insights',
      description:
        'Problems the insight engine found (error bursts, new error patterns, latency regressions, stuck flows, diverging state, silent components), ' +
        'most recent first, each with severity, confidence, evidence and suggestions. Default: open ones.',
      inputSchema: {
        status: z.enum(INSIGHT_STATUSES).optional().describe('Default open.'),
        type: z.enum(INSIGHT_TYPES).optional(),
        min_severity: z.enum(SEVERITIES).optional(),
        component: z
          .string()
          .min(1)
          .max(256)
          .optional()
          .describe('A component_type or component_id the insight is about.'),
        session_id: sessionId,
        limit: z.number().int().min(1).max(50).optional().describe('Default 20.'),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(
        () =>
          services.insights.list({
            status: args.status ?? 'open',
            type: args.type,
            minSeverity: args.min_severity,
            component: args.component,
            sessionId: args.session_id,
            limit: args.limit ?? 20,
          }),
        (page) =>
          `${page.total} insight(s)${page.items[0] ? `; latest: [${page.items[0].severity}] ${page.items[0].title}` : ''}`,
      ),
  );

  server.registerTool(
    'resolve_insight',
    {
      title: 'Resolve an insight',
      description:
        'Mark an insight resolved with a note saying what fixed it. The note is shown to whoever meets a similar problem later ' +
        '(explain_error lists it), so say what was wrong and what changed. Needs an API key with the ingest (or admin) scope.',
      inputSchema: {
        insight_id: z.uuid(),
        note: z.string().min(1).max(10000).describe('What was wrong and what fixed it.'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true },
    },
    (args) =>
      run(
        async () => {
          if (services.writeRefusal) throw new DomainError('FORBIDDEN', services.writeRefusal);
          // resolving announces insight.changed: the query cache drops what counted it as open, here and elsewhere
          return services.insights.resolve(args.insight_id, args.note);
        },
        (insight) => `resolved: ${insight.title}`,
      ),
  );

  server.registerTool(
    'ask',
    {
      title: 'Ask in plain words',
      description:
        'Ask a debugging question in plain English, e.g. "why is payment-service failing since 10:00?", "what is slow in checkout in the last 15 minutes?", ' +
        '"show errors for correlation abc-123", "which workers disagree on config?". Returns a short answer, the data, and the structured ' +
        'queries it ran (with the equivalent tool and arguments) so you can refine them. Unclear questions get what was understood and examples.',
      inputSchema: { question: z.string().min(1).max(1000), session_id: sessionId },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(
        () => services.ask.ask(args.question, { session_id: args.session_id }),
        (answer) => answer.answer,
      ),
  );
  if (services.alerting) registerAlertingTools(server, services.alerting, services.writeRefusal);
}
