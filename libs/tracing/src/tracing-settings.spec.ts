import { DEFAULT_SPAN_BATCHING, tracingSettings } from './tracing-settings';

describe('the tracing settings', () => {
  it('sends to the console by default, with the admin key its span receiver wants', () => {
    expect(tracingSettings('order', {})).toEqual({ enabled: true, tracesUrl: 'http://127.0.0.1:3005/v1/traces', headers: {}, batching: DEFAULT_SPAN_BATCHING });
    expect(tracingSettings('order', { API_KEY: 'k'.repeat(32) })).toEqual({
      enabled: true,
      tracesUrl: 'http://127.0.0.1:3005/v1/traces',
      headers: { 'x-api-key': 'k'.repeat(32) },
      batching: DEFAULT_SPAN_BATCHING,
    });
  });

  it('sends to another endpoint without the key', () => {
    expect(tracingSettings('order', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318/', API_KEY: 'k'.repeat(32) })).toEqual({
      enabled: true,
      tracesUrl: 'http://otel-collector:4318/v1/traces',
      headers: {},
      batching: DEFAULT_SPAN_BATCHING,
    });
  });

  it('batches spans as the OTEL_BSP_* variables say, and refuses a batch larger than the queue', () => {
    expect(tracingSettings('order', { OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '256' })).toMatchObject({
      batching: { maxQueueSize: 16_384, maxExportBatchSize: 256, scheduledDelayMillis: 200 },
    });
    const refusal = (tracingSettings('order', { OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_SCHEDULE_DELAY: '-1' }) as { refusal: string }).refusal;
    expect(refusal).toContain('OTEL_BSP_SCHEDULE_DELAY: must be a whole number >= 0 (got "-1")');
    expect(refusal).toContain('OTEL_BSP_MAX_EXPORT_BATCH_SIZE: must not exceed OTEL_BSP_MAX_QUEUE_SIZE (2048 > 100)');
  });

  it('is off with OTEL_SDK_DISABLED=true', () => {
    expect(tracingSettings('order', { OTEL_SDK_DISABLED: 'true' })).toEqual({ enabled: false });
  });

  it('refuses, naming every bad variable, rather than export nowhere or sample everything', () => {
    const settings = tracingSettings('payment', {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'console:3005',
      OTEL_TRACES_SAMPLER: 'ratio',
      OTEL_TRACES_SAMPLER_ARG: '10%',
      OTEL_SDK_DISABLED: 'yes',
    });
    expect(settings).toEqual({ refusal: expect.stringContaining('the payment service refuses to start') });
    const refusal = (settings as { refusal: string }).refusal;
    for (const variable of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_TRACES_SAMPLER:', 'OTEL_TRACES_SAMPLER_ARG', 'OTEL_SDK_DISABLED']) {
      expect(refusal).toContain(variable);
    }
  });
});
