import { Injectable } from '@nestjs/common';
import { type ChargePayment, type PayloadOf, PaymentCharged, PaymentRefunded, PaymentRejected } from '@platform/contracts';
import { newTimeOrderedId } from '@platform/database';
import { type InboundMessage, Routes } from '@platform/messaging';
import { noReply, type ParticipantOutcome, withFailure, withSuccess } from '@platform/service-kit';
import type { PaymentTransaction } from '../payment.database';
import { PaymentBook } from './payment-book';

/**
 * Charges and refunds, each in the caller's transaction with its inbox row; the outcome each
 * method returns (the reply to the saga on RabbitMQ, the event on the payments log on Kafka) is
 * written to the outbox in that transaction too. The payment book reads, locks and writes what a
 * batch of commands needs once (see PaymentBook).
 */
@Injectable()
export class ChargesService {
  constructor(private readonly payments: PaymentBook) {}

  /**
   * At most one charge per order, enforced by the unique order id on payments: a repeated
   * command is answered with the charge that exists. The account row is locked, so concurrent
   * charges of one customer queue up instead of overdrawing it.
   */
  async charge(tx: PaymentTransaction, command: PayloadOf<typeof ChargePayment>, batch: readonly InboundMessage[]): Promise<ParticipantOutcome> {
    const { orderId, customerId, amountCents } = command;
    const book = await this.payments.bookFor(tx, batch, orderId, [customerId]);
    const existing = book.paymentOf.get(orderId);
    if (existing) {
      // Asked again with a new message id: answer as the first time, or not at all once refunded.
      if (existing.status === 'REFUNDED') return noReply();
      return withSuccess(PaymentCharged, { orderId, paymentId: existing.id, amountCents: existing.amountCents });
    }

    const available = book.availableOf.get(customerId);
    if (available === undefined) return rejected(orderId, 'UNKNOWN_CUSTOMER');
    if (available < amountCents) return rejected(orderId, 'PAYMENT_DECLINED');

    const charged = { orderId, paymentId: newTimeOrderedId(), amountCents };
    this.payments.charge(book, orderId, { id: charged.paymentId, customerId, amountCents, status: 'CHARGED' });
    return withSuccess(PaymentCharged, charged).andLogged(Routes.paymentEventLog(orderId));
  }

  /** Compensation: gives a charge back. Refunding twice, or an order never charged, changes nothing. */
  async refund(tx: PaymentTransaction, orderId: string, batch: readonly InboundMessage[]): Promise<ParticipantOutcome> {
    const book = await this.payments.bookFor(tx, batch, orderId);
    const payment = book.paymentOf.get(orderId);
    if (!payment || payment.status !== 'CHARGED') return noReply();
    this.payments.refund(book, payment);
    const refunded = { orderId, paymentId: payment.id, customerId: payment.customerId, amountCents: payment.amountCents };
    return noReply().andEvent(PaymentRefunded, refunded, Routes.paymentEventLog(orderId));
  }
}

function rejected(orderId: string, reason: 'UNKNOWN_CUSTOMER' | 'PAYMENT_DECLINED'): ParticipantOutcome {
  return withFailure(PaymentRejected, { orderId, reason }).andLogged(Routes.paymentEventLog(orderId));
}
