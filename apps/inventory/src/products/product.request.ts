import { identifier } from '@platform/service-kit';
import { z } from 'zod';

export const skuParam = identifier;

export const PutProductRequest = z.object({
  name: z.string().min(1).max(200).optional(),
  priceCents: z.number().int().min(0).max(100_000_000),
  stock: z.number().int().min(0).max(100_000_000),
});
export type PutProductRequest = z.infer<typeof PutProductRequest>;
