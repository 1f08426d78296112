import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { DataSource } from 'typeorm';
import { InsightsService } from '../src/insights/insights.service.js';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';
import { writeScenario, type WrittenScenario } from './scenarios/scenario-generator.js';

const KEYS = 'ingest-key-1:ingest,reader-key-1:read,writer-key-1:read+ingest';
const TOOLS = [
  'alert_deliveries',
  'alert_rules',
  'alerts',
  'ask',
  'compare_components',
  'component_health',
  'create_alert_rule',
  'create_silence',
  'explain_error',
  'list_insights',
  'operation_progress',
  'query_metrics',
  'resolve_insight',
  'search_events',
  'slow_operations',
  'top_errors',
];

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

describeWithPostgresAndRedis('MCP server at /mcp, driven by the SDK client (PostgreSQL + Redis)', () => {
  let running: RunningApp;
  let scenario: WrittenScenario;
  let reader: Client;

  beforeAll(async () => {
    running = await startApp({ ...(await fullModeEnv()), DEBUG_API_KEYS: KEYS });
    scenario = await writeScenario(running.app.get(DataSource), { now: new Date(), seed: 11 });
    await running.app.get(InsightsService).generate({ from: scenario.from, to: scenario.to }, scenario.now);
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
    const result = await call('component_health', { components: ['pay-1'], window_minutes: 20, at: scenario.now.toISOString() });
    const report = dataOf<{ components: { status: string; reasons: { code: string }[] }[] }>(result);
    expect(report.components[0].status).toBe('unhealthy');
    expect(report.components[0].reasons.map((reason) => reason.code)).toContain('error_rate');
    expect(textOf(result)).toMatch(/pay-1 is unhealthy/);
  });

  it('explain_error names the root cause of a propagated error', async () => {
    const propagation = incident('error_propagation');
    const explanation = dataOf<{ root_cause: { event: { id: string; component_type: string } } }>(
      await call('explain_error', { event_id: propagation.eventIds[2] }),
    );
    expect(explanation.root_cause.event).toMatchObject({ id: propagation.rootCause!.eventId, component_type: 'db-proxy' });
  });

  it('operation_progress shows the stuck flow', async () => {
    const progress = dataOf<{ status: string }>(await call('operation_progress', { correlation_id: incident('stuck_flow').correlationIds![0] }));
    expect(progress.status).toBe('stuck');
  });

  it('compare_components finds the diverging replica', async () => {
    const comparison = dataOf<{ state_differences: { path: string }[] }>(await call('compare_components', { components: ['cache-node'] }));
    expect(comparison.state_differences.map((difference) => difference.path)).toContain('/cache/eviction_policy');
  });

  it('search_events is bounded and says when it cut', async () => {
    const found = dataOf<{ items: { component_id: string }[]; next_cursor: null; truncated: boolean; limit: number }>(
      await call('search_events', { components: ['pay-1'], levels: ['error'], limit: 5 }),
    );
    expect(found.items).toHaveLength(5);
    expect(found.next_cursor).toBeNull();
    expect(found.truncated).toBe(true);
    expect(new Set(found.items.map((event) => event.component_id))).toEqual(new Set(['pay-1']));
    const tooMany = await call('search_events', { limit: 1000 });
    expect(tooMany.isError).toBe(true);
  });

  it('top_errors and slow_operations answer with the scenario incidents', async () => {
    const top = dataOf<{ patterns: { sample_message: string }[] }>(await call('top_errors', { window_minutes: 60, at: scenario.now.toISOString() }));
    expect(top.patterns[0].sample_message).toMatch(/connection reset/);
    const slow = dataOf<{ slowest: { operation: string }[] }>(
      await call('slow_operations', { components: ['order-service'], window_minutes: 60, at: scenario.now.toISOString() }),
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

  it('list_insights shows what generation found; resolve_insight needs the ingest scope', async () => {
    const page = dataOf<{ items: { id: string; status: string; affected_components: { component_type: string }[] }[]; total: number }>(
      await call('list_insights', { limit: 50 }),
    );
    expect(page.total).toBeGreaterThan(0);
    expect(page.items.every((insight) => insight.status === 'open')).toBe(true);
    const target = page.items[0].id;
    const healthOfTarget = { components: [page.items[0].affected_components[0].component_type] };
    await call('component_health', healthOfTarget);
    expect(dataOf<{ cached: boolean }>(await call('component_health', healthOfTarget)).cached).toBe(true);

    const refused = await call('resolve_insight', { insight_id: target, note: 'pool size raised to 50' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/ingest/);

    const writer = await connect(running.url, 'writer-key-1');
    try {
      const resolved = dataOf<{ id: string; status: string; resolution: string }>(
        (await writer.callTool({ name: 'resolve_insight', arguments: { insight_id: target, note: 'pool size raised to 50' } })) as CallToolResult,
      );
      expect(resolved).toMatchObject({ id: target, status: 'resolved', resolution: 'pool size raised to 50' });
      // The cached health counted the insight as open: resolving it dropped that answer.
      expect(dataOf<{ cached: boolean }>(await call('component_health', healthOfTarget)).cached).toBe(false);
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
});
