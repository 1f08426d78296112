import request from 'supertest';
import type { AlertNotification } from '../src/alerting/alert.types.js';
import { HttpReceiver } from './support/alert-receivers.js';
import { ingestSettled, startApp, type RunningApp } from './support/app.js';
import { embeddedEnv } from './support/services.js';

/**
 * The other `when` kinds, in the embedded mode (SQLite, in-process queue): a metric over a
 * threshold for a duration, a component gone quiet, a new pattern; and a maintenance window
 * (a scheduled silence) holding notifications back.
 */
describe('alert conditions: metric, silence, pattern, maintenance window (embedded mode)', () => {
  let running: RunningApp;
  let receiver: HttpReceiver;

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    running = await startApp(
      embeddedEnv({ DEBUG_ALERT_INTERVAL_SECONDS: '0', DEBUG_ALERT_DELIVERY_BACKOFF_MS: '100' }),
    );
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await receiver?.close();
  });

  const evaluate = async () =>
    (await request(running.url).post('/api/debug/alerts/evaluate').expect(200)).body;
  const rule = async (body: Record<string, unknown>) =>
    (await request(running.url).post('/api/debug/alerts/rules').send(body).expect(201)).body
      .id as string;
  const alertsOf = async (ruleId: string) =>
    (await request(running.url).get(`/api/debug/alerts?rule_id=${ruleId}`).expect(200)).body;
  const notices = (path: string) => receiver.to(path).map((hook) => hook.json as AlertNotification);

  it('metric: pending until for_seconds has passed, then firing with the numbers; resolved when it falls back', async () => {
    const ruleId = await rule({
      name: 'queue backlog',
      when: {
        metric: {
          name: 'queue.depth',
          op: '>',
          threshold: 100,
          aggregate: 'last',
          window_seconds: 300,
          components: ['worker'],
        },
      },
      for_seconds: 2,
      channels: [{ type: 'webhook', url: `${receiver.url}/metric` }],
    });
    await request(running.url)
      .post('/api/debug/metrics')
      .send({
        metrics: [
          { name: 'queue.depth', value: 450, component_type: 'worker', component_id: 'billing-2' },
          { name: 'queue.depth', value: 3, component_type: 'worker', component_id: 'billing-3' },
        ],
      })
      .expect(201);
    await evaluate();
    expect((await alertsOf(ruleId)).items).toEqual([
      expect.objectContaining({ state: 'pending', group_key: 'metric:worker/billing-2' }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await evaluate();
    await receiver.waitFor(
      () => receiver.to('/metric').length === 1,
      20_000,
      'the metric notification',
    );
    expect(notices('/metric')[0]).toMatchObject({
      state: 'firing',
      labels: { component: 'worker/billing-2', metric: 'queue.depth' },
      details: { value: 450, threshold: 100, op: '>', aggregate: 'last' },
    });

    await request(running.url)
      .post('/api/debug/metrics')
      .send({ name: 'queue.depth', value: 12, component_type: 'worker', component_id: 'billing-2' })
      .expect(201);
    await evaluate();
    await receiver.waitFor(() => receiver.to('/metric').length === 2, 20_000, 'the resolve notice');
    expect(notices('/metric')[1]).toMatchObject({
      state: 'resolved',
      labels: { component: 'worker/billing-2' },
    });
    const history = (await alertsOf(ruleId)).history.map(
      (entry: { from_state: string | null; to_state: string }) =>
        `${entry.from_state}->${entry.to_state}`,
    );
    expect(history).toEqual(['firing->resolved', 'pending->firing', 'null->pending']);
  });

  it('silence: a component quiet for N minutes fires; its next event resolves it', async () => {
    const old = new Date(Date.now() - 5 * 60_000).toISOString();
    await request(running.url)
      .post('/api/debug/events')
      .send({
        event_type: 'log',
        level: 'info',
        component_type: 'checkout',
        component_id: 'co-1',
        message: 'cart saved',
        timestamp: old,
      })
      .expect(202);
    await ingestSettled(running.app);
    const ruleId = await rule({
      name: 'checkout silent',
      when: { silence: { components: ['checkout/co-1', 'checkout/co-9'], quiet_minutes: 2 } },
      channels: [{ type: 'webhook', url: `${receiver.url}/quiet` }],
    });
    await evaluate();
    await receiver.waitFor(
      () => receiver.to('/quiet').length === 2,
      20_000,
      'two silence notifications',
    );
    const byComponent = Object.fromEntries(
      notices('/quiet').map((notice) => [notice.labels.component, notice]),
    );
    expect(byComponent['checkout/co-1'].details).toMatchObject({
      last_event_at: old,
      threshold_minutes: 2,
    });
    expect(byComponent['checkout/co-9'].details).toMatchObject({ last_event_at: null });

    await request(running.url)
      .post('/api/debug/events')
      .send({
        event_type: 'log',
        level: 'info',
        component_type: 'checkout',
        component_id: 'co-1',
        message: 'cart saved',
      })
      .expect(202);
    await ingestSettled(running.app);
    await evaluate();
    await receiver.waitFor(() => receiver.to('/quiet').length === 3, 20_000, 'the resolve notice');
    expect(notices('/quiet')[2]).toMatchObject({
      state: 'resolved',
      labels: { component: 'checkout/co-1' },
    });
    const states = (await alertsOf(ruleId)).items
      .map((alert: { group_key: string; state: string }) => `${alert.group_key}=${alert.state}`)
      .sort();
    expect(states).toEqual(['silence:checkout/co-1=resolved', 'silence:checkout/co-9=firing']);
  });

  it('pattern: a new pattern with at least min_count events in the window fires with its template and sample events', async () => {
    const ruleId = await rule({
      name: 'new inventory errors',
      when: {
        pattern: { new: true, min_count: 3, window_seconds: 600, components: ['inventory'] },
      },
      channels: [{ type: 'webhook', url: `${receiver.url}/pattern` }],
    });
    const events = [17, 42, 99].map((sku) => ({
      event_type: 'error',
      level: 'error',
      component_type: 'inventory',
      component_id: 'inv-1',
      message: `stock lookup failed for sku ${sku} after 3 retries`,
    }));
    await request(running.url).post('/api/debug/events/batch').send({ events }).expect(202);
    await ingestSettled(running.app);
    await evaluate();
    await receiver.waitFor(
      () => receiver.to('/pattern').length === 1,
      20_000,
      'the pattern notification',
    );
    const notice = notices('/pattern')[0];
    expect(notice.details).toMatchObject({
      count: 3,
      template: expect.stringContaining('stock lookup failed for sku'),
    });
    expect(notice.labels.pattern_id).toEqual(expect.any(String));
    expect(notice.sample_events).toHaveLength(3);
    expect((await alertsOf(ruleId)).items[0]).toMatchObject({
      state: 'firing',
      group_key: `pattern:${notice.labels.pattern_id}`,
    });
  });

  it('a maintenance window (silence with a weekly schedule covering now) holds notifications back', async () => {
    const now = new Date();
    const start = new Date(now.getTime() - 60_000);
    const silence = await request(running.url)
      .post('/api/debug/alerts/silences')
      .send({
        component: 'checkout/co-7',
        ends_at: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
        schedule: {
          days: [start.getUTCDay()],
          start: start.toISOString().slice(11, 16),
          duration_minutes: 30,
        },
        comment: 'weekly checkout maintenance',
      })
      .expect(201);
    expect(silence.body).toMatchObject({ active: true, component: 'checkout/co-7' });
    const ruleId = await rule({
      name: 'checkout-7 silent',
      when: { silence: { components: ['checkout/co-7'], quiet_minutes: 1 } },
      channels: [{ type: 'webhook', url: `${receiver.url}/maintenance` }],
    });
    const summary = await evaluate();
    expect(summary.silenced).toBe(1);
    expect((await alertsOf(ruleId)).items).toEqual([
      expect.objectContaining({ state: 'firing', group_key: 'silence:checkout/co-7' }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.to('/maintenance')).toHaveLength(0);
    const deliveries = await request(running.url)
      .get(`/api/debug/alerts/deliveries?rule_id=${ruleId}`)
      .expect(200);
    expect(deliveries.body.items).toHaveLength(0);
  });

  it('a receiver that keeps failing lands the delivery in the failed set; replay sends it again', async () => {
    let healthy = false;
    receiver.on('/flaky', () => (healthy ? 200 : 503));
    const ruleId = await rule({
      name: 'flaky receiver',
      when: { silence: { components: ['checkout/co-8'], quiet_minutes: 1 } },
      channels: [{ type: 'slack', url: `${receiver.url}/flaky` }],
    });
    // A replacement that leaves the Slack URL (a secret, never shown) out keeps the stored one.
    const replaced = await request(running.url)
      .put(`/api/debug/alerts/rules/${ruleId}`)
      .send({
        name: 'flaky receiver',
        when: { silence: { components: ['checkout/co-8'], quiet_minutes: 1 } },
        channels: [{ type: 'slack' }],
      })
      .expect(200);
    expect(replaced.body.channels).toEqual([{ type: 'slack', url_redacted: `${receiver.url}/…` }]);
    await evaluate();
    const failed = async () =>
      (
        await request(running.url)
          .get(`/api/debug/alerts/deliveries/failed?rule_id=${ruleId}`)
          .expect(200)
      ).body.items;
    for (let waited = 0; (await failed()).length === 0; waited += 200) {
      if (waited > 30_000) throw new Error('the delivery never failed for good');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const [entry] = await failed();
    expect(entry).toMatchObject({ status: 'failed', channel_type: 'slack', attempts: 6 });
    expect(entry.last_error).toContain('503');
    expect(receiver.to('/flaky')).toHaveLength(6);

    healthy = true;
    const replay = await request(running.url)
      .post('/api/debug/alerts/deliveries/replay')
      .send({ rule_id: ruleId })
      .expect(200);
    expect(replay.body).toEqual({ replayed: 1, ids: [entry.id] });
    await receiver.waitFor(
      () => receiver.to('/flaky').some((hook) => hook.answered === 200),
      20_000,
      'the replayed delivery',
    );
    const after = await request(running.url)
      .get(`/api/debug/alerts/deliveries?rule_id=${ruleId}`)
      .expect(200);
    expect(after.body.by_rule[ruleId]).toEqual({ pending: 0, delivered: 1, failed: 0 });
    const bad = await request(running.url)
      .post('/api/debug/alerts/deliveries/replay')
      .send({ rule: ruleId })
      .expect(400);
    expect(bad.body.details).toEqual({ field: 'rule' });
  });

  it('deleting a firing rule resolves its alerts first and tells the receivers once', async () => {
    const ruleId = await rule({
      name: 'disk almost full',
      when: {
        metric: {
          name: 'disk.used_ratio',
          op: '>',
          threshold: 0.9,
          aggregate: 'last',
          window_seconds: 300,
          components: ['db'],
        },
      },
      for_seconds: 0,
      channels: [{ type: 'webhook', url: `${receiver.url}/deleted` }],
    });
    await request(running.url)
      .post('/api/debug/metrics')
      .send({ name: 'disk.used_ratio', value: 0.97, component_type: 'db', component_id: 'pg-1' })
      .expect(201);
    await evaluate();
    await receiver.waitFor(() => receiver.to('/deleted').length === 1, 20_000, 'the firing notice');

    const deleted = await request(running.url)
      .delete(`/api/debug/alerts/rules/${ruleId}`)
      .expect(200);
    expect(deleted.body).toEqual({ deleted: ruleId, resolved: 1, notice_failures: [] });
    expect(notices('/deleted').map((notice) => notice.state)).toEqual(['firing', 'resolved']);
    expect(notices('/deleted')[1]).toMatchObject({ labels: { component: 'db/pg-1' } });
    const { items, history } = await alertsOf(ruleId);
    expect(items).toEqual([]);
    expect(history[0]).toMatchObject({ from_state: 'firing', to_state: 'resolved' });
    expect(history[0].details.summary).toMatch(/^rule deleted: /);

    // Gone for good: no rule, and later runs neither bring its alert back nor notify again.
    await request(running.url).get(`/api/debug/alerts/rules/${ruleId}`).expect(404);
    await request(running.url).delete(`/api/debug/alerts/rules/${ruleId}`).expect(404);
    await evaluate();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.to('/deleted')).toHaveLength(2);
  });
});
