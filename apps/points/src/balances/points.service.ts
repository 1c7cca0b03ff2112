import { Injectable } from '@nestjs/common';
import type { OrderCompleted, PayloadOf } from '@platform/contracts';
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
    const { count } = await tx.pointsLedgerEntry.createMany({
      data: [
        {
          orderId: event.orderId,
          customerId: event.customerId,
          points,
          totalCents: event.totalCents,
          topic: message.source,
          partition: message.position?.partition ?? -1,
          offset: BigInt(message.position?.offset ?? -1),
        },
      ],
      skipDuplicates: true,
    });
    if (count === 0) return;
    await tx.pointsBalance.upsert({
      where: { customerId: event.customerId },
      create: { customerId: event.customerId, balance: points },
      update: { balance: { increment: points } },
    });
  }

  async balanceOf(customerId: string): Promise<{ customerId: string; balance: number }> {
    const row = await this.db.pointsBalance.findUnique({ where: { customerId } });
    return { customerId, balance: row?.balance ?? 0 };
  }
}
