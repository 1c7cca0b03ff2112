import {
  type Attributes,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from '@opentelemetry/api';

/** The W3C trace context a message carries, in headers of these names on both brokers. */
export interface TraceHeaders {
  traceparent?: string;
  tracestate?: string;
}

/** What a span needs to know of a message; both `InboundMessage` and an outbox row can give it. */
export interface TracedMessage extends TraceHeaders {
  readonly messageId: string;
  readonly type: string;
  readonly correlationId: string;
}

const tracer = trace.getTracer('@platform/messaging');

/**
 * The context of the span running now (the HTTP request, or the handler of a message), to be
 * stored with an outbox row: the message it stands for continues this trace when it is consumed,
 * however long it waits in the outbox and the broker. Empty when tracing is off.
 */
export function currentTraceHeaders(): TraceHeaders {
  const headers: TraceHeaders = {};
  propagation.inject(context.active(), headers);
  return headers;
}

/** The span a message's handler runs in: a child of the span that wrote the message, so one order is one trace. */
export async function inConsumerSpan<T>(
  message: TracedMessage,
  where: { broker: 'rabbitmq' | 'kafka'; source: string; partition?: number; offset?: string },
  handle: () => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, message);
  const attributes: Attributes = {
    'messaging.system': where.broker,
    'messaging.operation.type': 'process',
    'messaging.destination.name': where.source,
    'messaging.message.id': message.messageId,
    'message.type': message.type,
    'order.id': message.correlationId,
  };
  if (where.partition !== undefined) attributes['messaging.destination.partition.id'] = String(where.partition);
  if (where.offset !== undefined) attributes['messaging.kafka.offset'] = where.offset;
  const span = tracer.startSpan(`process ${message.type}`, { kind: SpanKind.CONSUMER, attributes }, parent);
  return context.with(trace.setSpan(parent, span), () => endWith(span, handle));
}

/**
 * The relay's publish of one batch: its own span, linked to the span that wrote each recorded
 * row, not a child of it. The writer committed and moved on long before; a child would show the
 * request waiting for a publish it never waited for. The rows' messages carry the writer's context on,
 * so their consumers join the writer's trace.
 */
export async function inRelayPublishSpan<T>(
  broker: 'rabbitmq' | 'kafka',
  messages: readonly TracedMessage[],
  publish: () => Promise<T>,
): Promise<T> {
  const links: Link[] = [];
  for (const message of messages) {
    if (!message.traceparent) continue;
    const linked = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, message));
    // A row of an order nobody records has no trace to link to.
    if (linked && (linked.traceFlags & TraceFlags.SAMPLED) !== 0) links.push({ context: linked, attributes: { 'messaging.message.id': message.messageId, 'order.id': message.correlationId } });
  }
  if (links.length === 0) return publish(); // nothing recorded in this batch: no span to link to
  const span = tracer.startSpan(
    `outbox publish ${broker}`,
    {
      kind: SpanKind.PRODUCER,
      root: true,
      links,
      attributes: { 'messaging.system': broker, 'messaging.operation.type': 'publish', 'messaging.batch.message_count': messages.length },
    },
    ROOT_CONTEXT,
  );
  return context.with(trace.setSpan(ROOT_CONTEXT, span), () => endWith(span, publish));
}

/** Names the order on the span running now (in a controller, Nest's handler span), so its trace can be found by the order id. */
export function tagCurrentSpanWithOrder(orderId: string): void {
  trace.getActiveSpan()?.setAttribute('order.id', orderId);
}

async function endWith<T>(span: Span, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}
