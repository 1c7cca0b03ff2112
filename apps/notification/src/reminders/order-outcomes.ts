import { Injectable } from '@nestjs/common';
import { sql } from '@platform/database';
import type { NotificationTransaction } from '../notification.database';

/** What the order events have told this service about how each order ended. */
@Injectable()
export class OrderOutcomes {
  async record(tx: NotificationTransaction, orderId: string, status: 'COMPLETED' | 'CANCELLED'): Promise<void> {
    await tx.execute(sql`INSERT INTO order_outcome (order_id, status) VALUES (${orderId}, ${status}) ON CONFLICT DO NOTHING`);
  }

  async hasEnded(tx: NotificationTransaction, orderId: string): Promise<boolean> {
    const [known] = await tx.query(sql`SELECT 1 FROM order_outcome WHERE order_id = ${orderId}`);
    return known !== undefined;
  }
}
