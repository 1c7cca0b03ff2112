import { context, propagation, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { currentTraceHeaders, inConsumerSpan, inRelayPublishSpan, type TracedMessage } from './message-spans';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = trace.getTracer('test');

beforeAll(() => provider.register());
afterEach(() => exporter.reset());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

/** What the outbox writer stores for a row written inside `span`. */
function writtenIn(span: ReturnType<typeof tracer.startSpan>, messageId: string): TracedMessage {
  const headers = context.with(trace.setSpan(ROOT_CONTEXT, span), () => currentTraceHeaders());
  return { messageId, type: 'inventory.reserve-stock', correlationId: `order-of-${messageId}`, ...headers };
}

describe('message spans', () => {
  it("a handler's span continues the trace of the span that wrote its message, and what the handler writes continues it further", async () => {
    const request = tracer.startSpan('POST /orders');
    const message = writtenIn(request, 'm-1');
    request.end();
    expect(message.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const reply = await inConsumerSpan(message, { broker: 'rabbitmq', source: 'inventory.commands' }, async () => currentTraceHeaders());

    const handler = exporter.getFinishedSpans().find((span) => span.name === 'process inventory.reserve-stock')!;
    expect(handler.kind).toBe(SpanKind.CONSUMER);
    expect(handler.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(handler.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(handler.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': 'inventory.commands',
      'messaging.message.id': 'm-1',
      'order.id': 'order-of-m-1',
    });
    // The reply written inside the handler carries the handler's context on.
    expect(reply.traceparent).toContain(handler.spanContext().spanId);
  });

  it('a message that carries no trace context starts a trace of its own', async () => {
    await inConsumerSpan({ messageId: 'm-2', type: 'order.placed', correlationId: 'o-2' }, { broker: 'kafka', source: 'orders', partition: 1, offset: '42' }, async () => undefined);
    const [handler] = exporter.getFinishedSpans();
    expect(handler.parentSpanContext).toBeUndefined();
    expect(handler.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.destination.partition.id': '1', 'messaging.kafka.offset': '42' });
  });

  it("a failing handler's span is marked failed and the error still reaches the caller", async () => {
    const failing = inConsumerSpan({ messageId: 'm-3', type: 'payment.charge', correlationId: 'o-3' }, { broker: 'rabbitmq', source: 'payment.commands' }, async () => {
      throw new Error('card reader on fire');
    });
    await expect(failing).rejects.toThrow('card reader on fire');
    expect(exporter.getFinishedSpans()[0].status).toMatchObject({ code: 2, message: 'card reader on fire' });
  });

  it("the relay's publish is a root span of its own trace, linked to the span that wrote each row", async () => {
    const first = tracer.startSpan('POST /orders');
    const second = tracer.startSpan('POST /orders');
    const rows = [writtenIn(first, 'm-4'), writtenIn(second, 'm-5'), { messageId: 'm-6', type: 'order.placed', correlationId: 'o-6' }];

    await inRelayPublishSpan('kafka', rows, async () => undefined);

    const [publish] = exporter.getFinishedSpans();
    expect(publish.name).toBe('outbox publish kafka');
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(publish.parentSpanContext).toBeUndefined();
    expect(publish.spanContext().traceId).not.toBe(first.spanContext().traceId);
    expect(publish.links.map((link) => link.context.spanId)).toEqual([first.spanContext().spanId, second.spanContext().spanId]);
    expect(publish.attributes['messaging.batch.message_count']).toBe(3);
  });

  it('links only the rows of recorded traces, and publishes without a span when none is', async () => {
    const recorded = tracer.startSpan('POST /orders');
    const unrecorded = trace.wrapSpanContext({ traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: TraceFlags.NONE });
    await inRelayPublishSpan('rabbitmq', [writtenIn(unrecorded, 'm-8'), writtenIn(recorded, 'm-9')], async () => undefined);
    expect(exporter.getFinishedSpans().map((span) => span.links.map((link) => link.context.spanId))).toEqual([[recorded.spanContext().spanId]]);

    exporter.reset();
    await inRelayPublishSpan('rabbitmq', [writtenIn(unrecorded, 'm-10')], async () => undefined);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('publishes without a span when no row in the batch was traced', async () => {
    await inRelayPublishSpan('rabbitmq', [{ messageId: 'm-7', type: 'order.placed', correlationId: 'o-7' }], async () => undefined);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
