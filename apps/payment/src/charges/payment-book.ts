import { Injectable } from '@nestjs/common';
import { ChargePayment, RefundPayment } from '@platform/contracts';
import { sql, StateAtCommit } from '@platform/database';
import type { InboundMessage } from '@platform/messaging';
import type { PaymentTransaction } from '../payment.database';

export interface Payment {
  readonly id: string;
  readonly customerId: string;
  readonly amountCents: number;
  status: 'CHARGED' | 'REFUNDED';
}

/** What one transaction has read, locked and changed; written back once, at commit. */
export class OpenPaymentBook {
  /** Per order id read: its payment, or null when it has none. */
  readonly paymentOf = new Map<string, Payment | null>();
  /** Per customer id read: the available credit, or undefined when the customer has no account. */
  readonly availableOf = new Map<string, number | undefined>();
  readonly charged: { orderId: string; payment: Payment }[] = [];
  readonly refunded = new Set<string>();
  readonly changedAccounts = new Set<string>();
}

/**
 * The payments and accounts a batch of payment commands works on. The first command of a
 * transaction reads and locks what the whole batch needs in two statements: the payments of every
 * order it names, then every account involved, in customer order (the lock order all batches
 * share). The commands then work in memory, in batch order, and the changes join the transaction's
 * writes at commit: with its outbox rows, one statement, or two when the batch also refunds. Each
 * command cost three statements before.
 */
@Injectable()
export class PaymentBook {
  private readonly open = new StateAtCommit<OpenPaymentBook>(() => new OpenPaymentBook(), (tx, book) => this.write(tx, book));

  /** The book of this transaction, with `orderId` and `customerIds` read and locked; on the first call, all the batch names too. */
  async bookFor(tx: PaymentTransaction, batch: readonly InboundMessage[], orderId: string, customerIds: readonly string[] = []): Promise<OpenPaymentBook> {
    const { state: book, created } = this.open.of(tx);
    const wanted = { orderIds: [orderId], customerIds: [...customerIds] };
    if (created) {
      const named = namedBy(batch);
      wanted.orderIds.push(...named.orderIds);
      wanted.customerIds.push(...named.customerIds);
    }
    const refundable = await this.lockPayments(tx, book, wanted.orderIds);
    // One lock statement for every account, in customer order: a refund credits its payment's customer.
    await this.lockAccounts(tx, book, [...wanted.customerIds, ...refundable]);
    return book;
  }

  /** Takes the amount from the customer's available credit and records the charge. */
  charge(book: OpenPaymentBook, orderId: string, payment: Payment): void {
    book.availableOf.set(payment.customerId, book.availableOf.get(payment.customerId)! - payment.amountCents);
    book.changedAccounts.add(payment.customerId);
    book.paymentOf.set(orderId, payment);
    book.charged.push({ orderId, payment });
  }

  /** Gives the charge back to the customer's available credit. */
  refund(book: OpenPaymentBook, payment: Payment): void {
    payment.status = 'REFUNDED';
    book.availableOf.set(payment.customerId, book.availableOf.get(payment.customerId)! + payment.amountCents);
    book.changedAccounts.add(payment.customerId);
    book.refunded.add(payment.id);
  }

  /** Reads and locks the payments of the orders not read yet; returns the customers of those that can be refunded. */
  private async lockPayments(tx: PaymentTransaction, book: OpenPaymentBook, orderIds: readonly string[]): Promise<string[]> {
    const missing = [...new Set(orderIds)].filter((orderId) => !book.paymentOf.has(orderId)).sort();
    if (missing.length === 0) return [];
    const rows = await tx.query<{ id: string; order_id: string; customer_id: string; amount_cents: number; status: Payment['status'] }>(sql`
      SELECT id, order_id, customer_id, amount_cents, status FROM payment
       WHERE order_id = ANY(${missing}::text[]) ORDER BY order_id FOR UPDATE`);
    for (const orderId of missing) book.paymentOf.set(orderId, null);
    for (const row of rows) {
      book.paymentOf.set(row.order_id, { id: row.id, customerId: row.customer_id, amountCents: row.amount_cents, status: row.status });
    }
    return rows.filter((row) => row.status === 'CHARGED').map((row) => row.customer_id);
  }

  private async lockAccounts(tx: PaymentTransaction, book: OpenPaymentBook, customerIds: readonly string[]): Promise<void> {
    const missing = [...new Set(customerIds)].filter((customerId) => !book.availableOf.has(customerId)).sort();
    if (missing.length === 0) return;
    const rows = await tx.query<{ customer_id: string; available_cents: number }>(sql`
      SELECT customer_id, available_cents FROM account WHERE customer_id = ANY(${missing}::text[]) ORDER BY customer_id FOR UPDATE`);
    for (const customerId of missing) book.availableOf.set(customerId, undefined);
    for (const row of rows) book.availableOf.set(row.customer_id, row.available_cents);
  }

  /** The book's changes join the transaction's other writes at commit (its outbox rows): one statement, one round trip. */
  private async write(tx: PaymentTransaction, book: OpenPaymentBook): Promise<void> {
    if (book.charged.length > 0) {
      const { charged } = book;
      tx.writeAtCommit(() => ({
        table: 'payment',
        statement: sql`
        INSERT INTO payment (id, order_id, customer_id, amount_cents, status, updated_at)
        SELECT id, order_id, customer_id, amount_cents, 'CHARGED', now()
          FROM unnest(${charged.map(({ payment }) => payment.id)}::uuid[], ${charged.map(({ orderId }) => orderId)}::text[],
                      ${charged.map(({ payment }) => payment.customerId)}::text[], ${charged.map(({ payment }) => payment.amountCents)}::bigint[])
            AS p(id, order_id, customer_id, amount_cents)`,
      }));
    }
    if (book.refunded.size > 0) {
      // Another write of the table: it goes in a statement after the INSERT's, so it sees the payments a batch charged and refunded.
      tx.writeAtCommit(() => ({
        table: 'payment',
        statement: sql`
        UPDATE payment SET status = 'REFUNDED', updated_at = now() WHERE id = ANY(${[...book.refunded]}::uuid[]) AND status = 'CHARGED'`,
      }));
    }
    if (book.changedAccounts.size > 0) {
      const customers = [...book.changedAccounts];
      // The rows are locked since the book was opened, so the new balances are set, not added.
      tx.writeAtCommit(() => ({
        table: 'account',
        statement: sql`
        UPDATE account a SET available_cents = s.available_cents, updated_at = now()
          FROM unnest(${customers}::text[], ${customers.map((customerId) => book.availableOf.get(customerId)!)}::bigint[])
            AS s(customer_id, available_cents)
         WHERE a.customer_id = s.customer_id`,
      }));
    }
  }
}

/** The orders and customers the commands of a batch name; a payload that breaks its contract names none (its handler rejects it). */
function namedBy(batch: readonly InboundMessage[]): { orderIds: string[]; customerIds: string[] } {
  const orderIds: string[] = [];
  const customerIds: string[] = [];
  for (const message of batch) {
    if (message.type === ChargePayment.type) {
      const command = ChargePayment.schema.safeParse(message.payload);
      if (!command.success) continue;
      orderIds.push(command.data.orderId);
      customerIds.push(command.data.customerId);
    } else if (message.type === RefundPayment.type) {
      const command = RefundPayment.schema.safeParse(message.payload);
      if (command.success) orderIds.push(command.data.orderId);
    }
  }
  return { orderIds, customerIds };
}
