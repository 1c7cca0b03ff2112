import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { OrderPlaced, type PayloadOf } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import { type MessageContext, messageFrom } from '@platform/service-kit';
import type { NotificationTransaction } from '../notification.database';
import { NotificationsService } from './notifications.service';

/** Acknowledges every order as soon as it is accepted: this queue's copy of the order.placed fanout. */
@Controller()
export class OrderPlacedMessageController {
  constructor(private readonly notifications: NotificationsService) {}

  @EventPattern(...messageFrom(Queues.notificationOrderPlaced, OrderPlaced))
  async orderPlaced(@Payload() event: PayloadOf<typeof OrderPlaced>, @Ctx() { tx, message }: MessageContext<NotificationTransaction>): Promise<void> {
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
