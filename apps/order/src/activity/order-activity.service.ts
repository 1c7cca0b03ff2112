import { Injectable, NotFoundException } from '@nestjs/common';
import { RowsAtCommit, sql } from '@platform/database';
import type { InboundMessage } from '@platform/messaging';
import { OrderDatabase, type OrderTransaction } from '../order.database';

export interface OrderActivityView {
  type: string;
  topic: string;
  partition: number;
  offset: string;
  occurredAt: string;
}

interface ActivityRow {
  messageId: string;
  orderId: string;
  type: string;
  topic: string;
  partition: number;
  offset: string;
  occurredAt: string;
}

/**
 * The order-activity read model: one row per event about an order, wherever in the logs it was
 * read. A Kafka batch of events becomes one multi-row insert at commit, not one insert per event.
 */
@Injectable()
export class OrderActivityService {
  private readonly rows = new RowsAtCommit<ActivityRow>((tx, rows) => this.insert(tx, rows));

  constructor(private readonly db: OrderDatabase) {}

  record(tx: OrderTransaction, message: InboundMessage): void {
    this.rows.add(tx, [
      {
        messageId: message.messageId,
        orderId: message.correlationId,
        type: message.type,
        topic: message.source,
        partition: message.position?.partition ?? -1,
        offset: message.position?.offset ?? '-1',
        occurredAt: message.occurredAt,
      },
    ]);
  }

  private async insert(tx: OrderTransaction, rows: readonly ActivityRow[]): Promise<void> {
    await tx.execute(sql`
      INSERT INTO order_activity (message_id, order_id, type, topic, partition, "offset", occurred_at)
      SELECT * FROM unnest(${rows.map((row) => row.messageId)}::text[], ${rows.map((row) => row.orderId)}::text[],
                           ${rows.map((row) => row.type)}::text[], ${rows.map((row) => row.topic)}::text[],
                           ${rows.map((row) => row.partition)}::int[], ${rows.map((row) => row.offset)}::bigint[],
                           ${rows.map((row) => row.occurredAt)}::timestamptz[])
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
