import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { OrderPlaced, type PayloadOf } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import { type MessageContext, messageFrom } from '@platform/service-kit';
import type { NotificationTransaction } from '../notification.database';
import { NotificationsService } from '../notifications/notifications.service';
import { OrderOutcomes } from './order-outcomes';

/**
 * The delayed copy of order.placed: it arrives on the order events queue ORDER_REMINDER_DELAY_MS
 * after the order, through a TTL delay queue bound to the fanout. If the order has not ended by
 * then, the customer gets a text saying it is taking longer than usual.
 */
@Controller()
export class OrderRemindersMessageController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly outcomes: OrderOutcomes,
  ) {}

  @EventPattern(...messageFrom(Queues.notificationOrderEvents, OrderPlaced))
  async orderStillOpen(@Payload() event: PayloadOf<typeof OrderPlaced>, @Ctx() { tx, message, batch }: MessageContext<NotificationTransaction>): Promise<void> {
    if (await this.outcomes.hasEnded(tx, event.orderId, batch)) return;
    this.notifications.request(
      tx,
      {
        orderId: event.orderId,
        customerId: event.customerId,
        channel: 'sms',
        priority: 'normal',
        template: 'order-delayed',
        body: `Your order ${event.orderId} is taking longer than usual; we are on it.`,
      },
      message.messageId,
    );
  }
}
