import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { type ChargePayment, type PayloadOf, PaymentCharged, PaymentRefunded, PaymentRejected } from '@platform/contracts';
import { sql } from '@platform/database';
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
    const [existing] = await tx.query<{ id: string; amount_cents: number; status: string }>(sql`
      SELECT id, amount_cents, status FROM payment WHERE order_id = ${command.orderId}`);
    if (existing) {
      // Asked again with a new message id: answer as the first time, or not at all once refunded.
      if (existing.status === 'REFUNDED') return;
      this.outbox.append(tx, [
        replyTo(message, PaymentCharged, { orderId: command.orderId, paymentId: existing.id, amountCents: existing.amount_cents }),
      ]);
      return;
    }

    // Take the amount only if it is there; the row lock makes concurrent charges of one customer queue up.
    const [account] = await tx.query<{ debited: boolean }>(sql`
      WITH debited AS (
        UPDATE account SET available_cents = available_cents - ${command.amountCents}, updated_at = now()
         WHERE customer_id = ${command.customerId} AND available_cents >= ${command.amountCents}
        RETURNING customer_id)
      SELECT EXISTS (SELECT 1 FROM debited) AS debited
        FROM account WHERE customer_id = ${command.customerId}`);
    if (!account) return this.reject(tx, message, command.orderId, 'UNKNOWN_CUSTOMER');
    if (!account.debited) return this.reject(tx, message, command.orderId, 'PAYMENT_DECLINED');

    const charged = { orderId: command.orderId, paymentId: randomUUID(), amountCents: command.amountCents };
    await tx.execute(sql`
      INSERT INTO payment (id, order_id, customer_id, amount_cents, status, updated_at)
      VALUES (${charged.paymentId}::uuid, ${command.orderId}, ${command.customerId}, ${command.amountCents}, 'CHARGED', now())`);
    this.outbox.append(tx, [
      replyTo(message, PaymentCharged, charged),
      eventOnLog(message, PaymentCharged, charged, Routes.paymentEventLog(command.orderId)),
    ]);
  }

  /** Compensation: gives a charge back. Refunding twice, or an order never charged, changes nothing. */
  async refund(tx: PaymentTransaction, orderId: string, message: InboundMessage): Promise<void> {
    const [payment] = await tx.query<{ id: string; customer_id: string; amount_cents: number }>(sql`
      UPDATE payment SET status = 'REFUNDED', updated_at = now()
       WHERE order_id = ${orderId} AND status = 'CHARGED'
      RETURNING id, customer_id, amount_cents`);
    if (!payment) return;
    await tx.execute(sql`
      UPDATE account SET available_cents = available_cents + ${payment.amount_cents}, updated_at = now()
       WHERE customer_id = ${payment.customer_id}`);
    this.outbox.append(tx, [
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
  ): void {
    this.outbox.append(tx, [
      replyTo(message, PaymentRejected, { orderId, reason }),
      eventOnLog(message, PaymentRejected, { orderId, reason }, Routes.paymentEventLog(orderId)),
    ]);
  }
}
