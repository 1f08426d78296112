import { Injectable } from '@nestjs/common';
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { LEVELS } from '../common/debug-event.js';
import { InsightsService } from '../insights/insights.service.js';
import { PatternStatsService } from '../patterns/pattern-stats.service.js';
import { OperationProgressService } from '../query/operation-progress.service.js';
import { openProblems } from '../query/open-problems.js';
import { EventsQueryService } from '../storage/events-query.service.js';
import { StateQueryService } from '../storage/state-query.service.js';
import { run } from './tool-run.js';
import { compactInsight, TriageService } from './triage.service.js';

const componentPart = z.string().min(1).max(256);
const JSON_TYPE = 'application/json';

/**
 * The agent's first minute: `triage`, then the tools it reaches for next (`get_event`,
 * `get_insight`, `list_patterns`, `get_state`, `diff_state`), prompts for the common
 * investigations and resources for insights and operations. Every answer is compact and
 * carries the ids the other tools take.
 */
@Injectable()
export class InvestigationTools {
  constructor(
    private readonly triage: TriageService,
    private readonly events: EventsQueryService,
    private readonly insights: InsightsService,
    private readonly patterns: PatternStatsService,
    private readonly state: StateQueryService,
    private readonly progress: OperationProgressService,
  ) {}

  register(server: McpServer): void {
    this.registerTools(server);
    this.registerPrompts(server);
    this.registerResources(server);
  }

  private registerTools(server: McpServer): void {
    server.registerTool(
      'triage',
      {
        title: 'What is wrong right now?',
        description:
          'Call this first in an incident. One compact brief: open and regressed insights (most severe, then most certain, first) with their ' +
          'evidence event ids, unhealthy or degraded components with the reasons, error patterns first seen in the window, stuck flows with ' +
          'their correlation ids, firing alerts, and the next calls to make. Every id fits get_insight, explain_error, operation_progress or get_event.',
        inputSchema: {
          window_minutes: z
            .number()
            .int()
            .min(5)
            .max(1440)
            .optional()
            .describe('How far back "new" reaches (default 60).'),
        },
        annotations: { readOnlyHint: true },
      },
      (args) =>
        run(
          () => this.triage.triage({ window_minutes: args.window_minutes }),
          (brief) => brief.headline,
        ),
    );

    server.registerTool(
      'get_event',
      {
        title: 'Get an event',
        description:
          "One event by id (from triage, search_events or an insight's evidence), from whichever tier holds it: message, level, component, correlation and parent ids, data.",
        inputSchema: { event_id: z.uuid() },
        annotations: { readOnlyHint: true },
      },
      (args) =>
        run(
          () => this.events.findById(args.event_id),
          (event) =>
            `[${event.level}] ${event.component_type}/${event.component_id} at ${event.timestamp}: ${event.message ?? event.event_type}`,
        ),
    );

    server.registerTool(
      'get_insight',
      {
        title: 'Get an insight',
        description:
          'One insight by id (from triage or list_insights): summary, evidence with event ids, confidence and its factors, suggestions, status and resolution.',
        inputSchema: { insight_id: z.uuid() },
        annotations: { readOnlyHint: true },
      },
      (args) =>
        run(
          () => this.insights.get(args.insight_id),
          (insight) => `[${insight.severity}, ${insight.status}] ${insight.title}`,
        ),
    );

    server.registerTool(
      'list_patterns',
      {
        title: 'List error patterns',
        description:
          'Message patterns (templates with variables masked) of errors in a window, most events first, each with its pattern_id (for explain_error ' +
          'and search_events), count, first seen ever, top components and sample event ids.',
        inputSchema: {
          window_minutes: z.number().int().min(1).max(10080).optional().describe('Default 60.'),
          component_type: componentPart.optional(),
          component_id: componentPart.optional(),
          levels: z.array(z.enum(LEVELS)).min(1).optional().describe('Default error and critical.'),
          limit: z.number().int().min(1).max(50).optional().describe('Default 10.'),
        },
        annotations: { readOnlyHint: true },
      },
      (args) =>
        run(
          async () => {
            const to = new Date();
            const page = await this.patterns.errorPatterns({
              from: new Date(to.getTime() - (args.window_minutes ?? 60) * 60_000),
              to,
              levels: args.levels ?? ['error', 'critical'],
              componentType: args.component_type,
              componentId: args.component_id,
              minCount: 1,
              limit: args.limit ?? 10,
              offset: 0,
            });
            return {
              from: page.from,
              to: page.to,
              total: page.total,
              items: page.items.map((pattern) => ({
                pattern_id: pattern.pattern_id,
                template: pattern.template.slice(0, 200),
                count: pattern.count,
                first_seen_ever: pattern.first_seen_ever,
                last_seen: pattern.last_seen,
                components: pattern.components
                  .slice(0, 3)
                  .map((component) => `${component.component_type}/${component.component_id}`),
                sample_event_ids: pattern.sample_event_ids.slice(0, 3),
              })),
            };
          },
          (page) =>
            `${page.total} pattern(s)${page.items[0] ? `; most frequent: "${page.items[0].template.slice(0, 80)}" ×${page.items[0].count}` : ''}`,
        ),
    );

    server.registerTool(
      'get_state',
      {
        title: 'Get component state',
        description:
          'The latest state snapshot a component reported: the state JSON, its version, hash, capture time and the patch from the version before.',
        inputSchema: { component_type: componentPart, component_id: componentPart },
        annotations: { readOnlyHint: true },
      },
      (args) =>
        run(
          () => this.state.latest(args.component_type, args.component_id),
          (snapshot) =>
            `${snapshot.component_type}/${snapshot.component_id} version ${snapshot.version} captured ${snapshot.captured_at}`,
        ),
    );

    server.registerTool(
      'diff_state',
      {
        title: 'Diff component state',
        description:
          "What changed in a component's state between two versions, as an RFC 6902 patch. Without versions: the latest against the one before. " +
          'Use it for "what changed in the config before it broke?".',
        inputSchema: {
          component_type: componentPart,
          component_id: componentPart,
          from_version: z.number().int().min(1).optional(),
          to_version: z.number().int().min(1).optional().describe('Default the latest.'),
        },
        annotations: { readOnlyHint: true },
      },
      (args) =>
        run(
          async () => {
            const to =
              args.to_version ??
              (await this.state.latest(args.component_type, args.component_id)).version;
            const from = args.from_version ?? Math.max(1, to - 1);
            return this.state.diff(args.component_type, args.component_id, from, to);
          },
          (diff) =>
            `${diff.patch.length} change(s) from version ${diff.from_version} to ${diff.to_version}`,
        ),
    );
  }

