import type { MessageContract, PayloadOf } from '@platform/contracts';
import { type CommitWrite, newTimeOrderedId, sql, type SqlTransaction, WritesAtCommit } from '@platform/database';
import type { Destination } from '@platform/messaging';
import { currentTraceHeaders, type TraceHeaders } from '@platform/tracing';
import type { OutboxRecord } from './outbox-store';
import { orderingKey, type PublishAfterCommit } from './publish-after-commit';

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
 *
 * With a PublishAfterCommit, the INSERT leases each row to it unless an earlier row of the same
 * aggregate and destination is still unsent (apart from those it holds itself): that row goes
 * first, and the relay's claim keeps the order, so such rows are left to the relay, which is woken
 * for them. The leased rows are handed over once the transaction has committed.
 */
export class OutboxWriter {
  private readonly rows = new WritesAtCommit<OutboxRow>((rows, tx) => this.insert(rows, tx));

  constructor(private readonly afterCommit?: PublishAfterCommit) {}

  append(tx: SqlTransaction, messages: readonly OutgoingMessage[]): void {
    this.rows.add(tx, messages.map(toRow));
  }

  private insert(rows: readonly OutboxRow[], tx: SqlTransaction): CommitWrite {
    const { afterCommit } = this;
    const leased = rows.map((row) => afterCommit?.accepts(row.broker) ?? false);
    const held = afterCommit && leased.includes(true) ? afterCommit.heldIdsOf(rows.map(orderingKey)) : [];
    const leaseSeconds = (afterCommit?.options.leaseMs ?? 0) / 1000;
    return {
      table: 'outbox_message',
      // The rows in the order they were appended (WITH ORDINALITY ... ORDER BY gives them their
      // sequence numbers in that order).
      statement: sql`
        INSERT INTO outbox_message (id, aggregate_id, message_type, message_version, broker, destination, routing_key, payload, headers, next_attempt_at)
        SELECT id, aggregate_id, message_type, message_version, broker, destination, routing_key, payload::jsonb, headers::jsonb,
               CASE WHEN leased AND NOT EXISTS (SELECT 1 FROM outbox_message earlier
                                                 WHERE earlier.aggregate_id = r.aggregate_id AND earlier.destination = r.destination
                                                   AND earlier.status <> 'SENT' AND earlier.id <> ALL(${held}::uuid[]))
                    THEN now() + make_interval(secs => ${leaseSeconds}) ELSE now() END
          FROM unnest(${rows.map((row) => row.id)}::uuid[], ${rows.map((row) => row.aggregateId)}::text[],
                      ${rows.map((row) => row.messageType)}::text[], ${rows.map((row) => row.messageVersion)}::int[],
                      ${rows.map((row) => row.broker)}::text[], ${rows.map((row) => row.destination)}::text[],
                      ${rows.map((row) => row.routingKey)}::text[], ${rows.map((row) => JSON.stringify(row.payload))}::text[],
                      ${rows.map((row) => JSON.stringify(row.headers))}::text[], ${leased}::boolean[])
               WITH ORDINALITY AS r(id, aggregate_id, message_type, message_version, broker, destination, routing_key, payload, headers, leased, position)
         ORDER BY position`,
      // Which rows the relay publishes (the INSERT's test again: both parts see the statement's one
      // snapshot), with a NOTIFY per broker of theirs that wakes one of its workers at commit.
      select: sql`
        WITH relayed AS (
          SELECT r.id, r.broker
            FROM unnest(${rows.map((row) => row.id)}::uuid[], ${rows.map((row) => row.aggregateId)}::text[],
                        ${rows.map((row) => row.broker)}::text[], ${rows.map((row) => row.destination)}::text[], ${leased}::boolean[])
                 AS r(id, aggregate_id, broker, destination, leased)
           WHERE NOT r.leased
              OR EXISTS (SELECT 1 FROM outbox_message earlier
                          WHERE earlier.aggregate_id = r.aggregate_id AND earlier.destination = r.destination
                            AND earlier.status <> 'SENT' AND earlier.id <> ALL(${held}::uuid[])))
        SELECT now()::timestamptz(3) AS created_at, ARRAY(SELECT id FROM relayed) AS relayed_ids,
               (SELECT count(*) FROM (SELECT pg_notify(${OUTBOX_CHANNEL}, broker) FROM (SELECT DISTINCT broker FROM relayed) AS b) AS n) AS notified`,
      onSelected: ([written]) => {
        if (!afterCommit) return;
        const relayedIds = new Set(written.relayed_ids as string[]);
        const createdAt = new Date(written.created_at as string);
        const mine = rows.filter((row, index) => leased[index] && !relayedIds.has(row.id)).map((row) => toRecord(row, createdAt));
        if (mine.length > 0) tx.afterCommit(() => afterCommit.committed(mine));
      },
    };
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

/** A committed row as the relay would have read it. */
function toRecord(row: OutboxRow, createdAt: Date): OutboxRecord {
  return {
    id: row.id,
    aggregate_id: row.aggregateId,
    message_type: row.messageType,
    message_version: row.messageVersion,
    broker: row.broker as OutboxRecord['broker'],
    destination: row.destination,
    routing_key: row.routingKey,
    payload: row.payload,
    headers: row.headers,
    attempts: 0,
    created_at: createdAt,
  };
}
