import { Injectable, NotFoundException } from '@nestjs/common';
import { sql } from '@platform/database';
import type { InboundMessage } from '@platform/messaging';
import { OrderDatabase, type OrderTransaction } from '../order.database';

export interface OrderActivityView {
  type: string;
  topic: string;
  partition: number;
  offset: string;
  occurredAt: string;
}

/** The order-activity read model: one row per event about an order, wherever in the logs it was read. */
@Injectable()
export class OrderActivityService {
  constructor(private readonly db: OrderDatabase) {}

  async record(tx: OrderTransaction, message: InboundMessage): Promise<void> {
    await tx.execute(sql`
      INSERT INTO order_activity (message_id, order_id, type, topic, partition, "offset", occurred_at)
      VALUES (${message.messageId}, ${message.correlationId}, ${message.type}, ${message.source},
              ${message.position?.partition ?? -1}, ${message.position?.offset ?? '-1'}::bigint, ${message.occurredAt}::timestamptz)
      ON CONFLICT DO NOTHING`);
  }

  async forOrder(orderId: string): Promise<OrderActivityView[]> {
    const order = await this.db.order.findUnique({ where: { id: orderId }, select: { id: true } });
    if (!order) throw new NotFoundException(`no order ${orderId}`);
    const rows = await this.db.orderActivity.findMany({
      where: { orderId },
      orderBy: [{ occurredAt: 'asc' }, { topic: 'asc' }, { offset: 'asc' }],
    });
    return rows.map(({ type, topic, partition, offset, occurredAt }) => ({
      type,
      topic,
      partition,
      offset: offset.toString(),
      occurredAt: occurredAt.toISOString(),
    }));
  }
}
