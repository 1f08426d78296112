import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { writeScenario } from './scenarios/scenario-generator.js';
import { HttpReceiver } from './support/alert-receivers.js';
import { startApp, type RunningApp } from './support/app.js';
import { describeWithPostgresAndRedis, fullModeEnv } from './support/services.js';

/**
 * A worker process (`node dist/src/main.js`, DEBUG_ROLE=worker) is SIGKILLed while it sends a
 * notification (the receiver holds the request open). Another worker takes the job over once
 * its lock lapses and sends it again with the same idempotency key: the receiver accepts
 * exactly one delivery per state change, and nothing more is sent afterwards.
 */
const ROOT = join(import.meta.dirname, '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const LOCK_MS = 3000;

interface Worker {
  child: ChildProcess;
  exited: Promise<unknown>;
}

async function startWorker(env: Record<string, string>): Promise<Worker> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { ...process.env, ...env, DEBUG_ROLE: 'worker', LOG_LEVEL: 'log', DEBUG_LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the worker did not start: ${output.slice(-2000)}`)), 90_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('worker started')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the worker exited during start-up (${code}): ${output.slice(-2000)}`));
    });
  });
  child.stdout!.resume();
  return { child, exited };
}

describeWithPostgresAndRedis('alert delivery when a worker is killed mid-send (real child processes)', () => {
  let api: RunningApp;
  let receiver: HttpReceiver;
  const workers: Worker[] = [];

  beforeAll(() => {
    spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: the build failed`);
  }, 240_000);

  afterAll(async () => {
    for (const worker of workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGTERM');
        await worker.exited;
      }
    }
    await api?.close();
    await receiver?.close();
  });

  it('exactly one accepted delivery per state change, with the same idempotency key on the resend', async () => {
    receiver = await HttpReceiver.start();
    // The first request is held open: the worker sending it is killed meanwhile.
    receiver.on('/hook', (_request, index) => (index === 0 ? 'hold' : 200));
    const env = { ...(await fullModeEnv()), DEBUG_ALERT_INTERVAL_SECONDS: '0', DEBUG_ALERT_JOB_LOCK_MS: String(LOCK_MS), DEBUG_ALERT_DELIVERY_BACKOFF_MS: '200' };
    api = await startApp({ ...env, DEBUG_ROLE: 'api' });
    const scenario = await writeScenario(api.app.get(DataSource), { seed: 9, incidents: ['error_burst'] });
    const incident = scenario.incidents[0].components[0];
    const rule = await request(api.url)
      .post('/api/debug/alerts/rules')
      .send({
        name: 'payments errors',
        when: { insight: { types: ['error'], components: [`${incident.component_type}/${incident.component_id}`] } },
        channels: [{ type: 'webhook', url: `${receiver.url}/hook`, secret: 'k' }],
      })
      .expect(201);

    const first = await startWorker(env);
    workers.push(first);
    // The insights run happens on the API process; the worker hears of it through the `alerts` queue.
    await request(api.url).post('/api/debug/insights/generate').send({ from: scenario.from.toISOString(), to: scenario.to.toISOString() }).expect(200);
    await receiver.waitFor(() => receiver.to('/hook').length >= 1, 60_000, 'the first send');
    const pending = await request(api.url).get(`/api/debug/alerts/deliveries?rule_id=${rule.body.id}`).expect(200);
    const held = pending.body.deliveries.find((delivery: { id: string }) => delivery.id.startsWith(String(receiver.to('/hook')[0].headers['idempotency-key'])));
    expect(held).toMatchObject({ status: 'pending' });

    first.child.kill('SIGKILL');
    await first.exited;
    const second = await startWorker(env);
    workers.push(second);

    const alerts = await request(api.url).get(`/api/debug/alerts?rule_id=${rule.body.id}`).expect(200);
    const firing = alerts.body.alerts.filter((alert: { state: string }) => alert.state === 'firing').length;
    expect(firing).toBeGreaterThan(0);
    const accepted = () => receiver.to('/hook').filter((hook) => hook.answered === 200);
    await receiver.waitFor(() => accepted().length >= firing, 60_000, 'the resend by the second worker');

    // Evaluations after the takeover send nothing more for the same state changes.
    await request(api.url).post('/api/debug/alerts/evaluate').expect(200);
    await new Promise((resolve) => setTimeout(resolve, LOCK_MS * 2));

    const hooks = receiver.to('/hook');
    const keys = [...new Set(hooks.map((hook) => String(hook.headers['idempotency-key'])))];
    expect(keys).toHaveLength(firing);
    for (const key of keys) {
      const sends = hooks.filter((hook) => hook.headers['idempotency-key'] === key);
      expect(sends.filter((hook) => hook.answered === 200)).toHaveLength(1);
    }
    // The killed send and its takeover carry the same key and body.
    const killedKey = String(hooks[0].headers['idempotency-key']);
    const resends = hooks.filter((hook) => hook.headers['idempotency-key'] === killedKey);
    expect(resends.map((hook) => hook.answered)).toEqual([undefined, 200]);
    expect((resends[1].json as { idempotency_key: string }).idempotency_key).toBe(killedKey);

    const deliveries = await request(api.url).get(`/api/debug/alerts/deliveries?rule_id=${rule.body.id}`).expect(200);
    expect(deliveries.body.by_rule[rule.body.id]).toEqual({ pending: 0, delivered: firing, failed: 0 });
  });
});
