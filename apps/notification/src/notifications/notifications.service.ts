import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type PayloadOf, SendNotification } from '@platform/contracts';
import { sql } from '@platform/database';
import { Routes } from '@platform/messaging';
import { outgoing, OutboxWriter } from '@platform/outbox';
import { NotificationDatabase, type NotificationTransaction } from '../notification.database';
import { OrderOutcomes } from '../reminders/order-outcomes';
import { SimulatedNotificationSender } from '../sending/notification-sender';

export type NotificationRequest = PayloadOf<typeof SendNotification>;

export interface NotificationView {
  id: string;
  orderId: string;
  channel: string;
  template: string;
  status: string;
}

/**
 * Notifications are sent in two steps. Deciding to notify writes a SendNotification to the
 * outbox, routed by the headers exchange on its channel and priority; the sender that consumes
 * it records the notification and sends it. A notification is therefore stored only once sent.
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly db: NotificationDatabase,
    private readonly outbox: OutboxWriter,
    private readonly sender: SimulatedNotificationSender,
    private readonly outcomes: OrderOutcomes,
  ) {}

  request(tx: NotificationTransaction, request: NotificationRequest, causationId: string): void {
    this.outbox.append(tx, [
      outgoing(SendNotification, request, {
        correlationId: request.orderId,
        causationId,
        destination: Routes.notificationDispatch({ channel: request.channel, priority: request.priority }),
      }),
    ]);
  }

  /**
   * Records and sends one notification; the unique (order, template, channel) keeps it to one.
   * A reminder that an order has ended since it was decided is dropped: the customer has heard.
   */
  async send(tx: NotificationTransaction, request: NotificationRequest, sentVia: string): Promise<void> {
    if (request.template === 'order-delayed' && (await this.outcomes.hasEnded(tx, request.orderId))) return;
    const { orderId, customerId, channel, priority, template, body } = request;
    const recorded = await tx.execute(sql`
      INSERT INTO notification (id, order_id, customer_id, channel, priority, template, body, status, sent_via)
      VALUES (${randomUUID()}::uuid, ${orderId}, ${customerId}, ${channel}, ${priority}, ${template}, ${body}, 'SENT', ${sentVia})
      ON CONFLICT DO NOTHING`);
    if (recorded === 0) return;
    // Sent once every message of the batch has been handled, just before the commit: a message
    // that fails later in the same batch rolls the batch back, and must not leave this one sent twice.
    tx.beforeCommit(() => this.sender.send({ ...request, to: request.customerId }));
  }

  async forOrder(orderId: string): Promise<NotificationView[]> {
    const notifications = await this.db.notification.findMany({ where: { orderId }, orderBy: { createdAt: 'asc' } });
    return notifications.map(({ id, channel, template, status }) => ({ id, orderId, channel, template, status }));
  }
}
