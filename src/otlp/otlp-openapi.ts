import type { OpenAPIObject } from '@nestjs/swagger';
type SchemaObject = NonNullable<NonNullable<OpenAPIObject['components']>['schemas']>[string];
import { OTLP_PATHS } from './otlp-receiver.service.js';
import { REJECTED_FIELD, type OtlpSignal } from './otlp-schema.js';

type PathItem = OpenAPIObject['paths'][string];

const REQUEST_NAMES: Record<OtlpSignal, string> = {
  logs: 'ExportLogsServiceRequest',
  traces: 'ExportTraceServiceRequest',
  metrics: 'ExportMetricsServiceRequest',
};

/** google.rpc.Status as OTLP/HTTP answers errors (JSON here; protobuf when the request was protobuf). */
const RPC_STATUS: SchemaObject = {
  type: 'object',
  required: ['code', 'message'],
  properties: {
    code: {
      type: 'integer',
      description:
        'A google.rpc.Code (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, …)',
    },
    message: { type: 'string', description: 'What was wrong, naming the field or limit' },
    details: { type: 'array', items: { type: 'object' } },
  },
};

function statusResponse(description: string) {
  return {
    description,
    content: {
      'application/json': { schema: RPC_STATUS },
      'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
    },
  };
}

function operation(signal: OtlpSignal): PathItem {
  const rejected = REJECTED_FIELD[signal];
  return {
    post: {
      tags: ['otlp'],
      operationId: `otlpExport${signal[0].toUpperCase()}${signal.slice(1)}`,
      summary: `OTLP/HTTP ${signal} export`,
      description:
        `An OpenTelemetry ${REQUEST_NAMES[signal]} (opentelemetry-proto v1.5.0), as the OTel SDKs' and the ` +
        "Collector's otlphttp exporters send it: protobuf or JSON, optionally gzip (Content-Encoding), the body " +
        'limit applying after decompression. Also served at OTLP_HTTP_PORT (4318). Needs the ingest scope, ' +
        'from X-API-Key or Authorization: Bearer. Idempotent: a retried export stores nothing twice. See docs/otlp.md.',
      requestBody: {
        required: true,
        content: {
          'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
          'application/json': {
            schema: {
              type: 'object',
              description: `${REQUEST_NAMES[signal]} in the OTLP JSON encoding (hex ids, int64 as strings or numbers)`,
            },
          },
        },
      },
      responses: {
        '200': {
          description: `Stored (durable). With partialSuccess when some items were refused: ${rejected} counts them and errorMessage names the first.`,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  partialSuccess: {
                    type: 'object',
                    properties: {
                      [rejected]: { type: 'string', description: 'int64 as a string' },
                      errorMessage: { type: 'string' },
                    },
                  },
                },
              },
            },
            'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
          },
        },
        '400': statusResponse('Undecodable body (not retried by exporters)'),
        '401': statusResponse(
          'API keys are configured and the request carries none, or an unknown one',
        ),
        '403': statusResponse('The key lacks the ingest scope'),
        '413': statusResponse('The body is over the limit (after decompression)'),
        '415': statusResponse('Neither application/x-protobuf nor application/json'),
        '429': statusResponse('Backpressure: retry after Retry-After seconds'),
        '503': statusResponse('A store is unreachable: retry after Retry-After seconds'),
      },
    },
  };
}

/**
 * The OTLP/HTTP routes for the OpenAPI document. They are plain HTTP handlers (they read the
 * raw body themselves), so no controller describes them; the document adds these paths.
 */
export function otlpOpenApiPaths(): OpenAPIObject['paths'] {
  return Object.fromEntries(
    (Object.entries(OTLP_PATHS) as [OtlpSignal, string][]).map(([signal, path]) => [
      path,
      operation(signal),
    ]),
  );
}
