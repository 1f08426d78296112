import request from 'supertest';
import type { InsightView } from '../src/insights/insight.types.js';
import { ingestSettled, startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';

const KEYS = 'ingest-key-1:ingest,reader-key-1:read';
const INGEST = { 'X-API-Key': 'ingest-key-1' };
const READ = { 'X-API-Key': 'reader-key-1' };

/** Events and state go in through the real ingestion endpoints; insights come out of generate. */
describeWithPostgresAndRedis('insights from ingested events (full: PostgreSQL + Redis)', () => {
  let running: RunningApp;
  const start = Date.now() - 10 * 60_000;
  const at = (offsetMs: number) => new Date(start + offsetMs).toISOString();

  beforeAll(async () => {
    running = await startApp({
      ...(await fullModeEnv()),
      DEBUG_API_KEYS: KEYS,
      DEBUG_INSIGHT_INTERVAL_SECONDS: '0',
    });
    const events = [0, 1, 2].flatMap((chain) => {
      const correlation_id = `checkout-${chain}`;
      const base = chain * 60_000;
      const step = (offset: number, fields: Record<string, unknown>) => ({
        timestamp: at(base + offset),
        event_type: 'trace',
        level: 'info',
        correlation_id,
        ...fields,
      });
      return [
        step(0, {
          component_type: 'gateway',
          component_id: 'gw-1',
          message: `checkout ${chain} started`,
          operation: 'checkout',
          data: { phase: 'start' },
        }),
        step(5, {
          component_type: 'ledger',
          component_id: 'ledger-1',
          level: 'error',
          event_type: 'error',
          operation: 'post-entry',
          message: `ledger write rejected: account ${4000 + chain} locked`,
        }),
        step(9, {
          component_type: 'billing',
          component_id: 'billing-2',
          level: 'error',
          event_type: 'error',
          operation: 'charge',
          message: `charge for checkout ${chain} failed: ledger error`,
        }),
        step(14, {
          component_type: 'gateway',
          component_id: 'gw-1',
          level: 'error',
          event_type: 'error',
          operation: 'checkout',
          message: `checkout ${chain} failed with status 502`,
        }),
        step(15, {
          component_type: 'gateway',
          component_id: 'gw-1',
          operation: 'checkout',
          message: `checkout ${chain} finished`,
          data: { phase: 'failed' },
        }),
      ];
    });
    const batch = await request(running.url)
      .post('/api/debug/events/batch')
      .set(INGEST)
      .send({ events });
    expect(batch.status).toBe(202);
    for (const [id, limit] of [
      ['flags-1', 100],
      ['flags-2', 100],
      ['flags-3', 25],
    ] as const) {
      const response = await request(running.url)
        .post('/api/debug/state')
        .set(INGEST)
        .send({
          component_type: 'feature-flags',
          component_id: id,
          state: { rate_limit: limit, region: 'eu-west', hostname: `${id}.internal` },
        });
      expect(response.status).toBeLessThan(300);
    }
    expect(await ingestSettled(running.app, 30_000)).toBe(true);
  }, 120_000);
  afterAll(async () => running?.close());

  it('finds the propagation with its root cause, the new error patterns and the diverging replica', async () => {
    const response = await request(running.url)
      .post('/api/debug/insights/generate')
      .set(INGEST)
      .send({})
      .expect(200);
    const created: InsightView[] = response.body.created;
    const propagation = created.find((insight) => insight.evidence.kind === 'error_propagation')!;
    expect(propagation).toBeDefined();
    expect(propagation.severity).toBe('high');
    expect(propagation.evidence.chains).toBe(3);
    expect((propagation.evidence.root_cause as { component: unknown }).component).toEqual({
      component_type: 'ledger',
      component_id: 'ledger-1',
    });
    const path = (propagation.evidence.chain as { path: { component: { component_id: string } }[] })
      .path;
    expect(path.map((step) => step.component.component_id)).toEqual([
      'ledger-1',
      'billing-2',
      'gw-1',
    ]);

    const fresh = created.filter((insight) => insight.evidence.kind === 'new_pattern');
    expect(fresh.map((insight) => insight.affected_components[0].component_id).sort()).toEqual([
      'billing-2',
      'gw-1',
      'ledger-1',
    ]);
    // the ingest worker gave the three ledger errors one pattern id, so they are one insight
    const ledger = fresh.find(
      (insight) => insight.affected_components[0].component_id === 'ledger-1',
    )!;
    expect(ledger.evidence.count).toBe(3);
    expect(typeof ledger.evidence.pattern_id).toBe('string');

    const diverging = created.find((insight) => insight.evidence.kind === 'diverging_state')!;
    expect(diverging.affected_components).toEqual([
      { component_type: 'feature-flags', component_id: 'flags-3' },
    ]);
    const fields = diverging.evidence.fields as { path: string; values: Record<string, unknown> }[];
    expect(fields.map((field) => field.path)).toEqual(['rate_limit']);
    expect(fields[0].values).toEqual({
      'feature-flags/flags-1': 100,
      'feature-flags/flags-2': 100,
      'feature-flags/flags-3': 25,
    });

    const listed = await request(running.url)
      .get('/api/debug/insights?component=ledger-1')
      .set(READ)
      .expect(200);
    expect(listed.body.items.map((insight: InsightView) => insight.id)).toContain(propagation.id);
  });
});
