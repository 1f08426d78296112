import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  validateSync,
} from 'class-validator';

export enum ProcessRole {
  All = 'all',
  Api = 'api',
  Worker = 'worker',
}

const toBoolean = ({ value }: { value: unknown }) => {
  if (typeof value === 'boolean' || value === undefined) return value;
  const text = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off', ''].includes(text)) return false;
  return value;
};

const toInteger = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  return /^-?\d+$/.test(String(value).trim()) ? Number(value) : value;
};

/** off | on | a scope → 'off' or the scope needed ('on' and the boolean spellings of on mean `read`). */
const toProtection = ({ value }: { value: unknown }) => {
  if (value === undefined) return value;
  const text = String(value).trim().toLowerCase();
  if (['false', '0', 'no', 'off', ''].includes(text)) return 'off';
  if (['true', '1', 'yes', 'on'].includes(text)) return 'read';
  return text;
};

/**
 * Every environment variable the service reads, with its default. Nothing else in the
 * code base reads process.env: it injects AppConfig.
 */
export class EnvironmentVariables {
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Second listener for OTLP/HTTP (the Collector's default port); 0 turns it off. The main port serves /v1/* too. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  OTLP_HTTP_PORT = 4318;

  /** Listener for OTLP/gRPC (the Collector's default port); 0 turns it off. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  OTLP_GRPC_PORT = 4317;

  /** Interface to bind. Defaults to 0.0.0.0 with API keys configured, 127.0.0.1 without. */
  @IsOptional()
  @IsString()
  HOST?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  DEBUG_SYSTEM_ENABLED = true;

  @IsOptional()
  @IsEnum(ProcessRole)
  DEBUG_ROLE: ProcessRole = ProcessRole.All;

  /** Comma-separated `key:scope[+scope]`, scopes ingest | read | admin (admin implies all). */
  @IsOptional()
  @IsString()
  @Matches(
    /^\s*$|^\s*[^:,\s]{8,}:(ingest|read|admin)(\+(ingest|read|admin))*\s*(,\s*[^:,\s]{8,}:(ingest|read|admin)(\+(ingest|read|admin))*\s*)*$/,
    {
      message:
        'DEBUG_API_KEYS must be a comma-separated list of key:scope pairs (key of 8+ characters, scope ingest|read|admin, several joined by +)',
    },
  )
  DEBUG_API_KEYS = '';

  /** How often each API instance reloads the keys managed at runtime (revocations and new keys take effect within it). */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(60)
  DEBUG_API_KEY_REFRESH_SECONDS = 5;

  /** Swagger UI and the OpenAPI JSON need a key: off (default), on (= read), or the scope (ingest | read | admin). */
  @IsOptional()
  @Transform(toProtection)
  @IsIn(['off', 'ingest', 'read', 'admin'], {
    message: 'DEBUG_PROTECT_DOCS must be off, on, or a scope (ingest, read, admin)',
  })
  DEBUG_PROTECT_DOCS = 'off';

  /** The Prometheus scrape (GET /metrics and /api/debug/metrics) needs a key: off (default), on (= read), or the scope. */
  @IsOptional()
  @Transform(toProtection)
  @IsIn(['off', 'ingest', 'read', 'admin'], {
    message: 'DEBUG_PROTECT_METRICS must be off, on, or a scope (ingest, read, admin)',
  })
  DEBUG_PROTECT_METRICS = 'off';

  @IsOptional()
  @IsString()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @IsString()
  DEBUG_SQLITE_PATH = './data/debug.sqlite';

  @IsOptional()
  @IsString()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Use Redis when REDIS_URL is set (hot tier, Bull queues, stream fan-out). */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  DEBUG_REDIS_ENABLED = true;

  /** Prefix of every Redis key and Bull queue, so that several deployments (or test runs) share one Redis. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, {
    message: 'DEBUG_REDIS_PREFIX must be 1-64 characters of A-Z a-z 0-9 _ . : -',
  })
  DEBUG_REDIS_PREFIX = 'ads';

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  DEBUG_STREAMING_ENABLED = true;

  /** Longest a streamed message waits in a client's outbox before its batch is emitted (ms). */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  DEBUG_STREAM_FLUSH_MS = 5;

  /** Messages one stream client may have waiting; past it new ones are dropped and counted. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  @Max(1000000)
  DEBUG_STREAM_CLIENT_BUFFER = 10000;

  /** Most hot-tier arrivals one `subscribe` with `since` scans to backfill. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000000)
  DEBUG_STREAM_BACKFILL_LIMIT = 50000;

  /** Browser origins allowed by CORS, comma-separated (e.g. the console's or a browser SDK's); none by default. */
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  DEBUG_CORS_ORIGINS = '';

  /** Requests one API key may make per minute, over all routes and instances (429 with Retry-After past it); 0: no limit. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(100000000)
  DEBUG_RATE_LIMIT_PER_KEY = 120000;

  /** Requests one client address may make per minute, over all routes and instances; 0: no limit. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(100000000)
  DEBUG_RATE_LIMIT_PER_IP = 120000;

  /** Failed authentications one address may make per minute before its keyed requests answer 429. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000000)
  DEBUG_AUTH_FAILURES_PER_MINUTE = 30;

  /** Stream connections one instance holds; past it a new one is refused (`too_many_connections`). */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000000)
  DEBUG_STREAM_MAX_CONNECTIONS = 2000;