  private registerPrompts(server: McpServer): void {
    const prompt = (text: string) => ({
      messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }],
    });
    server.registerPrompt(
      'investigate_error_spike',
      {
        title: 'Investigate an error spike',
        description: 'Find what is failing, since when, and the root cause of an error spike.',
        argsSchema: {
          component: z.string().optional().describe('The component that spikes, if known.'),
        },
      },
      (args) =>
        prompt(
          `Errors are spiking${args.component ? ` in ${args.component}` : ''}. 1) Call triage and note error insights and new error patterns. ` +
            `2) Call top_errors${args.component ? ` with components ["${args.component}"]` : ''} for the last 60 minutes. ` +
            '3) For the top pattern call explain_error with its pattern_id: read root_cause and the preceding events. ' +
            '4) Call component_health on the root-cause component and compare_components against a healthy peer. ' +
            '5) Answer: what fails, since when, how often, the probable root cause with event ids, and what to change.',
        ),
    );
    server.registerPrompt(
      'investigate_slow_operation',
      {
        title: 'Investigate a slow operation',
        description: 'Find which operation got slow, where, and what changed.',
        argsSchema: { component: z.string().optional(), operation: z.string().optional() },
      },
      (args) =>
        prompt(
          `Something is slow${args.operation ? `: ${args.operation}` : ''}${args.component ? ` in ${args.component}` : ''}. ` +
            `1) Call slow_operations${args.component ? ` with components ["${args.component}"]` : ''} (it ranks by p95 among operations with enough calls). ` +
            '2) Call component_health for its p95 against the baseline. 3) Call search_events for the slowest operation to see its slow calls and their correlation ids; ' +
            'follow one with operation_progress to see which step takes the time. 4) Call diff_state on the component to see a config change. ' +
            '5) Answer: which operation, how much slower than before, which step, and the likely cause.',
        ),
    );
    server.registerPrompt(
      'investigate_stuck_flow',
      {
        title: 'Investigate a stuck flow',
        description: 'Find where a request, job or order stopped and why.',
        argsSchema: {
          correlation_id: z
            .string()
            .optional()
            .describe('The id of the stuck operation, if known.'),
        },
      },
      (args) =>
        prompt(
          (args.correlation_id
            ? `Operation ${args.correlation_id} never finished. 1) Call operation_progress with it. `
            : 'Flows are stuck. 1) Call triage and take the correlation ids of its stuck_flows; call operation_progress on one. ') +
            '2) Note the last completed step and the component it hands work to. 3) Call component_health on that component (silent? erroring?) and search_events on it around the time the flow stopped. ' +
            '4) Answer: where it stopped, since when, how many flows are affected, and what to restart or fix.',
        ),
    );
  }

  private registerResources(server: McpServer): void {
    const json = (uri: URL, value: unknown) => ({
      contents: [{ uri: uri.href, mimeType: JSON_TYPE, text: JSON.stringify(value) }],
    });
    server.registerResource(
      'open-insights',
      'debug://insights/open',
      {
        title: 'Open insights',
        description: 'Open and regressed insights, most severe then most certain first (compact).',
        mimeType: JSON_TYPE,
      },
      async (uri) =>
        json(uri, (await openProblems(this.insights, { limit: 20 })).map(compactInsight)),
    );
    server.registerResource(
      'insight',
      new ResourceTemplate('debug://insights/{insight_id}', {
        list: async () => ({
          resources: (await openProblems(this.insights, { limit: 20 })).map((insight) => ({
            uri: `debug://insights/${insight.id}`,
            name: insight.title.slice(0, 120),
            mimeType: JSON_TYPE,
          })),
        }),
      }),
      {
        title: 'Insight',
        description: 'One insight with its evidence and suggestions.',
        mimeType: JSON_TYPE,
      },
      async (uri, variables) => json(uri, await this.insights.get(String(variables.insight_id))),
    );
    server.registerResource(
      'operation',
      new ResourceTemplate('debug://operations/{correlation_id}', { list: undefined }),
      {
        title: 'Operation',
        description:
          'The progress of one operation by its correlation id: steps, status, failures, stuck or not.',
        mimeType: JSON_TYPE,
      },
      async (uri, variables) =>
        json(
          uri,
          await this.progress.progress(decodeURIComponent(String(variables.correlation_id))),
        ),
    );
  }
}
