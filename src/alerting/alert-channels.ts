import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { AlertNotification, ChannelConfig } from './alert.types.js';

/** Headers of the generic webhook. The signature is hex HMAC-SHA256 of `${timestamp}.${body}` with the channel's secret. */
export const SIGNATURE_HEADER = 'X-Debug-Signature';
export const TIMESTAMP_HEADER = 'X-Debug-Timestamp';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

const SEND_TIMEOUT_MS = 10_000;

export interface ChannelDefaults {
  smtpUrl?: string;
  smtpFrom: string;
}

/** A failure worth a retry (network, 5xx, 429) or not (4xx: the receiver refuses this payload). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export function signBody(secret: string, timestamp: string, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** Sends one notification over one channel; throws DeliveryError when the receiver did not take it. */
export async function sendToChannel(
  channel: ChannelConfig,
  notification: AlertNotification,
  defaults: ChannelDefaults,
): Promise<void> {
  if (channel.unreadable_secrets)
    throw new DeliveryError(
      `the channel's stored secrets cannot be decrypted (${channel.unreadable_secrets}); start with the DEBUG_SECRETS_KEY they were written with`,
      false,
    );
  switch (channel.type) {
    case 'webhook':
      return sendWebhook(channel, notification);
    case 'slack':
      return postJson(channel.url!, slackMessage(notification), {
        [IDEMPOTENCY_HEADER]: notification.idempotency_key,
      });
    case 'alertmanager':
      return postJson(
        `${channel.url!.replace(/\/+$/, '')}/api/v2/alerts`,
        alertmanagerAlerts(notification),
        {},
      );
    case 'email':
      return sendEmail(channel, notification, defaults);
  }
}

async function sendWebhook(channel: ChannelConfig, notification: AlertNotification): Promise<void> {
  const body = JSON.stringify({ ...notification, sent_at: new Date().toISOString() });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    [IDEMPOTENCY_HEADER]: notification.idempotency_key,
    [TIMESTAMP_HEADER]: timestamp,
  };
  if (channel.secret)
    headers[SIGNATURE_HEADER] = `sha256=${signBody(channel.secret, timestamp, body)}`;
  await postRaw(channel.url!, body, headers);
}

async function postJson(
  url: string,
  payload: unknown,
  headers: Record<string, string>,
): Promise<void> {
  await postRaw(url, JSON.stringify(payload), headers);
}

async function postRaw(url: string, body: string, headers: Record<string, string>): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'User-Agent': 'ai-debug-system-alerting',
        ...headers,
      },
      body,
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  } catch (error) {
    // Never the URL's query string in messages: receivers put tokens there (Slack does).
    throw new DeliveryError(`${hostOf(url)}: ${causeOf(error)}`, true);
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new DeliveryError(
      `${hostOf(url)} answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
      retryable,
    );
  }
}

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.length > 1 ? '/…' : ''}`;
  } catch {
    return 'receiver';
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** Slack's incoming-webhook shape: a text fallback and blocks with the summary, labels and links. */
export function slackMessage(notification: AlertNotification): Record<string, unknown> {
  const icon =
    notification.state === 'resolved'
      ? ':white_check_mark:'
      : notification.rule.severity === 'critical'
        ? ':rotating_light:'
        : ':warning:';
  const title = `${icon} [${notification.state.toUpperCase()}${notification.repeat ? ', repeat' : ''}] ${notification.rule.name}`;
  const labels = Object.entries(notification.labels)
    .filter(([name]) => !['alertname', 'rule_id', 'fingerprint'].includes(name))
    .map(([name, value]) => `*${name}*: ${value}`)
    .join('  ·  ');
  const samples = notification.sample_events
    .map((event) => `<${event.url}|${event.id.slice(0, 13)}…>`)
    .join(', ');
  return {
    text: `${title}: ${notification.summary}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: notification.summary.slice(0, 2900) } },
      ...(labels
        ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: labels.slice(0, 2900) }] }]
        : []),
      ...(samples
        ? [{ type: 'section', text: { type: 'mrkdwn', text: `*Sample events:* ${samples}` } }]
        : []),
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Open console' },
            url: notification.console_url,
          },
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Alert history' },
            url: notification.alert_url,
          },
        ],
      },
    ],
  };
}

/** Alertmanager API v2 alerts: labels route it, endsAt = now resolves it. */
export function alertmanagerAlerts(notification: AlertNotification): Record<string, unknown>[] {
  const alert: Record<string, unknown> = {
    labels: notification.labels,
    annotations: {
      ...notification.annotations,
      summary: notification.summary.slice(0, 1000),
      console_url: notification.console_url,
      sample_events: notification.sample_events.map((event) => event.url).join(' '),
    },
    startsAt: notification.started_at ?? new Date().toISOString(),
    generatorURL: notification.alert_url,
  };
  if (notification.state === 'resolved')
    alert.endsAt = notification.resolved_at ?? new Date().toISOString();
  return [alert];
}

async function sendEmail(
  channel: ChannelConfig,
  notification: AlertNotification,
  defaults: ChannelDefaults,
): Promise<void> {
  const transport = channel.smtp
    ? nodemailer.createTransport({
        host: channel.smtp.host,
        port: channel.smtp.port,
        secure: channel.smtp.secure ?? channel.smtp.port === 465,
        auth: channel.smtp.username
          ? { user: channel.smtp.username, pass: channel.smtp.password ?? '' }
          : undefined,
        connectionTimeout: SEND_TIMEOUT_MS,
        greetingTimeout: SEND_TIMEOUT_MS,
        socketTimeout: SEND_TIMEOUT_MS,
      })
    : defaults.smtpUrl
      ? nodemailer.createTransport(defaults.smtpUrl)
      : undefined;
  if (!transport)
    throw new DeliveryError(
      'no SMTP server: give the channel smtp settings or set DEBUG_SMTP_URL',
      false,
    );
  const where = notification.labels.component ? ` (${notification.labels.component})` : '';
  const subject =
    `[${notification.state.toUpperCase()}${notification.repeat ? ', repeat' : ''}] ${notification.rule.name}${where}`.slice(
      0,
      200,
    );
  const lines = [
    `${notification.rule.name} is ${notification.state}${notification.repeat ? ' (repeat)' : ''}.`,
    '',
    notification.summary,
    '',
    ...Object.entries(notification.labels).map(([name, value]) => `${name}: ${value}`),
    '',
    ...(notification.sample_events.length
      ? ['Sample events:', ...notification.sample_events.map((event) => `  ${event.url}`), '']
      : []),
    `Console: ${notification.console_url}`,
    `Alert history: ${notification.alert_url}`,
  ];
  try {
    await transport.sendMail({
      from: channel.from ?? defaults.smtpFrom,
      to: channel.to,
      subject,
      text: lines.join('\n'),
      headers: { 'X-Debug-Idempotency-Key': notification.idempotency_key },
      messageId: `<${notification.idempotency_key.replace(/[^a-zA-Z0-9.-]/g, '.')}@ai-debug-system>`,
    });
  } catch (error) {
    const code = (error as { responseCode?: number }).responseCode;
    throw new DeliveryError(`SMTP: ${(error as Error).message}`, code === undefined || code < 500);
  } finally {
    transport.close();
  }
}
