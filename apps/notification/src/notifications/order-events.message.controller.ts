import { OrderCancelled, OrderCompleted, type PayloadOf } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import { MessageConsumer, type MessageContext, OnMessage } from '@platform/service-kit';
import type { NotificationTransaction } from '../notification.database';
import { NotificationsService } from './notifications.service';

type Context = MessageContext<NotificationTransaction>;

const euros = (cents: number) => (cents / 100).toFixed(2);

/** Tells the customer how their order ended, from the order events on the topic exchange. */
@MessageConsumer(Queues.notificationOrderEvents)
export class OrderEventsMessageController {
  constructor(private readonly notifications: NotificationsService) {}

  @OnMessage(OrderCompleted)
  orderCompleted(event: PayloadOf<typeof OrderCompleted>, { tx }: Context): Promise<void> {
    return this.notifications.notify(tx, {
      orderId: event.orderId,
      customerId: event.customerId,
      channel: 'email',
      template: 'order-completed',
      body: `Your order ${event.orderId} is confirmed: ${euros(event.totalCents)} charged.`,
    });
  }

  @OnMessage(OrderCancelled)
  orderCancelled(event: PayloadOf<typeof OrderCancelled>, { tx }: Context): Promise<void> {
    return this.notifications.notify(tx, {
      orderId: event.orderId,
      customerId: event.customerId,
      channel: 'email',
      template: 'order-cancelled',
      body: `Your order ${event.orderId} was cancelled (${event.reason}). Any amount taken has been refunded.`,
    });
  }
}
