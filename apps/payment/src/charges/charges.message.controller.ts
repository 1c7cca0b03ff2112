import { ChargePayment, type PayloadOf, RefundPayment } from '@platform/contracts';
import { Queues } from '@platform/messaging';
import { MessageConsumer, type MessageContext, OnMessage } from '@platform/service-kit';
import type { PaymentTransaction } from '../payment.database';
import { ChargesService } from './charges.service';

type Context = MessageContext<PaymentTransaction>;

/** The payment side of the place-order saga. */
@MessageConsumer(Queues.paymentCommands)
export class ChargesMessageController {
  constructor(private readonly charges: ChargesService) {}

  @OnMessage(ChargePayment)
  chargePayment(command: PayloadOf<typeof ChargePayment>, { tx, message, batch }: Context): Promise<void> {
    return this.charges.charge(tx, command, message, batch);
  }

  @OnMessage(RefundPayment)
  refundPayment(command: PayloadOf<typeof RefundPayment>, { tx, message, batch }: Context): Promise<void> {
    return this.charges.refund(tx, command.orderId, message, batch);
  }
}
