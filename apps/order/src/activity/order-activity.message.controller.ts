import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  OrderCancelled,
  OrderCompleted,
  OrderPlaced,
  PaymentCharged,
  PaymentRefunded,
  PaymentRejected,
  StockCommitted,
  StockReleased,
  StockReservationRejected,
  StockReserved,
} from '@platform/contracts';
import { type MessageContext, messageFrom } from '@platform/service-kit';
import type { OrderTransaction } from '../order.database';
import { ORDER_ACTIVITY_GROUP } from './order-activity.group';
import { OrderActivityService } from './order-activity.service';

/**
 * A second consumer group on the event logs, beside points: it reads the same topics at its own
 * pace, with its own offsets, and records every event of each order. Each payload has been
 * checked against its contract before the method runs; the activity keeps the metadata.
 */
@Controller()
export class OrderActivityMessageController {
  constructor(private readonly activity: OrderActivityService) {}

  @EventPattern(
    ...messageFrom(
      ORDER_ACTIVITY_GROUP,
      OrderPlaced,
      StockReserved,
      StockReservationRejected,
      PaymentCharged,
      PaymentRejected,
      StockCommitted,
      StockReleased,
      PaymentRefunded,
      OrderCompleted,
      OrderCancelled,
    ),
  )
  record(@Payload() _event: unknown, @Ctx() { tx, message }: MessageContext<OrderTransaction>): void {
    this.activity.record(tx, message);
  }
}
