import { Injectable } from '@nestjs/common';
import type { OrderCompleted, PayloadOf } from '@platform/contracts';
import { exactInteger, RowsAtCommit, sql } from '@platform/database';
import type { InboundMessage } from '@platform/messaging';
import { PointsDatabase, type PointsTransaction } from '../points.database';

/** One point per whole currency unit of a completed order's total. */
export function pointsEarned(totalCents: number): number {
  return Math.floor(totalCents / 100);
}

interface LedgerEntry {
  orderId: string;
  customerId: string;
  points: number;
  totalCents: number;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * The points projection: a ledger entry per completed order (keyed by order id, so an order is
 * counted once even if its event is read twice) and a balance that is the sum of the ledger.
 */
@Injectable()
export class PointsService {
  constructor(private readonly db: PointsDatabase) {}

  /**
   * A batch of events is credited in one statement at commit: the ledger takes the entries it
   * does not have yet, and only those reach the balances, summed per customer. Balances are
   * updated in customer order, so two consumers crediting the same customers cannot deadlock.
   */
  private readonly ledger = new RowsAtCommit<LedgerEntry>((tx, entries) =>
    tx
      .execute(
        sql`
      WITH credited AS (
        INSERT INTO points_ledger (order_id, customer_id, points, total_cents, topic, partition, "offset")
        SELECT order_id, customer_id, points, total_cents, topic, partition, "offset"
          FROM unnest(${entries.map((entry) => entry.orderId)}::text[], ${entries.map((entry) => entry.customerId)}::text[],
                      ${entries.map((entry) => entry.points)}::bigint[], ${entries.map((entry) => entry.totalCents)}::bigint[],
                      ${entries.map((entry) => entry.topic)}::text[], ${entries.map((entry) => entry.partition)}::int[],
                      ${entries.map((entry) => entry.offset)}::bigint[])
               WITH ORDINALITY AS e(order_id, customer_id, points, total_cents, topic, partition, "offset", position)
         ORDER BY position
        ON CONFLICT DO NOTHING
        RETURNING customer_id, points)
      INSERT INTO points_balance (customer_id, balance, updated_at)
      SELECT customer_id, sum(points), now() FROM credited GROUP BY customer_id ORDER BY customer_id
      ON CONFLICT (customer_id) DO UPDATE SET balance = points_balance.balance + excluded.balance, updated_at = now()`,
      )
      .then(() => undefined),
  );

  credit(tx: PointsTransaction, event: PayloadOf<typeof OrderCompleted>, message: InboundMessage): void {
    this.ledger.add(tx, [
      {
        orderId: event.orderId,
        customerId: event.customerId,
        points: pointsEarned(event.totalCents),
        totalCents: event.totalCents,
        topic: message.source,
        partition: message.position?.partition ?? -1,
        offset: message.position?.offset ?? '-1',
      },
    ]);
  }

  async balanceOf(customerId: string): Promise<{ customerId: string; balance: number }> {
    const row = await this.db.pointsBalance.findUnique({ where: { customerId } });
    return { customerId, balance: exactInteger(row?.balance ?? 0) };
  }
}
