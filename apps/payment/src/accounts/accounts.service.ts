import { Injectable, NotFoundException } from '@nestjs/common';
import { exactInteger } from '@platform/database';
import type { Account } from '../generated/prisma/client';
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
    // One statement, so the difference is taken against the limit as it is at the update, whatever
    // charges run beside it.
    const [account] = await this.db.$queryRaw<{ credit_limit_cents: bigint; available_cents: bigint }[]>`
      INSERT INTO account (customer_id, credit_limit_cents, available_cents, updated_at)
      VALUES (${customerId}, ${request.creditLimitCents}::bigint, ${request.creditLimitCents}::bigint, now())
      ON CONFLICT (customer_id) DO UPDATE
         SET available_cents = account.available_cents + excluded.credit_limit_cents - account.credit_limit_cents,
             credit_limit_cents = excluded.credit_limit_cents,
             updated_at = now()
      RETURNING credit_limit_cents, available_cents`;
    return toView({ customerId, creditLimitCents: account.credit_limit_cents, availableCents: account.available_cents });
  }

  async get(customerId: string): Promise<AccountView> {
    const account = await this.db.account.findUnique({ where: { customerId } });
    if (!account) throw new NotFoundException(`no account for customer ${customerId}`);
    return toView(account);
  }

  async paymentsOf(orderId: string): Promise<PaymentView[]> {
    const payments = await this.db.payment.findMany({ where: { orderId }, orderBy: { createdAt: 'asc' } });
    return payments.map(({ id, amountCents, status }) => ({ id, orderId, amountCents: exactInteger(amountCents), status }));
  }
}

function toView({ customerId, creditLimitCents, availableCents }: Pick<Account, keyof AccountView>): AccountView {
  return { customerId, creditLimitCents: exactInteger(creditLimitCents), availableCents: exactInteger(availableCents) };
}
