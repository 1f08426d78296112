import request from 'supertest';
import { DataSource } from 'typeorm';
import { newId } from '../src/common/ids.js';
import { DebugInsightEntity } from '../src/database/entities/index.js';
import { insertRows } from './factories/entities.js';
import { wireEvent } from './factories/events.js';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';

// Resolving an insight over REST must not leave cached health answers counting it as open.
describeWithPostgresAndRedis('resolving an insight refreshes cached answers', () => {
  let running: RunningApp;
  const insightId = newId();

  beforeAll(async () => {
    running = await startApp(await fullModeEnv());
    await request(running.url)
      .post('/api/debug/events')
      .send(
        wireEvent({
          component_type: 'billing',
          component_id: 'billing-1',
          level: 'error',
          message: 'invoice 42 failed',
        }),
      )
      .expect(202);
    const now = new Date();
    await insertRows(running.app.get(DataSource), DebugInsightEntity, {
      id: insightId,
      insightType: 'error',
      severity: 'high',
      title: 'billing-1 fails invoices',
      summary: 'invoices fail',
      fingerprint: `test:${insightId}`,
      affectedComponents: [{ component_type: 'billing', component_id: 'billing-1' }],
      evidence: { event_ids: [] },
      confidence: 0.9,
      confidenceFactors: { sample_size: 0.9 },
      suggestions: [],
      occurrences: 1,
      firstSeen: now,
      lastSeen: now,
      status: 'open',
      resolvedAt: null,
      resolution: null,
      sessionId: null,
      createdAt: now,
      updatedAt: now,
    });
  });
  afterAll(async () => running?.close());

  const health = async () =>
    (
      await request(running.url)
        .post('/api/debug/analytics/component-health')
        .send({ components: ['billing-1'] })
        .expect(200)
    ).body;

  it('serves the repeated health query from cache, then recomputes it after PUT /insights/{id}/resolve', async () => {
    const first = await health();
    expect(first.components[0].metrics.open_insights).toBe(1);
    const second = await health();
    expect(second.cached).toBe(true);

    await request(running.url)
      .put(`/api/debug/insights/${insightId}/resolve`)
      .send({ note: 'retried the invoices' })
      .expect(200);
    const after = await health();
    expect(after.cached).toBe(false);
    expect(after.components[0].metrics.open_insights).toBe(0);
  });
});
