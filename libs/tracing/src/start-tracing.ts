import type { IncomingMessage } from 'node:http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Where spans go when OTEL_EXPORTER_OTLP_ENDPOINT is not set: the console, so no collector is needed. */
export const DEFAULT_OTLP_ENDPOINT = 'http://127.0.0.1:3005';

/** Probes and scrapes: polled every few seconds, they would bury the orders' traces. */
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

let sdk: NodeSDK | undefined;

/**
 * Starts OpenTelemetry for one service. It must run before the modules it instruments (http,
 * express, Nest, pg, ioredis) are loaded, so each service's `main.ts` imports its `tracing.ts`
 * first. The standard variables apply: OTEL_SDK_DISABLED=true turns it off, OTEL_TRACES_SAMPLER
 * and OTEL_TRACES_SAMPLER_ARG choose the sampling (parent-based, always on, by default).
 *
 * The brokers' client libraries are deliberately not instrumented: their instrumentations take
 * the trace context from the call stack of the publish, and the relay publishes a batch of
 * many orders' messages in one call. Each outbox row carries the context of the transaction that
 * wrote it instead, and the transport opens a consumer span per message under it (see
 * `message-spans.ts`); pg and ioredis record spans only inside such a span or a request.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): void {
  // Prometheus serves the metrics and pino the logs; the SDK would otherwise export both over OTLP too.
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  const endpoint = (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? `${env.OTEL_EXPORTER_OTLP_ENDPOINT ?? DEFAULT_OTLP_ENDPOINT}/v1/traces`).replace(
    /([^:])\/\/+/g,
    '$1/',
  );
  sdk = new NodeSDK({
    serviceName: service,
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }), {
        // Sized for a burst: about twenty spans an order at a few hundred orders a second.
        maxQueueSize: 16_384,
        maxExportBatchSize: 2_048,
        scheduledDelayMillis: 1_000,
      }),
    ],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.test(request.url ?? ''),
        // The services call out over HTTP only to export spans (already untraced) and in tests.
        ignoreOutgoingRequestHook: () => true,
      }),
      // Middleware spans (helmet, the body parser, the logger) say nothing about an order.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      new NestInstrumentation(),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
}

/** Exports what is buffered; called at shutdown so the last second of spans is not lost. */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown();
  sdk = undefined;
}
