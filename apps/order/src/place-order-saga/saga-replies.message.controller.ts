import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  type PayloadOf,
  PaymentCharged,
  PaymentRejected,
  SagaStepTimedOut,
  StockReservationRejected,
  StockReserved,
} from '@platform/contracts';
import { Queues } from '@platform/messaging';
import type { HandleResult } from '@platform/saga';
import { type MessageContext, messageFrom, PLATFORM_LOGGER } from '@platform/service-kit';
import type { Logger } from 'pino';
import type { OrderTransaction } from '../order.database';
import { PlaceOrderSagaService } from './place-order-saga.service';

type Context = MessageContext<OrderTransaction>;

/** Participants' replies, handed to the saga; the saga's state decides whether they still matter. */
@Controller()
export class SagaRepliesMessageController {
  constructor(
    private readonly saga: PlaceOrderSagaService,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
  ) {}

  @EventPattern(...messageFrom(Queues.orderSagaReplies, StockReserved))
  stockReserved(@Payload() reply: PayloadOf<typeof StockReserved>, @Ctx() context: Context): Promise<void> {
    return this.apply(reply, context);
  }

  @EventPattern(...messageFrom(Queues.orderSagaReplies, StockReservationRejected))
  stockReservationRejected(@Payload() reply: PayloadOf<typeof StockReservationRejected>, @Ctx() context: Context): Promise<void> {
    return this.apply(reply, context);
  }

  @EventPattern(...messageFrom(Queues.orderSagaReplies, PaymentCharged))
  paymentCharged(@Payload() reply: PayloadOf<typeof PaymentCharged>, @Ctx() context: Context): Promise<void> {
    return this.apply(reply, context);
  }

  @EventPattern(...messageFrom(Queues.orderSagaReplies, PaymentRejected))
  paymentRejected(@Payload() reply: PayloadOf<typeof PaymentRejected>, @Ctx() context: Context): Promise<void> {
    return this.apply(reply, context);
  }

  @EventPattern(...messageFrom(Queues.orderSagaReplies, SagaStepTimedOut))
  async stepTimedOut(@Payload() timeout: PayloadOf<typeof SagaStepTimedOut>, @Ctx() { tx, message, batch }: Context): Promise<void> {
    this.logIgnored(message, await this.saga.handleTimeout(tx, message, timeout, batch));
  }

  private async apply(payload: unknown, { tx, message, batch }: Context): Promise<void> {
    this.logIgnored(message, await this.saga.handleReply(tx, message, payload, batch));
  }

  private logIgnored(message: Context['message'], result: HandleResult): void {
    if (result.applied) return;
    const context = { orderId: message.correlationId, type: message.type, reason: result.reason };
    // Every order answered in time meets its own timeout later: a stale timeout is the normal path.
    if (result.stale) this.logger.debug(context, 'stale saga timeout ignored');
    else this.logger.warn(context, 'saga reply ignored');
  }
}
