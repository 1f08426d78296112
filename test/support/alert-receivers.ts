import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { freePort } from './ports.js';

/**
 * Real receivers for alert notifications: a local HTTP receiver (webhook, Slack-shaped,
 * Alertmanager's own webhook), Debian's prometheus-alertmanager, and an SMTP server.
 */
export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
const REQUIRED = process.env.CI === 'true' || process.env.DEBUG_REQUIRE_SERVICES === '1';

export const alertmanagerSkipReason = existsSync(ALERTMANAGER_BIN)
  ? undefined
  : `Alertmanager is missing (${ALERTMANAGER_BIN}): apt-get install -y prometheus-alertmanager`;

if (alertmanagerSkipReason) {
  if (REQUIRED) throw new Error(`${alertmanagerSkipReason} (required: CI=true / DEBUG_REQUIRE_SERVICES=1)`);
  process.stderr.write(`\n${'!'.repeat(78)}\n!! SKIPPING the Alertmanager suites: ${alertmanagerSkipReason}\n${'!'.repeat(78)}\n\n`);
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: unknown;
  /** The status answered; undefined while held or when the connection died first. */
  answered?: number;
}

/** Decides the answer to one request: a status, or 'hold' to keep it open until released. */
export type Responder = (request: ReceivedRequest, index: number) => number | 'hold';

export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly held: { response: ServerResponse; request: ReceivedRequest }[] = [];
  private readonly waiters: (() => void)[] = [];
  responders = new Map<string, Responder>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<HttpReceiver> {
    const holder: { receiver?: HttpReceiver } = {};
    const server = createServer((request, response) => holder.receiver!.handle(request, response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    holder.receiver = new HttpReceiver(server, `http://127.0.0.1:${(server.address() as { port: number }).port}`);
    return holder.receiver;
  }

  on(path: string, responder: Responder): void {
    this.responders.set(path, responder);
  }

  to(path: string): ReceivedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  /** Resolves once `predicate` holds over the received requests (checked on every arrival). */
  async waitFor(predicate: () => boolean, timeoutMs = 45_000, what = 'requests'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.requests.map((r) => [r.path, r.answered]))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    for (const { response } of this.held) response.destroy();
    this.server.closeAllConnections();
    this.server.close();
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        // not JSON: kept as text
      }
      const received: ReceivedRequest = { path: request.url ?? '/', headers: request.headers, body, json };
      const index = this.to(received.path).length;
      this.requests.push(received);
      const decision = (this.responders.get(received.path) ?? (() => 200))(received, index);
      if (decision === 'hold') this.held.push({ response, request: received });
      else this.answer(response, received, decision);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  private answer(response: ServerResponse, request: ReceivedRequest, status: number): void {
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify({ ok: status < 300 }), () => {
      request.answered = status;
      for (const wake of this.waiters.splice(0)) wake();
    });
  }
}

export interface RunningAlertmanager {
  url: string;
  close(): Promise<void>;
}

/** Alertmanager on a free port, its own storage, routing everything to `webhookUrl` (resolved too). */
export async function startAlertmanager(webhookUrl: string): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'ads-alertmanager-'));
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(
    config,
    [
      'route:',
      '  receiver: forward',
      '  group_by: [alertname, rule_id]',
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: forward',
      '    webhook_configs:',
      `      - url: ${webhookUrl}`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [`--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  const exited = once(child, 'exit');
  for (let waited = 0; ; waited += 100) {
    if (child.exitCode !== null) throw new Error('alertmanager exited during start-up');
    if (waited > 30_000) throw new Error('alertmanager did not become ready');
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  user?: string;
  raw: string;
}

export interface RunningSmtp {
  port: number;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

/** An SMTP server (npm smtp-server) that accepts one user and keeps every message. */
export async function startSmtp(user: string, password: string): Promise<RunningSmtp> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    allowInsecureAuth: true,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) callback(null, { user });
      else callback(new Error('invalid credentials'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          user: session.user as string | undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
