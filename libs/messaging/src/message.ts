/**
 * What every message carries besides its payload, on both brokers: a stable id (set when the
 * outbox row is written, so a re-published copy has the same id), a versioned type, and the
 * correlation id of the aggregate it concerns (the order id).
 */
export interface MessageMetadata {
  readonly messageId: string;
  readonly type: string;
  readonly version: number;
  readonly correlationId: string;
  /** ISO-8601 time the message was written (its outbox row's creation time). */
  readonly occurredAt: string;
  /** Id of the message whose handling produced this one. */
  readonly causationId?: string;
  /** Where a reply to this command should be routed. */
  readonly replyTo?: string;
  /** The W3C trace context of the span that wrote the message, so its handling joins the same trace. */
  readonly traceparent?: string;
  readonly tracestate?: string;
}

export type Broker = 'rabbitmq' | 'kafka';

export type Destination =
  | {
      readonly broker: 'rabbitmq';
      readonly exchange: string;
      readonly routingKey: string;
      /** Headers a headers exchange routes on (e.g. channel, priority); sent with the message. */
      readonly routingHeaders?: Readonly<Record<string, string>>;
    }
  | { readonly broker: 'kafka'; readonly topic: string; readonly key: string };

export interface OutboundMessage extends MessageMetadata {
  readonly destination: Destination;
  readonly payload: unknown;
}

export interface InboundMessage extends MessageMetadata {
  /** The decoded JSON body, not yet validated against the contract. */
  readonly payload: unknown;
  /** The queue or topic it was read from, for logs and dead letters. */
  readonly source: string;
  /** Where it sits in a Kafka topic; absent for RabbitMQ. */
  readonly position?: { readonly partition: number; readonly offset: string };
}

/** Header names used for the metadata, identical on RabbitMQ and Kafka. */
export const MessageHeaders = {
  messageId: 'message-id',
  type: 'message-type',
  version: 'message-version',
  correlationId: 'correlation-id',
  occurredAt: 'occurred-at',
  causationId: 'causation-id',
  replyTo: 'reply-to',
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

export function metadataHeaders(message: MessageMetadata): Record<string, string> {
  const headers: Record<string, string> = {
    [MessageHeaders.messageId]: message.messageId,
    [MessageHeaders.type]: message.type,
    [MessageHeaders.version]: String(message.version),
    [MessageHeaders.correlationId]: message.correlationId,
    [MessageHeaders.occurredAt]: message.occurredAt,
  };
  if (message.causationId) headers[MessageHeaders.causationId] = message.causationId;
  if (message.replyTo) headers[MessageHeaders.replyTo] = message.replyTo;
  if (message.traceparent) headers[MessageHeaders.traceparent] = message.traceparent;
  if (message.tracestate) headers[MessageHeaders.tracestate] = message.tracestate;
  return headers;
}

/**
 * Rebuilds the metadata from headers, or says which header is missing or wrong: a message
 * without them cannot be deduplicated or routed, so it is a permanent failure.
 */
export function metadataFromHeaders(
  read: (name: string) => string | undefined,
): MessageMetadata | { invalid: string } {
  const messageId = read(MessageHeaders.messageId);
  const type = read(MessageHeaders.type);
  const version = Number(read(MessageHeaders.version));
  const correlationId = read(MessageHeaders.correlationId);
  const occurredAt = read(MessageHeaders.occurredAt);
  if (!messageId) return { invalid: `header ${MessageHeaders.messageId} is missing` };
  if (!type) return { invalid: `header ${MessageHeaders.type} is missing` };
  if (!Number.isInteger(version) || version < 1) {
    return { invalid: `header ${MessageHeaders.version} must be a positive integer` };
  }
  if (!correlationId) return { invalid: `header ${MessageHeaders.correlationId} is missing` };
  return {
    messageId,
    type,
    version,
    correlationId,
    occurredAt: occurredAt ?? new Date(0).toISOString(),
    causationId: read(MessageHeaders.causationId),
    replyTo: read(MessageHeaders.replyTo),
    traceparent: read(MessageHeaders.traceparent),
    tracestate: read(MessageHeaders.tracestate),
  };
}

export function encodePayload(payload: unknown): Buffer {
  return Buffer.from(JSON.stringify(payload));
}

export function decodePayload(body: Buffer | null): { payload: unknown } | { invalid: string } {
  if (!body || body.length === 0) return { invalid: 'the body is empty' };
  try {
    return { payload: JSON.parse(body.toString('utf8')) };
  } catch (error) {
    return { invalid: `the body is not JSON: ${(error as Error).message}` };
  }
}

/** Handles messages of one subscription together: one transaction, all or nothing. */
export type InboundBatchHandler = (messages: readonly InboundMessage[]) => Promise<void>;

/** What a consumer reports about its batches, beside what the handler reports about each message. */
export interface BatchMetrics {
  /** A batch was rolled back because one message failed, and is being handled one message at a time. */
  batchSplit(subscription: string): void;
  /** A batch failed transiently and is tried again whole. */
  batchRetried(subscription: string): void;
}
