import { Injectable } from '@nestjs/common';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus registry of this process. Modules ask it for their counters, gauges
 * and histograms by name; asking twice returns the same instrument.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ads_' });
  }

  counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
    const existing = this.registry.getSingleMetric(name);
    return (
      (existing as Counter<string>) ??
      new Counter({ name, help, labelNames, registers: [this.registry] })
    );
  }

  gauge(name: string, help: string, labelNames: string[] = []): Gauge<string> {
    const existing = this.registry.getSingleMetric(name);
    return (
      (existing as Gauge<string>) ??
      new Gauge({ name, help, labelNames, registers: [this.registry] })
    );
  }

  histogram(
    name: string,
    help: string,
    labelNames: string[] = [],
    buckets?: number[],
  ): Histogram<string> {
    const existing = this.registry.getSingleMetric(name);
    return (
      (existing as Histogram<string>) ??
      new Histogram({ name, help, labelNames, buckets, registers: [this.registry] })
    );
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
