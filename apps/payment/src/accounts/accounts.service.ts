import { Injectable, NotFoundException } from '@nestjs/common';
import { PaymentDatabase } from '../payment.database';
import type { PutAccountRequest } from './account.request';

export interface AccountView {
  customerId: string;
  creditLimitCents: number;
  availableCents: number;
}

export interface PaymentView {
  id: string;
  orderId: string;
  amountCents: number;
  status: 'CHARGED' | 'REFUNDED';
}

@Injectable()
export class AccountsService {
  constructor(private readonly db: PaymentDatabase) {}

  /**
   * Creates an account, or changes its credit limit. Charges already taken stay taken: the
   * available amount moves by the same difference as the limit.
   */
  async put(customerId: string, request: PutAccountRequest): Promise<AccountView> {
    return this.db.$transaction(async (tx) => {
      const [current] = await tx.$queryRaw<{ credit_limit_cents: number }[]>`
        SELECT credit_limit_cents FROM account WHERE customer_id = ${customerId} FOR UPDATE`;
      const account = current
        ? await tx.account.update({
            where: { customerId },
            data: {
              creditLimitCents: request.creditLimitCents,
              availableCents: { increment: request.creditLimitCents - current.credit_limit_cents },
            },
          })
        : await tx.account.create({
            data: { customerId, creditLimitCents: request.creditLimitCents, availableCents: request.creditLimitCents },
          });
      return toView(account);
    });
  }

  async get(customerId: string): Promise<AccountView> {
    const account = await this.db.account.findUnique({ where: { customerId } });
    if (!account) throw new NotFoundException(`no account for customer ${customerId}`);
    return toView(account);
  }

  async paymentsOf(orderId: string): Promise<PaymentView[]> {
    const payments = await this.db.payment.findMany({ where: { orderId }, orderBy: { createdAt: 'asc' } });
    return payments.map(({ id, amountCents, status }) => ({ id, orderId, amountCents, status }));
  }
}

function toView({ customerId, creditLimitCents, availableCents }: AccountView): AccountView {
  return { customerId, creditLimitCents, availableCents };
}
