import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { OrderCancelled, OrderCompleted, type PayloadOf } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import { type MessageContext, messageFrom } from '@platform/service-kit';
import type { NotificationTransaction } from '../notification.database';
import { OrderOutcomes } from '../reminders/order-outcomes';
import { NotificationsService } from './notifications.service';

type Context = MessageContext<NotificationTransaction>;

const euros = (cents: number) => (cents / 100).toFixed(2);

/** Tells the customer how their order ended, from the order events on the topic exchange. */
@Controller()
export class OrderEventsMessageController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly outcomes: OrderOutcomes,
  ) {}

  @EventPattern(...messageFrom(Queues.notificationOrderEvents, OrderCompleted))
  async orderCompleted(@Payload() event: PayloadOf<typeof OrderCompleted>, @Ctx() { tx, message }: Context): Promise<void> {
    await this.outcomes.record(tx, event.orderId, 'COMPLETED');
    this.notifications.request(
      tx,
      {
        orderId: event.orderId,
        customerId: event.customerId,
        channel: 'email',
        priority: 'normal',
        template: 'order-completed',
        body: `Your order ${event.orderId} is confirmed: ${euros(event.totalCents)} charged.`,
      },
      message.messageId,
    );
  }

  /** A cancellation is urgent: the customer may want to order elsewhere. */
  @EventPattern(...messageFrom(Queues.notificationOrderEvents, OrderCancelled))
  async orderCancelled(@Payload() event: PayloadOf<typeof OrderCancelled>, @Ctx() { tx, message }: Context): Promise<void> {
    await this.outcomes.record(tx, event.orderId, 'CANCELLED');
    this.notifications.request(
      tx,
      {
        orderId: event.orderId,
        customerId: event.customerId,
        channel: 'email',
        priority: 'high',
        template: 'order-cancelled',
        body: `Your order ${event.orderId} was cancelled (${event.reason}). Any amount taken has been refunded.`,
      },
      message.messageId,
    );
  }
}
