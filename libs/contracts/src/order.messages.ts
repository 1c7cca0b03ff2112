import { z } from 'zod';
import { defineMessage, orderId, customerId, sku, cents } from './message-contract';

export const CancellationReason = z.enum([
  'OUT_OF_STOCK',
  'UNKNOWN_PRODUCT',
  'PAYMENT_DECLINED',
  'UNKNOWN_CUSTOMER',
  'PAYMENT_TIMEOUT',
  // An operator cancelled a saga stuck on a step (POST /admin/sagas/:id/cancel).
  'CANCELLED_BY_OPERATOR',
]);
export type CancellationReason = z.infer<typeof CancellationReason>;

const orderLine = z.object({ sku, quantity: z.number().int().min(1), unitPriceCents: cents });

/** Integration event: an order was accepted and its saga started; broadcast to whoever wants to know. */
export const OrderPlaced = defineMessage(
  'order.placed',
  1,
  z.object({ orderId, customerId, items: z.array(z.object({ sku, quantity: z.number().int().min(1) })) }),
);

/** Integration event: an order reached COMPLETED. Points are earned from it, a notification is sent. */
export const OrderCompleted = defineMessage(
  'order.completed',
  1,
  z.object({ orderId, customerId, totalCents: cents, lines: z.array(orderLine) }),
);

/** Integration event: an order reached CANCELLED. */
export const OrderCancelled = defineMessage(
  'order.cancelled',
  1,
  z.object({ orderId, customerId, reason: CancellationReason }),
);
