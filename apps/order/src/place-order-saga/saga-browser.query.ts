import { identifier, orderIdQuery } from '@platform/service-kit';
import { z } from 'zod';

/** A saga's coarse state as an operator asks for it; STUCK is RUNNING and unchanged for longer than SAGA_STUCK_AFTER_MS. */
export const SAGA_BROWSER_STATES = ['RUNNING', 'STUCK', 'COMPLETED', 'CANCELLED'] as const;
export type SagaBrowserState = (typeof SAGA_BROWSER_STATES)[number];

const limitRule = 'must be a whole number between 1 and 200';

/** `GET /admin/sagas?orderId=&customerId=&state=&limit=`: every filter optional. */
export const SagaBrowserQuery = z.object({
  orderId: orderIdQuery.optional(),
  customerId: identifier.optional(),
  state: z.enum(SAGA_BROWSER_STATES, { error: `must be one of ${SAGA_BROWSER_STATES.join(', ')}` }).optional(),
  limit: z.coerce.number({ error: limitRule }).int({ error: limitRule }).min(1, { error: limitRule }).max(200, { error: limitRule }).default(50),
});

export type SagaBrowserFilter = z.output<typeof SagaBrowserQuery>;
