import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
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

/** What the last look at Redis found: the method that confirms a write, or why none does now. */
export type DurabilityVerdict = { method: FsyncMethod } | { refusal: string };

/**
 * DEBUG_DURABILITY for the ingest journal (full mode). `default`: an event is acknowledged once
 * the accept script has put it in Redis's memory. `fsync`: only once Redis has it on disk or on a
 * replica — how is found out at start (the process refuses to start when Redis can do neither),
 * and again every DEBUG_DURABILITY_RECHECK_MS and after the connection to Redis comes back: a
 * Redis reconfigured (CONFIG SET appendfsync everysec) or restarted with other settings must not
 * leave this process acknowledging a guarantee Redis no longer gives. While Redis gives none,
 * ingest answers 503 naming why, and readiness says so.
 * Concurrent requests share one WAIT/WAITAOF (group commit): a WAIT covers every write Redis
 * received before it, whichever connection made it.
 */
@Injectable()
export class JournalDurability implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JournalDurability.name);
  private readonly active: boolean;
  private readonly markKey: string;
  private readonly batcher: GroupCommitBatcher<true>;
  private verdict: DurabilityVerdict | undefined;
  private detection: Promise<DurabilityVerdict> | undefined;
  private connection: Redis | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;

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

  /** Whether DEBUG_DURABILITY=fsync is in force here (full mode). */
  get enabled(): boolean {
    return this.active;
  }

  /** The method in use, once known and while Redis gives the guarantee (undefined with DEBUG_DURABILITY=default). */
  get fsyncMethod(): FsyncMethod | undefined {
    return this.verdict && 'method' in this.verdict ? this.verdict.method : undefined;
  }

  /** The last verdict (undefined before Redis has answered, and with DEBUG_DURABILITY=default). */
  get lastVerdict(): DurabilityVerdict | undefined {
    return this.verdict;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.active || !this.config.runsApi) return;
    try {
      const verdict = await this.detect();
      if ('refusal' in verdict) throw new ConfigValidationError([verdict.refusal]);
    } catch (error) {
      if (error instanceof ConfigValidationError) throw error;
      this.logger.warn(
        `DEBUG_DURABILITY=fsync: Redis could not be asked how it keeps writes (${(error as Error).message}); asking again at the first accept`,
      );
    }
    this.recheckTimer = setInterval(() => void this.recheck(), this.config.durabilityRecheckMs);
    this.recheckTimer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.recheckTimer);
  }

  /**
   * Throws 503 (Retry-After) when Redis was last found unable to give the guarantee: called
   * before the journal write, so a refused request leaves nothing behind.
   */
  assertGuaranteed(): void {
    if (!this.active || !this.verdict || 'method' in this.verdict) return;
    throw this.refusalError(this.verdict.refusal);
  }

  /**
   * Resolves once the journal writes this process has seen answered are as durable as
   * DEBUG_DURABILITY asks; throws 503 (Retry-After) when Redis does not confirm in time, or no
   * longer can.
   */
  async confirm(): Promise<void> {
    if (!this.active) return;
    const verdict = this.verdict ?? (await this.detect());
    if ('refusal' in verdict) throw this.refusalError(verdict.refusal);
    if (verdict.method === 'appendfsync-always') return;
    await this.batcher.submit([true]);
  }

  private refusalError(refusal: string): DomainError {
    return new DomainError(
      'UNAVAILABLE',
      `events not accepted: ${refusal}. Redis is asked again every ${this.config.durabilityRecheckMs} ms`,
      { reason: 'durability' },
      Math.max(1, Math.ceil(this.config.durabilityRecheckMs / 1000)),
    );
  }

  /** Asks Redis again; one question at a time (a slow answer is not queued behind by the timer). */
  private async recheck(): Promise<void> {
    if (this.detection) return;
    try {
      await this.detect();
    } catch (error) {
      // Redis does not answer: the journal write fails on its own; the last verdict stands.
      this.logger.warn(
        `DEBUG_DURABILITY=fsync: Redis could not be asked how it keeps writes (${(error as Error).message})`,
      );
    }
  }

  private detect(): Promise<DurabilityVerdict> {
    this.detection ??= this.askRedis()
      .then((verdict) => {
        this.adopt(verdict);
        return verdict;
      })
      .finally(() => {
        this.detection = undefined;
      });
    return this.detection;
  }

  /** Takes a new verdict, saying so in the log when it differs from the last. */
  private adopt(verdict: DurabilityVerdict): void {
    const previous = this.verdict;
    this.verdict = verdict;
    if ('refusal' in verdict) {
      if (!previous || !('refusal' in previous) || previous.refusal !== verdict.refusal)
        this.logger.error(`${verdict.refusal}; ingest answers 503 until Redis gives it again`);
    } else if (!previous || !('method' in previous) || previous.method !== verdict.method) {
      this.logger.log(
        `DEBUG_DURABILITY=fsync: an event is acknowledged ${describeMethod(verdict.method)}`,
      );
    }
  }

  private async askRedis(): Promise<DurabilityVerdict> {
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
    return chooseFsyncMethod(
      await withinTime(ask(), 5_000, () => new Error('no answer to INFO within 5 s')),
    );
  }

  private ownConnection(): Redis {
    if (!this.connection) {
      const connection = this.redis.connect('durability');
      // Redis may come back restarted with other settings: forget the verdict when the
      // connection drops (the next accept asks before it is confirmed), and ask as soon as it is back.
      let connectedBefore = false;
      connection.on('close', () => {
        this.verdict = undefined;
      });
      connection.on('ready', () => {
        if (connectedBefore) void this.recheck();
        connectedBefore = true;
      });
      this.connection = connection;
    }
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
    const method = this.fsyncMethod;
    if (method === undefined)
      throw new DomainError(
        'UNAVAILABLE',
        'the connection to Redis dropped: how Redis keeps writes is being asked again; retrying is safe: ingest is idempotent by event id',
        undefined,
        1,
      );
    const pipeline = connection.pipeline().incr(this.markKey);
    if (method === 'waitaof') pipeline.call('WAITAOF', 1, 0, timeoutMs);
    else pipeline.wait(1, timeoutMs);
    const replies = await withinTime(
      pipeline.exec(),
      timeoutMs + 5_000,
      () => new Error(`Redis did not answer WAIT within ${timeoutMs + 5_000} ms`),
    );
    const [error, reply] = replies?.[1] ?? [new Error('no reply to WAIT'), undefined];
    if (error) throw error;
    const confirmed = method === 'waitaof' ? (reply as number[])[0] : (reply as number);
    if (confirmed < 1)
      throw new DomainError(
        'UNAVAILABLE',
        `the events are in Redis but ${method === 'waitaof' ? 'its AOF was not fsynced' : 'no replica confirmed them'} within DEBUG_DURABILITY_TIMEOUT_MS=${timeoutMs} ms (DEBUG_DURABILITY=fsync); retrying is safe: ingest is idempotent by event id`,
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