  /** Stream connections one API key (or, without keys, one address) may hold on an instance. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000000)
  DEBUG_STREAM_MAX_CONNECTIONS_PER_KEY = 200;

  /** Filter values (ids, types, levels…) the subscriptions of one key (or address) may hold together on an instance. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  @Max(10000000)
  DEBUG_STREAM_MAX_FILTER_VALUES = 20000;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(24 * 365)
  DEBUG_EVENT_RETENTION_HOURS = 168;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(24 * 365 * 5)
  DEBUG_INSIGHT_RETENTION_HOURS = 720;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(24 * 365)
  DEBUG_METRIC_RETENTION_HOURS = 168;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(24 * 365)
  DEBUG_SNAPSHOT_RETENTION_HOURS = 168;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3650)
  DEBUG_COLD_RETENTION_DAYS = 30;

  @IsOptional()
  @IsString()
  DEBUG_ARCHIVE_DIR = './data/archive';

  /** Most rows in one cold archive segment (a day is cut into segments of this size). */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(5_000_000)
  DEBUG_ARCHIVE_SEGMENT_ROWS = 50000;

  /** How often the tiering jobs (warm-to-cold, cold-retention, insight-retention) run. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(24 * 60)
  DEBUG_TIERING_INTERVAL_MINUTES = 60;

  /** A file this process rewrites while its database (and Redis) answer: the worker's health check reads its age. */
  @IsOptional()
  @IsString()
  DEBUG_HEARTBEAT_FILE?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3600)
  DEBUG_HEARTBEAT_SECONDS = 10;

  /** Cold tier in an S3-compatible bucket instead of DEBUG_ARCHIVE_DIR when set. */
  @IsOptional()
  @IsString()
  @Matches(/^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'DEBUG_S3_BUCKET must be a bucket name (3-63 characters a-z 0-9 . -)',
  })
  DEBUG_S3_BUCKET = '';

  /** Endpoint of an S3-compatible service (MinIO, R2, …); empty for AWS. */
  @IsOptional()
  @IsString()
  @Matches(/^$|^https?:\/\/\S+$/, { message: 'DEBUG_S3_ENDPOINT must be an http(s):// URL' })
  DEBUG_S3_ENDPOINT = '';

  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9-]{2,32}$/, { message: 'DEBUG_S3_REGION must look like us-east-1' })
  DEBUG_S3_REGION = 'us-east-1';

  /** Key prefix inside the bucket. */
  @IsOptional()
  @IsString()
  @Matches(/^$|^[A-Za-z0-9_./-]{1,200}$/, {
    message: 'DEBUG_S3_PREFIX must be up to 200 characters of A-Z a-z 0-9 _ . / -',
  })
  DEBUG_S3_PREFIX = '';

  /** Path-style addressing (MinIO and most self-hosted S3 services need it). */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  DEBUG_S3_FORCE_PATH_STYLE = false;

  /** Static credentials; when empty the AWS SDK's default chain is used (instance role, profile). */
  @IsOptional()
  @IsString()
  DEBUG_S3_ACCESS_KEY_ID = '';

  @IsOptional()
  @IsString()
  DEBUG_S3_SECRET_ACCESS_KEY = '';

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(10000)
  DEBUG_BATCH_SIZE_MS = 100;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100000)
  DEBUG_BATCH_SIZE = 1000;

  /** Most events one POST /events/batch may carry. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100000)
  DEBUG_MAX_BATCH_EVENTS = 1000;

  /** Largest request body, as Express's body-parser reads it (e.g. 10mb). */
  @IsOptional()
  @IsString()
  @Matches(/^\d+(b|kb|mb)$/i, { message: 'DEBUG_BODY_LIMIT must look like 512kb or 10mb' })
  DEBUG_BODY_LIMIT = '10mb';

  /** Events waiting in the ingest queue past which ingestion answers 429. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  DEBUG_INGEST_BACKLOG_LIMIT = 500000;

  /** Attempts of an ingest batch job before it stays in the failed set (replayable). */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100)
  DEBUG_INGEST_ATTEMPTS = 10;

  /** First retry delay of a failed ingest job (ms); later ones double. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(600000)
  DEBUG_INGEST_BACKOFF_MS = 1000;

  /** A journal entry a writer read and left unacknowledged this long (ms) is taken over by another writer (its process died). */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(500)
  @Max(3_600_000)
  DEBUG_INGEST_CLAIM_IDLE_MS = 30000;

  /**
   * When an accepted event is acknowledged (full mode): `default` once it is in Redis's memory;
   * `fsync` once Redis has it on disk or on a replica (appendfsync always, WAITAOF or WAIT 1).
   */
  @IsOptional()
  @IsIn(['default', 'fsync'])
  DEBUG_DURABILITY: 'default' | 'fsync' = 'default';

  /** DEBUG_DURABILITY=fsync: longest wait (ms) for the disk or replica; past it the answer is 503. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  @Max(60_000)
  DEBUG_DURABILITY_TIMEOUT_MS = 1000;

  /**
   * DEBUG_DURABILITY=fsync: how often (ms) Redis is asked again how it keeps writes (also asked
   * after every reconnect). A change that takes the guarantee away is noticed within it.
   */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(600_000)
  DEBUG_DURABILITY_RECHECK_MS = 10_000;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3600 * 24 * 7)
  DEBUG_HOT_TTL_SECONDS = 3600;

  /** Entries of the in-process hot tier (embedded mode). */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  DEBUG_HOT_MAX_ENTRIES = 200000;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(86400)
  DEBUG_CACHE_TTL_SECONDS = 300;

  /** Seconds between periodic insight generation runs on worker processes; 0 turns the schedule off. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(86400)
  DEBUG_INSIGHT_INTERVAL_SECONDS = 60;

  /** Named groups of components whose state must agree: `name=type/id,type/id;name2=…` (besides one group per type). */
  @IsOptional()
  @IsString()
  @Matches(
    /^\s*$|^\s*[^=;,\s]+=[^/=;,\s]+\/[^=;,\s]+(,[^/=;,\s]+\/[^=;,\s]+)*(\s*;\s*[^=;,\s]+=[^/=;,\s]+\/[^=;,\s]+(,[^/=;,\s]+\/[^=;,\s]+)*)*\s*;?\s*$/,
    {
      message: 'DEBUG_CONSISTENCY_GROUPS must look like name=type/id,type/id;other=type/id,type/id',
    },
  )
  DEBUG_CONSISTENCY_GROUPS = '';

  /** Daily partitions created ahead of today (PostgreSQL). */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(60)
  DEBUG_PARTITION_DAYS_AHEAD = 3;

  // ---- alerting (src/alerting)
  /** Seconds between scheduled alert evaluations on worker processes; 0 turns the schedule off. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(86400)
  DEBUG_ALERT_INTERVAL_SECONDS = 30;

  /** Base URL of this service as people reach it, for the links in notifications (default http://localhost:PORT). */
  @IsOptional()
  @IsString()
  @Matches(/^$|^https?:\/\/\S+$/, { message: 'DEBUG_PUBLIC_URL must be an http(s) URL' })
  DEBUG_PUBLIC_URL = '';

  /** SMTP server of e-mail channels without their own: smtp(s)://user:password@host:port. */
  @IsOptional()
  @IsString()
  @Matches(/^$|^smtps?:\/\/\S+$/, { message: 'DEBUG_SMTP_URL must be an smtp:// or smtps:// URL' })
  DEBUG_SMTP_URL = '';

  @IsOptional()
  @IsString()
  DEBUG_SMTP_FROM = 'ai-debug-system@localhost';

  /** AES-256-GCM key of alert channels' secrets at rest: 32 bytes as 64 hex characters or base64; empty stores them in clear. */
  @IsOptional()
  @IsString()
  @Matches(/^$|^[0-9a-fA-F]{64}$|^[A-Za-z0-9+/_-]{43}=?$/, {
    message:
      'DEBUG_SECRETS_KEY must be 32 bytes: 64 hex characters or 44 base64 characters (openssl rand -base64 32)',
  })
  DEBUG_SECRETS_KEY = '';

  /** Attempts of one notification before it lands in the failed set. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(50)
  DEBUG_ALERT_DELIVERY_ATTEMPTS = 6;

  /** First retry delay of a notification; later ones double. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  @Max(3_600_000)
  DEBUG_ALERT_DELIVERY_BACKOFF_MS = 2000;

  /** A firing alert is posted to Alertmanager channels again this often, so that Alertmanager keeps it active (its resolve_timeout is 5 min). */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3600)
  DEBUG_ALERTMANAGER_REFRESH_SECONDS = 60;

  /** Bull lock of an `alerts` job: a worker that died holding one is noticed after about this long. */
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  DEBUG_ALERT_JOB_LOCK_MS = 30000;

  @IsOptional()
  @IsIn(['json', 'pretty'])
  DEBUG_LOG_FORMAT: 'json' | 'pretty' = 'pretty';

  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** Sentry intake: the project ids accepted, each with the component_type its events get (`1=checkout,2=billing`); empty accepts any. */
  @IsOptional()
  @IsString()
  @Matches(/^\s*$|^\s*\d+(=[^=,\s]+)?(\s*,\s*\d+(=[^=,\s]+)?)*\s*$/, {
    message:
      'DEBUG_SENTRY_PROJECTS must look like 1=checkout-api,2=billing (project id, optionally =component_type)',
  })
  DEBUG_SENTRY_PROJECTS = '';

  /** Sentry intake: the fields of an event's `user` that are kept (the rest, e.g. email and ip_address, are dropped). */
  @IsOptional()
  @IsString()
  @Matches(/^[\w,\s]*$/, {
    message: 'DEBUG_SENTRY_USER_FIELDS must be a comma-separated list of field names',
  })
  DEBUG_SENTRY_USER_FIELDS = 'id,username';
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Validates raw environment values; throws one error naming every bad variable. */
export function validateEnvironment(raw: Record<string, unknown>): EnvironmentVariables {
  const known = Object.keys(new EnvironmentVariables());
  const relevant: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || value === '') continue;
    if (known.includes(key) || key === 'HOST' || key === 'DATABASE_URL' || key === 'REDIS_URL') {
      relevant[key] = value;
    }
  }
  const env = plainToInstance(EnvironmentVariables, relevant, { exposeDefaultValues: true });
  const errors = validateSync(env, { skipMissingProperties: false });
  if (errors.length > 0) {
    throw new ConfigValidationError(
      errors.map((error) => {
        const reasons = Object.values(error.constraints ?? {}).join('; ');
        return `${error.property}=${JSON.stringify(error.value)}: ${reasons}`;
      }),
    );
  }
  if (env.OTLP_HTTP_PORT !== 0 && env.OTLP_HTTP_PORT === env.PORT) {
    throw new ConfigValidationError([
      `OTLP_HTTP_PORT=${env.OTLP_HTTP_PORT}: must differ from PORT (the main port serves /v1/logs, /v1/traces, /v1/metrics already; 0 turns the OTLP listener off)`,
    ]);
  }
  if (
    env.OTLP_GRPC_PORT !== 0 &&
    (env.OTLP_GRPC_PORT === env.PORT || env.OTLP_GRPC_PORT === env.OTLP_HTTP_PORT)
  ) {
    throw new ConfigValidationError([
      `OTLP_GRPC_PORT=${env.OTLP_GRPC_PORT}: must differ from PORT and OTLP_HTTP_PORT (gRPC needs a listener of its own; 0 turns it off)`,
    ]);
  }
  return env;
}
