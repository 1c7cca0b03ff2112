/**
 * The OpenTelemetry variables a traced service may be given: those `tracingSettings` reads, and the
 * headers the exporter adds to its requests. Deployments are checked against this list, so a
 * misspelled OTEL_ name is reported rather than ignored.
 */
export const TRACING_VARIABLES = [
  'OTEL_SDK_DISABLED',
  'OTEL_TRACES_SAMPLER',
  'OTEL_TRACES_SAMPLER_ARG',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'OTEL_BSP_MAX_QUEUE_SIZE',
  'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  'OTEL_BSP_SCHEDULE_DELAY',
] as const;

/** Where spans go when OTEL_EXPORTER_OTLP_ENDPOINT is not set: the console, so no collector is needed. */
export const DEFAULT_OTLP_ENDPOINT = 'http://127.0.0.1:3005';

const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/** How the services batch their spans for export (the SDK's OTEL_BSP_* variables). */
export interface SpanBatching {
  /** Spans waiting for export; past it, new spans are dropped (and counted by the SDK). */
  maxQueueSize: number;
  /** Spans per export request. */
  maxExportBatchSize: number;
  /** The longest a span waits before its batch is sent. */
  scheduledDelayMillis: number;
}

/** Sized for a burst: about thirty spans an order at a few hundred orders a second. */
export const DEFAULT_SPAN_BATCHING: SpanBatching = { maxQueueSize: 16_384, maxExportBatchSize: 2_048, scheduledDelayMillis: 1_000 };

const BATCHING_VARIABLES = [
  ['OTEL_BSP_MAX_QUEUE_SIZE', 'maxQueueSize', 1],
  ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'maxExportBatchSize', 1],
  ['OTEL_BSP_SCHEDULE_DELAY', 'scheduledDelayMillis', 0],
] as const;

export type TracingSettings =
  | { enabled: false }
  | { enabled: true; tracesUrl: string; headers: Record<string, string>; batching: SpanBatching }
  | { refusal: string };

/**
 * The OpenTelemetry variables a service reads, checked before the SDK starts: the SDK itself would
 * take a mistyped endpoint or sampler, warn once and export nowhere, or sample everything.
 *
 * Spans for the console carry the service's API_KEY, as its span receiver wants when the platform
 * has one. They go to another endpoint only without it: a key is not handed to a collector nobody
 * said should have it (OTEL_EXPORTER_OTLP_HEADERS gives that collector what it needs).
 */
export function tracingSettings(service: string, env: NodeJS.ProcessEnv): TracingSettings {
  const problems: string[] = [];
  const disabled = env.OTEL_SDK_DISABLED;
  if (disabled !== undefined && !['true', 'false', ''].includes(disabled.trim().toLowerCase())) {
    problems.push(`  OTEL_SDK_DISABLED: must be true or false (got "${disabled}")`);
  }
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (env.OTEL_EXPORTER_OTLP_ENDPOINT ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined);
  const endpointVariable = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(endpoint)) {
    problems.push(`  ${endpointVariable}: must be an http:// or https:// URL, where spans are sent over OTLP/HTTP (got "${env[endpointVariable]}")`);
  }
  const sampler = env.OTEL_TRACES_SAMPLER;
  if (sampler !== undefined && !(SAMPLERS as readonly string[]).includes(sampler)) {
    problems.push(`  OTEL_TRACES_SAMPLER: must be one of ${SAMPLERS.join(', ')} (got "${sampler}")`);
  }
  const ratio = env.OTEL_TRACES_SAMPLER_ARG;
  if (ratio !== undefined && (ratio.trim() === '' || !(Number(ratio) >= 0 && Number(ratio) <= 1))) {
    problems.push(`  OTEL_TRACES_SAMPLER_ARG: must be a ratio between 0 and 1 (got "${ratio}")`);
  }
  const batching: SpanBatching = { ...DEFAULT_SPAN_BATCHING };
  for (const [variable, setting, min] of BATCHING_VARIABLES) {
    const text = env[variable];
    if (text === undefined || text.trim() === '') continue;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) problems.push(`  ${variable}: must be a whole number >= ${min} (got "${text}")`);
    else batching[setting] = value;
  }
  if (batching.maxExportBatchSize > batching.maxQueueSize) {
    problems.push(`  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: must not exceed OTEL_BSP_MAX_QUEUE_SIZE (${batching.maxExportBatchSize} > ${batching.maxQueueSize})`);
  }
  if (problems.length > 0) return { refusal: `the ${service} service refuses to start: invalid configuration\n${problems.join('\n')}` };
  if (disabled?.trim().toLowerCase() === 'true') return { enabled: false };
  const toConsole = endpoint === undefined;
  const headers: Record<string, string> = toConsole && env.API_KEY ? { 'x-api-key': env.API_KEY } : {};
  return { enabled: true, tracesUrl: endpoint ?? `${DEFAULT_OTLP_ENDPOINT}/v1/traces`, headers, batching };
}
