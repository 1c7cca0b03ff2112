import { Injectable } from '@nestjs/common';
import type { OrderCompleted, PayloadOf } from '@platform/contracts';
import { exactInteger, sql } from '@platform/database';
import type { InboundMessage } from '@platform/messaging';
import { PointsDatabase, type PointsTransaction } from '../points.database';

/** One point per whole currency unit of a completed order's total. */
export function pointsEarned(totalCents: number): number {
  return Math.floor(totalCents / 100);
}

/**
 * The points projection: a ledger entry per completed order (keyed by order id, so an order is
 * counted once even if its event is read twice) and a balance that is the sum of the ledger.
 */
@Injectable()
export class PointsService {
  constructor(private readonly db: PointsDatabase) {}

  async credit(tx: PointsTransaction, event: PayloadOf<typeof OrderCompleted>, message: InboundMessage): Promise<void> {
    const points = pointsEarned(event.totalCents);
    const credited = await tx.execute(sql`
      INSERT INTO points_ledger (order_id, customer_id, points, total_cents, topic, partition, "offset")
      VALUES (${event.orderId}, ${event.customerId}, ${points}, ${event.totalCents}, ${message.source},
              ${message.position?.partition ?? -1}, ${message.position?.offset ?? '-1'}::bigint)
      ON CONFLICT DO NOTHING`);
    if (credited === 0) return;
    await tx.execute(sql`
      INSERT INTO points_balance (customer_id, balance, updated_at) VALUES (${event.customerId}, ${points}, now())
      ON CONFLICT (customer_id) DO UPDATE SET balance = points_balance.balance + excluded.balance, updated_at = now()`);
  }

  async balanceOf(customerId: string): Promise<{ customerId: string; balance: number }> {
    const row = await this.db.pointsBalance.findUnique({ where: { customerId } });
    return { customerId, balance: exactInteger(row?.balance ?? 0) };
  }
}
