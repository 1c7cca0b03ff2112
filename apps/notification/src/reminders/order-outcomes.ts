import { Injectable } from '@nestjs/common';
import type { NotificationTransaction } from '../notification.database';

/** What the order events have told this service about how each order ended. */
@Injectable()
export class OrderOutcomes {
  async record(tx: NotificationTransaction, orderId: string, status: 'COMPLETED' | 'CANCELLED'): Promise<void> {
    await tx.orderOutcome.createMany({ data: [{ orderId, status }], skipDuplicates: true });
  }

  async hasEnded(tx: NotificationTransaction, orderId: string): Promise<boolean> {
    return (await tx.orderOutcome.count({ where: { orderId } })) > 0;
  }
}
