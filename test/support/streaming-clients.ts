import { io, type Socket } from 'socket.io-client';

export type ChannelName =
  'debug:event' | 'debug:insight' | 'debug:alert' | 'debug:state_change' | 'debug:metric_update';

export const CHANNELS: ChannelName[] = [
  'debug:event',
  'debug:insight',
  'debug:alert',
  'debug:state_change',
  'debug:metric_update',
];

/** A real socket.io client on /debug that records everything it receives, in order. */
export class StreamClient {
  readonly socket: Socket;
  readonly received: Record<ChannelName, Record<string, unknown>[]> = {
    'debug:event': [],
    'debug:insight': [],
    'debug:alert': [],
    'debug:state_change': [],
    'debug:metric_update': [],
  };
  readonly batches: { channel: ChannelName; size: number }[] = [];
  readonly dropped: {
    count: number;
    since: string;
    until: string;
    total: number;
    channels: Record<string, number>;
  }[] = [];
  readonly errors: { code: string; message: string }[] = [];
  disconnectReason: string | null = null;

  constructor(url: string, options: { apiKey?: string; headers?: Record<string, string> } = {}) {
    this.socket = io(`${url}/debug`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: options.apiKey ? { apiKey: options.apiKey } : {},
      extraHeaders: options.headers,
    });
    for (const channel of CHANNELS) {
      this.socket.on(channel, (items: Record<string, unknown>[]) => {
        this.received[channel].push(...items);
        this.batches.push({ channel, size: items.length });
      });
    }
    this.socket.on('debug:dropped', (notice) => this.dropped.push(notice));
    this.socket.on('error', (error) => this.errors.push(error));
    this.socket.on('disconnect', (reason) => (this.disconnectReason = reason));
  }

  ids(channel: ChannelName = 'debug:event'): string[] {
    return this.received[channel].map((item) => String(item.id ?? item.snapshot_id));
  }

  async connected(): Promise<void> {
    if (this.socket.connected) return;
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', reject);
    });
  }

  async subscribe(filters: Record<string, unknown>): Promise<Record<string, unknown>> {
    await this.connected();
    return (await this.socket.timeout(20_000).emitWithAck('subscribe', filters)) as Record<
      string,
      unknown
    >;
  }

  /** Subscribes and fails the test unless the server accepted; returns the subscription id. */
  async subscribeOk(filters: Record<string, unknown>): Promise<string> {
    const ack = await this.subscribe(filters);
    if (ack.ok !== true) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
    return ack.subscription_id as string;
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** Polls until the condition holds (the Jest timeout bounds the wait; nothing is timed). */
export async function until(
  condition: () => boolean,
  what: string,
  pollMs = 10,
  refresh?: () => Promise<void>,
): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (refresh) await refresh();
    if (condition()) return;
    if (Date.now() - started > 30_000) throw new Error(`still waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
