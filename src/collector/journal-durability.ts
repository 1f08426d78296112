import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DomainError } from '../common/errors/domain-error.js';
import { RedisService } from '../common/redis/redis.service.js';
import { withinTime } from '../common/time-limit.js';
import { AppConfig } from '../config/app-config.service.js';
import { ConfigValidationError } from '../config/environment.js';
import { GroupCommitBatcher } from './group-commit-batcher.js';

/**
 * How DEBUG_DURABILITY=fsync knows that a journal write is safe:
 * - `appendfsync-always`: Redis writes and fsyncs its AOF before it answers, so its answer is enough;
 * - `waitaof`: `WAITAOF 1 0` (Redis ≥ 7.2 with AOF on) until the local AOF is fsynced;
 * - `replica`: `WAIT 1` until a replica has received the write.
 */
export type FsyncMethod = 'appendfsync-always' | 'waitaof' | 'replica';

/** What Redis says about itself; `appendonly`/`appendfsync` undefined where CONFIG GET is not permitted. */
export interface RedisDurabilityFacts {
  version: string;
  appendonly?: boolean;
  appendfsync?: string;
  connectedReplicas: number;
}

/** The cheapest method that makes a write survive a host crash, or why there is none. */
export function chooseFsyncMethod(
  facts: RedisDurabilityFacts,
): { method: FsyncMethod } | { refusal: string } {
  if (facts.appendonly === true && facts.appendfsync === 'always')
    return { method: 'appendfsync-always' };
  if (facts.appendonly === true && versionAtLeast(facts.version, 7, 2))
    return { method: 'waitaof' };
  if (facts.connectedReplicas > 0) return { method: 'replica' };
  const seen =
    facts.appendonly === undefined
      ? 'its configuration could not be read (CONFIG GET refused)'
      : `appendonly ${facts.appendonly ? 'yes' : 'no'}, appendfsync ${facts.appendfsync ?? '?'}`;
  return {
    refusal:
      `DEBUG_DURABILITY=fsync: Redis ${facts.version} (${seen}, ${facts.connectedReplicas} replicas) ` +
      'keeps a write only in memory when it answers. Run it with "appendonly yes" and "appendfsync always", ' +
      'or with "appendonly yes" on Redis 7.2 or later (WAITAOF), or attach a replica (WAIT 1); ' +
      'or set DEBUG_DURABILITY=default',
  };
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [hasMajor = 0, hasMinor = 0] = version.split('.').map(Number);
  return hasMajor > major || (hasMajor === major && hasMinor >= minor);
}

