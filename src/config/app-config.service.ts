import { Inject, Injectable } from '@nestjs/common';
import { resolve } from 'node:path';
import { EnvironmentVariables, ProcessRole } from './environment.js';

export const ENVIRONMENT = Symbol('ENVIRONMENT');

export type ApiScope = 'ingest' | 'read' | 'admin';

export interface ApiKey {
  key: string;
  scopes: ReadonlySet<ApiScope>;
}

export interface S3Settings {
  bucket: string;
  endpoint?: string;
  region: string;
  prefix: string;
  forcePathStyle: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/** Typed, validated configuration. The only reader of the environment. */
@Injectable()
export class AppConfig {
  readonly apiKeys: readonly ApiKey[];

  constructor(@Inject(ENVIRONMENT) private readonly env: EnvironmentVariables) {
    this.apiKeys = parseApiKeys(env.DEBUG_API_KEYS);
  }

  get port(): number {
    return this.env.PORT;
  }

  /** OTLP/HTTP listener port; 0: none. */
  get otlpHttpPort(): number {
    return this.env.OTLP_HTTP_PORT;
  }

  /** OTLP/gRPC listener port; 0: none. */
  get otlpGrpcPort(): number {
    return this.env.OTLP_GRPC_PORT;
  }

  get host(): string {
    return this.env.HOST ?? (this.authEnabled ? '0.0.0.0' : '127.0.0.1');
  }

  get hostIsLoopback(): boolean {
    return LOOPBACK_HOSTS.has(this.host);
  }

  get authEnabled(): boolean {
    return this.apiKeys.length > 0;
  }

  get apiKeyRefreshSeconds(): number {
    return this.env.DEBUG_API_KEY_REFRESH_SECONDS;
  }

  /** The scope Swagger UI and the OpenAPI JSON need; null: public. */
  get docsScope(): ApiScope | null {
    return scopeOrNull(this.env.DEBUG_PROTECT_DOCS);
  }

  /** The scope the Prometheus scrape needs; null: public. */
  get metricsScope(): ApiScope | null {
    return scopeOrNull(this.env.DEBUG_PROTECT_METRICS);
  }

  get enabled(): boolean {
    return this.env.DEBUG_SYSTEM_ENABLED;
  }

  get role(): ProcessRole {
    return this.env.DEBUG_ROLE;
  }

  get runsApi(): boolean {
    return this.role !== ProcessRole.Worker;
  }

  get runsWorkers(): boolean {
    return this.role !== ProcessRole.Api;
  }

  get databaseUrl(): string | undefined {
    return this.env.DATABASE_URL;
  }

  get dialect(): 'postgres' | 'sqlite' {
    return this.env.DATABASE_URL ? 'postgres' : 'sqlite';
  }

  get sqlitePath(): string {
    return this.env.DEBUG_SQLITE_PATH === ':memory:'
      ? ':memory:'
      : resolve(this.env.DEBUG_SQLITE_PATH);
  }

  /** Redis is used when a URL is given and not switched off. */
  get redisUrl(): string | undefined {
    return this.env.DEBUG_REDIS_ENABLED ? this.env.REDIS_URL : undefined;
  }

  get redisPrefix(): string {
    return this.env.DEBUG_REDIS_PREFIX;
  }

  get streamingEnabled(): boolean {
    return this.env.DEBUG_STREAMING_ENABLED;
  }

  get streamFlushMs(): number {
    return this.env.DEBUG_STREAM_FLUSH_MS;
  }

  get streamClientBuffer(): number {
    return this.env.DEBUG_STREAM_CLIENT_BUFFER;
  }

  /** DEBUG_CORS_ORIGINS as a list; empty: CORS off. */
  get corsOrigins(): string[] {
    return this.env.DEBUG_CORS_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0);
  }

  get rateLimitPerKey(): number {
    return this.env.DEBUG_RATE_LIMIT_PER_KEY;
  }

  get rateLimitPerIp(): number {
    return this.env.DEBUG_RATE_LIMIT_PER_IP;
  }

  get authFailuresPerMinute(): number {
    return this.env.DEBUG_AUTH_FAILURES_PER_MINUTE;
  }

  get streamMaxConnections(): number {
    return this.env.DEBUG_STREAM_MAX_CONNECTIONS;
  }

  get streamMaxConnectionsPerKey(): number {
    return this.env.DEBUG_STREAM_MAX_CONNECTIONS_PER_KEY;
  }

  get streamMaxFilterValues(): number {
    return this.env.DEBUG_STREAM_MAX_FILTER_VALUES;
  }

  get streamBackfillLimit(): number {
    return this.env.DEBUG_STREAM_BACKFILL_LIMIT;
  }

  get eventRetentionHours(): number {
    return this.env.DEBUG_EVENT_RETENTION_HOURS;
  }

  get insightRetentionHours(): number {
    return this.env.DEBUG_INSIGHT_RETENTION_HOURS;
  }

  get metricRetentionHours(): number {
    return this.env.DEBUG_METRIC_RETENTION_HOURS;
  }

  get snapshotRetentionHours(): number {
    return this.env.DEBUG_SNAPSHOT_RETENTION_HOURS;
  }

  get coldRetentionDays(): number {
    return this.env.DEBUG_COLD_RETENTION_DAYS;
  }

  get archiveDir(): string {
    return resolve(this.env.DEBUG_ARCHIVE_DIR);
  }

  get archiveSegmentRows(): number {
    return this.env.DEBUG_ARCHIVE_SEGMENT_ROWS;
  }

