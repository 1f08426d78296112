import { createHmac } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { AlertNotification } from '../src/alerting/alert.types.js';
import type { InsightView } from '../src/insights/insight.types.js';
import { writeScenario, type WrittenScenario } from './scenarios/scenario-generator.js';
import {
  alertmanagerSkipReason,
  HttpReceiver,
  type RunningAlertmanager,
  type RunningSmtp,
  startAlertmanager,
  startSmtp,
} from './support/alert-receivers.js';
import { startApp, type RunningApp } from './support/app.js';
import { waitFor } from './support/service-process.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';

const KEYS = 'writer-key-1:read+ingest,reader-key-1:read';
const WRITE = { 'X-API-Key': 'writer-key-1' };
const READ = { 'X-API-Key': 'reader-key-1' };
const SECRET = 'webhook-secret-do-not-show';
const SMTP_PASSWORD = 'smtp-password-do-not-show';
const CONSOLE = 'http://console.example:8080';

const describeAll = alertmanagerSkipReason ? describe.skip : describeWithPostgresAndRedis;

function keyOf(request: { headers: Record<string, unknown> }): string {
  return String(request.headers['idempotency-key']);
}

async function mcp(url: string, key: string): Promise<Client> {
  const client = new Client({ name: 'alerting-e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', url), {
      requestInit: { headers: { 'X-API-Key': key } },
    }),
  );
  return client;
}

/** The mail as text: quoted-printable soft breaks and escapes undone. */
function quotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function textOf(result: CallToolResult): string {
  return (result.content as { type: 'text'; text: string }[]).map((part) => part.text).join('\n');
}

/**
 * An incident from the scenario generator becomes an insight; an insight rule notifies a
 * webhook (signed, failing twice first), a Slack-shaped receiver, a real Alertmanager and an
 * SMTP server, once per state change; a silenced rule reaches nobody until its silence ends.
 */