function infoField(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

/**
 * DEBUG_DURABILITY for the ingest journal (full mode). `default`: an event is acknowledged once
 * the accept script has put it in Redis's memory. `fsync`: only once Redis has it on disk or on a
 * replica — how is found out at start (the process refuses to start when Redis can do neither).
 * Concurrent requests share one WAIT/WAITAOF (group commit): a WAIT covers every write Redis
 * received before it, whichever connection made it.
 */
@Injectable()
export class JournalDurability implements OnApplicationBootstrap {
  private readonly logger = new Logger(JournalDurability.name);
  private readonly active: boolean;
  private readonly markKey: string;
  private readonly batcher: GroupCommitBatcher<true>;
  private method: FsyncMethod | undefined;
  private detection: Promise<FsyncMethod> | undefined;
  private connection: Redis | undefined;

  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {
    this.active = config.durability === 'fsync' && redis.enabled;
    this.markKey = redis.enabled ? redis.key('ingest', 'durability-mark') : '';
    // One barrier at a time on its own connection (WAIT blocks it): requests that arrive during
    // one share the next.
    this.batcher = new GroupCommitBatcher(() => this.barrier(), {
      maxItems: Number.MAX_SAFE_INTEGER,
      maxWaitMs: config.durabilityTimeoutMs + 1000,
      maxInFlight: 1,
    });
  }

  /** The method in use, once known (undefined with DEBUG_DURABILITY=default). */
  get fsyncMethod(): FsyncMethod | undefined {
    return this.method;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.active || !this.config.runsApi) return;
    try {
      await this.detect();
    } catch (error) {
      if (error instanceof ConfigValidationError) throw error;
      this.logger.warn(
        `DEBUG_DURABILITY=fsync: Redis could not be asked how it keeps writes (${(error as Error).message}); asking again at the first accept`,
      );
    }
  }

  /**
   * Resolves once the journal writes this process has seen answered are as durable as
   * DEBUG_DURABILITY asks; throws 503 (Retry-After) when Redis does not confirm in time.
   */
  async confirm(): Promise<void> {
    if (!this.active) return;
    let method: FsyncMethod;
    try {
      method = this.method ?? (await this.detect());
    } catch (error) {
      if (error instanceof ConfigValidationError)
        throw new DomainError('UNAVAILABLE', error.problems[0], undefined, 5);
      throw error;
    }
    if (method === 'appendfsync-always') return;
    await this.batcher.submit([true]);
  }

  private detect(): Promise<FsyncMethod> {
    this.detection ??= this.askRedis().then(
      (method) => {
        this.method = method;
        return method;
      },
      (error: unknown) => {
        this.detection = undefined;
        throw error;
      },
    );
    return this.detection;
  }

  private async askRedis(): Promise<FsyncMethod> {
    const connection = this.ownConnection();
    const ask = async (): Promise<RedisDurabilityFacts> => {
      const server = await connection.info('server');
      const replication = await connection.info('replication');
      const facts: RedisDurabilityFacts = {
        version: infoField(server, 'redis_version') ?? '0',
        connectedReplicas: Number(infoField(replication, 'connected_slaves') ?? 0),
      };
      try {
        const [, appendonly] = (await connection.config('GET', 'appendonly')) as string[];
        const [, appendfsync] = (await connection.config('GET', 'appendfsync')) as string[];
        facts.appendonly = appendonly === 'yes';
        facts.appendfsync = appendfsync;
      } catch {
        // Managed Redis often renames or forbids CONFIG: the other signs decide.
      }
      return facts;
    };
    const facts = await withinTime(ask(), 5_000, () => new Error('no answer to INFO within 5 s'));
    const choice = chooseFsyncMethod(facts);
    if ('refusal' in choice) throw new ConfigValidationError([choice.refusal]);
    this.logger.log(
      `DEBUG_DURABILITY=fsync: an event is acknowledged ${describeMethod(choice.method)} (Redis ${facts.version})`,
    );
    return choice.method;
  }

  private ownConnection(): Redis {
    this.connection ??= this.redis.connect('durability');
    return this.connection;
  }

  /**
   * A write of this connection's own, then WAIT/WAITAOF for it: Redis waits for the replication
   * (and AOF) offset of the connection's last write, and the mark is written after every journal
   * write already answered, so confirming it confirms them all.
   */
  private async barrier(): Promise<void> {
    const connection = this.ownConnection();
    if (connection.status !== 'ready')
      throw new DomainError(
        'UNAVAILABLE',
        `Redis is unreachable (connection ${connection.status}); retry shortly`,
        undefined,
        1,
      );
    const timeoutMs = this.config.durabilityTimeoutMs;
    const pipeline = connection.pipeline().incr(this.markKey);
    if (this.method === 'waitaof') pipeline.call('WAITAOF', 1, 0, timeoutMs);
    else pipeline.wait(1, timeoutMs);
    const replies = await withinTime(
      pipeline.exec(),
      timeoutMs + 5_000,
      () => new Error(`Redis did not answer WAIT within ${timeoutMs + 5_000} ms`),
    );
    const [error, reply] = replies?.[1] ?? [new Error('no reply to WAIT'), undefined];
    if (error) throw error;
    const confirmed = this.method === 'waitaof' ? (reply as number[])[0] : (reply as number);
    if (confirmed < 1)
      throw new DomainError(
        'UNAVAILABLE',
        `the events are in Redis but ${this.method === 'waitaof' ? 'its AOF was not fsynced' : 'no replica confirmed them'} within DEBUG_DURABILITY_TIMEOUT_MS=${timeoutMs} ms (DEBUG_DURABILITY=fsync); retrying is safe: ingest is idempotent by event id`,
        undefined,
        1,
      );
  }
}

function describeMethod(method: FsyncMethod): string {
  switch (method) {
    case 'appendfsync-always':
      return 'when Redis answers (appendfsync always: it fsyncs its AOF before answering)';
    case 'waitaof':
      return 'after WAITAOF 1 0 (the AOF fsynced on the Redis host)';
    case 'replica':
      return 'after WAIT 1 (a replica has received it)';
  }
}
