import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { ApiKeyService } from '../common/auth/api-key.service.js';
import { FailedAuthLimiter } from '../common/auth/failed-auth-limiter.js';
import { DomainError, NotFoundError } from '../common/errors/domain-error.js';
import { isUuid } from '../common/ids.js';
import { MetricsService } from '../common/metrics/metrics.service.js';
import { StreamHub, type StreamSocket } from './stream-hub.service.js';
import {
  STREAM_NAMESPACE,
  type StreamError,
  type SubscribeAck,
  type UnsubscribeAck,
} from './stream-protocol.js';
import { parseSubscribe } from './subscribe.dto.js';
import { type SessionScope, sessionAlternatives, toFilter } from './subscription-filter.js';
import { SessionsService } from '../sessions/sessions.service.js';

/**
 * Socket.IO namespace /debug. The handshake carries an API key with the `read` scope
 * (`auth: { apiKey }`, `X-API-Key` or `Authorization: Bearer`); without one the client
 * gets an `error` event and is disconnected. Clients then `subscribe` with filters and
 * receive the five channels as micro-batches (see StreamHub and docs/streaming.md).
 */
@WebSocketGateway({ namespace: STREAM_NAMESPACE })
export class DebugGateway
  implements OnGatewayConnection, OnGatewayDisconnect, OnModuleInit, OnModuleDestroy
{
  private readonly logger = new Logger(DebugGateway.name);
  private readonly rejected;
  private recheck?: NodeJS.Timeout;

  constructor(
    private readonly hub: StreamHub,
    private readonly apiKeys: ApiKeyService,
    private readonly sessions: SessionsService,
    private readonly failures: FailedAuthLimiter,
    metrics: MetricsService,
  ) {
    this.rejected = metrics.counter(
      'ads_stream_rejected_connections_total',
      'Stream connections refused',
      ['reason'],
    );
  }

  onModuleInit(): void {
    this.recheck = setInterval(() => this.dropRevokedConnections(), KEY_RECHECK_MS);
    this.recheck.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.recheck);
  }

  /**
   * A connection is only as good as its key: one revoked, expired or stripped of the read scope
   * since the handshake is told so and disconnected (keys change at runtime: src/api-keys).
   */
  dropRevokedConnections(): number {
    if (!this.apiKeys.enabled) return 0;
    let dropped = 0;
    for (const socket of this.hub.sockets()) {
      if (this.apiKeys.check(keyOf(socket), 'read').outcome === 'allowed') continue;
      this.rejected.labels('key_withdrawn').inc();
      socket.emit('error', {
        code: 'unauthorized',
        message: 'the API key of this connection was revoked, expired or lost the "read" scope',
      });
      socket.disconnect(true);
      dropped++;
    }
    if (dropped > 0)
      this.logger.log(`closed ${dropped} stream connection(s) whose key was withdrawn`);
    return dropped;
  }

  handleConnection(socket: StreamSocket): void {
    const lockedFor = this.apiKeys.enabled
      ? this.failures.lockedForSeconds(socket.handshake.address)
      : 0;
    if (lockedFor > 0) {
      this.rejected.labels('locked_out').inc();
      socket.emit('error', {
        code: 'too_many_connections',
        message: `too many failed authentications from this address: retry in ${lockedFor} s`,
      });
      socket.disconnect();
      return;
    }
    const check = this.apiKeys.check(keyOf(socket), 'read');
    if (check.outcome === 'invalid') this.failures.noteFailure(socket.handshake.address);
    if (check.outcome === 'allowed') {
      const refusal = this.hub.addClient(socket, check.keyId);
      if (refusal === null) return;
      this.rejected.labels('too_many_connections').inc();
      socket.emit('error', refusal);
      socket.disconnect();
      return;
    }
    const error: StreamError =
      check.outcome === 'forbidden'
        ? { code: 'forbidden', message: 'this API key lacks the "read" scope the stream needs' }
        : check.outcome === 'missing'
          ? {
              code: 'unauthorized',
              message: 'an API key is required: auth.apiKey, X-API-Key or Authorization: Bearer',
            }
          : { code: 'unauthorized', message: 'the API key is not valid' };
    this.rejected.labels(check.outcome).inc();
    socket.emit('error', error);
    socket.disconnect();
  }

  handleDisconnect(socket: StreamSocket): void {
    this.hub.removeClient(socket.id);
  }

  @SubscribeMessage('subscribe')
  async subscribe(
    @ConnectedSocket() socket: StreamSocket,
    @MessageBody() payload: unknown,
  ): Promise<SubscribeAck> {
    const parsed = parseSubscribe(payload);
    if ('problems' in parsed) return invalid(parsed.problems);
    const built = toFilter(parsed.dto);
    if ('problems' in built) return invalid(built.problems);
    try {
      const session = parsed.dto.session_id ? await this.sessionScope(parsed.dto.session_id) : null;
      return await this.hub.subscribe(
        socket.id,
        parsed.dto,
        sessionAlternatives(built.filter, session),
      );
    } catch (error) {
      if (error instanceof DomainError && error.code === 'UNAVAILABLE') {
        this.logger.warn(`subscribe refused: ${error.message}`);
        return { ok: false, error: { code: 'unavailable', message: error.message } };
      }
      this.logger.error(
        `subscribe failed: ${error instanceof Error ? error.stack : String(error)}`,
      );
      return {
        ok: false,
        error: { code: 'internal', message: 'the subscription could not be set up; retry' },
      };
    }
  }

  /** The session's stored filters, or null when no session has this id (events may carry any session id). */
  private async sessionScope(id: string): Promise<SessionScope | null> {
    if (!isUuid(id)) return null;
    try {
      return await this.sessions.get(id);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(
    @ConnectedSocket() socket: StreamSocket,
    @MessageBody() payload: unknown,
  ): UnsubscribeAck {
    const id =
      typeof payload === 'object' && payload !== null
        ? (payload as { subscription_id?: unknown }).subscription_id
        : payload;
    if (typeof id !== 'string' || id.length === 0) {
      return {
        ok: false,
        error: {
          code: 'invalid_subscription',
          message: 'unsubscribe expects { subscription_id }',
          details: [
            { field: 'subscription_id', problem: 'must be the id a subscribe ack returned' },
          ],
        },
      };
    }
    if (!this.hub.unsubscribe(socket.id, id)) {
      return {
        ok: false,
        error: {
          code: 'unknown_subscription',
          message: `no subscription ${id} on this connection`,
        },
      };
    }
    return { ok: true, subscription_id: id };
  }
}

/** How often open connections are checked against the keys in force (a SHA-256 per connection). */
const KEY_RECHECK_MS = 2_000;

function keyOf(socket: StreamSocket): string | undefined {
  const auth = socket.handshake.auth as { apiKey?: unknown; token?: unknown } | undefined;
  if (typeof auth?.apiKey === 'string' && auth.apiKey.length > 0) return auth.apiKey;
  if (typeof auth?.token === 'string' && auth.token.length > 0) return auth.token;
  return ApiKeyService.keyFromHeaders(socket.handshake.headers);
}

function invalid(problems: { field: string; problem: string }[]): SubscribeAck {
  return {
    ok: false,
    error: {
      code: 'invalid_subscription',
      // As REST words it: a problem that names its field is the message as it is.
      message: problems
        .map(({ field, problem }) =>
          problem.startsWith(`${field} `) ? problem : `${field}: ${problem}`,
        )
        .join('; '),
      details: problems,
    },
  };
}
