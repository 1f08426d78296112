import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { AppConfig } from '../../config/app-config.service.js';
import { RepeatedWarnings } from '../logging/repeated-warnings.js';
import { shutdownPhase } from '../logging/shutdown-phase.js';
import { watchReadiness } from './redis-call.js';

/**
 * The Redis connections of this process, made on first use and closed at shutdown.
 * `enabled` is false in embedded mode, where nothing may call `client()`.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  private readonly warnings = new RepeatedWarnings(this.logger);
  private readonly connections: Redis[] = [];
  private shared?: Redis;

  constructor(private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.config.redisUrl !== undefined;
  }

  get url(): string {
    const url = this.config.redisUrl;
    if (!url) throw new Error('Redis is not configured (REDIS_URL)');
    return url;
  }

  /** `<prefix>:<part>:<part>…`, the spelling of every key this service writes. */
  key(...parts: string[]): string {
    return [this.config.redisPrefix, ...parts].join(':');
  }

  /** The shared command connection. */
  client(): Redis {
    this.shared ??= this.connect('main');
    return this.shared;
  }

  /** A connection of its own, for subscribers and blocking commands (or commands sent in bulk: `enableAutoPipelining`). */
  connect(name: string, options: Pick<RedisOptions, 'enableAutoPipelining'> = {}): Redis {
    const connection = new Redis(this.url, {
      connectionName: `ads-${name}`,
      maxRetriesPerRequest: null,
      enableReadyCheck: true,
      ...options,
    });
    let failing = false;
    connection.on('error', (error) => {
      failing = true;
      this.warnings.warn(`redis (${name}): ${error.message}`);
    });
    connection.on('ready', () => {
      if (!failing) return;
      failing = false;
      this.warnings.clear(`redis (${name})`);
      this.logger.log(`redis (${name}): connected again`);
    });
    watchReadiness(connection);
    this.connections.push(connection);
    return connection;
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client().ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const open = this.connections.length;
    if (open > 0)
      await shutdownPhase(this.logger, `closing ${open} Redis connections`, async () => {
        await Promise.all(
          this.connections.map((connection) =>
            connection.quit().catch(() => connection.disconnect()),
          ),
        );
      });
    this.connections.length = 0;
    this.shared = undefined;
  }
}