describeAll(
  'alerting end to end with real receivers (PostgreSQL + Redis + Alertmanager + SMTP)',
  () => {
    let running: RunningApp;
    let receiver: HttpReceiver;
    let alertmanager: RunningAlertmanager;
    let smtp: RunningSmtp;
    let scenario: WrittenScenario;
    let ruleId: string;
    let silencedRuleId: string;
    let silenceId: string;
    let expected: InsightView[];
    /** The rule's deliveries once none is pending (each receiver answers before its row is written). */
    const settledDeliveries = async (rule: string) => {
      let last!: request.Response;
      await waitFor(async () => {
        last = await request(running.url)
          .get(`/api/debug/alerts/deliveries?rule_id=${rule}`)
          .set(READ)
          .expect(200);
        return last.body.by_rule[rule]?.pending === 0;
      }, 30_000);
      return last;
    };
    /** Everything the service logged (at debug level), to check that no secret is ever in it. */
    const logged: string[] = [];
    const writes = {
      out: process.stdout.write.bind(process.stdout),
      err: process.stderr.write.bind(process.stderr),
    };

    beforeAll(async () => {
      const capture = (pass: typeof writes.out) =>
        ((chunk: string | Uint8Array, ...rest: unknown[]) => {
          const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
          logged.push(text);
          return /ERROR|WARN/.test(text) ? pass(chunk, ...(rest as [])) : true;
        }) as typeof process.stdout.write;
      process.stdout.write = capture(writes.out);
      process.stderr.write = capture(writes.err);
      receiver = await HttpReceiver.start();
      // The webhook answers 500 to the first two attempts of each notification.
      receiver.on('/hook', (received) =>
        receiver.to('/hook').filter((other) => keyOf(other) === keyOf(received)).length <= 2
          ? 500
          : 200,
      );
      alertmanager = await startAlertmanager(`${receiver.url}/from-alertmanager`);
      smtp = await startSmtp('alerts', SMTP_PASSWORD);
      running = await startApp({
        ...(await fullModeEnv()),
        DEBUG_API_KEYS: KEYS,
        DEBUG_ALERT_INTERVAL_SECONDS: '0',
        DEBUG_ALERT_DELIVERY_BACKOFF_MS: '200',
        DEBUG_PUBLIC_URL: CONSOLE,
        DEBUG_ALERTMANAGER_REFRESH_SECONDS: '1',
        LOG_LEVEL: 'debug',
      });
      scenario = await writeScenario(running.app.get(DataSource), {
        seed: 5,
        incidents: ['error_burst', 'stuck_flow'],
      });
    }, 180_000);

    afterAll(async () => {
      process.stdout.write = writes.out;
      process.stderr.write = writes.err;
      await running?.close();
      await alertmanager?.close();
      await smtp?.close();
      await receiver?.close();
    });

    const component = () => {
      const ref = scenario.incidents[0].components[0];
      return `${ref.component_type}/${ref.component_id}`;
    };

    it('rejects bad rules and silences with 400 naming the field', async () => {
      const badChannel = await request(running.url)
        .post('/api/debug/alerts/rules')
        .set(WRITE)
        .send({
          name: 'x',
          when: { insight: {} },
          channels: [{ type: 'webhook', url: 'not a url' }],
        })
        .expect(400);
      expect(badChannel.body).toMatchObject({
        statusCode: 400,
        details: { field: 'channels[0].url' },
      });
      expect(badChannel.body.message).toContain('channels[0].url');
      const badWhen = await request(running.url)
        .post('/api/debug/alerts/rules')
        .set(WRITE)
        .send({ name: 'x', when: { metric: { name: 'm', threshold: 'high' } } })
        .expect(400);
      expect(badWhen.body.details).toEqual({ field: 'when.metric.threshold' });
      const badSilence = await request(running.url)
        .post('/api/debug/alerts/silences')
        .set(WRITE)
        .send({ component: 'db', comment: 'x', ends_at: 'soon' })
        .expect(400);
      expect(badSilence.body.details).toEqual({ field: 'ends_at' });
      await request(running.url)
        .post('/api/debug/alerts/rules')
        .set(READ)
        .send({ name: 'x', when: { insight: {} } })
        .expect(403);
      await request(running.url).get('/api/debug/alerts/rules/nope').set(READ).expect(404);
    });

    it('creates rules with one call each; secrets are never returned', async () => {
      const created = await request(running.url)
        .post('/api/debug/alerts/rules')
        .set(WRITE)
        .send({
          name: 'billing errors',
          when: {
            insight: { min_severity: 'medium', types: ['error'], components: [component()] },
          },
          for_seconds: 0,
          labels: { team: 'payments' },
          channels: [
            { type: 'webhook', url: `${receiver.url}/hook`, secret: SECRET },
            { type: 'slack', url: `${receiver.url}/slack` },
            { type: 'alertmanager', url: alertmanager.url },
            {
              type: 'email',
              to: ['oncall@example.com'],
              from: 'alerts@example.com',
              smtp: {
                host: '127.0.0.1',
                port: smtp.port,
                username: 'alerts',
                password: SMTP_PASSWORD,
              },
            },
          ],
        })
        .expect(201);
      ruleId = created.body.id;
      expect(created.body.channels[0]).toEqual({
        type: 'webhook',
        url: `${receiver.url}/hook`,
        secret_set: true,
      });
      expect(created.body.channels[1]).toEqual({
        type: 'slack',
        url_redacted: `${receiver.url}/…`,
      });
      expect(created.body.channels[3].smtp).toEqual({
        host: '127.0.0.1',
        port: smtp.port,
        username: 'alerts',
        password_set: true,
      });
      const listed = await request(running.url)
        .get('/api/debug/alerts/rules')
        .set(READ)
        .expect(200);
      const fetched = await request(running.url)
        .get(`/api/debug/alerts/rules/${ruleId}`)
        .set(READ)
        .expect(200);
      expect(listed.body).toEqual({
        items: [
          expect.objectContaining({
            id: ruleId,
            deliveries: { pending: 0, delivered: 0, failed: 0 },
          }),
        ],
        next_cursor: null,
      });
      for (const body of [created.text, listed.text, fetched.text]) {
        expect(body).not.toContain(SECRET);
        expect(body).not.toContain(SMTP_PASSWORD);
        expect(body).not.toContain(`${receiver.url}/slack`);
      }

      const silenced = await request(running.url)
        .post('/api/debug/alerts/rules')
        .set(WRITE)
        .send({
          name: 'billing errors (night team)',
          when: { insight: { types: ['error'], components: [component()] } },
          labels: { team: 'night' },
          channels: [{ type: 'webhook', url: `${receiver.url}/silenced` }],
        })
        .expect(201);
      silencedRuleId = silenced.body.id;
      const stuck = scenario.incidents.find((incident) => incident.name === 'stuck_flow')!
        .components[0];
      await request(running.url)
        .post('/api/debug/alerts/rules')
        .set(WRITE)
        .send({
          name: 'stuck flows',
          when: { stuck_flow: { components: [stuck.component_type] } },
          channels: [{ type: 'webhook', url: `${receiver.url}/stuck` }],
        })
        .expect(201);
      // the same findings chosen by their kind: one rule takes them, one waits for broken flows
      for (const [kind, path] of [
        ['stuck_flow', '/stuck-kind'],
        ['broken_flow', '/broken-kind'],
      ]) {
        await request(running.url)
          .post('/api/debug/alerts/rules')
          .set(WRITE)
          .send({
            name: `${kind} findings`,
            when: {
              insight: { types: ['flow'], kinds: [kind], components: [stuck.component_type] },
            },
            channels: [{ type: 'webhook', url: `${receiver.url}${path}` }],
          })
          .expect(201);
      }
      const silence = await request(running.url)
        .post('/api/debug/alerts/silences')
        .set(WRITE)
        .send({
          matchers: [{ name: 'team', value: 'night' }],
          ends_at: new Date(Date.now() + 3_600_000).toISOString(),
          comment: 'night team off',
          created_by: 'e2e',
        })
        .expect(201);
      silenceId = silence.body.id;
      expect(silence.body).toMatchObject({
        active: true,
        comment: 'night team off',
        matchers: [{ name: 'team', value: 'night', op: '=' }],
      });
    });

    it('an incident reaches the webhook (signed, after two 500s), Slack, Alertmanager and e-mail once each, with evidence', async () => {
      await request(running.url)
        .post('/api/debug/insights/generate')
        .set(WRITE)
        .send({ from: scenario.from.toISOString(), to: scenario.to.toISOString() })
        .expect(200);
      const insights = await request(running.url)
        .get(
          `/api/debug/insights?type=error&min_severity=medium&component=${scenario.incidents[0].components[0].component_id}&limit=500`,
        )
        .set(READ)
        .expect(200);
      expected = (insights.body.items as InsightView[]).filter(
        (insight) => insight.status !== 'resolved',
      );
      expect(expected.length).toBeGreaterThan(0);
      const n = expected.length;

      await receiver.waitFor(
        () => receiver.to('/hook').filter((r) => r.answered === 200).length >= n,
        45_000,
        'webhook deliveries',
      );
      await receiver.waitFor(
        () => receiver.to('/slack').length >= n && smtp.mails.length >= n,
        30_000,
        'slack and mail',
      );

      const hooks = receiver.to('/hook');
      const keys = [...new Set(hooks.map(keyOf))];
      expect(keys).toHaveLength(n);
      for (const key of keys) {
        expect(hooks.filter((hook) => keyOf(hook) === key).map((hook) => hook.answered)).toEqual([
          500, 500, 200,
        ]);
      }
      for (const hook of hooks) {
        const timestamp = String(hook.headers['x-debug-timestamp']);
        const signature = createHmac('sha256', SECRET)
          .update(`${timestamp}.${hook.body}`)
          .digest('hex');
        expect(hook.headers['x-debug-signature']).toBe(`sha256=${signature}`);
      }
      const notifications = hooks
        .filter((hook) => hook.answered === 200)
        .map((hook) => hook.json as AlertNotification);
      expect(
        notifications.map((body) => (body.details.insight as { id: string }).id).sort(),
      ).toEqual(expected.map((insight) => insight.id).sort());
      for (const body of notifications) {
        expect(body).toMatchObject({
          state: 'firing',
          repeat: false,
          rule: { id: ruleId, name: 'billing errors', kind: 'insight' },
        });
        expect(body.labels).toMatchObject({
          team: 'payments',
          alertname: 'billing errors',
          rule_id: ruleId,
          component: expect.any(String),
        });
        expect(body.sample_events.length).toBeGreaterThan(0);
        expect(body.sample_events.length).toBeLessThanOrEqual(5);
        const insight = expected.find(
          (item) => item.id === (body.details.insight as { id: string }).id,
        )!;
        for (const event of body.sample_events) {
          expect(event.url).toBe(`${CONSOLE}/api/debug/events/${event.id}`);
          expect(insight.evidence.event_ids).toContain(event.id);
        }
        expect(body.console_url).toBe(
          `${CONSOLE}/#/insights/${(body.details.insight as { id: string }).id}`,
        );
      }
      // A sample event link answers with that event.
      const sample = notifications[0].sample_events[0];
      const event = await request(running.url)
        .get(`/api/debug/events/${sample.id}`)
        .set(READ)
        .expect(200);
      expect(event.body.id).toBe(sample.id);

      const slack = receiver
        .to('/slack')
        .map((hook) => hook.json as { text: string; blocks: { type: string }[] });
      expect(slack).toHaveLength(n);
      expect(slack[0].text).toContain('[FIRING] billing errors');
      expect(slack[0].blocks.map((block) => block.type)).toEqual(
        expect.arrayContaining(['header', 'section', 'actions']),
      );

      expect(smtp.mails).toHaveLength(n);
      expect(smtp.mails[0]).toMatchObject({
        from: 'alerts@example.com',
        to: ['oncall@example.com'],
        user: 'alerts',
      });
      const mail = quotedPrintable(smtp.mails[0].raw);
      expect(mail).toMatch(/Subject: \[FIRING\] billing errors \(payment-service\/pay-\d\)/);
      expect(
        notifications.some((body) =>
          mail.includes(`${CONSOLE}/api/debug/events/${body.sample_events[0].id}`),
        ),
      ).toBe(true);
      expect(mail).toContain('team: payments');

      const inAlertmanager = (await fetch(
        `${alertmanager.url}/api/v2/alerts?filter=${encodeURIComponent(`rule_id="${ruleId}"`)}`,
      ).then((r) => r.json())) as {
        labels: Record<string, string>;
        annotations: Record<string, string>;
        status: { state: string };
      }[];
      expect(inAlertmanager).toHaveLength(n);
      expect(inAlertmanager[0].labels).toMatchObject({
        alertname: 'billing errors',
        team: 'payments',
        severity: 'high',
        rule_id: ruleId,
      });
      expect(inAlertmanager[0].annotations.console_url).toContain(CONSOLE);
      expect(inAlertmanager[0].status.state).toBe('active');

      const deliveries = await settledDeliveries(ruleId);
      expect(deliveries.body.by_rule[ruleId]).toEqual({ pending: 0, delivered: 4 * n, failed: 0 });
      const webhookDeliveries = deliveries.body.items.filter(
        (delivery: { channel_type: string }) => delivery.channel_type === 'webhook',
      );
      expect(
        webhookDeliveries.every(
          (delivery: { attempts: number; status: string }) =>
            delivery.attempts === 3 && delivery.status === 'delivered',
        ),
      ).toBe(true);
    });

    it('a stuck correlation chain fires the stuck_flow rule with the chains as evidence', async () => {
      await receiver.waitFor(
        () => receiver.to('/stuck').length >= 1,
        30_000,
        'the stuck-flow notification',
      );
      const notice = receiver.to('/stuck')[0].json as AlertNotification;
      const incident = scenario.incidents.find((item) => item.name === 'stuck_flow')!;
      expect(notice).toMatchObject({
        state: 'firing',
        rule: { name: 'stuck flows', kind: 'stuck_flow' },
        labels: { insight_kind: 'stuck_flow', insight_type: 'flow' },
      });
      expect(notice.summary).toMatch(/stuck/);
      const evidence = (
        notice.details.insight as {
          evidence: { event_ids: string[]; examples: { correlation_id: string }[] };
        }
      ).evidence;
      expect(notice.sample_events.length).toBeGreaterThan(0);
      expect(evidence.event_ids).toEqual(
        expect.arrayContaining(notice.sample_events.map((event) => event.id)),
      );
      expect(evidence.examples.length).toBeGreaterThan(0);
      expect(incident.correlationIds).toEqual(
        expect.arrayContaining(evidence.examples.map((example) => example.correlation_id)),
      );
    });

    it('an insight rule with kinds takes only those findings: stuck_flow fires, broken_flow does not', async () => {
      await receiver.waitFor(
        () => receiver.to('/stuck-kind').length >= 1,
        30_000,
        'the stuck_flow-kind notification',
      );
      const notice = receiver.to('/stuck-kind')[0].json as AlertNotification;
      expect(notice).toMatchObject({
        state: 'firing',
        rule: { name: 'stuck_flow findings', kind: 'insight' },
        labels: { insight_kind: 'stuck_flow', insight_type: 'flow' },
      });
      // every evaluation so far has seen the same insights: the broken_flow rule had its chances
      expect(receiver.to('/broken-kind')).toEqual([]);
    });

    it('the silenced rule fires but reaches nobody; ending the silence sends the held-back notification', async () => {
      const alerts = await request(running.url)
        .get(`/api/debug/alerts?rule_id=${silencedRuleId}`)
        .set(READ)
        .expect(200);
      expect(alerts.body.items.length).toBe(expected.length);
      expect(alerts.body.items.every((alert: { state: string }) => alert.state === 'firing')).toBe(
        true,
      );
      expect(receiver.to('/silenced')).toHaveLength(0);
      const deliveries = await request(running.url)
        .get(`/api/debug/alerts/deliveries?rule_id=${silencedRuleId}`)
        .set(READ)
        .expect(200);
      expect(deliveries.body.items).toHaveLength(0);

      await request(running.url)
        .delete(`/api/debug/alerts/silences/${silenceId}`)
        .set(WRITE)
        .expect(200);
      await receiver.waitFor(
        () => receiver.to('/silenced').length >= expected.length,
        30_000,
        'the held-back notification',
      );
      expect(
        receiver.to('/silenced').map((hook) => (hook.json as AlertNotification).state),
      ).toEqual(expected.map(() => 'firing'));
    });

    it('evaluating again notifies nobody again, and keeps the alert fresh in Alertmanager', async () => {
      const amAlerts = async () =>
        (await fetch(
          `${alertmanager.url}/api/v2/alerts?filter=${encodeURIComponent(`rule_id="${ruleId}"`)}`,
        ).then((r) => r.json())) as { updatedAt: string }[];
      const updatedBefore = (await amAlerts()).map((alert) => Date.parse(alert.updatedAt));
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const ours = () => receiver.requests.filter((r) => r.path !== '/from-alertmanager').length;
      const before = ours();
      const fromAlertmanagerBefore = receiver.to('/from-alertmanager').length;
      const mailsBefore = smtp.mails.length;
      for (let run = 0; run < 2; run++) {
        const summary = await request(running.url)
          .post('/api/debug/alerts/evaluate')
          .set(WRITE)
          .expect(200);
        expect(summary.body).toMatchObject({ rules: 5, changes: 0, notifications: 0, errors: [] });
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(ours()).toBe(before);
      expect(smtp.mails.length).toBe(mailsBefore);
      // Re-posted to Alertmanager (as Prometheus does, so that its resolve_timeout does not end it), which does not notify again.
      const updatedAfter = (await amAlerts()).map((alert) => Date.parse(alert.updatedAt));
      expect(updatedAfter).toHaveLength(updatedBefore.length);
      expect(Math.min(...updatedAfter)).toBeGreaterThan(Math.max(...updatedBefore));
      expect(receiver.to('/from-alertmanager').length).toBe(fromAlertmanagerBefore);
    });

    it('resolving the insights resolves the alerts everywhere, Alertmanager included, and the history shows each change', async () => {
      for (const insight of expected) {
        await request(running.url)
          .put(`/api/debug/insights/${insight.id}/resolve`)
          .set(WRITE)
          .send({ note: 'fixed the billing bug' })
          .expect(200);
      }
      const n = expected.length;
      const resolvedHooks = () =>
        receiver
          .to('/hook')
          .filter(
            (hook) =>
              (hook.json as AlertNotification).state === 'resolved' && hook.answered === 200,
          );
      await receiver.waitFor(() => resolvedHooks().length >= n, 45_000, 'resolve notices');
      for (const hook of resolvedHooks())
        expect((hook.json as AlertNotification).resolved_at).toEqual(expect.any(String));
      await receiver.waitFor(
        () =>
          receiver
            .to('/from-alertmanager')
            .some((hook) => (hook.json as { status: string }).status === 'resolved'),
        30_000,
        "Alertmanager's resolved notification",
      );
      const fromAlertmanager = receiver
        .to('/from-alertmanager')
        .map(
          (hook) => hook.json as { status: string; alerts: { labels: Record<string, string> }[] },
        );
      expect(
        fromAlertmanager.find((body) => body.status === 'firing')?.alerts[0].labels,
      ).toMatchObject({ team: 'payments', rule_id: ruleId });
      const stillActive = await fetch(
        `${alertmanager.url}/api/v2/alerts?filter=${encodeURIComponent(`rule_id="${ruleId}"`)}`,
      ).then((r) => r.json());
      expect(stillActive).toHaveLength(0);

      const alerts = await request(running.url)
        .get(`/api/debug/alerts?rule_id=${ruleId}`)
        .set(READ)
        .expect(200);
      expect(alerts.body).toMatchObject({ next_cursor: null, truncated: false });
      expect(alerts.body.items).toHaveLength(expected.length);
      expect(
        alerts.body.items.every((alert: { state: string }) => alert.state === 'resolved'),
      ).toBe(true);
      const changes = alerts.body.history
        .map(
          (entry: { from_state: string | null; to_state: string }) =>
            `${entry.from_state}->${entry.to_state}`,
        )
        .sort();
      expect(changes).toEqual(
        [...expected.map(() => 'firing->resolved'), ...expected.map(() => 'null->firing')].sort(),
      );
      // a receiver has the notice a moment before the service records the delivery as done
      const deliveries = await settledDeliveries(ruleId);
      expect(deliveries.body.by_rule[ruleId]).toEqual({ pending: 0, delivered: 8 * n, failed: 0 });
      const bounded = await request(running.url)
        .get(`/api/debug/alerts/deliveries?rule_id=${ruleId}&limit=${8 * n - 1}`)
        .set(READ)
        .expect(200);
      expect({
        items: bounded.body.items.length,
        next_cursor: bounded.body.next_cursor,
        truncated: bounded.body.truncated,
      }).toEqual({ items: 8 * n - 1, next_cursor: null, truncated: true });
      const all = await request(running.url)
        .get(`/api/debug/alerts/deliveries?rule_id=${ruleId}&limit=${8 * n}`)
        .set(READ)
        .expect(200);
      expect({ items: all.body.items.length, truncated: all.body.truncated }).toEqual({
        items: 8 * n,
        truncated: false,
      });
    });

    it('rules, silences and history over MCP with the SDK client; errors name the field; writes need the ingest scope', async () => {
      const writer = await mcp(running.url, 'writer-key-1');
      const reader = await mcp(running.url, 'reader-key-1');
      try {
        const names = (await reader.listTools()).tools.map((tool) => tool.name);
        expect(names).toEqual(
          expect.arrayContaining([
            'alert_rules',
            'create_alert_rule',
            'alerts',
            'create_silence',
            'alert_deliveries',
          ]),
        );
        const rules = (await reader.callTool({
          name: 'alert_rules',
          arguments: {},
        })) as CallToolResult;
        expect(textOf(rules)).toContain('billing errors');
        expect(textOf(rules)).not.toContain(SECRET);
        const history = (await reader.callTool({
          name: 'alerts',
          arguments: { rule_id: ruleId },
        })) as CallToolResult;
        expect(JSON.parse((history.content as { text: string }[])[1].text).history.length).toBe(
          2 * expected.length,
        );

        const refused = (await reader.callTool({
          name: 'create_silence',
          arguments: {
            silence: { component: 'db', comment: 'x', ends_at: '2030-01-01T00:00:00Z' },
          },
        })) as CallToolResult;
        expect(refused.isError).toBe(true);
        expect(textOf(refused)).toContain('FORBIDDEN');
        const bad = (await writer.callTool({
          name: 'create_silence',
          arguments: { silence: { component: 'db', comment: 'x', ends_at: 'soon' } },
        })) as CallToolResult;
        expect(bad.isError).toBe(true);
        expect(textOf(bad)).toContain('"field":"ends_at"');
        const badRule = (await writer.callTool({
          name: 'create_alert_rule',
          arguments: { rule: { name: 'x', when: { silence: { quiet_minutes: 5 } } } },
        })) as CallToolResult;
        expect(textOf(badRule)).toContain('when.silence.components');
        const made = (await writer.callTool({
          name: 'create_alert_rule',
          arguments: {
            rule: {
              name: 'checkout quiet',
              when: { silence: { components: ['checkout'], quiet_minutes: 10 } },
              channels: [{ type: 'webhook', url: `${receiver.url}/quiet`, secret: SECRET }],
            },
          },
        })) as CallToolResult;
        expect(made.isError).toBeFalsy();
        expect(textOf(made)).not.toContain(SECRET);
        const silence = (await writer.callTool({
          name: 'create_silence',
          arguments: {
            silence: {
              component: 'checkout',
              comment: 'maintenance',
              ends_at: '2030-01-01T00:00:00Z',
              schedule: { days: [0], start: '02:00', duration_minutes: 120 },
            },
          },
        })) as CallToolResult;
        expect(silence.isError).toBeFalsy();
        const listed = await request(running.url)
          .get('/api/debug/alerts/silences')
          .set(READ)
          .expect(200);
        expect(listed.body).toMatchObject({ next_cursor: null, truncated: false });
        expect(listed.body.items.map((item: { comment: string }) => item.comment)).toContain(
          'maintenance',
        );
      } finally {
        await writer.close();
        await reader.close();
      }
    });

    it('never logged a secret (webhook secret, SMTP password), though it logged the deliveries and their failures', () => {
      const all = logged.join('');
      expect(all).toContain('delivered on attempt 3');
      expect(all).toContain('answered 500');
      expect(all).not.toContain(SECRET);
      expect(all).not.toContain(SMTP_PASSWORD);
    });
  },
);
