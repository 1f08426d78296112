import protobuf from 'protobufjs';

/**
 * The OTLP/HTTP request and response messages this service decodes and answers, written for
 * this project from the OpenTelemetry protocol specification, opentelemetry-proto v1.5.0
 * (message names, field numbers and types as the specification fixes them). Only what is read
 * is declared: protobuf skips unknown fields, so exemplars, links' own attributes, entity refs
 * and fields added by later versions are ignored, as the specification requires of receivers.
 * Package names are the specification's, so the messages keep their well-known full names.
 */
export const OTLP_PROTO_VERSION = 'v1.5.0';

const OTLP_PROTO = `
syntax = "proto3";

package opentelemetry.proto.common.v1;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue {
  string key = 1;
  AnyValue value = 2;
}
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}

package opentelemetry.proto.resource.v1;

message Resource {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
}

package opentelemetry.proto.logs.v1;

message ResourceLogs {
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeLogs scope_logs = 2;
  string schema_url = 3;
}
message ScopeLogs {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated LogRecord log_records = 2;
  string schema_url = 3;
}
message LogRecord {
  fixed64 time_unix_nano = 1;
  fixed64 observed_time_unix_nano = 11;
  int32 severity_number = 2;
  string severity_text = 3;
  opentelemetry.proto.common.v1.AnyValue body = 5;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 6;
  uint32 dropped_attributes_count = 7;
  fixed32 flags = 8;
  bytes trace_id = 9;
  bytes span_id = 10;
  string event_name = 12;
}

package opentelemetry.proto.collector.logs.v1;

message ExportLogsServiceRequest { repeated opentelemetry.proto.logs.v1.ResourceLogs resource_logs = 1; }
message ExportLogsServiceResponse { ExportLogsPartialSuccess partial_success = 1; }
message ExportLogsPartialSuccess {
  int64 rejected_log_records = 1;
  string error_message = 2;
}

package opentelemetry.proto.trace.v1;

message ResourceSpans {
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}
message ScopeSpans {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;

  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated opentelemetry.proto.common.v1.KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }
  message Link {
    bytes trace_id = 1;
    bytes span_id = 2;
    string trace_state = 3;
  }
}
message Status {
  string message = 2;
  int32 code = 3;
}

package opentelemetry.proto.collector.trace.v1;

message ExportTraceServiceRequest { repeated opentelemetry.proto.trace.v1.ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess {
  int64 rejected_spans = 1;
  string error_message = 2;
}

package opentelemetry.proto.metrics.v1;

message ResourceMetrics {
  opentelemetry.proto.resource.v1.Resource resource = 1;
  repeated ScopeMetrics scope_metrics = 2;
  string schema_url = 3;
}
message ScopeMetrics {
  opentelemetry.proto.common.v1.InstrumentationScope scope = 1;
  repeated Metric metrics = 2;
  string schema_url = 3;
}
message Metric {
  string name = 1;
  string description = 2;
  string unit = 3;
  oneof data {
    Gauge gauge = 5;
    Sum sum = 7;
    Histogram histogram = 9;
    ExponentialHistogram exponential_histogram = 10;
    Summary summary = 11;
  }
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum {
  repeated NumberDataPoint data_points = 1;
  int32 aggregation_temporality = 2;
  bool is_monotonic = 3;
}
message Histogram {
  repeated HistogramDataPoint data_points = 1;
  int32 aggregation_temporality = 2;
}
message ExponentialHistogram {
  repeated ExponentialHistogramDataPoint data_points = 1;
  int32 aggregation_temporality = 2;
}
message Summary { repeated SummaryDataPoint data_points = 1; }
message NumberDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  oneof value {
    double as_double = 4;
    sfixed64 as_int = 6;
  }
  uint32 flags = 8;
}
message HistogramDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 9;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  repeated fixed64 bucket_counts = 6;
  repeated double explicit_bounds = 7;
  uint32 flags = 10;
  optional double min = 11;
  optional double max = 12;
}
message ExponentialHistogramDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 1;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
}
message SummaryDataPoint {
  repeated opentelemetry.proto.common.v1.KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  double sum = 5;
  repeated ValueAtQuantile quantile_values = 6;
  uint32 flags = 8;

  message ValueAtQuantile {
    double quantile = 1;
    double value = 2;
  }
}

package opentelemetry.proto.collector.metrics.v1;

message ExportMetricsServiceRequest { repeated opentelemetry.proto.metrics.v1.ResourceMetrics resource_metrics = 1; }
message ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }
message ExportMetricsPartialSuccess {
  int64 rejected_data_points = 1;
  string error_message = 2;
}

package google.rpc;

message Status {
  int32 code = 1;
  string message = 2;
}
`;

// protobufjs takes one package statement per parse: each package's block is parsed into one root.
const root = new protobuf.Root();
for (const block of OTLP_PROTO.split(/(?=^package )/m).filter((text) =>
  text.startsWith('package '),
)) {
  protobuf.parse(`syntax = "proto3";\n${block}`, root);
}
root.resolveAll();

/** The three OTLP signals, by the path segment of their endpoint (`/v1/logs` …). */
export type OtlpSignal = 'logs' | 'traces' | 'metrics';

const REQUEST_TYPES: Record<OtlpSignal, protobuf.Type> = {
  logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
  traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  metrics: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
};

const RESPONSE_TYPES: Record<OtlpSignal, protobuf.Type> = {
  logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse'),
  traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
  metrics: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse'),
};

const STATUS_TYPE = root.lookupType('google.rpc.Status');

/** The request type of a signal (the tests and the benchmark encode with it, as an exporter does). */
export function requestType(signal: OtlpSignal): protobuf.Type {
  return REQUEST_TYPES[signal];
}

/**
 * Decodes a binary export request. Field names come out in lowerCamelCase, as OTLP/JSON
 * spells them, so one mapper reads both encodings.
 */
export function decodeRequest(signal: OtlpSignal, body: Uint8Array): Record<string, unknown> {
  return REQUEST_TYPES[signal].decode(body) as unknown as Record<string, unknown>;
}

/** The count field of each signal's partial success. */
export const REJECTED_FIELD: Record<OtlpSignal, string> = {
  logs: 'rejectedLogRecords',
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
};

export function encodeResponse(
  signal: OtlpSignal,
  partial: { rejected: number; message: string } | null,
): Uint8Array {
  const type = RESPONSE_TYPES[signal];
  const payload = partial
    ? {
        partialSuccess: {
          [REJECTED_FIELD[signal]]: partial.rejected,
          errorMessage: partial.message,
        },
      }
    : {};
  return type.encode(type.fromObject(payload)).finish();
}

/** Decodes an export response as proto3 JSON would spell it (for tests and clients of this module's answers). */
export function decodeResponse(signal: OtlpSignal, body: Uint8Array): Record<string, unknown> {
  const type = RESPONSE_TYPES[signal];
  return type.toObject(type.decode(body), { longs: String }) as Record<string, unknown>;
}

export function encodeStatus(code: number, message: string): Uint8Array {
  return STATUS_TYPE.encode(STATUS_TYPE.fromObject({ code, message })).finish();
}

/** Decodes a google.rpc.Status (for tests and clients of this module's answers). */
export function decodeStatus(body: Uint8Array): { code: number; message: string } {
  return STATUS_TYPE.toObject(STATUS_TYPE.decode(body), { defaults: true }) as {
    code: number;
    message: string;
  };
}
