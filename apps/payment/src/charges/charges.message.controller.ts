import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { ChargePayment, type PayloadOf, RefundPayment } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import { type MessageContext, messageFrom, type ParticipantOutcome } from '@platform/service-kit';
import type { PaymentTransaction } from '../payment.database';
import { ChargesService } from './charges.service';

type Context = MessageContext<PaymentTransaction>;

/** The payment side of the place-order saga: commands in; the outcome each returns goes out through the outbox. */
@Controller()
export class ChargesMessageController {
  constructor(private readonly charges: ChargesService) {}

  @EventPattern(...messageFrom(Queues.paymentCommands, ChargePayment))
  chargePayment(@Payload() command: PayloadOf<typeof ChargePayment>, @Ctx() { tx, batch }: Context): Promise<ParticipantOutcome> {
    return this.charges.charge(tx, command, batch);
  }

  @EventPattern(...messageFrom(Queues.paymentCommands, RefundPayment))
  refundPayment(@Payload() command: PayloadOf<typeof RefundPayment>, @Ctx() { tx, batch }: Context): Promise<ParticipantOutcome> {
    return this.charges.refund(tx, command.orderId, batch);
  }
}
