import { Injectable } from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../common/metrics/metrics.service.js';

/** The Prometheus instruments of the OTLP receiver (the events it keeps are counted by ingestion's own). */
@Injectable()
export class OtlpMetrics {
  readonly requests: Counter<string>;
  readonly items: Counter<string>;
  readonly decodeSeconds: Histogram<string>;

  constructor(metrics: MetricsService) {
    this.requests = metrics.counter(
      'ads_otlp_requests_total',
      'OTLP export requests, by signal, encoding (protobuf, json or grpc) and answer status (HTTP; for gRPC the HTTP status of the same answer)',
      ['signal', 'encoding', 'status'],
    );
    this.items = metrics.counter(
      'ads_otlp_items_total',
      'Log records, spans and data points received, kept or rejected (partial success)',
      ['signal', 'outcome'],
    );
    this.decodeSeconds = metrics.histogram(
      'ads_otlp_decode_seconds',
      'Time to decode one export request body (protobuf or JSON), on the accept path',
      ['signal', 'encoding'],
      [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    );
  }
}
