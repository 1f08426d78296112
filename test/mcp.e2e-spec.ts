import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { InsightsService } from '../src/insights/insights.service.js';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';
import { writeScenario, type WrittenScenario } from './scenarios/scenario-generator.js';

const KEYS = 'ingest-key-1:ingest,reader-key-1:read,writer-key-1:read+ingest';
const TOOLS = [
  'alert_deliveries',
  'alert_rules',
  'alerts',
  'api_keys',
  'ask',
  'compare_components',
  'component_health',
  'create_alert_rule',
  'create_api_key',
  'create_silence',
  'diff_state',
  'explain_error',
  'get_event',
  'get_insight',
  'get_state',
  'list_insights',
  'list_patterns',
  'operation_progress',
  'query_metrics',
  'resolve_insight',
  'revoke_api_key',
  'search_events',
  'slow_operations',
  'top_errors',
  'triage',
];
const SEVERITY_ORDER = ['info', 'low', 'medium', 'high', 'critical'];
/** Bytes of a tool's whole answer on the wire (its content parts as JSON). */
const bytesOf = (result: unknown) => Buffer.byteLength(JSON.stringify(result));

async function connect(url: string, key?: string): Promise<Client> {
  const client = new Client({ name: 'mcp-e2e', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', url), {
    requestInit: key ? { headers: { 'X-API-Key': key } } : {},
  });
  await client.connect(transport);
  return client;
}

/** The JSON a tool answered (its second text part). */
function dataOf<T = Record<string, unknown>>(result: CallToolResult): T {
  expect(result.isError).toBeFalsy();
  const [, json] = result.content as { type: 'text'; text: string }[];
  return JSON.parse(json.text) as T;
}

function textOf(result: CallToolResult): string {
  return (result.content as { type: 'text'; text: string }[]).map((part) => part.text).join('\n');
}

