import { Queues } from '@platform/messaging';
import { Client } from 'pg';
import { percentiles } from './percentiles';

/**
 * Where a completed order's time goes, hop by hop, from the timestamps the services wrote anyway:
 * an outbox row's created_at is its transaction's start and its sent_at the relay's claim; an
 * inbox row's processed_at is the start of the transaction that handled the message. So a relay
 * hop runs from a transaction's start to the claim of what it wrote (the transaction itself, its
 * commit and the relay's wake-up), and a broker hop from the claim to the consumer's transaction
 * (the publish, the broker and the consumer's wait for its turn).
 */
export const HOPS = [
  'POST → reserve-stock claimed',
  'reserve-stock → inventory',
  'inventory → stock-reserved claimed',
  'stock-reserved → order',
  'order → charge claimed',
  'charge → payment',
  'payment → payment-charged claimed',
  'payment-charged → order',
  'order → ended',
] as const;

export type HopTimes = Record<(typeof HOPS)[number], { readonly p50: number; readonly p90: number }>;

interface Sent {
  readonly id: string;
  readonly orderId: string;
  readonly createdMs: number;
  readonly sentMs: number;
}

const SENT_ROWS = `
  SELECT id::text, aggregate_id AS "orderId", message_type AS type,
         (extract(epoch FROM created_at) * 1000)::float8 AS "createdMs",
         (extract(epoch FROM sent_at) * 1000)::float8 AS "sentMs"
    FROM outbox_message
   WHERE aggregate_id = ANY($1::text[]) AND broker = 'rabbitmq' AND message_type = ANY($2::text[]) AND sent_at IS NOT NULL
   ORDER BY sequence`;

const HANDLED = `
  SELECT message_id AS id, (extract(epoch FROM processed_at) * 1000)::float8 AS "handledMs"
    FROM inbox_message WHERE message_id = ANY($1::text[]) AND consumer = $2`;

/** The order, inventory and payment databases, read after a step's window has closed (so these reads are not counted). */
export class SagaHops {
  private constructor(private readonly clients: { order: Client; inventory: Client; payment: Client }) {}

  static async connect(databaseUrls: { order: string; inventory: string; payment: string }): Promise<SagaHops> {
    const clients = { order: new Client(databaseUrls.order), inventory: new Client(databaseUrls.inventory), payment: new Client(databaseUrls.payment) };
    await Promise.all(Object.values(clients).map((client) => client.connect()));
    return new SagaHops(clients);
  }

  /** p50 and p90 of each hop over the orders that completed; null when none did. */
  async of(orderIds: readonly string[]): Promise<HopTimes | null> {
    const { order, inventory, payment } = this.clients;
    const { rows: ends } = await order.query<{ id: string; endedMs: number }>(
      `SELECT id::text, (extract(epoch FROM updated_at) * 1000)::float8 AS "endedMs" FROM orders WHERE id = ANY($1::uuid[]) AND status = 'COMPLETED'`,
      [orderIds],
    );
    const completed = ends.map(({ id }) => id);
    const [commands, reservedReplies, chargedReplies] = await Promise.all([
      sentBy(order, completed, ['inventory.reserve-stock', 'payment.charge']),
      sentBy(inventory, completed, ['inventory.stock-reserved']),
      sentBy(payment, completed, ['payment.charged']),
    ]);
    const commandsOf = (type: string) => completed.flatMap((id) => commands.get(`${id} ${type}`) ?? []);
    const [handledByInventory, handledByPayment, handledByOrder] = await Promise.all([
      handled(inventory, Queues.inventoryCommands, commandsOf('inventory.reserve-stock')),
      handled(payment, Queues.paymentCommands, commandsOf('payment.charge')),
      handled(order, Queues.orderSagaReplies, [...reservedReplies.values(), ...chargedReplies.values()].flat()),
    ]);
    const samples: number[][] = HOPS.map(() => []);
    for (const { id, endedMs } of ends) {
      const reserve = commands.get(`${id} inventory.reserve-stock`)?.[0];
      const charge = commands.get(`${id} payment.charge`)?.[0];
      const reserved = reservedReplies.get(`${id} inventory.stock-reserved`)?.[0];
      const charged = chargedReplies.get(`${id} payment.charged`)?.[0];
      if (!reserve || !charge || !reserved || !charged) continue;
      const times = [
        reserve.createdMs,
        reserve.sentMs,
        handledByInventory.get(reserve.id),
        reserved.sentMs,
        handledByOrder.get(reserved.id),
        charge.sentMs,
        handledByPayment.get(charge.id),
        charged.sentMs,
        handledByOrder.get(charged.id),
        endedMs,
      ];
      if (times.some((time) => time === undefined)) continue;
      for (const [index, samplesOfHop] of samples.entries()) samplesOfHop.push(times[index + 1]! - times[index]!);
    }
    if (samples[0].length === 0) return null;
    return Object.fromEntries(
      HOPS.map((hop, index) => {
        const { p50, p90 } = percentiles(samples[index], [50, 90]);
        return [hop, { p50, p90 }];
      }),
    ) as HopTimes;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.clients).map((client) => client.end()));
  }
}

/** Each order's sent rows of the given types, by "<order id> <type>", the first written first (a repeated charge may answer twice). */
async function sentBy(client: Client, orderIds: readonly string[], types: readonly string[]): Promise<Map<string, Sent[]>> {
  const { rows } = await client.query<Sent & { type: string }>(SENT_ROWS, [orderIds, types]);
  const byOrderAndType = new Map<string, Sent[]>();
  for (const row of rows) {
    const key = `${row.orderId} ${row.type}`;
    byOrderAndType.set(key, [...(byOrderAndType.get(key) ?? []), row]);
  }
  return byOrderAndType;
}

/** When `consumer` handled each message, by its id. */
async function handled(client: Client, consumer: string, messages: readonly Sent[]): Promise<Map<string, number>> {
  const { rows } = await client.query<{ id: string; handledMs: number }>(HANDLED, [messages.map(({ id }) => id), consumer]);
  return new Map(rows.map(({ id, handledMs }) => [id, handledMs]));
}
