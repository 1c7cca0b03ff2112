import { randomUUID } from 'node:crypto';
import type { MessageContract, PayloadOf } from '@platform/contracts';
import type { Destination } from '@platform/messaging';

/** The PostgreSQL channel the relay listens on; NOTIFY is delivered when the writing transaction commits. */
export const OUTBOX_CHANNEL = 'outbox_message_inserted';

export interface OutboxRow {
  id: string;
  aggregateId: string;
  messageType: string;
  messageVersion: number;
  broker: string;
  destination: string;
  routingKey: string;
  payload: object;
  headers: OutboxHeaders;
}

/**
 * What a row keeps besides the payload, to rebuild the message's metadata and route. (A type, not
 * an interface, so that it counts as JSON for Prisma.)
 */
export type OutboxHeaders = {
  causationId?: string;
  replyTo?: string;
  /** For a headers exchange: the headers it routes on. */
  routingHeaders?: Record<string, string>;
};

/**
 * The part of a Prisma interactive transaction the writer needs. Only a transaction client has
 * this shape in the services, which is what makes writing an outbox row outside the business
 * transaction awkward.
 */
export interface OutboxTransaction {
  outboxMessage: { createMany(args: { data: OutboxRow[] }): PromiseLike<unknown> };
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): PromiseLike<number>;
}

export interface OutgoingMessage<C extends MessageContract = MessageContract> {
  readonly contract: C;
  readonly payload: PayloadOf<C>;
  /** The aggregate (order id) the message is about: its correlation id and ordering key. */
  readonly correlationId: string;
  readonly destination: Destination;
  readonly causationId?: string;
  readonly replyTo?: string;
}

/** Builds an outgoing message with the payload type-checked against its contract. */
export function outgoing<C extends MessageContract>(
  contract: C,
  payload: PayloadOf<C>,
  route: { correlationId: string; destination: Destination; causationId?: string; replyTo?: string },
): OutgoingMessage<C> {
  return { contract, payload, ...route };
}

/**
 * Records messages in the outbox as part of the caller's transaction: they are published if and
 * only if the business change commits. Payloads are checked against their contracts here, so a
 * bad message fails the transaction instead of reaching a consumer.
 */
export class OutboxWriter {
  async append(tx: OutboxTransaction, messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await tx.outboxMessage.createMany({ data: messages.map(toRow) });
    await tx.$executeRaw`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`;
  }
}

function toRow(message: OutgoingMessage): OutboxRow {
  const payload = message.contract.schema.parse(message.payload) as object;
  const { destination } = message;
  const headers: OutboxHeaders = {};
  if (message.causationId) headers.causationId = message.causationId;
  if (message.replyTo) headers.replyTo = message.replyTo;
  if (destination.broker === 'rabbitmq' && destination.routingHeaders) {
    headers.routingHeaders = { ...destination.routingHeaders };
  }
  return {
    id: randomUUID(),
    aggregateId: message.correlationId,
    messageType: message.contract.type,
    messageVersion: message.contract.version,
    broker: destination.broker,
    destination: destination.broker === 'rabbitmq' ? destination.exchange : destination.topic,
    routingKey: destination.broker === 'rabbitmq' ? destination.routingKey : destination.key,
    payload,
    headers,
  };
}
