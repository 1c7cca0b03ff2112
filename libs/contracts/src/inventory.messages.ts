import { z } from 'zod';
import { defineMessage, orderId, sku, cents } from './message-contract';

/** Command: hold every line of an order, all or nothing. */
export const ReserveStock = defineMessage(
  'inventory.reserve-stock',
  1,
  z.object({
    orderId,
    items: z.array(z.object({ sku, quantity: z.number().int().min(1) })).min(1),
  }),
);

/** Command (compensation): give a reservation back to available stock. */
export const ReleaseStock = defineMessage('inventory.release-stock', 1, z.object({ orderId }));

/** Command: the order completed, so the reserved units leave stock for good. */
export const CommitStock = defineMessage('inventory.commit-stock', 1, z.object({ orderId }));

/** Reply to ReserveStock: every line is held, at these unit prices. */
export const StockReserved = defineMessage(
  'inventory.stock-reserved',
  1,
  z.object({
    orderId,
    lines: z.array(z.object({ sku, quantity: z.number().int().min(1), unitPriceCents: cents })).min(1),
  }),
);

export const StockRejectionReason = z.enum(['OUT_OF_STOCK', 'UNKNOWN_PRODUCT']);

/** Reply to ReserveStock: nothing was held. */
export const StockReservationRejected = defineMessage(
  'inventory.stock-reservation-rejected',
  1,
  z.object({ orderId, reason: StockRejectionReason, skus: z.array(sku) }),
);

const heldLines = z.array(z.object({ sku, quantity: z.number().int().min(1) }));

/** Event (the inventory log): an order's held units went back to available stock. */
export const StockReleased = defineMessage('inventory.stock-released', 1, z.object({ orderId, lines: heldLines }));

/** Event (the inventory log): an order's held units left stock for good. */
export const StockCommitted = defineMessage('inventory.stock-committed', 1, z.object({ orderId, lines: heldLines }));
