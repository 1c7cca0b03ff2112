import { identifier } from '@platform/service-kit';
import { z } from 'zod';

export const PlaceOrderRequest = z.object({
  customerId: identifier,
  items: z
    .array(
      z.object({
        sku: identifier,
        quantity: z
          .number({ error: 'must be a whole number from 1 to 1000' })
          .int({ error: 'must be a whole number from 1 to 1000' })
          .min(1, { error: 'must be a whole number from 1 to 1000' })
          .max(1000, { error: 'must be a whole number from 1 to 1000' }),
      }),
      { error: 'must be a list of 1 to 100 order lines' },
    )
    .min(1, { error: 'must be a list of 1 to 100 order lines' })
    .max(100, { error: 'must be a list of 1 to 100 order lines' })
    .refine((items) => new Set(items.map((item) => item.sku)).size === items.length, {
      error: 'must not name the same sku twice',
    }),
});
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

export const IdempotencyKeyHeader = z
  .string()
  .min(1, { error: 'must be 1 to 200 characters' })
  .max(200, { error: 'must be 1 to 200 characters' })
  .optional();

export const orderIdParam = z.uuid({ error: 'must be an order id (a UUID)' });
