import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type ChargePayment, type PayloadOf, PaymentCharged, PaymentRefunded, PaymentRejected } from '@platform/contracts';
import { type InboundMessage, Routes } from '@platform/messaging';
import { OutboxWriter } from '@platform/outbox';
import { eventOnLog, replyTo } from '@platform/service-kit';
import type { PaymentTransaction } from '../payment.database';

/**
 * Charges and refunds, each in the caller's transaction with its inbox row, its reply to the
 * saga (RabbitMQ) and its event on the payments log (Kafka).
 */
@Injectable()
export class ChargesService {
  constructor(private readonly outbox: OutboxWriter) {}

  /**
   * At most one charge per order, enforced by the unique order id on payments: a repeated
   * command is answered with the charge that exists.
   */
  async charge(tx: PaymentTransaction, command: PayloadOf<typeof ChargePayment>, message: InboundMessage): Promise<void> {
    const existing = await tx.payment.findUnique({ where: { orderId: command.orderId } });
    if (existing) {
      // Asked again with a new message id: answer as the first time, or not at all once refunded.
      if (existing.status === 'REFUNDED') return;
      return this.outbox.append(tx, [
        replyTo(message, PaymentCharged, { orderId: command.orderId, paymentId: existing.id, amountCents: existing.amountCents }),
      ]);
    }

    const [account] = await tx.$queryRaw<{ available_cents: number }[]>`
      SELECT available_cents FROM account WHERE customer_id = ${command.customerId} FOR UPDATE`;
    if (!account) return this.reject(tx, message, command.orderId, 'UNKNOWN_CUSTOMER');
    if (account.available_cents < command.amountCents) return this.reject(tx, message, command.orderId, 'PAYMENT_DECLINED');

    await tx.account.update({
      where: { customerId: command.customerId },
      data: { availableCents: { decrement: command.amountCents } },
    });
    const payment = await tx.payment.create({
      data: {
        id: randomUUID(),
        orderId: command.orderId,
        customerId: command.customerId,
        amountCents: command.amountCents,
        status: 'CHARGED',
      },
    });
    const charged = { orderId: command.orderId, paymentId: payment.id, amountCents: payment.amountCents };
    await this.outbox.append(tx, [
      replyTo(message, PaymentCharged, charged),
      eventOnLog(message, PaymentCharged, charged, Routes.paymentEventLog(command.orderId)),
    ]);
  }

  /** Compensation: gives a charge back. Refunding twice, or an order never charged, changes nothing. */
  async refund(tx: PaymentTransaction, orderId: string, message: InboundMessage): Promise<void> {
    const [payment] = await tx.$queryRaw<{ id: string; customer_id: string; amount_cents: number; status: string }[]>`
      SELECT id, customer_id, amount_cents, status FROM payment WHERE order_id = ${orderId} FOR UPDATE`;
    if (payment?.status !== 'CHARGED') return;
    await tx.payment.update({ where: { orderId }, data: { status: 'REFUNDED' } });
    await tx.account.update({
      where: { customerId: payment.customer_id },
      data: { availableCents: { increment: payment.amount_cents } },
    });
    await this.outbox.append(tx, [
      eventOnLog(
        message,
        PaymentRefunded,
        { orderId, paymentId: payment.id, customerId: payment.customer_id, amountCents: payment.amount_cents },
        Routes.paymentEventLog(orderId),
      ),
    ]);
  }

  private reject(
    tx: PaymentTransaction,
    message: InboundMessage,
    orderId: string,
    reason: 'UNKNOWN_CUSTOMER' | 'PAYMENT_DECLINED',
  ): Promise<void> {
    return this.outbox.append(tx, [
      replyTo(message, PaymentRejected, { orderId, reason }),
      eventOnLog(message, PaymentRejected, { orderId, reason }, Routes.paymentEventLog(orderId)),
    ]);
  }
}
