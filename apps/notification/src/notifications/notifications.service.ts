import { Injectable } from '@nestjs/common';
import { type PayloadOf, SendNotification } from '@platform/contracts';
import { newTimeOrderedId, RowsAtCommit, sql } from '@platform/database';
import { type InboundMessage, Routes } from '@platform/messaging';
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
  async send(tx: NotificationTransaction, request: NotificationRequest, sentVia: string, batch: readonly InboundMessage[]): Promise<void> {
    if (request.template === 'order-delayed' && (await this.outcomes.hasEnded(tx, request.orderId, batch))) return;
    this.recorded.add(tx, [{ request, sentVia }]);
  }

  /**
   * The notifications of a batch are recorded in one insert just before the commit, and those it
   * stored (not already sent) are sent then: a message that fails earlier in the batch rolls the
   * batch back, and must not leave a notification sent twice.
   */
  private readonly recorded = new RowsAtCommit<{ request: NotificationRequest; sentVia: string }>(async (tx, sends) => {
    const requests = sends.map(({ request }) => request);
    const stored = await tx.query<{ order_id: string; template: string; channel: string }>(sql`
      INSERT INTO notification (id, order_id, customer_id, channel, priority, template, body, status, sent_via)
      SELECT id, order_id, customer_id, channel, priority, template, body, 'SENT', sent_via
        FROM unnest(${sends.map(() => newTimeOrderedId())}::uuid[], ${requests.map((request) => request.orderId)}::text[],
                    ${requests.map((request) => request.customerId)}::text[], ${requests.map((request) => request.channel)}::text[],
                    ${requests.map((request) => request.priority)}::text[], ${requests.map((request) => request.template)}::text[],
                    ${requests.map((request) => request.body)}::text[], ${sends.map(({ sentVia }) => sentVia)}::text[])
             WITH ORDINALITY AS n(id, order_id, customer_id, channel, priority, template, body, sent_via, position)
       ORDER BY position
      ON CONFLICT DO NOTHING
      RETURNING order_id, template, channel`);
    const fresh = new Set(stored.map((row) => notificationKey(row.order_id, row.template, row.channel)));
    for (const request of requests) {
      if (fresh.delete(notificationKey(request.orderId, request.template, request.channel))) {
        await this.sender.send({ ...request, to: request.customerId });
      }
    }
  });

  async forOrder(orderId: string): Promise<NotificationView[]> {
    const notifications = await this.db.notification.findMany({ where: { orderId }, orderBy: { createdAt: 'asc' } });
    return notifications.map(({ id, channel, template, status }) => ({ id, orderId, channel, template, status }));
  }
}

const notificationKey = (orderId: string, template: string, channel: string) => `${orderId}\u0000${template}\u0000${channel}`;
