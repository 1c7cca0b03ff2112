import { MAX_ID_LENGTH } from '@platform/contracts';
import { z } from 'zod';

export const customerIdParam = z.string().min(1).max(MAX_ID_LENGTH);

export const PutAccountRequest = z.object({
  creditLimitCents: z.number().int().min(0).max(1_000_000_000_000),
});
export type PutAccountRequest = z.infer<typeof PutAccountRequest>;
