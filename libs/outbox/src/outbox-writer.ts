import type { MessageContract, PayloadOf } from '@platform/contracts';
import { newTimeOrderedId, sql, type SqlTransaction, WritesAtCommit } from '@platform/database';
import type { Destination } from '@platform/messaging';
import { currentTraceHeaders, type TraceHeaders } from '@platform/tracing';

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

/** What a row keeps besides the payload, to rebuild the message's metadata and route. */
export type OutboxHeaders = TraceHeaders & {
  causationId?: string;
  replyTo?: string;
  /** For a headers exchange: the headers it routes on. */
  routingHeaders?: Record<string, string>;
};

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
 *
 * Rows are collected while the transaction runs and written just before it commits, in one
 * multi-row INSERT with a NOTIFY per broker, in the same round trip as the transaction's other
 * writes: a consumer that handles fifty messages in one transaction writes its hundred replies
 * and events, and the state they come from, in one round trip, not a hundred.
 */
export class OutboxWriter {
  private readonly rows = new WritesAtCommit<OutboxRow>((rows) => ({
    table: 'outbox_message',
    // The rows in the order they were appended (WITH ORDINALITY ... ORDER BY gives them their
    // sequence numbers in that order), and a NOTIFY per broker that wakes one of that broker's
    // relay workers at commit.
    statement: sql`
      INSERT INTO outbox_message (id, aggregate_id, message_type, message_version, broker, destination, routing_key, payload, headers)
      SELECT id, aggregate_id, message_type, message_version, broker, destination, routing_key, payload::jsonb, headers::jsonb
        FROM unnest(${rows.map((row) => row.id)}::uuid[], ${rows.map((row) => row.aggregateId)}::text[],
                    ${rows.map((row) => row.messageType)}::text[], ${rows.map((row) => row.messageVersion)}::int[],
                    ${rows.map((row) => row.broker)}::text[], ${rows.map((row) => row.destination)}::text[],
                    ${rows.map((row) => row.routingKey)}::text[], ${rows.map((row) => JSON.stringify(row.payload))}::text[],
                    ${rows.map((row) => JSON.stringify(row.headers))}::text[])
             WITH ORDINALITY AS r(id, aggregate_id, message_type, message_version, broker, destination, routing_key, payload, headers, position)
       ORDER BY position`,
    select: sql`SELECT pg_notify(${OUTBOX_CHANNEL}, broker) FROM unnest(${[...new Set(rows.map((row) => row.broker))]}::text[]) AS b(broker)`,
  }));

  append(tx: SqlTransaction, messages: readonly OutgoingMessage[]): void {
    this.rows.add(tx, messages.map(toRow));
  }
}

function toRow(message: OutgoingMessage): OutboxRow {
  const payload = message.contract.schema.parse(message.payload) as object;
  const { destination } = message;
  // The trace of the request or handler writing the row goes with it through the relay and the broker.
  const headers: OutboxHeaders = currentTraceHeaders();
  if (message.causationId) headers.causationId = message.causationId;
  if (message.replyTo) headers.replyTo = message.replyTo;
  if (destination.broker === 'rabbitmq' && destination.routingHeaders) {
    headers.routingHeaders = { ...destination.routingHeaders };
  }
  return {
    id: newTimeOrderedId(),
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
