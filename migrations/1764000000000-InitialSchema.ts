import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The five tables. PostgreSQL gets daily range partitions for events and metrics (the
 * partitions themselves are created by PartitionService), jsonb and timestamptz;
 * SQLite gets the same columns as TEXT/REAL with the same indexes.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = queryRunner.connection.options.type === 'postgres' ? postgresUp : sqliteUp;
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'debug_sessions',
      'debug_metrics',
      'debug_state_snapshots',
      'debug_insights',
      'debug_events',
    ]) {
      await queryRunner.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}

const postgresUp = [
  `CREATE TABLE debug_events (
    id uuid NOT NULL,
    "timestamp" timestamptz NOT NULL,
    event_type varchar(32) NOT NULL,
    level varchar(16) NOT NULL,
    component_type varchar(128) NOT NULL,
    component_id varchar(256) NOT NULL,
    correlation_id varchar(256),
    parent_event_id varchar(64),
    operation varchar(256),
    duration_ms double precision,
    message text NOT NULL,
    data jsonb,
    metadata jsonb,
    session_id varchar(64),
    pattern_id varchar(64),
    ingested_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, "timestamp")
  ) PARTITION BY RANGE ("timestamp")`,
  `CREATE TABLE debug_events_default PARTITION OF debug_events DEFAULT`,
  `CREATE INDEX idx_debug_events_time ON debug_events USING brin ("timestamp")`,
  `CREATE INDEX idx_debug_events_component_time ON debug_events (component_type, component_id, "timestamp")`,
  `CREATE INDEX idx_debug_events_correlation ON debug_events (correlation_id) WHERE correlation_id IS NOT NULL`,
  `CREATE INDEX idx_debug_events_type_time ON debug_events (event_type, "timestamp")`,
  `CREATE INDEX idx_debug_events_level_time ON debug_events (level, "timestamp")`,
  `CREATE INDEX idx_debug_events_session ON debug_events (session_id) WHERE session_id IS NOT NULL`,
  `CREATE INDEX idx_debug_events_pattern_time ON debug_events (pattern_id, "timestamp") WHERE pattern_id IS NOT NULL`,

  `CREATE TABLE debug_metrics (
    id uuid NOT NULL,
    "timestamp" timestamptz NOT NULL,
    name varchar(256) NOT NULL,
    component_type varchar(128) NOT NULL,
    component_id varchar(256) NOT NULL,
    value double precision NOT NULL,
    unit varchar(32),
    tags jsonb,
    PRIMARY KEY (id, "timestamp")
  ) PARTITION BY RANGE ("timestamp")`,
  `CREATE TABLE debug_metrics_default PARTITION OF debug_metrics DEFAULT`,
  `CREATE INDEX idx_debug_metrics_name_time ON debug_metrics (name, "timestamp")`,
  `CREATE INDEX idx_debug_metrics_component_time ON debug_metrics (component_type, component_id, "timestamp")`,

  `CREATE TABLE debug_insights (
    id uuid PRIMARY KEY,
    insight_type varchar(32) NOT NULL,
    severity varchar(16) NOT NULL,
    title varchar(512) NOT NULL,
    summary text NOT NULL,
    fingerprint varchar(128) NOT NULL UNIQUE,
    affected_components jsonb NOT NULL DEFAULT '[]',
    evidence jsonb NOT NULL DEFAULT '{}',
    confidence double precision NOT NULL,
    confidence_factors jsonb NOT NULL DEFAULT '{}',
    suggestions jsonb NOT NULL DEFAULT '[]',
    occurrences integer NOT NULL DEFAULT 1,
    first_seen timestamptz NOT NULL,
    last_seen timestamptz NOT NULL,
    status varchar(16) NOT NULL DEFAULT 'open',
    resolved_at timestamptz,
    resolution text,
    session_id varchar(64),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX idx_debug_insights_status_last_seen ON debug_insights (status, last_seen)`,
  `CREATE INDEX idx_debug_insights_type_last_seen ON debug_insights (insight_type, last_seen)`,
  `CREATE INDEX idx_debug_insights_last_seen ON debug_insights (last_seen)`,

  `CREATE TABLE debug_state_snapshots (
    id uuid PRIMARY KEY,
    component_type varchar(128) NOT NULL,
    component_id varchar(256) NOT NULL,
    captured_at timestamptz NOT NULL,
    correlation_id varchar(256),
    state jsonb NOT NULL,
    diff_from_previous jsonb,
    version integer NOT NULL,
    hash varchar(64) NOT NULL,
    UNIQUE (component_type, component_id, version)
  )`,
  `CREATE INDEX idx_debug_snapshots_component_time ON debug_state_snapshots (component_type, component_id, captured_at)`,
  `CREATE INDEX idx_debug_snapshots_captured ON debug_state_snapshots (captured_at)`,

  `CREATE TABLE debug_sessions (
    id uuid PRIMARY KEY,
    name varchar(256) NOT NULL,
    description text,
    status varchar(16) NOT NULL DEFAULT 'active',
    filters jsonb NOT NULL DEFAULT '{}',
    created_by varchar(256),
    created_at timestamptz NOT NULL DEFAULT now(),
    closed_at timestamptz,
    summary text
  )`,
  `CREATE INDEX idx_debug_sessions_status_created ON debug_sessions (status, created_at)`,
];

