import { Injectable } from '@nestjs/common';
import { RowsAtCommit, sql } from '@platform/database';
import type { InboundMessage } from '@platform/messaging';
import type { NotificationTransaction } from '../notification.database';

type OrderEnd = { orderId: string; status: 'COMPLETED' | 'CANCELLED' };

/**
 * What the order events have told this service about how each order ended. The ends a batch
 * learns are stored in one insert at commit; until then the transaction remembers them, since a
 * reminder for the same order can be handled later in the same batch.
 */
@Injectable()
export class OrderOutcomes {
  private readonly learned = new RowsAtCommit<OrderEnd>((tx, ends) =>
    tx
      .execute(
        sql`
      INSERT INTO order_outcome (order_id, status)
      SELECT order_id, status FROM unnest(${ends.map((end) => end.orderId)}::text[], ${ends.map((end) => end.status)}::text[]) AS o(order_id, status)
      ON CONFLICT DO NOTHING`,
      )
      .then(() => undefined),
  );

  private readonly learnedIn = new WeakMap<NotificationTransaction, Set<string>>();

  async record(tx: NotificationTransaction, orderId: string, status: OrderEnd['status']): Promise<void> {
    this.learned.add(tx, [{ orderId, status }]);
    const ended = this.learnedIn.get(tx) ?? new Set<string>();
    this.learnedIn.set(tx, ended.add(orderId));
  }

  private readonly storedIn = new WeakMap<NotificationTransaction, { asked: Set<string>; ended: Set<string> }>();

  /**
   * Whether the order has ended, as far as this service knows. The first question in a
   * transaction reads the ends of every order its batch is about (their correlation ids) in one
   * query, so a batch of reminders costs one round trip, not one each.
   */
  async hasEnded(tx: NotificationTransaction, orderId: string, batch: readonly InboundMessage[]): Promise<boolean> {
    if (this.learnedIn.get(tx)?.has(orderId)) return true;
    let stored = this.storedIn.get(tx);
    if (!stored?.asked.has(orderId)) {
      const asked = [...new Set([orderId, ...batch.map((message) => message.correlationId)])];
      const rows = await tx.query<{ order_id: string }>(sql`SELECT order_id FROM order_outcome WHERE order_id = ANY(${asked}::text[])`);
      stored = { asked: new Set(asked), ended: new Set(rows.map((row) => row.order_id)) };
      this.storedIn.set(tx, stored);
    }
    return stored.ended.has(orderId);
  }
}
