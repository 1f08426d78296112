import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RepeatedWarnings } from '../common/logging/repeated-warnings.js';
import { RedisService } from '../common/redis/redis.service.js';
import { AppConfig, type ApiScope } from '../config/app-config.service.js';
import { ApiKeyRepository } from './api-key.repository.js';
import { KeyDirectory, scopesOf } from './stored-keys.js';

/**
 * The stored keys as every API instance sees them: all unrevoked keys held in memory by hash
 * (there are few, and a wrong key then costs no query at all), reloaded from the table every
 * DEBUG_API_KEY_REFRESH_SECONDS. A change made here applies here at once and, with Redis, is
 * announced on `<prefix>:api-keys:changed` so that the other instances reload at once too;
 * without Redis (or if the message is lost) they follow within one refresh interval.
 * While the warm store does not answer, the last keys loaded stay in force.
 */
@Injectable()
export class KeyDirectoryService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(KeyDirectoryService.name);
  private readonly warnings = new RepeatedWarnings(this.logger);
  private readonly directory = new KeyDirectory();
  private readonly usedSinceFlush = new Set<string>();
  private timer?: NodeJS.Timeout;
  private subscriber?: Redis;
  private reloading?: Promise<void>;
  private reloadAgain = false;

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  get channel(): string {
    return this.redis.key('api-keys', 'changed');
  }

  /** The first load is awaited: the process does not answer before it knows its keys. */
  async onModuleInit(): Promise<void> {
    await this.load();
    if (!this.config.runsApi) return;
    this.timer = setInterval(() => void this.refresh(), this.config.apiKeyRefreshSeconds * 1000);
    this.timer.unref();
    if (this.redis.enabled) {
      this.subscriber = this.redis.connect('api-keys-sub');
      this.subscriber.on('message', (channel: string) => {
        if (channel === this.channel) void this.refresh();
      });
      await this.subscriber.subscribe(this.channel).catch((error: Error) => {
        this.logger.warn(
          `not subscribed to key changes (${error.message}): other instances' changes apply within ${this.config.apiKeyRefreshSeconds} s`,
        );
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.reloading;
    await this.flushUse().catch(() => undefined);
  }

  /** The stored key whose secret hashes to `hash` (hex), if usable now; its use is noted. */
  lookup(hash: string): { id: string; scopes: ReadonlySet<ApiScope> } | undefined {
    const key = this.directory.find(hash);
    if (key) this.usedSinceFlush.add(key.id);
    return key;
  }

  /** A key was ever stored (then authentication is on, whatever DEBUG_API_KEYS says). */
  get holdsKeys(): boolean {
    return this.directory.holdsKeys;
  }

  /** A key created, changed or revoked here: in force here now, on the other instances after their reload. */
  async changed(revokedId?: string): Promise<void> {
    if (revokedId) this.directory.remove(revokedId);
    await this.refresh();
    await this.announce();
  }

  /** Reloads the keys (and writes last_used_at); one reload at a time, another queued behind it. */
  refresh(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        try {
          await this.flushUse();
          await this.load();
          this.warnings.clear('api keys');
        } catch (error) {
          this.warnings.warn(
            `api keys: reload failed, the keys loaded last stay in force: ${(error as Error).message}`,
          );
        }
      } while (this.reloadAgain);
    })().finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async load(): Promise<void> {
    const rows = await this.keys.unrevoked();
    const held = rows.length > 0 || (await this.keys.anyKey());
    this.directory.replace(
      rows.map((row) => ({
        id: row.id,
        hash: row.hash,
        scopes: new Set(scopesOf(row.scopes)),
        expiresAt: row.expires_at?.getTime() ?? null,
      })),
      held,
    );
  }

  /** last_used_at, written once per refresh interval at most: one UPDATE for all keys used since. */
  private async flushUse(): Promise<void> {
    if (this.usedSinceFlush.size === 0) return;
    const ids = [...this.usedSinceFlush];
    this.usedSinceFlush.clear();
    await this.keys.markUsed(ids, new Date());
  }

  private async announce(): Promise<void> {
    if (!this.redis.enabled) return;
    try {
      await this.redis.client().publish(this.channel, '1');
    } catch (error) {
      this.logger.warn(
        `could not announce a key change (${(error as Error).message}): other instances apply it within ${this.config.apiKeyRefreshSeconds} s`,
      );
    }
  }
}