const sqliteUp = [
  `CREATE TABLE debug_events (
    id varchar(36) NOT NULL,
    "timestamp" datetime NOT NULL,
    event_type varchar(32) NOT NULL,
    level varchar(16) NOT NULL,
    component_type varchar(128) NOT NULL,
    component_id varchar(256) NOT NULL,
    correlation_id varchar(256),
    parent_event_id varchar(64),
    operation varchar(256),
    duration_ms real,
    message text NOT NULL,
    data text,
    metadata text,
    session_id varchar(64),
    pattern_id varchar(64),
    ingested_at datetime NOT NULL,
    PRIMARY KEY (id, "timestamp")
  )`,
  `CREATE UNIQUE INDEX idx_debug_events_id ON debug_events (id)`,
  `CREATE INDEX idx_debug_events_time ON debug_events ("timestamp")`,
  `CREATE INDEX idx_debug_events_component_time ON debug_events (component_type, component_id, "timestamp")`,
  `CREATE INDEX idx_debug_events_correlation ON debug_events (correlation_id) WHERE correlation_id IS NOT NULL`,
  `CREATE INDEX idx_debug_events_type_time ON debug_events (event_type, "timestamp")`,
  `CREATE INDEX idx_debug_events_level_time ON debug_events (level, "timestamp")`,
  `CREATE INDEX idx_debug_events_session ON debug_events (session_id) WHERE session_id IS NOT NULL`,
  `CREATE INDEX idx_debug_events_pattern_time ON debug_events (pattern_id, "timestamp") WHERE pattern_id IS NOT NULL`,

  `CREATE TABLE debug_metrics (
    id varchar(36) NOT NULL,
    "timestamp" datetime NOT NULL,
    name varchar(256) NOT NULL,
    component_type varchar(128) NOT NULL,
    component_id varchar(256) NOT NULL,
    value real NOT NULL,
    unit varchar(32),
    tags text,
    PRIMARY KEY (id, "timestamp")
  )`,
  `CREATE INDEX idx_debug_metrics_name_time ON debug_metrics (name, "timestamp")`,
  `CREATE INDEX idx_debug_metrics_component_time ON debug_metrics (component_type, component_id, "timestamp")`,

  `CREATE TABLE debug_insights (
    id varchar(36) PRIMARY KEY,
    insight_type varchar(32) NOT NULL,
    severity varchar(16) NOT NULL,
    title varchar(512) NOT NULL,
    summary text NOT NULL,
    fingerprint varchar(128) NOT NULL UNIQUE,
    affected_components text NOT NULL DEFAULT '[]',
    evidence text NOT NULL DEFAULT '{}',
    confidence real NOT NULL,
    confidence_factors text NOT NULL DEFAULT '{}',
    suggestions text NOT NULL DEFAULT '[]',
    occurrences integer NOT NULL DEFAULT 1,
    first_seen datetime NOT NULL,
    last_seen datetime NOT NULL,
    status varchar(16) NOT NULL DEFAULT 'open',
    resolved_at datetime,
    resolution text,
    session_id varchar(64),
    created_at datetime NOT NULL,
    updated_at datetime NOT NULL
  )`,
  `CREATE INDEX idx_debug_insights_status_last_seen ON debug_insights (status, last_seen)`,
  `CREATE INDEX idx_debug_insights_type_last_seen ON debug_insights (insight_type, last_seen)`,
  `CREATE INDEX idx_debug_insights_last_seen ON debug_insights (last_seen)`,

  `CREATE TABLE debug_state_snapshots (
    id varchar(36) PRIMARY KEY,
    component_type varchar(128) NOT NULL,
    component_id varchar(256) NOT NULL,
    captured_at datetime NOT NULL,
    correlation_id varchar(256),
    state text NOT NULL,
    diff_from_previous text,
    version integer NOT NULL,
    hash varchar(64) NOT NULL,
    UNIQUE (component_type, component_id, version)
  )`,
  `CREATE INDEX idx_debug_snapshots_component_time ON debug_state_snapshots (component_type, component_id, captured_at)`,
  `CREATE INDEX idx_debug_snapshots_captured ON debug_state_snapshots (captured_at)`,

  `CREATE TABLE debug_sessions (
    id varchar(36) PRIMARY KEY,
    name varchar(256) NOT NULL,
    description text,
    status varchar(16) NOT NULL DEFAULT 'active',
    filters text NOT NULL DEFAULT '{}',
    created_by varchar(256),
    created_at datetime NOT NULL,
    closed_at datetime,
    summary text
  )`,
  `CREATE INDEX idx_debug_sessions_status_created ON debug_sessions (status, created_at)`,
];
