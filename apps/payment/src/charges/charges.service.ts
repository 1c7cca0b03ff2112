import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type ChargePayment, type PayloadOf, PaymentCharged, PaymentRefunded, PaymentRejected } from '@platform/contracts';
import { type InboundMessage, Routes } from '@platform/messaging';
import { OutboxWriter } from '@platform/outbox';
import { eventOnLog, replyTo } from '@platform/service-kit';
import type { PaymentTransaction } from '../payment.database';
import { PaymentBook } from './payment-book';

/**
 * Charges and refunds, each in the caller's transaction with its inbox row, its reply to the
 * saga (RabbitMQ) and its event on the payments log (Kafka); the payment book reads, locks and
 * writes what a batch of commands needs once (see PaymentBook).
 */
@Injectable()
export class ChargesService {
  constructor(
    private readonly outbox: OutboxWriter,
    private readonly payments: PaymentBook,
  ) {}

  /**
   * At most one charge per order, enforced by the unique order id on payments: a repeated
   * command is answered with the charge that exists. The account row is locked, so concurrent
   * charges of one customer queue up instead of overdrawing it.
   */
  async charge(tx: PaymentTransaction, command: PayloadOf<typeof ChargePayment>, message: InboundMessage, batch: readonly InboundMessage[]): Promise<void> {
    const book = await this.payments.bookFor(tx, batch, command.orderId, [command.customerId]);
    const existing = book.paymentOf.get(command.orderId);
    if (existing) {
      // Asked again with a new message id: answer as the first time, or not at all once refunded.
      if (existing.status === 'REFUNDED') return;
      this.outbox.append(tx, [
        replyTo(message, PaymentCharged, { orderId: command.orderId, paymentId: existing.id, amountCents: existing.amountCents }),
      ]);
      return;
    }

    const available = book.availableOf.get(command.customerId);
    if (available === undefined) return this.reject(tx, message, command.orderId, 'UNKNOWN_CUSTOMER');
    if (available < command.amountCents) return this.reject(tx, message, command.orderId, 'PAYMENT_DECLINED');

    const charged = { orderId: command.orderId, paymentId: randomUUID(), amountCents: command.amountCents };
    this.payments.charge(book, command.orderId, {
      id: charged.paymentId,
      customerId: command.customerId,
      amountCents: command.amountCents,
      status: 'CHARGED',
    });
    this.outbox.append(tx, [
      replyTo(message, PaymentCharged, charged),
      eventOnLog(message, PaymentCharged, charged, Routes.paymentEventLog(command.orderId)),
    ]);
  }

  /** Compensation: gives a charge back. Refunding twice, or an order never charged, changes nothing. */
  async refund(tx: PaymentTransaction, orderId: string, message: InboundMessage, batch: readonly InboundMessage[]): Promise<void> {
    const book = await this.payments.bookFor(tx, batch, orderId);
    const payment = book.paymentOf.get(orderId);
    if (!payment || payment.status !== 'CHARGED') return;
    this.payments.refund(book, payment);
    this.outbox.append(tx, [
      eventOnLog(
        message,
        PaymentRefunded,
        { orderId, paymentId: payment.id, customerId: payment.customerId, amountCents: payment.amountCents },
        Routes.paymentEventLog(orderId),
      ),
    ]);
  }

  private reject(
    tx: PaymentTransaction,
    message: InboundMessage,
    orderId: string,
    reason: 'UNKNOWN_CUSTOMER' | 'PAYMENT_DECLINED',
  ): void {
    this.outbox.append(tx, [
      replyTo(message, PaymentRejected, { orderId, reason }),
      eventOnLog(message, PaymentRejected, { orderId, reason }, Routes.paymentEventLog(orderId)),
    ]);
  }
}
