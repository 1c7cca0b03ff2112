import { z } from 'zod';
import { defineMessage, orderId, customerId, cents } from './message-contract';

/** Command: charge an order's total to the customer's account. */
export const ChargePayment = defineMessage(
  'payment.charge',
  1,
  z.object({ orderId, customerId, amountCents: cents }),
);

/** Command (compensation): refund the order's charge, if there is one. */
export const RefundPayment = defineMessage('payment.refund', 1, z.object({ orderId }));

/** Reply to ChargePayment: the money is taken. */
export const PaymentCharged = defineMessage(
  'payment.charged',
  1,
  z.object({ orderId, paymentId: z.uuid(), amountCents: cents }),
);

export const PaymentRejectionReason = z.enum(['UNKNOWN_CUSTOMER', 'PAYMENT_DECLINED']);

/** Reply to ChargePayment: nothing was charged. */
export const PaymentRejected = defineMessage(
  'payment.rejected',
  1,
  z.object({ orderId, reason: PaymentRejectionReason }),
);

/**
 * Event (the payments log): a charge was given back. Charges and rejections are logged with
 * the reply contracts above, which already state those facts.
 */
export const PaymentRefunded = defineMessage(
  'payment.refunded',
  1,
  z.object({ orderId, paymentId: z.uuid(), customerId, amountCents: cents }),
);
