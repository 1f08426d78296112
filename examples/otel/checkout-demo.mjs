// A small service instrumented with the official OpenTelemetry JS SDK and nothing of this
// project's: every setting comes from the standard OTEL_* variables (see README.md here).
// It places three orders; the last one fails in the payment step. It prints the trace ids
// of the orders as one JSON line, so you can open them: GET /api/debug/operations/<trace id>.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { logs, SeverityNumber } from '@opentelemetry/api-logs';

const sdk = new NodeSDK();
sdk.start();

const tracer = trace.getTracer('checkout-demo', '1.0.0');
const logger = logs.getLogger('checkout-demo', '1.0.0');
const meter = metrics.getMeter('checkout-demo', '1.0.0');
const ordersPlaced = meter.createCounter('orders.placed', { description: 'Orders that reached checkout' });
const checkoutDuration = meter.createHistogram('checkout.duration', { unit: 'ms', description: 'Time to check out one order' });
let cartSize = 0;
meter.createObservableGauge('cart.size', { unit: '{items}' }).addCallback((result) => result.observe(cartSize));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function log(severityNumber, severityText, body, attributes = {}) {
  logger.emit({ severityNumber, severityText, body, attributes });
}

async function step(name, kind, work) {
  return tracer.startActiveSpan(name, { kind }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

async function checkout(orderId, items, failPayment) {
  const started = Date.now();
  return step('POST /checkout', SpanKind.SERVER, async (span) => {
    span.setAttribute('order.id', orderId);
    cartSize = items;
    ordersPlaced.add(1, { 'payment.method': 'card' });
    log(SeverityNumber.INFO, 'INFO', `checkout started for order ${orderId} with ${items} items`, { 'order.id': orderId });
    await step('reserve stock', SpanKind.INTERNAL, async () => sleep(5));
    try {
      await step('charge card', SpanKind.CLIENT, async () => {
        await sleep(10);
        if (failPayment) throw new Error(`card declined by issuer for order ${orderId}`);
      });
    } catch (error) {
      log(SeverityNumber.ERROR, 'ERROR', `payment failed for order ${orderId}`, {
        'order.id': orderId,
        'exception.type': error.name,
        'exception.message': error.message,
      });
      throw error;
    } finally {
      checkoutDuration.record(Date.now() - started, { 'payment.method': 'card' });
    }
    log(SeverityNumber.INFO, 'INFO', `order ${orderId} confirmed`, { 'order.id': orderId });
  });
}

const traces = { completed: [], failed: [] };
for (const [orderId, items, fail] of [
  ['A-100', 2, false],
  ['A-101', 5, false],
  ['A-102', 1, true],
]) {
  let traceId;
  await step('order', SpanKind.INTERNAL, async (root) => {
    traceId = root.spanContext().traceId;
    await checkout(orderId, items, fail);
  }).catch(() => undefined);
  (fail ? traces.failed : traces.completed).push(traceId);
}

await sdk.shutdown(); // flushes spans, logs and metrics
console.log(JSON.stringify(traces));
