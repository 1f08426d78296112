import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { AlertingService } from '../alerting/alerting.service.js';
import { run } from './tool-run.js';

/**
 * Alerting as MCP tools: the same service and parsers as REST, so a rule or silence an agent
 * sends is checked field by field and errors name the field. Writes need `writeRefusal` null.
 */
export function registerAlertingTools(
  server: McpServer,
  alerting: AlertingService,
  writeRefusal: string | null,
): void {
  server.registerTool(
    'alert_rules',
    {
      title: 'Alert rules',
      description:
        'The alert rules: what each watches (`when`), its labels, severity, channels (secrets hidden) and delivery outcomes.',
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    () =>
      run(
        () => alerting.listRules(),
        (result) => `${result.items.length} alert rule(s)`,
      ),
  );

  server.registerTool(
    'create_alert_rule',
    {
      title: 'Create an alert rule',
      description:
        'Create a rule that notifies people and systems. Body as POST /api/debug/alerts/rules: name, when (exactly one of ' +
        'insight {types, min_severity, min_confidence, components, pattern} | pattern {pattern_id, new, min_count, window_seconds} | ' +
        'metric {name, op, threshold, aggregate, window_seconds, components} | silence {components, quiet_minutes} | stuck_flow {components, min_chains}), ' +
        'for_seconds, repeat_interval_seconds, severity, labels, channels [{type: webhook|slack|alertmanager|email, …}].',
      inputSchema: {
        rule: z.record(z.string(), z.unknown()).describe('The rule, as the REST body.'),
      },
    },
    (args) =>
      writeRefusal
        ? refuse(writeRefusal)
        : run(
            () => alerting.createRule(args.rule),
            (rule) => `created alert rule ${rule.id} (${rule.name})`,
          ),
  );

  server.registerTool(
    'alerts',
    {
      title: 'Alerts and their history',
      description:
        'Current alerts (pending / firing / resolved, one per rule and label group) and the history of state changes, newest first.',
      inputSchema: {
        rule_id: z.string().max(64).optional(),
        state: z.enum(['pending', 'firing', 'resolved']).optional(),
        since: z.string().max(64).optional().describe('History from this ISO-8601 time.'),
        limit: z.number().int().min(1).max(500).optional(),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(
        () => alerting.alerts(args),
        (result) =>
          `${result.items.filter((alert) => alert.state === 'firing').length} firing, ${result.items.length} alert(s)${result.truncated ? ' (limit reached)' : ''}, ${result.history.length} history entries`,
      ),
  );

  server.registerTool(
    'create_silence',
    {
      title: 'Silence alerts',
      description:
        'Hold back notifications until ends_at: by rule_id, component, or label matchers [{name, value, op: = | != | =~ | !~}], with a comment. ' +
        'A schedule {days: [0-6], start: "HH:MM" UTC, duration_minutes} makes it a recurring maintenance window.',
      inputSchema: {
        silence: z
          .record(z.string(), z.unknown())
          .describe('The silence, as the REST body of POST /api/debug/alerts/silences.'),
      },
    },
    (args) =>
      writeRefusal
        ? refuse(writeRefusal)
        : run(
            () => alerting.createSilence(args.silence),
            (silence) => `silence ${silence.id} until ${silence.ends_at}`,
          ),
  );

  server.registerTool(
    'alert_deliveries',
    {
      title: 'Alert deliveries',
      description:
        'Notification outcomes (pending / delivered / failed) with counts per rule; status "failed" lists the failed set.',
      inputSchema: {
        rule_id: z.string().max(64).optional(),
        status: z.enum(['pending', 'delivered', 'failed']).optional(),
        limit: z.number().int().min(1).max(500).optional(),
      },
      annotations: { readOnlyHint: true },
    },
    (args) =>
      run(
        () => alerting.deliveries(args),
        (result) =>
          `${result.items.length} deliveries${result.truncated ? ' (limit reached)' : ''}`,
      ),
  );
}

function refuse(reason: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: `FORBIDDEN: ${reason}` }] };
}
