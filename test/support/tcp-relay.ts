import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './ports.js';

/**
 * A TCP relay a test controls between the service and PostgreSQL or Redis: `stop` cuts every
 * connection and refuses new ones, `start` opens it again, `reset` cuts the connections but keeps
 * accepting new ones (a network blip), `delayMs` slows every chunk both ways.
 */
export class TcpRelay {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  delayMs = 0;

  constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  static async open(target: { host: string; port: number }): Promise<TcpRelay> {
    const relay = new TcpRelay(target, await freePort());
    await relay.start();
    return relay;
  }

  /** A relay in front of the server of `url` (postgres:// or redis://) and the same URL through it. */
  static async inFrontOf(url: string, defaultPort: number): Promise<{ relay: TcpRelay; url: string }> {
    const parsed = new URL(url);
    const relay = await TcpRelay.open({ host: parsed.hostname, port: Number(parsed.port || defaultPort) });
    parsed.port = String(relay.port);
    return { relay, url: parsed.toString() };
  }

  async start(): Promise<void> {
    if (this.server) return;
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      this.forward(client, upstream);
      this.forward(upstream, client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
  }

  /** Cuts every connection through the relay (both ends see a reset); new connections are still let through. */
  reset(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  /** Cuts every connection through the relay and refuses new ones. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) {
      server.close();
      await once(server, 'close');
    }
  }

  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.delayMs <= 0) {
        if (!to.destroyed) to.write(chunk);
        return;
      }
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, this.delayMs);
    });
  }
}