  get tieringIntervalMinutes(): number {
    return this.env.DEBUG_TIERING_INTERVAL_MINUTES;
  }

  get heartbeatFile(): string | undefined {
    return this.env.DEBUG_HEARTBEAT_FILE || undefined;
  }

  get heartbeatSeconds(): number {
    return this.env.DEBUG_HEARTBEAT_SECONDS;
  }

  /** The S3 cold tier, or undefined for the local directory. */
  get s3(): S3Settings | undefined {
    if (!this.env.DEBUG_S3_BUCKET) return undefined;
    return {
      bucket: this.env.DEBUG_S3_BUCKET,
      endpoint: this.env.DEBUG_S3_ENDPOINT || undefined,
      region: this.env.DEBUG_S3_REGION,
      prefix: this.env.DEBUG_S3_PREFIX.replace(/\/+$/, ''),
      forcePathStyle: this.env.DEBUG_S3_FORCE_PATH_STYLE,
      credentials:
        this.env.DEBUG_S3_ACCESS_KEY_ID && this.env.DEBUG_S3_SECRET_ACCESS_KEY
          ? {
              accessKeyId: this.env.DEBUG_S3_ACCESS_KEY_ID,
              secretAccessKey: this.env.DEBUG_S3_SECRET_ACCESS_KEY,
            }
          : undefined,
    };
  }

  get batchSize(): number {
    return this.env.DEBUG_BATCH_SIZE;
  }

  get batchWindowMs(): number {
    return this.env.DEBUG_BATCH_SIZE_MS;
  }

  get maxBatchEvents(): number {
    return this.env.DEBUG_MAX_BATCH_EVENTS;
  }

  get bodyLimit(): string {
    return this.env.DEBUG_BODY_LIMIT;
  }

  get ingestBacklogLimit(): number {
    return this.env.DEBUG_INGEST_BACKLOG_LIMIT;
  }

  get ingestAttempts(): number {
    return this.env.DEBUG_INGEST_ATTEMPTS;
  }

  get ingestBackoffMs(): number {
    return this.env.DEBUG_INGEST_BACKOFF_MS;
  }

  get ingestClaimIdleMs(): number {
    return this.env.DEBUG_INGEST_CLAIM_IDLE_MS;
  }

  get durability(): 'default' | 'fsync' {
    return this.env.DEBUG_DURABILITY;
  }

  get durabilityTimeoutMs(): number {
    return this.env.DEBUG_DURABILITY_TIMEOUT_MS;
  }

  get durabilityRecheckMs(): number {
    return this.env.DEBUG_DURABILITY_RECHECK_MS;
  }

  get hotTtlSeconds(): number {
    return this.env.DEBUG_HOT_TTL_SECONDS;
  }

  get hotMaxEntries(): number {
    return this.env.DEBUG_HOT_MAX_ENTRIES;
  }

  get cacheTtlSeconds(): number {
    return this.env.DEBUG_CACHE_TTL_SECONDS;
  }

  /** Seconds between periodic insight runs (0: no schedule). */
  get insightIntervalSeconds(): number {
    return this.env.DEBUG_INSIGHT_INTERVAL_SECONDS;
  }

  get consistencyGroups(): string {
    return this.env.DEBUG_CONSISTENCY_GROUPS;
  }

  get partitionDaysAhead(): number {
    return this.env.DEBUG_PARTITION_DAYS_AHEAD;
  }

  get logFormat(): 'json' | 'pretty' {
    return this.env.DEBUG_LOG_FORMAT;
  }

  get alerting() {
    return {
      intervalSeconds: this.env.DEBUG_ALERT_INTERVAL_SECONDS,
      publicUrl: (this.env.DEBUG_PUBLIC_URL || `http://localhost:${this.env.PORT}`).replace(
        /\/+$/,
        '',
      ),
      smtpUrl: this.env.DEBUG_SMTP_URL || undefined,
      smtpFrom: this.env.DEBUG_SMTP_FROM,
      secretsKey: this.env.DEBUG_SECRETS_KEY || undefined,
      deliveryAttempts: this.env.DEBUG_ALERT_DELIVERY_ATTEMPTS,
      deliveryBackoffMs: this.env.DEBUG_ALERT_DELIVERY_BACKOFF_MS,
      jobLockMs: this.env.DEBUG_ALERT_JOB_LOCK_MS,
      alertmanagerRefreshSeconds: this.env.DEBUG_ALERTMANAGER_REFRESH_SECONDS,
    };
  }

  get logLevel(): EnvironmentVariables['LOG_LEVEL'] {
    return this.env.LOG_LEVEL;
  }

  /** Sentry project ids accepted, with their component_type; empty: any project id, component_type `sentry-<id>`. */
  get sentryProjects(): ReadonlyMap<string, string> {
    return new Map(
      this.env.DEBUG_SENTRY_PROJECTS.split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0)
        .map((entry) => {
          const [id, name] = entry.split('=');
          return [id, name ?? `sentry-${id}`] as const;
        }),
    );
  }

  get sentryUserFields(): readonly string[] {
    return this.env.DEBUG_SENTRY_USER_FIELDS.split(',')
      .map((field) => field.trim())
      .filter((field) => field.length > 0);
  }
}

export function parseApiKeys(spec: string): ApiKey[] {
  return spec
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const separator = entry.lastIndexOf(':');
      const key = entry.slice(0, separator);
      const scopes = entry.slice(separator + 1).split('+') as ApiScope[];
      return { key, scopes: new Set(scopes) };
    });
}

function scopeOrNull(setting: string): ApiScope | null {
  return setting === 'off' ? null : (setting as ApiScope);
}
