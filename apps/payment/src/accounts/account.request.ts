import { identifier } from '@platform/service-kit';
import { z } from 'zod';

export const customerIdParam = identifier;

export const PutAccountRequest = z.object({
  creditLimitCents: z.number().int().min(0).max(1_000_000_000_000),
});
export type PutAccountRequest = z.infer<typeof PutAccountRequest>;
