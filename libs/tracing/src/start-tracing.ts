import type { IncomingMessage } from 'node:http';
import { type DiagLogger, diag, DiagLogLevel } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { AdjustableSampler } from './adjustable-sampler';
import { tracingSettings } from './tracing-settings';

/** Probes and scrapes: polled every few seconds, they would bury the orders' traces. */
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/** A relay span links every recorded row of its batch (OUTBOX_BATCH_SIZE, at most 10,000); the SDK keeps 128 by default. */
const MAX_LINKS_PER_SPAN = 10_000;

let sdk: NodeSDK | undefined;
let sampler: AdjustableSampler | undefined;

/** The sampler an operator can adjust at run time; undefined when tracing is off in this process. */
export const tracingSampler = (): AdjustableSampler | undefined => sampler;

/**
 * Starts OpenTelemetry for one service. It must run before the modules it instruments (http,
 * express, Nest, pg, ioredis) are loaded, so each service's `main.ts` imports its `tracing.ts`
 * first. The standard variables apply, checked first (see `tracingSettings`): a bad one stops the
 * service at start-up, naming it, as the services' own settings do.
 *
 * The brokers' client libraries are deliberately not instrumented: their instrumentations take
 * the trace context from the call stack of the publish, and the relay publishes a batch of
 * many orders' messages in one call. Each outbox row carries the context of the transaction that
 * wrote it instead, and the transport opens a consumer span per message under it (see
 * `message-spans.ts`); pg and ioredis record spans only inside such a span or a request.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): void {
  const settings = tracingSettings(service, env);
  if ('refusal' in settings) {
    process.stderr.write(`${settings.refusal}\n`);
    process.exit(78); // EX_CONFIG, as for the services' own settings
  }
  if (!settings.enabled) return;
  // Prometheus serves the metrics and pino the logs; the SDK would otherwise export both over OTLP too.
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  diag.setLogger(new ExportFailureLog(service), DiagLogLevel.WARN);
  sampler = new AdjustableSampler(env.OTEL_TRACES_SAMPLER, env.OTEL_TRACES_SAMPLER_ARG);
  sdk = new NodeSDK({
    serviceName: service,
    sampler,
    spanLimits: { linkCountLimit: MAX_LINKS_PER_SPAN },
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.tracesUrl, headers: settings.headers }), settings.batching),
    ],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) => UNTRACED_PATHS.test(request.url ?? ''),
        // The services call out over HTTP only to export spans (already untraced) and in tests.
        ignoreOutgoingRequestHook: () => true,
      }),
      // Only names the request's span by its route (POST /orders): Nest's spans already show the
      // handler, and middleware spans (helmet, the body parser, the logger) say nothing about an order.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER, ExpressLayerType.REQUEST_HANDLER] }),
      new NestInstrumentation(),
      // A connection taken from the pool is no news; the statements are.
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
}

/** Exports what is buffered; the platform calls it last at shutdown, so the last second of spans is not lost. */
export async function stopTracing(): Promise<void> {
  const stopping = sdk;
  sdk = undefined;
  await stopping?.shutdown();
}

/** How often a failing export is logged while it keeps failing (the exporter tries every second). */
const EXPORT_FAILURE_LOG_EVERY_MS = 60_000;

/**
 * The SDK's own warnings and errors, in the service's JSON log. An export that fails (the console
 * or collector away) drops its spans and says so: at once, then once a minute while it lasts.
 */
class ExportFailureLog implements DiagLogger {
  private lastLoggedAt = 0;
  private suppressed = 0;

  constructor(private readonly service: string) {}

  error(message: string, ...args: unknown[]): void {
    this.write(50, message, args);
  }

  warn(message: string, ...args: unknown[]): void {
    this.write(40, message, args);
  }

  info(): void {}
  debug(): void {}
  verbose(): void {}

  private write(level: number, message: string, args: unknown[]): void {
    const now = Date.now();
    if (now - this.lastLoggedAt < EXPORT_FAILURE_LOG_EVERY_MS) {
      this.suppressed += 1;
      return;
    }
    const detail = args.map((arg) => (arg instanceof Error ? arg.message : typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ');
    const line = { level, time: now, service: this.service, msg: `tracing: ${message} ${detail}`.trim(), suppressedSinceLast: this.suppressed };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    this.lastLoggedAt = now;
    this.suppressed = 0;
  }
}
