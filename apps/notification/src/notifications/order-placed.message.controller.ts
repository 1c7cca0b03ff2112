import { OrderPlaced, type PayloadOf } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import { MessageConsumer, type MessageContext, OnMessage } from '@platform/service-kit';
import type { NotificationTransaction } from '../notification.database';
import { NotificationsService } from './notifications.service';

/** Acknowledges every order as soon as it is accepted: this queue's copy of the order.placed fanout. */
@MessageConsumer(Queues.notificationOrderPlaced)
export class OrderPlacedMessageController {
  constructor(private readonly notifications: NotificationsService) {}

  @OnMessage(OrderPlaced)
  async orderPlaced(event: PayloadOf<typeof OrderPlaced>, { tx, message }: MessageContext<NotificationTransaction>): Promise<void> {
    this.notifications.request(
      tx,
      {
        orderId: event.orderId,
        customerId: event.customerId,
        channel: 'email',
        priority: 'normal',
        template: 'order-received',
        body: `We received your order ${event.orderId} (${event.items.length} line(s)); we will tell you when it is confirmed.`,
      },
      message.messageId,
    );
  }
}