describeWithPostgresAndRedis(
  'MCP server at /mcp, driven by the SDK client (PostgreSQL + Redis)',
  () => {
    let running: RunningApp;
    let scenario: WrittenScenario;
    let reader: Client;

    beforeAll(async () => {
      running = await startApp({ ...(await fullModeEnv()), DEBUG_API_KEYS: KEYS });
      scenario = await writeScenario(running.app.get(DataSource), { now: new Date(), seed: 11 });
      // A brand-new error through the real intake (the pattern miner gives it its pattern).
      const accepted = await request(running.url)
        .post('/api/debug/events')
        .set('X-API-Key', 'ingest-key-1')
        .send({
          event_type: 'error',
          level: 'error',
          component_type: 'billing-service',
          component_id: 'bill-1',
          message: 'license server unreachable at 10.0.0.7:9000',
        })
        .expect(202);
      const newErrorId = accepted.body.id as string;
      for (let attempt = 0; attempt < 100; attempt++) {
        const found = await request(running.url)
          .get(`/api/debug/events/${newErrorId}`)
          .set('X-API-Key', 'reader-key-1');
        if (found.status === 200 && found.body.tier !== 'hot' && found.body.pattern_id) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await running.app
        .get(InsightsService)
        .generate({ from: scenario.from, to: scenario.to }, scenario.now);
      // A rule that fires on the stuck flows of the scenario, evaluated now: triage shows it firing.
      await request(running.url)
        .post('/api/debug/alerts/rules')
        .set('X-API-Key', 'writer-key-1')
        .send({
          name: 'reports stuck',
          severity: 'high',
          when: { stuck_flow: {} },
          for_seconds: 0,
          channels: [{ type: 'webhook', url: 'http://127.0.0.1:9/hook' }],
        })
        .expect(201);
      await request(running.url)
        .post('/api/debug/alerts/evaluate')
        .set('X-API-Key', 'writer-key-1')
        .expect((response) => expect(response.status).toBeLessThan(300));
      reader = await connect(running.url, 'reader-key-1');
    });
    afterAll(async () => {
      await reader?.close();
      await running?.close();
    });

    const incident = (name: string) => scenario.incidents.find((item) => item.name === name)!;
    const call = async (name: string, args: Record<string, unknown>) =>
      (await reader.callTool({ name, arguments: args })) as CallToolResult;

    it('lists the tools with descriptions written for an agent and input schemas', async () => {
      const { tools } = await reader.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual(TOOLS);
      for (const tool of tools) {
        expect(tool.description!.length).toBeGreaterThan(60);
        expect(tool.inputSchema.type).toBe('object');
      }
      const explain = tools.find((tool) => tool.name === 'explain_error')!;
      expect(Object.keys(explain.inputSchema.properties ?? {})).toEqual(['event_id', 'pattern_id']);
    });

    it('component_health marks the bursting payment instance unhealthy', async () => {
      const result = await call('component_health', {
        components: ['pay-1'],
        window_minutes: 20,
        at: scenario.now.toISOString(),
      });
      const report = dataOf<{ components: { status: string; reasons: { code: string }[] }[] }>(
        result,
      );
      expect(report.components[0].status).toBe('unhealthy');
      expect(report.components[0].reasons.map((reason) => reason.code)).toContain('error_rate');
      expect(textOf(result)).toMatch(/pay-1 is unhealthy/);
    });

    it('explain_error names the root cause of a propagated error', async () => {
      const propagation = incident('error_propagation');
      const explanation = dataOf<{ root_cause: { event: { id: string; component_type: string } } }>(
        await call('explain_error', { event_id: propagation.eventIds[2] }),
      );
      expect(explanation.root_cause.event).toMatchObject({
        id: propagation.rootCause!.eventId,
        component_type: 'db-proxy',
      });
    });

    it('operation_progress shows the stuck flow', async () => {
      const progress = dataOf<{ status: string }>(
        await call('operation_progress', {
          correlation_id: incident('stuck_flow').correlationIds![0],
        }),
      );
      expect(progress.status).toBe('stuck');
    });

    it('compare_components finds the diverging replica', async () => {
      const comparison = dataOf<{ state_differences: { path: string }[] }>(
        await call('compare_components', { components: ['cache-node'] }),
      );
      expect(comparison.state_differences.map((difference) => difference.path)).toContain(
        '/cache/eviction_policy',
      );
    });

    it('search_events is bounded and says when it cut', async () => {
      const found = dataOf<{
        items: { component_id: string }[];
        next_cursor: null;
        truncated: boolean;
        limit: number;
      }>(await call('search_events', { components: ['pay-1'], levels: ['error'], limit: 5 }));
      expect(found.items).toHaveLength(5);
      expect(found.next_cursor).toBeNull();
      expect(found.truncated).toBe(true);
      expect(new Set(found.items.map((event) => event.component_id))).toEqual(new Set(['pay-1']));
      const tooMany = await call('search_events', { limit: 1000 });
      expect(tooMany.isError).toBe(true);
    });

    it('top_errors and slow_operations answer with the scenario incidents', async () => {
      const top = dataOf<{ patterns: { sample_message: string }[] }>(
        await call('top_errors', { window_minutes: 60, at: scenario.now.toISOString() }),
      );
      expect(top.patterns[0].sample_message).toMatch(/connection reset/);
      const slow = dataOf<{ slowest: { operation: string }[] }>(
        await call('slow_operations', {
          components: ['order-service'],
          window_minutes: 60,
          at: scenario.now.toISOString(),
        }),
      );
      expect(slow.slowest[0].operation).toBe('create-order');
    });

    it('ask routes a plain question and tells which tool to call to refine it', async () => {
      const answer = dataOf<{ intent: string; queries: { mcp_tool: string }[] }>(
        await call('ask', { question: 'which cache nodes disagree on config?' }),
      );
      expect(answer.intent).toBe('compare_components');
      expect(answer.queries[0].mcp_tool).toBe('compare_components');
    });

    describe("the agent's first minute", () => {
      interface Brief {
        headline: string;
        problems: {
          id: string;
          severity: string;
          confidence: number;
          status: string;
          evidence_event_ids: string[];
        }[];
        unhealthy: { component: string; status: string; reasons: string[] }[];
        new_error_patterns: { pattern_id: string; template: string; components: string[] }[];
        stuck_flows: { insight_id: string; correlation_ids: string[] }[];
        alerts:
          | {
              rule_id: string;
              rule: string;
              severity: string;
              firing_groups: number;
              firing_since: string;
            }[]
          | null;
        alerts_unavailable?: string;
        next: string[];
      }
      let brief: Brief;
      let briefBytes: number;

      beforeAll(async () => {
        const result = await call('triage', {});
        brief = dataOf<Brief>(result);
        briefBytes = bytesOf(result);
      });

      it('triage answers "what is wrong right now?" in one small answer', () => {
        expect(briefBytes).toBeLessThan(8 * 1024);
        expect(brief.headline).toMatch(/open problem/);
        expect(brief.problems.length).toBeGreaterThan(2);
        const keys = brief.problems.map((problem) => [
          SEVERITY_ORDER.indexOf(problem.severity),
          problem.confidence,
        ]);
        expect(keys).toEqual([...keys].sort((a, b) => b[0] - a[0] || b[1] - a[1]));
        expect(brief.problems.some((problem) => problem.evidence_event_ids.length > 0)).toBe(true);
        expect(brief.unhealthy.map((item) => item.component)).toContain('payment-service');
        expect(
          brief.unhealthy.find((item) => item.component === 'payment-service')!.reasons.join(' '),
        ).toMatch(/error/);
        expect(brief.stuck_flows.flatMap((flow) => flow.correlation_ids)).toContain(
          incident('stuck_flow').correlationIds![0],
        );
        expect(brief.new_error_patterns.map((pattern) => pattern.template).join(' ')).toMatch(
          /license server unreachable/,
        );
        expect(brief.alerts!.map((alert) => [alert.rule, alert.severity])).toContainEqual([
          'reports stuck',
          'high',
        ]);
        // A rule firing for several groups is one line of the brief, counting its groups.
        const ruleIds = brief.alerts!.map((alert) => alert.rule_id);
        expect(new Set(ruleIds).size).toBe(ruleIds.length);
        expect(brief.alerts!.every((alert) => alert.firing_groups >= 1)).toBe(true);
        expect(brief.alerts_unavailable).toBeUndefined();
        const firingGroups = brief.alerts!.reduce((sum, alert) => sum + alert.firing_groups, 0);
        expect(brief.headline).toContain(
          `${firingGroups} alert(s) firing (${ruleIds.length} rule(s))`,
        );
        expect(brief.next[0]).toMatch(/^get_insight /);
      });

      it('the ids in triage are what the other tools take', async () => {
        const problem = brief.problems.find((item) => item.evidence_event_ids.length > 0)!;
        const insight = dataOf<{ id: string; evidence: unknown }>(
          await call('get_insight', { insight_id: problem.id }),
        );
        expect(insight.id).toBe(problem.id);
        const eventResult = await call('get_event', { event_id: problem.evidence_event_ids[0] });
        expect(dataOf<{ id: string }>(eventResult).id).toBe(problem.evidence_event_ids[0]);
        expect(bytesOf(eventResult)).toBeLessThan(4 * 1024);
        const pattern = brief.new_error_patterns.find((item) =>
          /license server/.test(item.template),
        )!;
        expect(
          dataOf<{ pattern: { pattern_id: string } }>(
            await call('explain_error', { pattern_id: pattern.pattern_id }),
          ).pattern.pattern_id,
        ).toBe(pattern.pattern_id);
        const stuck = brief.stuck_flows[0];
        expect(
          dataOf<{ status: string }>(
            await call('operation_progress', { correlation_id: stuck.correlation_ids[0] }),
          ).status,
        ).toBe('stuck');
        const missing = await call('get_event', {
          event_id: '019ad111-0000-7000-8000-00000000ffff',
        });
        expect(missing.isError).toBe(true);
        expect(textOf(missing)).toMatch(/NOT_FOUND/);
      });

      it('list_patterns lists error patterns compactly with ids for explain_error', async () => {
        const result = await call('list_patterns', { window_minutes: 60, limit: 10 });
        const page = dataOf<{
          items: {
            pattern_id: string;
            template: string;
            count: number;
            sample_event_ids: string[];
          }[];
        }>(result);
        expect(page.items.map((pattern) => pattern.template).join(' ')).toMatch(
          /license server unreachable/,
        );
        expect(page.items.every((pattern) => pattern.sample_event_ids.length <= 3)).toBe(true);
        expect(bytesOf(result)).toBeLessThan(8 * 1024);
        const billing = dataOf<{ items: { components: string[] }[] }>(
          await call('list_patterns', { component_type: 'billing-service' }),
        );
        expect(billing.items.flatMap((pattern) => pattern.components)).toEqual([
          'billing-service/bill-1',
        ]);
      });

      it("get_state and diff_state show a component's state and what changed", async () => {
        const latest = dataOf<{ version: number; state: Record<string, unknown> }>(
          await call('get_state', { component_type: 'cache-node', component_id: 'cache-3' }),
        );
        expect(latest.version).toBeGreaterThan(1);
        const diff = dataOf<{ from_version: number; to_version: number; patch: unknown[] }>(
          await call('diff_state', { component_type: 'cache-node', component_id: 'cache-3' }),
        );
        expect([diff.from_version, diff.to_version]).toEqual([latest.version - 1, latest.version]);
        expect(Array.isArray(diff.patch)).toBe(true);
        const unknown = await call('get_state', {
          component_type: 'cache-node',
          component_id: 'no-such-node',
        });
        expect(unknown.isError).toBe(true);
      });

      it('offers prompts for an error spike, a slow operation and a stuck flow', async () => {
        const { prompts } = await reader.listPrompts();
        expect(prompts.map((prompt) => prompt.name).sort()).toEqual([
          'investigate_error_spike',
          'investigate_slow_operation',
          'investigate_stuck_flow',
        ]);
        const stuck = await reader.getPrompt({
          name: 'investigate_stuck_flow',
          arguments: { correlation_id: 'report-abc' },
        });
        const text = (stuck.messages[0].content as { text: string }).text;
        expect(text).toContain('operation_progress');
        expect(text).toContain('report-abc');
      });

      it('offers insights and operations as resources', async () => {
        const { resources } = await reader.listResources();
        const uris = resources.map((resource) => resource.uri);
        expect(uris).toContain('debug://insights/open');
        expect(uris).toContain(`debug://insights/${brief.problems[0].id}`);
        const open = await reader.readResource({ uri: 'debug://insights/open' });
        expect(JSON.parse((open.contents[0] as { text: string }).text)[0].id).toBe(
          brief.problems[0].id,
        );
        const one = await reader.readResource({ uri: `debug://insights/${brief.problems[0].id}` });
        expect(JSON.parse((one.contents[0] as { text: string }).text).id).toBe(
          brief.problems[0].id,
        );
        const { resourceTemplates } = await reader.listResourceTemplates();
        expect(resourceTemplates.map((template) => template.uriTemplate)).toEqual(
          expect.arrayContaining([
            'debug://insights/{insight_id}',
            'debug://operations/{correlation_id}',
          ]),
        );
        const stuckId = incident('stuck_flow').correlationIds![0];
        const operation = await reader.readResource({
          uri: `debug://operations/${encodeURIComponent(stuckId)}`,
        });
        expect(JSON.parse((operation.contents[0] as { text: string }).text).status).toBe('stuck');
      });
    });

    it('list_insights shows what generation found; resolve_insight needs the ingest scope', async () => {
      const page = dataOf<{
        items: { id: string; status: string; affected_components: { component_type: string }[] }[];
        total: number;
      }>(await call('list_insights', { limit: 50 }));
      expect(page.total).toBeGreaterThan(0);
      expect(page.items.every((insight) => insight.status === 'open')).toBe(true);
      const target = page.items[0].id;
      const healthOfTarget = { components: [page.items[0].affected_components[0].component_type] };
      await call('component_health', healthOfTarget);
      expect(
        dataOf<{ cached: boolean }>(await call('component_health', healthOfTarget)).cached,
      ).toBe(true);

      const refused = await call('resolve_insight', {
        insight_id: target,
        note: 'pool size raised to 50',
      });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/ingest/);

      const writer = await connect(running.url, 'writer-key-1');
      try {
        const resolved = dataOf<{ id: string; status: string; resolution: string }>(
          (await writer.callTool({
            name: 'resolve_insight',
            arguments: { insight_id: target, note: 'pool size raised to 50' },
          })) as CallToolResult,
        );
        expect(resolved).toMatchObject({
          id: target,
          status: 'resolved',
          resolution: 'pool size raised to 50',
        });
        // The cached health counted the insight as open: resolving it dropped that answer.
        expect(
          dataOf<{ cached: boolean }>(await call('component_health', healthOfTarget)).cached,
        ).toBe(false);
      } finally {
        await writer.close();
      }
    });

    it('reports bad tool input and unknown ids as tool errors, not crashes', async () => {
      const missing = await call('explain_error', {});
      expect(missing.isError).toBe(true);
      expect(textOf(missing)).toMatch(/event_id or pattern_id/);
      const unknown = await call('operation_progress', { correlation_id: 'nobody-used-this' });
      expect(unknown.isError).toBe(true);
      expect(textOf(unknown)).toMatch(/NOT_FOUND/);
    });

    it('refuses clients without a valid key (401) and with a key lacking the read scope (403)', async () => {
      await expect(connect(running.url)).rejects.toThrow(/401/);
      await expect(connect(running.url, 'wrong-key-123')).rejects.toThrow(/401/);
      await expect(connect(running.url, 'ingest-key-1')).rejects.toThrow(/403/);
    });
  },
);
